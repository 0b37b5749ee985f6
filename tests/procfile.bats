#!/usr/bin/env bats
# SPEC section 7: a Procfile has one NAME: COMMAND per line; --env-file
# adds KEY=VALUE lines to every worker's environment.

load helpers

@test "a Procfile's workers run, blank lines and comments skipped" {
	cat >"$T/Procfile" <<'PROCFILE'
# the web server
web: echo "web $PORT"

worker:   echo "worker $AIORUN_WORKER_NAME"
PROCFILE
	PORT=5000 run "$AIORUN" -q -f "$T/Procfile"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort)" = "web    | web 5000
worker | worker worker" ]
}

@test "AIORUN_PROCFILE names the Procfile" {
	printf 'one: echo one\n' >"$T/Procfile"
	AIORUN_PROCFILE=$T/Procfile run "$AIORUN" -q --prefix never
	[ "$status" -eq 0 ]
	[ "$output" = "one" ]
}

@test "--env-file entries reach every worker, and a worker's env wins" {
	cat >"$T/env" <<'ENV'
# settings
PLAIN=plain
export EXPORTED=exported
QUOTED="with spaces"
SINGLE='single'
OVER=file
EMPTY=
ENV
	cat >"$T/aiorun.conf" <<'CONF'
[worker:one]
command = echo "$PLAIN|$EXPORTED|$QUOTED|$SINGLE|$OVER|${EMPTY-unset}"; touch "$T/one-said"
env = OVER=worker
CONF
	# PROGRAM's end begins the shutdown: it ends once one has spoken.
	OVER=outer run "$AIORUN" -q --prefix never --env-file "$T/env" -c "$T/aiorun.conf" -- sh -c 'until [ -e "$T/one-said" ]; do sleep 0.02; done; echo "main $OVER"'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort)" = "main file
plain|exported|with spaces|single|worker|" ]
}

@test "env-file can be set in the config file" {
	printf 'FROM_ENV_FILE=yes\n' >"$T/env"
	printf '[aiorun]\nenv-file = %s\n[worker:show]\ncommand = echo "$FROM_ENV_FILE"\n' "$T/env" >"$T/aiorun.conf"
	run "$AIORUN" -q --prefix never -c "$T/aiorun.conf"
	[ "$status" -eq 0 ]
	[ "$output" = "yes" ]
}

@test "a UTF-8 byte order mark at the start of a Procfile or env-file is skipped" {
	printf '\357\273\277web: echo "A=$A"\n' >"$T/Procfile"
	printf '\357\273\277A=1\n' >"$T/env"
	run "$AIORUN" -q -f "$T/Procfile" --env-file "$T/env"
	[ "$status" -eq 0 ]
	[ "$output" = "web | A=1" ]
	# Elsewhere it is no blank: a name holds no such bytes.
	printf 'web: true\n\357\273\277b: true\n' >"$T/Procfile"
	run "$AIORUN" --check -f "$T/Procfile" --env-file none
	[ "$status" -eq 78 ]
	[[ "$output" = "aiorun: $T/Procfile:2: "* ]]
}
