#!/usr/bin/env bats
# SPEC section 3: aiorun's own lines go to standard error, begin with
# "aiorun", carry colour only on a terminal, and a <N> priority prefix when
# standard error is the journal (JOURNAL_STREAM names it).

load helpers

@test "log lines go to standard error, each beginning with aiorun:" {
	"$AIORUN" -- sh -c 'echo out; echo err >&2' >"$T/out" 2>"$T/err"
	[ "$(cat "$T/out")" = "out" ]
	run grep -v '^aiorun: ' "$T/err"
	[ "$output" = "err" ]
	grep -q '^aiorun: Leaving. Bye!$' "$T/err"
}

@test "no colour when standard error is not a terminal" {
	run "$AIORUN" -- true
	[ "$status" -eq 0 ]
	[[ "$output" != *$'\033'* ]]
}

@test "colour on a terminal, none with NO_COLOR" {
	run script -qec "$AIORUN -- true" /dev/null </dev/null
	[[ "$output" = *$'\033[1maiorun:\033[0m Leaving. Bye!'* ]]
	NO_COLOR=1 run script -qec "$AIORUN -- true" /dev/null </dev/null
	[[ "$output" != *$'\033'* ]]
	[[ "$output" = *"aiorun: Leaving. Bye!"* ]]
}

@test "a <N> priority prefix when standard error is the journal stream" {
	exec 4>"$T/err"
	stream=$(stat -L -c '%d:%i' "$T/err")
	JOURNAL_STREAM=$stream "$AIORUN" -- sh -c 'exit 3' 2>&4 || true
	exec 4>&-
	grep -qx '<6>aiorun: Leaving. Bye!' "$T/err"
	# A warning carries its own priority.
	JOURNAL_STREAM=$stream "$AIORUN" -t 0.1 -- sh -c 'trap "" TERM; kill -TERM $PPID; sleep 5' 2>>"$T/err" || true
	grep -q '^<4>aiorun: During shutdown, the following tasks refused to exit' "$T/err"
	# An error too.
	JOURNAL_STREAM=$stream "$AIORUN" -- no-such-program 2>>"$T/err" || true
	grep -qx '<3>aiorun: cannot run no-such-program: No such file or directory' "$T/err"
}

@test "no prefix when JOURNAL_STREAM names another stream" {
	JOURNAL_STREAM=1:1 run "$AIORUN" -- true
	[ "$status" -eq 0 ]
	[[ "$output" != *"<6>"* ]]
	[[ "$output" = *"aiorun: Leaving. Bye!"* ]]
}
