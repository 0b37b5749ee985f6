#!/usr/bin/env bats
# SPEC section 8: a tcp: readiness probe is watched on the event loop, so
# a worker that comes after another starts within 100 ms of the port
# accepting connections, not at the next tick of a slowing timer.

load helpers

@test "a dependent starts within 100 ms of its dependency's tcp: port opening" {
	port=$((20000 + RANDOM % 20000))
	python=$(python3 -c 'import sys; print(sys.executable)')
	cat >"$T/aiorun.conf" <<CONF
[worker:db]
command = exec $python -c 'import os, socket, time; [time.sleep(0.02) for _ in iter(lambda: os.path.exists("$T/go"), True)]; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", $port)); s.listen(16); open("$T/opened", "w").write("%.6f" % time.time()); time.sleep(300)'
ready = tcp:localhost:$port

[worker:app]
command = date +%s.%N >"$T/started.tmp"; mv "$T/started.tmp" "$T/started"; exec sleep 300
after = db
CONF
	start_aiorun -c "$T/aiorun.conf"
	wait_for 5 child_of "$AIORUN_PID" >/dev/null
	# Long enough for the retries to have slowed down, were they to.
	sleep 1.5
	[ ! -e "$T/started" ]
	touch "$T/go"
	wait_for 10 test -s "$T/started"
	opened=$(cat "$T/opened") started=$(cat "$T/started")
	echo "opened $opened, started $started"
	# The dependent's own start (a fork, a shell, date) is counted too.
	python3 -c "import sys; sys.exit(0 if $started - $opened < 0.1 else 1)"
	log_has "Task db is ready"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}
