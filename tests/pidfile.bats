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

@test "a --pidfile that is a symbolic link is refused: 71, its target untouched" {
	echo "root:x:0:0::/root:/bin/sh" >"$T/passwd"
	ln -s "$T/passwd" "$T/aiorun.pid"
	run "$AIORUN" --pidfile "$T/aiorun.pid" -- touch "$T/started"
	[ "$status" -eq 71 ]
	[ "$output" = "aiorun: $T/aiorun.pid: a symbolic link: a pidfile is never opened through one" ]
	[ "$(cat "$T/passwd")" = "root:x:0:0::/root:/bin/sh" ]
	[ -L "$T/aiorun.pid" ]
	[ ! -e "$T/started" ]
	# A dangling one is not followed to create its target either.
	ln -s "$T/created" "$T/dangling.pid"
	run "$AIORUN" --pidfile "$T/dangling.pid" -- touch "$T/started"
	[ "$status" -eq 71 ]
	[ "$output" = "aiorun: $T/dangling.pid: a symbolic link: a pidfile is never opened through one" ]
	[ ! -e "$T/created" ] && [ ! -e "$T/started" ]
}

@test "a --pidfile that is not a regular file is refused: 71" {
	mkfifo "$T/aiorun.pid"
	run timeout 10 "$AIORUN" --pidfile "$T/aiorun.pid" -- touch "$T/started"
	[ "$status" -eq 71 ]
	[ "$output" = "aiorun: $T/aiorun.pid: not a regular file" ]
	[ ! -e "$T/started" ]
	mkdir "$T/dir.pid"
	run "$AIORUN" --pidfile "$T/dir.pid" -- touch "$T/started"
	[ "$status" -eq 71 ]
	[ "$output" = "aiorun: $T/dir.pid: not a regular file" ]
	[ ! -e "$T/started" ]
}

@test "a --pidfile replaced while aiorun runs is left alone at exit" {
	start_aiorun --pidfile "$T/aiorun.pid" -- "$PROBE" record "$T"
	wait_for 5 has_files "$T/ready.*" 1
	mv "$T/aiorun.pid" "$T/moved.pid"
	echo other >"$T/aiorun.pid"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	[ "$(cat "$T/aiorun.pid")" = other ]
	[ "$(cat "$T/moved.pid")" = "$AIORUN_PID" ]
}
