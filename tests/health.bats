#!/usr/bin/env bats
# SPEC section 10: a ready worker's health check (exec:, tcp:, http:)
# runs every health-interval; after health-retries failures in a row the
# worker is unhealthy, cancelled with its stop signal, and its end counts
# as a failure: its restart policy, then --stop-on, decide what follows.

load helpers

health_is() {
	ctl status --json "$1" | grep -q "\"health\":$2,"
}

# An HTTP server on $1 answering 503 while $T/sick exists, else 200, and
# keeping the Host header of the last request in $T/host.
http_server() {
	cat >"$T/server.py" <<'PY'
import http.server, os, sys
T = os.environ["T"]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open(T + "/host", "w").write(self.headers.get("Host", "") + " " + self.path)
        self.send_response(503 if os.path.exists(T + "/sick") else 200)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
}

@test "an exec: check failing health-retries times restarts an on-failure worker, healthy again" {
	cat >"$T/aiorun.conf" <<'CONF'
[worker:web]
command = echo x >>"$T/starts"; exec sleep 300
health = exec:test ! -e "$T/sick"
health-interval = 100ms
health-retries = 2
restart = on-failure
restart-delay = 100ms

[worker:other]
command = exec sleep 300
CONF
	start_controlled -c "$T/aiorun.conf"
	wait_for 5 health_is web '"healthy"'
	health_is other null
	touch "$T/sick"
	wait_for 5 log_has "Task web is unhealthy after 2 failed checks: exit status 1"
	log_has "Task web failed a health check (1 of 2): exit status 1"
	grep -q "Cancelling task: web (pid [0-9]*) with SIGTERM" "$ERR"
	wait_for 5 log_has "Task web ended by SIGTERM"
	rm "$T/sick"
	wait_for 5 log_has "Restarted task web"
	wait_for 5 health_is web '"healthy"'
	[ "$(wc -l <"$T/starts")" -eq 2 ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "a tcp: check failing with restart = no ends the set in failure" {
	port=$((20000 + RANDOM % 20000))
	cat >"$T/aiorun.conf" <<CONF
[worker:web]
command = socat TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork EXEC:true & echo \$! >"\$T/socat"; exec sleep 300
ready = tcp:localhost:$port
health = tcp:localhost:$port
health-interval = 100ms
health-retries = 3

[worker:other]
command = exec sleep 300
CONF
	start_controlled -c "$T/aiorun.conf"
	wait_for 5 health_is web '"healthy"'
	kill "$(cat "$T/socat")"
	finish_aiorun
	[ "$status" -eq 143 ]
	log_has "Task web is unhealthy after 3 failed checks: Connection refused"
	log_has "Task web ended by SIGTERM"
	log_has "Entering shutdown phase. (web ended with status 143)"
	log_lacks "Restarted task web"
}

@test "an http: check judges the status line, sends a Host header, and a 503 restarts the worker" {
	port=$((20000 + RANDOM % 20000))
	http_server
	python=$(python3 -c 'import sys; print(sys.executable)')
	cat >"$T/aiorun.conf" <<CONF
[worker:web]
command = echo x >>"\$T/starts"; exec $python "\$T/server.py" $port
ready = tcp:127.0.0.1:$port
health = http:localhost:$port/healthz?full=1
health-interval = 100ms
health-retries = 2
restart = on-failure
restart-delay = 100ms
CONF
	start_controlled -c "$T/aiorun.conf"
	wait_for 10 health_is web '"healthy"'
	[ "$(cat "$T/host")" = "127.0.0.1:$port /healthz?full=1" ]
	touch "$T/sick"
	wait_for 5 log_has "Task web is unhealthy after 2 failed checks: HTTP status 503"
	rm "$T/sick"
	wait_for 10 log_has "Restarted task web"
	wait_for 10 health_is web '"healthy"'
	[ "$(wc -l <"$T/starts")" -eq 2 ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "an http: reply that never comes or is no status line fails within health-timeout" {
	port1=$((20000 + RANDOM % 10000)) port2=$((30000 + RANDOM % 10000))
	cat >"$T/aiorun.conf" <<CONF
[worker:mute]
command = exec socat TCP-LISTEN:$port1,bind=127.0.0.1,reuseaddr,fork EXEC:'sleep 300'
ready = tcp:localhost:$port1
health = http:127.0.0.1:$port1/
health-interval = 100ms
health-timeout = 300ms
health-retries = 1

[worker:garbled]
command = exec socat TCP-LISTEN:$port2,bind=127.0.0.1,reuseaddr,fork SYSTEM:'yes garbage | head -c 100000'
ready = tcp:localhost:$port2
health = http:127.0.0.1:$port2/
health-interval = 100ms
health-retries = 1
CONF
	start_aiorun --stop-on none -c "$T/aiorun.conf"
	wait_for 5 log_has "Task mute is unhealthy after 1 failed checks: no answer within 300ms"
	wait_for 5 log_has "Task garbled is unhealthy after 1 failed checks: no HTTP status line in the reply"
	# Both cancelled, both failed: the set ends with the first failure.
	finish_aiorun
	[ "$status" -eq 143 ]
	log_has "Entering shutdown phase. (every task has ended)"
}
