#!/usr/bin/env bats
# --on-shutdown: a shell command run at the start of the shutdown, waited
# for within the grace period, before any worker is cancelled.

load helpers

@test "the on-shutdown hook runs before any worker is cancelled" {
	start_aiorun --on-shutdown "cat \"$T/signals\" >\"$T/seen-by-hook\"; echo done >\"$T/hook\"" \
		-- "$PROBE" record "$T"
	wait_for 5 has_files "$T/ready.*" 1
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	[ "$(cat "$T/hook")" = "done" ]
	# When the hook ran, the worker had not been signalled yet.
	[ ! -s "$T/seen-by-hook" ]
	grep -q " SIGTERM$" "$T/signals"
}

@test "a hook that outlives the grace period is killed and the shutdown goes on" {
	start_aiorun -t 0.3 --on-shutdown 'exec sleep 300' -- "$PROBE" record "$T"
	wait_for 5 has_files "$T/ready.*" 1
	kill -TERM "$AIORUN_PID"
	finish_aiorun 5
	[ "$status" -eq 0 ]
	log_has "the on-shutdown hook is still running after 300ms: killing it"
	log_has "Cancelling task: main (pid"
}

@test "a failing hook is reported and the shutdown goes on" {
	run "$AIORUN" --on-shutdown 'exit 4' -- sh -c 'exit 2'
	[ "$status" -eq 2 ]
	[[ "$output" = *"aiorun: the on-shutdown hook ended with status 4"* ]]
	[[ "$output" = *"aiorun: Leaving. Bye!"* ]]
}

@test "the hook also runs when PROGRAM's end begins the shutdown" {
	run "$AIORUN" -q --on-shutdown "echo \"\$AIORUN_WORKER_NAME\" >\"$T/hook\"" -- true
	[ "$status" -eq 0 ]
	[ "$(cat "$T/hook")" = "on-shutdown" ]
}
