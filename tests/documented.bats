#!/usr/bin/env bats
# Behaviours the man pages once described otherwise, pinned as they are
# documented now: an empty NO_COLOR counts as unset (no-color.org), and an
# exec: probe runs in its worker's directory with its worker's
# environment.

load helpers

@test "an empty NO_COLOR counts as unset: colours stay on a terminal" {
	NO_COLOR= run script -qec "$AIORUN -w a='echo hi' --color auto" /dev/null </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" = *$'\033[36ma |\033[0m hi'* ]]
	[[ "$output" = *$'\033[1maiorun:\033[0m'* ]]
	NO_COLOR=yes run script -qec "$AIORUN -w a='echo hi' --color auto" /dev/null </dev/null
	[[ "$output" != *$'\033'* ]]
	[[ "$output" = *"a | hi"* ]]
}

@test "an exec: probe runs in its worker's directory, with its worker's environment" {
	mkdir "$T/dir"
	printf 'SHARED=from-env-file\n' >"$T/e"
	cat >"$T/c" <<EOF2
[worker:w]
command = sleep 30
directory = $T/dir
env = OWN=own-value
ready = exec:echo "\$PWD \$OWN \$SHARED \$AIORUN_WORKER_NAME" >"$T/probe"
EOF2
	start_aiorun --env-file "$T/e" -c "$T/c"
	wait_for 5 test -s "$T/probe"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	[ "$(cat "$T/probe")" = "$T/dir own-value from-env-file w" ]
}
