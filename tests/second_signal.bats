#!/usr/bin/env bats
# SPEC section 3: a second SIGINT or SIGTERM during the shutdown skips the
# waiting: everything left gets SIGKILL at once. The same signal again from
# the same process within a second is the same request, not a second one:
# these tests send the second from another process.

load helpers

second_signal_kills() {
	local first=$1 second=$2
	start_aiorun -t 60 -- "$PROBE" record "$T" 1 ignore
	wait_for 5 has_files "$T/ready.*" 2
	kill -s "$first" "$AIORUN_PID"
	wait_for 5 log_has "Running pending tasks till complete"
	kill_from_another "$second" "$AIORUN_PID"
	# Far sooner than the 60 s grace period.
	finish_aiorun 5
	[ "$status" -eq 137 ]
	log_has "Received SIG$second during shutdown: killing every remaining task"
	log_lacks "refused to exit"
	log_has "Leaving. Bye!"
}

@test "a second SIGINT kills at once" {
	second_signal_kills INT INT
}

@test "a SIGTERM after a SIGINT kills at once" {
	second_signal_kills INT TERM
}

@test "a second SIGINT kills at once as PID 1" {
	MODE=pid1 second_signal_kills INT INT
}

@test "a second SIGTERM kills an adopted orphan at once too" {
	start_aiorun -t 60 -- sh -c '(setsid "$1" record "$2" 0 ignore &)
		exec "$1" record "$2" 0 ignore' sh "$PROBE" "$T"
	wait_for 5 has_files "$T/ready.*" 2
	kill -TERM "$AIORUN_PID"
	wait_for 5 log_has "Cancelling adopted process: pid"
	kill_from_another TERM "$AIORUN_PID"
	finish_aiorun 5
	[ "$status" -eq 137 ]
	for f in "$T"/ready.*; do
		gone "${f##*.}"
	done
}

# A shutdown-waits-for worker that finishes when $T/finish appears, and
# records a SIGTERM if one reaches it.
FLUSH='trap "echo SIGTERM >>\"$T/flush-signals\"; exit 0" TERM; touch "$T/flush-ready"; until [ -e "$T/finish" ]; do sleep 0.02; done; echo flushed >"$T/flush-done"'

@test "the first stop signal in a shutdown that PROGRAM's end began kills nothing" {
	# As "docker stop" after the program ended while a flush still runs.
	T=$T start_aiorun -t 60 -W flush="$FLUSH" -w slow="exec \"$PROBE\" record \"$T\" 0 ignore" -- sh -c 'until [ -e "$1/end" ]; do sleep 0.02; done; exit 3' sh "$T"
	wait_for 5 test -e "$T/flush-ready"
	wait_for 5 has_files "$T/ready.*" 1
	touch "$T/end"
	wait_for 5 log_has "Running pending tasks till complete"
	kill -TERM "$AIORUN_PID"
	wait_for 5 log_has "Received SIGTERM during shutdown: it goes on; a second one kills every remaining task"
	# The worker that ignores SIGTERM keeps its grace, the flush its work.
	alive "$AIORUN_PID"
	log_lacks "killing every remaining task"
	log_lacks "Task slow ended"
	touch "$T/finish"
	wait_for 5 test -e "$T/flush-done"
	[ ! -e "$T/flush-signals" ]
	# A second request, from another process, kills what is left.
	kill_from_another TERM "$AIORUN_PID"
	finish_aiorun 5
	log_has "Received SIGTERM during shutdown: killing every remaining task"
	log_has "Task slow ended by SIGKILL"
	# PROGRAM's end began the shutdown: its status.
	[ "$status" -eq 3 ]
}

@test "the first stop signal during the hook of a shutdown a worker's end began lets the hook finish" {
	start_aiorun --on-shutdown "until [ -e '$T/finish' ]; do sleep 0.02; done; echo hooked >'$T/hook-done'" -- true
	wait_for 5 log_has "Running the on-shutdown hook"
	kill -INT "$AIORUN_PID"
	wait_for 5 log_has "Received SIGINT during shutdown: it goes on"
	alive "$AIORUN_PID"
	touch "$T/finish"
	finish_aiorun 5
	[ "$status" -eq 0 ]
	[ "$(cat "$T/hook-done")" = hooked ]
	log_lacks "ended with status 137"
	log_has "Leaving. Bye!"
}
