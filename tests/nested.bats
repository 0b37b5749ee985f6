#!/usr/bin/env bats
# SPEC section 5: a worker's environment is aiorun's without the
# AIORUN_<OPTION> variables aiorun read, so that an aiorun started by a
# worker does not run the same set again; AIORUN_WORKER_NAME stays.

load helpers

@test "AIORUN_<OPTION> variables are not passed on to the workers" {
	printf 'w: env | grep ^AIORUN_ | sort\n' >"$T/Procfile"
	AIORUN_PROCFILE=$T/Procfile AIORUN_GRACE=5s AIORUN_STOP_ON=exit \
		AIORUN_UNKNOWN_THING=kept run "$AIORUN" -q --prefix never
	[ "$status" -eq 0 ]
	[ "$output" = "AIORUN_UNKNOWN_THING=kept
AIORUN_WORKER_NAME=w" ]
}

@test "an aiorun started by a worker does not run the parent's Procfile again" {
	# Each start of the set appends a line; a nested run would add more.
	# (--control none: the outer aiorun holds the default socket, which
	# control.bats tests.)
	cat >"$T/Procfile" <<EOF2
outer: echo started >>"$T/starts"; "$AIORUN" -q --control none -- true; echo nested:\$?
EOF2
	AIORUN_PROCFILE=$T/Procfile run "$AIORUN" -q --prefix never
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$T/starts")" -eq 1 ]
	[ "$output" = "nested:0" ]
}

@test "an option's variable is still read by aiorun itself" {
	AIORUN_GRACE=300ms run "$AIORUN" -- sh -c 'trap "" TERM; kill -TERM $PPID; sleep 5'
	[ "$status" -eq 137 ]
	[[ "$output" = *"refused to exit after 300ms"* ]]
}
