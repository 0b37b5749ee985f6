#!/usr/bin/env bats
# --pidfile: aiorun writes its PID into a locked file, refuses to start
# while a live aiorun holds it, and removes it on the way out.

load helpers

@test "--pidfile holds aiorun's PID while it runs and is removed at exit" {
	start_aiorun --pidfile "$T/aiorun.pid" -- "$PROBE" record "$T"
	wait_for 5 has_files "$T/ready.*" 1
	[ "$(cat "$T/aiorun.pid")" = "$AIORUN_PID" ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	[ ! -e "$T/aiorun.pid" ]
}

@test "a second aiorun with the same --pidfile refuses to start: 71" {
	start_aiorun --pidfile "$T/aiorun.pid" -- "$PROBE" record "$T"
	wait_for 5 has_files "$T/ready.*" 1
	run "$AIORUN" --pidfile "$T/aiorun.pid" -- touch "$T/second-started"
	[ "$status" -eq 71 ]
	[ "$output" = "aiorun: $T/aiorun.pid: already held by a running aiorun (pid $AIORUN_PID)" ]
	[ ! -e "$T/second-started" ]
	# The first one's file is untouched.
	[ "$(cat "$T/aiorun.pid")" = "$AIORUN_PID" ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "a stale --pidfile left by a dead process is taken over" {
	echo 999999 >"$T/aiorun.pid"
	run "$AIORUN" -q --pidfile "$T/aiorun.pid" -- cat "$T/aiorun.pid"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9]+$ ]]
	[ "$output" != 999999 ]
	[ ! -e "$T/aiorun.pid" ]
}

@test "an unwritable --pidfile is a start-up failure: 71, nothing started" {
	run "$AIORUN" --pidfile "$T/no/such/dir/aiorun.pid" -- touch "$T/started"
	[ "$status" -eq 71 ]
	[ "$output" = "aiorun: $T/no/such/dir/aiorun.pid: No such file or directory" ]
	[ ! -e "$T/started" ]
}
