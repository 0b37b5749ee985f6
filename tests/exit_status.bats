#!/usr/bin/env bats
# SPEC section 4: PROGRAM's status passes through; aiorun's own failures
# have their own codes, each with one line naming the cause.

load helpers

every_exit_code_passes_through() {
	local code
	for code in $(seq 0 255); do
		run_aiorun "-$code" -q -- sh -c "exit $code"
		if [ "$status" -ne "$code" ]; then
			echo "exit $code came out as $status"
			return 1
		fi
	done
}

@test "every exit code 0..255 of PROGRAM passes through" {
	every_exit_code_passes_through
}

@test "every exit code 0..255 passes through as PID 1" {
	MODE=pid1 every_exit_code_passes_through
}

death_by_signal_is_128_plus_n() {
	local sig n
	for sig in HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM XCPU SYS; do
		n=$(kill -l "$sig")
		run_aiorun -q -- sh -c "kill -s $sig \$\$"
		if [ "$status" -ne $((128 + n)) ]; then
			echo "death by SIG$sig came out as $status"
			return 1
		fi
	done
}

@test "a PROGRAM killed by signal N gives 128+N" {
	death_by_signal_is_128_plus_n
}

@test "a PROGRAM killed by signal N gives 128+N as PID 1" {
	MODE=pid1 death_by_signal_is_128_plus_n
}

@test "a PROGRAM that is not found gives 127 and one line naming it" {
	run -127 "$AIORUN" -- no-such-program-here
	[ "$status" -eq 127 ]
	[ "$output" = "aiorun: cannot run no-such-program-here: No such file or directory" ]

	run -127 "$AIORUN" -- ./no/such/path
	[ "$status" -eq 127 ]
	[ "$output" = "aiorun: cannot run ./no/such/path: No such file or directory" ]
}

@test "a PROGRAM that is not executable gives 126 and one line naming it" {
	printf 'echo hi\n' >"$T/script"
	chmod 644 "$T/script"
	run "$AIORUN" -- "$T/script"
	[ "$status" -eq 126 ]
	[ "$output" = "aiorun: cannot run $T/script: Permission denied" ]

	run "$AIORUN" -- "$T"
	[ "$status" -eq 126 ]
	[[ "$output" = "aiorun: cannot run $T: "* ]]
}

@test "a PROGRAM found on PATH only as a non-executable file gives 126" {
	mkdir "$T/bin"
	printf '#!/bin/sh\n' >"$T/bin/tool"
	chmod 644 "$T/bin/tool"
	PATH=$T/bin:$PATH run "$AIORUN" -- tool
	[ "$status" -eq 126 ]
	[ "$output" = "aiorun: cannot run tool: Permission denied" ]
}

@test "a PROGRAM is searched for along PATH" {
	mkdir "$T/bin"
	printf '#!/bin/sh\necho "found with $*"\n' >"$T/bin/tool"
	chmod 755 "$T/bin/tool"
	PATH=$T/bin:$PATH run "$AIORUN" -q -- tool it
	[ "$status" -eq 0 ]
	[ "$output" = "found with it" ]
}

@test "no PROGRAM is bad usage: 64 and a usage message" {
	run "$AIORUN"
	[ "$status" -eq 64 ]
	[[ "$output" = "usage: aiorun "* ]]
	# The synopsis, and one line that names the cause.
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[3]}" = "aiorun: nothing to run: give a PROGRAM or a worker (see aiorun --help)" ]
	run "$AIORUN" -c /dev/null -t 2
	[ "$status" -eq 64 ]
	[ "${lines[3]}" = "aiorun: nothing to run: give a PROGRAM or a worker (see aiorun --help)" ]
}

@test "--map-exit turns one status into another, after everything else" {
	run "$AIORUN" -q -e 3:7 -- sh -c 'exit 3'
	[ "$status" -eq 7 ]
	run "$AIORUN" -q -e 3 -- sh -c 'exit 3'
	[ "$status" -eq 0 ]
	run "$AIORUN" -q -e 3:7 -- sh -c 'exit 4'
	[ "$status" -eq 4 ]
	# A signal's status maps too: 143 is SIGTERM's.
	run "$AIORUN" -q -e 143 -e 3:9 -- sh -c 'kill $$'
	[ "$status" -eq 0 ]
	AIORUN_MAP_EXIT="143:5, 3:9" run "$AIORUN" -q -- sh -c 'kill $$'
	[ "$status" -eq 5 ]
}

# Worker a starts a child, then says so. A's shell and the child each
# write their PID to $T/pids.
STARTS_A_CHILD='echo $$ >>"$T/pids"; sleep 1000 & echo $! >>"$T/pids"; touch "$T/started"; wait'

# failed_start STATUS LINE ARG...: aiorun started with ARG fails to start
# with STATUS and says LINE only, and nothing it started is left running.
# aiorun writes its failure's line before it stops what it started: held
# at that line, it lets worker a start its child first, so that there is
# something to stop. (Were that order to change, the wait for "started"
# would time out, and the test would need another way to hold aiorun.)
failed_start() {
	local expected=$1 line=$2
	shift 2
	start_aiorun_held stderr "$@"
	wait_for 10 test -e "$T/started"
	release_fifo stderr "$ERR"
	finish_aiorun
	wait_released
	[ "$status" -eq "$expected" ]
	[ "$(cat "$ERR")" = "$line" ]
	none_left "$T/pids"
}

@test "a PROGRAM not found after workers started: 127, one line, nothing left running" {
	failed_start 127 "aiorun: cannot run no-such-program-here: No such file or directory" \
		-w a="$STARTS_A_CHILD" -- no-such-program-here
}

@test "a PROGRAM not executable after workers started: 126, one line, nothing left running" {
	printf 'echo hi\n' >"$T/script"
	chmod 644 "$T/script"
	failed_start 126 "aiorun: cannot run $T/script: Permission denied" \
		-w a="$STARTS_A_CHILD" -- "$T/script"
}

@test "a PROGRAM whose exec fails after workers started: 127, one line, nothing left running" {
	# Found and executable; its interpreter is not there.
	printf '#!%s/no-such-interpreter\n' "$T" >"$T/script"
	chmod 755 "$T/script"
	failed_start 127 "aiorun: cannot run $T/script: No such file or directory" \
		-w a="$STARTS_A_CHILD" -- "$T/script"
}
