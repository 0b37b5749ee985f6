#!/usr/bin/env bats
# SPEC section 10: the health keys and the conditions of "after" are
# checked when the configuration is read; a bad value is an error at its
# FILE:LINE, status 78, and nothing starts.

load helpers

# bad KEY-AND-VALUE EXPECTED-MESSAGE-TAIL
bad() {
	printf '[worker:db]\ncommand = touch "$T/started"\n[worker:web]\ncommand = touch "$T/started"\n%s\n' "$1" >"$T/c"
	run "$AIORUN" -c "$T/c"
	echo "$output"
	[ "$status" -eq 78 ]
	[ "$output" = "aiorun: $T/c:5: $2" ]
	[ ! -e "$T/started" ]
}

@test "a health check of an unknown kind, a bad address or URL, or a port out of range is refused" {
	what="invalid health check (tcp:HOST:PORT, http:HOST:PORT/PATH, exec:COMMAND)"
	bad "health = ftp:localhost:21" "health: $what 'ftp:localhost:21'"
	bad "health = tcp:localhost:0" "health: $what 'tcp:localhost:0'"
	bad "health = tcp:localhost:65536" "health: $what 'tcp:localhost:65536'"
	bad "health = tcp:db.example:80" "health: $what 'tcp:db.example:80'"
	bad "health = http:localhost/healthz" "health: $what 'http:localhost/healthz'"
	bad "health = http:localhost:8080/a b" "health: $what 'http:localhost:8080/a b'"
	bad "health = exec:" "health: $what 'exec:'"
}

@test "a health interval or timeout of zero or below, and health-retries of 0, are refused" {
	bad "health-interval = 0" "health-interval: invalid duration above zero (0.5, 500ms, 2s, 1m, 1h) '0'"
	bad "health-interval = -1s" "health-interval: invalid duration above zero (0.5, 500ms, 2s, 1m, 1h) '-1s'"
	bad "health-timeout = 0s" "health-timeout: invalid duration above zero (0.5, 500ms, 2s, 1m, 1h) '0s'"
	bad "health-retries = 0" "health-retries: invalid count (1-1000) '0'"
	bad "health-retries = x" "health-retries: invalid count (1-1000) 'x'"
}

@test "an unknown condition of after is refused; cycles and unknown names name theirs" {
	bad "after = db:done" "after: invalid list of worker names, each with :started, :ready, :exited or :success 'db:done'"
	bad "after = db:" "after: invalid list of worker names, each with :started, :ready, :exited or :success 'db:'"
	printf '[worker:a]\ncommand = x\nafter = b:success\n[worker:b]\ncommand = y\nafter = a:started\n' >"$T/c"
	run "$AIORUN" -c "$T/c"
	[ "$status" -eq 78 ]
	[ "$output" = "aiorun: $T/c:3: after: a dependency cycle: a -> b:success -> a:started" ]
	printf '[worker:a]\ncommand = x\nafter = nope:exited\n' >"$T/c"
	run "$AIORUN" -c "$T/c"
	[ "$status" -eq 78 ]
	[ "$output" = "aiorun: $T/c:3: after: no worker named 'nope' (in nope:exited)" ]
}

@test "good health keys and conditions pass --check" {
	cat >"$T/c" <<'CONF'
[worker:db]
command = exec sleep 1
health = tcp:[::1]:5432
health-interval = 500ms
health-timeout = 1s
health-retries = 1
[worker:migrate]
command = true
after = db:started
[worker:web]
command = exec sleep 1
health = http://localhost:8080/healthz?full=1
after = db, migrate:success
[worker:cron]
command = exec sleep 1
health = exec:test -e /tmp
after = migrate:exited
CONF
	run "$AIORUN" --check -c "$T/c"
	[ "$status" -eq 0 ]
	[[ "$output" = *"aiorun: configuration OK" ]]
}
