#!/usr/bin/env bats
# SPEC section 11: what users of foreman, honcho and overmind expect of
# -f: .env beside the Procfile, PORT, copies (-m, copies = N), and keys
# added to a Procfile's worker by a config file.

load helpers

@test "a .env beside the Procfile reaches every worker" {
	printf 'web: echo "web $GREETING"\nclock: echo "clock $GREETING"\n' >"$T/Procfile"
	printf 'GREETING=hello\n' >"$T/.env"
	cd /
	run "$AIORUN" -q -f "$T/Procfile"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort)" = "clock | clock hello
web   | web hello" ]
}

@test "--env-file replaces .env, and --env-file none turns it off" {
	printf 'one: echo "${GREETING-unset} ${OTHER-unset}"\n' >"$T/Procfile"
	printf 'GREETING=hello\n' >"$T/.env"
	printf 'OTHER=other\n' >"$T/other"
	run "$AIORUN" -q --prefix never -f "$T/Procfile" --env-file "$T/other"
	[ "$status" -eq 0 ]
	[ "$output" = "unset other" ]
	run "$AIORUN" -q --prefix never -f "$T/Procfile" --env-file none
	[ "$status" -eq 0 ]
	[ "$output" = "unset unset" ]
}

@test "a .env with a bad line is a configuration error with FILE:LINE" {
	printf 'one: touch %s/started\n' "$T" >"$T/Procfile"
	printf 'GOOD=1\nnot a pair\n' >"$T/.env"
	expect 78 "aiorun: $T/.env:2: expected 'KEY=VALUE'" -f "$T/Procfile"
	[ ! -e "$T/started" ]
}

@test "PORT: 5000, plus 100 per Procfile line before, not overridden" {
	printf '# comment\nweb: echo "web $PORT"\n\napi: echo "api $PORT"\nclock: echo "clock $PORT"\n' >"$T/Procfile"
	printf 'PORT=1\n' >"$T/.env"
	PORT=2 run "$AIORUN" -q --prefix never -f "$T/Procfile"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort)" = "api 5100
clock 5200
web 5000" ]
}

@test "--port sets the base, and each copy adds one" {
	printf 'web: echo "$AIORUN_WORKER_NAME $PORT"\napi: echo "$AIORUN_WORKER_NAME $PORT"\n' >"$T/Procfile"
	run "$AIORUN" -q --prefix never --port 7000 -m web=3 -f "$T/Procfile"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort)" = "api 7100
web.1 7000
web.2 7001
web.3 7002" ]
}

@test "a PORT past 65535 is a configuration error naming the worker" {
	printf 'web: touch "$T/started"\nb: true\n' >"$T/Procfile"
	expect 78 "aiorun: $T/Procfile:1: web.2 would get PORT 65536, past 65535 (the base is 65535)" -f "$T/Procfile" --port 65535 -m web=2
	expect 78 "aiorun: $T/Procfile:2: b would get PORT 65536, past 65535 (the base is 65436)" -f "$T/Procfile" --port 65436
	# The highest that can be bound is fine.
	run "$AIORUN" --check -f "$T/Procfile" --env-file none --port 65435
	[ "$status" -eq 0 ]
}

@test "-m runs copies, each prefixed and named on its own; NAME=0 runs none" {
	printf 'web: echo "$AIORUN_WORKER_NAME"\nclock: touch %s/clock\nq: echo q\n' "$T" >"$T/Procfile"
	run "$AIORUN" -q -m all=2,clock=0 -f "$T/Procfile"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort)" = "q.1   | q
q.2   | q
web.1 | web.1
web.2 | web.2" ]
	[ ! -e "$T/clock" ]
}

