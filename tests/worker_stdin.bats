#!/usr/bin/env bats
# SPEC section 5: workers other than PROGRAM read standard input from
# /dev/null, as under supervisord and foreman; PROGRAM keeps aiorun's. A
# worker stopped by a signal is logged with -v.

load helpers

# Runs COMMAND on a new pseudo-terminal, through script(1).
on_a_terminal() {
	timeout 20 script -qec "$*" /dev/null </dev/null
}

@test "a worker's standard input is /dev/null, PROGRAM's is aiorun's" {
	# --run-forever: PROGRAM's end must not cancel the worker early.
	run "$AIORUN" -q --prefix never --run-forever -w w='readlink /proc/self/fd/0 | sed s/^/worker:/' \
		-- sh -c 'readlink /proc/self/fd/0 | sed s/^/program:/' <"$BATS_TEST_FILENAME"
	[ "$status" -eq 0 ]
	[[ "$output" = *"worker:/dev/null"* ]]
	[[ "$output" = *"program:$BATS_TEST_FILENAME"* ]]
}

@test "a worker that reads standard input on a terminal reads its end, not a stop" {
	# On a terminal, a worker outside the foreground group that read it
	# would be stopped by SIGTTIN and the set would never end.
	run on_a_terminal "$AIORUN" --prefix never -w reader="'cat; echo reader-done'"
	[ "$status" -eq 0 ]
	[[ "$output" = *"reader-done"* ]]
	[[ "$output" = *"Task reader exited with status 0"* ]]
}

@test "the exec: probe and the on-shutdown hook do not read the terminal either" {
	cat >"$T/c" <<EOF2
[worker:w]
command = sleep 30
ready = exec:readlink /proc/self/fd/0 >"$T/probe-stdin"
EOF2
	start_aiorun --on-shutdown "readlink /proc/self/fd/0 >\"$T/hook-stdin\"" -c "$T/c"
	wait_for 5 test -s "$T/probe-stdin"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	[ "$(cat "$T/probe-stdin")" = /dev/null ]
	[ "$(cat "$T/hook-stdin")" = /dev/null ]
}

@test "a worker stopped and continued by a signal is logged with -v" {
	start_aiorun -v -w w='exec sleep 30' -w other='exec sleep 30'
	wait_for 5 log_has "Started task w (pid"
	pid=$(sed -n 's/.*Started task w (pid \([0-9]*\)).*/\1/p' "$ERR" | head -n 1)
	kill -STOP "$pid"
	wait_for 5 log_has "Task w (pid $pid) stopped by SIGSTOP"
	kill -CONT "$pid"
	wait_for 5 log_has "Task w (pid $pid) continued"
	alive "$AIORUN_PID"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}
