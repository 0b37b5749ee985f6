#!/usr/bin/env bats
# SPEC section 5: aiorun behaves as a job of the shell that started it.
# Each test types into a real interactive bash on a pseudo-terminal
# (tests/helpers/pty_session.py): Ctrl-Z, jobs, fg, Ctrl-C.

load helpers

session() {
	run timeout 60 python3 "$BATS_TEST_DIRNAME/helpers/pty_session.py" "$1" "$AIORUN"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = ok ]
}

@test "Ctrl-Z on PROGRAM gives the prompt back; fg, then Ctrl-C ends it with 130" {
	session ctrl-z-then-fg
}

@test "aiorun -- cat & stops with cat; fg gives cat the terminal" {
	session background-then-fg
}

@test "Ctrl-Z on a worker set stops every worker and aiorun; fg continues them" {
	session worker-set-ctrl-z
}