@test "each copy is supervised on its own" {
	cat >"$T/aiorun.conf" <<CONF
[worker:w]
command = if [ "\$AIORUN_WORKER_NAME" = w.2 ] && [ ! -e "$T/failed" ]; then touch "$T/failed"; exit 3; fi; echo "\$AIORUN_WORKER_NAME up"; exec sleep 1000
restart = on-failure
copies = 2
CONF
	start_aiorun -c "$T/aiorun.conf"
	wait_for 10 grep -q 'w.2 | w.2 up' "$OUT"
	grep -q 'w.1 | w.1 up' "$OUT"
	[ "$(grep -c 'w.1 | w.1 up' "$OUT")" -eq 1 ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	log_has "Task w.2 exited"
	log_has "Cancelling task: w.1"
	log_has "Cancelling task: w.2"
}

@test "-m with an unknown name, a bad count or too many copies: 64" {
	printf 'web: touch %s/started\n' "$T" >"$T/Procfile"
	expect 64 "aiorun: --formation: no worker named 'nope' (see aiorun --help)" -m nope=2 -f "$T/Procfile"
	expect 64 "aiorun: --formation: invalid formation (NAME=N[,NAME=N]..., N from 0 to 1000) 'web=x' (see aiorun --help)" -m web=x -f "$T/Procfile"
	expect 64 "aiorun: --formation: invalid formation (NAME=N[,NAME=N]..., N from 0 to 1000) 'web=1001' (see aiorun --help)" -m web=1001 -f "$T/Procfile"
	[ ! -e "$T/started" ]
}

@test "copies out of range in a config file: 78" {
	printf '[worker:web]\ncommand = touch %s/started\ncopies = 1001\n' "$T" >"$T/c"
	expect 78 "aiorun: $T/c:3: copies: invalid count (0-1000) '1001'" -c "$T/c"
	printf '[worker:web]\ncommand = touch %s/started\ncopies = -1\n' "$T" >"$T/c"
	expect 78 "aiorun: $T/c:3: copies: invalid count (0-1000) '-1'" -c "$T/c"
	[ ! -e "$T/started" ]
}

@test "formation in a config file naming no worker: 78, with its file and line" {
	printf 'web: touch %s/started\n' "$T" >"$T/Procfile"
	printf '[aiorun]\n# copies\nformation = nope=2\n' >"$T/c"
	expect 78 "aiorun: $T/c:3: formation: no worker named 'nope'" -c "$T/c" -f "$T/Procfile"
	[ ! -e "$T/started" ]
}

@test "a config file adds keys to a Procfile's worker" {
	printf 'web: echo "run $PORT"; exit 1\nother: exec sleep 1000\n' >"$T/Procfile"
	printf '[worker:web]\nrestart = always\nrestart-delay = 10ms\nstart-limit = 2/1m\n' >"$T/c"
	run "$AIORUN" -f "$T/Procfile" -c "$T/c"
	[ "$status" -eq 1 ]
	[ "$(grep -c '^web   | run 5000$' <<<"$output")" -eq 2 ]
	grep -qF "aiorun: Task web reached its start limit (2 starts within 60s): giving up" <<<"$output"
}

@test "a section with a command for a Procfile's worker is an error" {
	printf 'web: touch %s/started\n' "$T" >"$T/Procfile"
	printf '[worker:web]\nrestart = always\ncommand = echo\n' >"$T/c"
	expect 78 "aiorun: $T/c:3: [worker:web] has a command, and so has the Procfile's worker at $T/Procfile:1" -f "$T/Procfile" -c "$T/c"
	printf '[worker:nope]\nrestart = always\n' >"$T/c"
	expect 78 "aiorun: $T/c:1: [worker:nope] has no command" -f "$T/Procfile" -c "$T/c"
	printf '[worker:web]\nrestart = always\n' >"$T/c"
	expect 78 "aiorun: $T/c:1: [worker:web] has no command" -c "$T/c"
	[ ! -e "$T/started" ]
}

@test "an after naming a copied worker waits for every copy" {
	cat >"$T/c" <<CONF
[worker:db]
command = sleep 0.\$(echo "\$AIORUN_WORKER_NAME" | tr -dc 0-9); touch "$T/\$AIORUN_WORKER_NAME"
copies = 3
[worker:web]
command = echo "web sees \$(ls "$T" | grep -c '^db\.')"
after = db:exited
CONF
	run "$AIORUN" -q --prefix never -c "$T/c"
	[ "$status" -eq 0 ]
	[ "$output" = "web sees 3" ]
}
