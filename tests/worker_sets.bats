#!/usr/bin/env bats
# SPEC sections 3 and 4 for sets of workers: which end begins the
# shutdown (--stop-on), and the exit status that follows.

load helpers

@test "two workers, one fails with 3: the other is cancelled and aiorun exits 3" {
	# fails ends once server's handlers are in place, so its SIGTERM is
	# recorded, not fatal.
	run "$AIORUN" -w fails='until [ -e "$T"/ready.* ] 2>/dev/null; do sleep 0.02; done; exit 3' -w server="exec \"$PROBE\" record \"$T\""
	[ "$status" -eq 3 ]
	[[ "$output" = *"Entering shutdown phase. (fails ended with status 3)"* ]]
	[[ "$output" =~ "Cancelling task: server (pid "[0-9]+") with SIGTERM" ]]
	grep -q " SIGTERM$" "$T/signals"
}

@test "a worker exiting 0 does not stop the rest" {
	start_aiorun -w quick='exit 0' -w server="exec \"$PROBE\" record \"$T\""
	wait_for 5 log_has "Task quick exited with status 0"
	wait_for 5 has_files "$T/ready.*" 1
	alive "$AIORUN_PID"
	log_lacks "Entering shutdown phase."
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	# A signal began it, and there is no PROGRAM: 0.
	[ "$status" -eq 0 ]
}

@test "--stop-on exit: any end begins the shutdown, with that status" {
	run "$AIORUN" --stop-on exit -w quick='sleep 0.1; exit 0' -w server='exec sleep 300'
	[ "$status" -eq 0 ]
	[[ "$output" = *"Entering shutdown phase. (quick ended with status 0)"* ]]
	[[ "$output" = *"Cancelling task: server"* ]]
}

@test "--stop-on none: a failure stops nothing, and the first failure is the status" {
	# worse fails only once aiorun has seen bad fail: the order is known.
	start_aiorun --stop-on none -w bad='exit 4' -w worse='until grep -q "Task bad exited" "$T/stderr"; do sleep 0.02; done; exit 5' -w server="exec \"$PROBE\" record \"$T\""
	wait_for 5 log_has "Task worse exited with status 5"
	wait_for 5 has_files "$T/ready.*" 1
	alive "$AIORUN_PID"
	log_lacks "Entering shutdown phase."
	kill "$(basename "$T"/ready.* | cut -d. -f2)"
	finish_aiorun
	[ "$status" -eq 4 ]
	log_has "Entering shutdown phase. (every task has ended)"
}

@test "AIORUN_STOP_ON sets --stop-on" {
	AIORUN_STOP_ON=exit run "$AIORUN" -q -w quick='exit 0' -w server='exec sleep 300'
	[ "$status" -eq 0 ]
	AIORUN_STOP_ON=sometimes run "$AIORUN" -q -w quick='exit 0'
	[ "$status" -eq 64 ]
	[ "$output" = "aiorun: AIORUN_STOP_ON: invalid value (failure, exit, none) 'sometimes' (see aiorun --help)" ]
}

@test "every worker ended: exit 0" {
	run "$AIORUN" -w a='exit 0' -w b='sleep 0.1'
	[ "$status" -eq 0 ]
	[[ "$output" = *"Entering shutdown phase. (every task has ended)"* ]]
}

@test "a signal-begun shutdown of a worker set exits 0" {
	start_aiorun -w one="exec \"$PROBE\" record \"$T\"" -w two="exec \"$PROBE\" record \"$T\""
	wait_for 5 has_files "$T/ready.*" 2
	kill -INT "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	[ "$(grep -c ' SIGTERM$' "$T/signals")" -eq 2 ]
}

@test "a signal-begun shutdown exits 137 when a worker had to be killed" {
	start_aiorun -t 0.2 -w stubborn="exec \"$PROBE\" record \"$T\" 0 ignore" -w fine="exec \"$PROBE\" record \"$T\""
	wait_for 5 has_files "$T/ready.*" 2
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 137 ]
	grep -q "refused to exit after 200ms: stubborn (pid [0-9]*); sending SIGKILL" "$ERR"
}

@test "workers and PROGRAM together: PROGRAM's end decides" {
	run "$AIORUN" -w server='exec sleep 300' -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	[[ "$output" = *"Entering shutdown phase. (main ended with status 7)"* ]]
	[[ "$output" = *"Cancelling task: server"* ]]
}

@test "workers and PROGRAM: after a signal, PROGRAM's status" {
	start_aiorun -w server='exec sleep 300' -- "$PROBE" record "$T"
	wait_for 5 has_files "$T/ready.*" 1
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "every worker is cancelled at once, each with its own stop signal" {
	cat >"$T/aiorun.conf" <<CONF
[worker:a]
command = exec "$PROBE" record "$T"
stop-signal = INT
[worker:b]
command = exec "$PROBE" record "$T"
[worker:c]
command = exec "$PROBE" record "$T" 0 ignore
grace = 200ms
CONF
	start_aiorun -t 30 -c "$T/aiorun.conf"
	wait_for 5 has_files "$T/ready.*" 3
	kill -TERM "$AIORUN_PID"
	# c ignores its stop signal: its own grace, not the global 30 s.
	finish_aiorun 5
	[ "$status" -eq 137 ]
	grep -q "Cancelling task: a (pid [0-9]*) with SIGINT$" "$ERR"
	grep -q "Cancelling task: b (pid [0-9]*) with SIGTERM$" "$ERR"
	grep -q "refused to exit after 200ms: c (pid" "$ERR"
	[ "$(grep -c ' SIGINT$' "$T/signals")" -eq 1 ]
	[ "$(grep -c ' SIGTERM$' "$T/signals")" -eq 2 ]
}

@test "AIORUN_WORKER_NAME names each worker" {
	run "$AIORUN" -q --prefix never --stop-on none -w first='echo "$AIORUN_WORKER_NAME"' -w second='echo "$AIORUN_WORKER_NAME"'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort)" = "first
second" ]
}
