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
