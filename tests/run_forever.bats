#!/usr/bin/env bats
# --run-forever: the end of PROGRAM does not begin the shutdown; aiorun
# runs until a signal, or until nothing at all is left running.

load helpers

@test "with --run-forever aiorun outlives PROGRAM while an orphan runs" {
	start_aiorun --run-forever -- sh -c '(exec "$1" record "$2" &); exit 3' sh "$PROBE" "$T"
	wait_for 5 has_files "$T/ready.*" 1
	wait_for 5 log_has "Task main exited with status 3"
	alive "$AIORUN_PID"
	log_lacks "Entering shutdown phase."
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	# A signal began the shutdown: PROGRAM's status.
	[ "$status" -eq 3 ]
	grep -q " SIGTERM$" "$T/signals"
}

@test "with --run-forever aiorun exits once nothing is left running" {
	run "$AIORUN" --run-forever -- sh -c '(sleep 0.3 &); exit 0'
	[ "$status" -eq 0 ]
	[[ "$output" = *"Entering shutdown phase. (nothing is left running)"* ]]
}

@test "with --run-forever the first failure is the exit status" {
	run "$AIORUN" -q --run-forever -- sh -c '(sleep 0.3 &); exit 6'
	[ "$status" -eq 6 ]
}

@test "AIORUN_RUN_FOREVER=yes is --run-forever" {
	AIORUN_RUN_FOREVER=yes run "$AIORUN" -- sh -c '(sleep 0.3 &); exit 0'
	[ "$status" -eq 0 ]
	[[ "$output" = *"Entering shutdown phase. (nothing is left running)"* ]]
}
