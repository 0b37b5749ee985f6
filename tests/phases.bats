#!/usr/bin/env bats
# SPEC section 3: the shutdown happens once, in order, each phase logged.

load helpers

phase_lines() {
	grep -E "Stopping the loop|Entering shutdown phase|on-shutdown hook|Cancelling|Running pending|refused to exit|Task main|Waiting for executor|Leaving" "$ERR" |
		sed -e 's/(pid [0-9]*)/(pid N)/g'
}

phases_in_order() {
	start_aiorun -t 0.3 --on-shutdown 'echo hook ran' -- "$PROBE" record "$T" 0 ignore
	wait_for 5 has_files "$T/ready.*" 1
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 137 ]
	diff -u - <(phase_lines) <<'EXPECTED'
aiorun: Stopping the loop (received SIGTERM)
aiorun: Entering shutdown phase. (received SIGTERM)
aiorun: Running the on-shutdown hook (pid N): echo hook ran
aiorun: Cancelling pending tasks.
aiorun: Cancelling task: main (pid N) with SIGTERM
aiorun: Running pending tasks till complete
aiorun: During shutdown, the following tasks refused to exit after 300ms: main (pid N); sending SIGKILL
aiorun: Task main ended by SIGKILL
aiorun: Waiting for executor shutdown.
aiorun: Leaving. Bye!
EXPECTED
}

@test "the phase lines appear once each, in order" {
	phases_in_order
}

@test "the phase lines appear once each, in order, as PID 1" {
	MODE=pid1 phases_in_order
}

@test "a PROGRAM that ends begins the same shutdown" {
	run "$AIORUN" -- sh -c 'exit 5'
	[ "$status" -eq 5 ]
	[ "${lines[0]}" = "aiorun: Task main exited with status 5" ]
	[ "${lines[1]}" = "aiorun: Entering shutdown phase. (main ended with status 5)" ]
	[ "${lines[2]}" = "aiorun: Cancelling pending tasks." ]
	[ "${lines[3]}" = "aiorun: Running pending tasks till complete" ]
	[ "${lines[4]}" = "aiorun: Waiting for executor shutdown." ]
	[ "${lines[5]}" = "aiorun: Leaving. Bye!" ]
	[ "${#lines[@]}" -eq 6 ]
}
