#!/usr/bin/env bats
# SPEC section 8 and the "ready" and "after" keys: READY=1 waits for every
# worker's readiness; a worker starts once what it comes after is ready,
# and is cancelled before it at the shutdown.

load helpers

conf() {
	cat >"$T/aiorun.conf"
}

@test "READY=1 is held back until a ready = notify worker reports, and its STATUS goes on" {
	notify_listen
	conf <<'CONF'
[worker:svc]
command = touch "$T/running"; until [ -e "$T/go" ]; do sleep 0.02; done; printf 'STATUS=warming up\nREADY=1' | socat - UNIX-SENDTO:"$NOTIFY_SOCKET"; exec sleep 300
ready = notify
CONF
	NOTIFY_SOCKET=$T/notify.sock start_aiorun -c "$T/aiorun.conf"
	wait_for 5 test -e "$T/running"
	notified "READY=1" && false
	touch "$T/go"
	wait_for 5 notified "READY=1"
	notified "^STATUS=svc: warming up$"
	log_has "Task svc is ready"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "READY=1 is held back until a tcp: port accepts connections" {
	notify_listen
	port=$((20000 + RANDOM % 20000))
	conf <<CONF
[worker:server]
command = until [ -e "\$T/go" ]; do sleep 0.02; done; exec socat TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork EXEC:true
ready = tcp:localhost:$port
CONF
	NOTIFY_SOCKET=$T/notify.sock start_aiorun -c "$T/aiorun.conf"
	wait_for 5 child_of "$AIORUN_PID" >/dev/null
	notified "READY=1" && false
	touch "$T/go"
	wait_for 10 notified "READY=1"
	log_has "Task server is ready"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "after: a worker starts once what it comes after is ready (exec: probe)" {
	conf <<'CONF'
[worker:db]
command = exec sleep 300
ready = exec:test -e "$T/go"

[worker:app]
command = touch "$T/app-started"; exec sleep 300
after = db
CONF
	start_aiorun -c "$T/aiorun.conf"
	wait_for 5 child_of "$AIORUN_PID" >/dev/null
	[ ! -e "$T/app-started" ]
	touch "$T/go"
	wait_for 10 test -e "$T/app-started"
	log_has "Task db is ready"
	grep -q "Started task app (pid [0-9]*) after db$" "$ERR"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "at shutdown a worker is cancelled before what it comes after" {
	conf <<CONF
[worker:db]
command = exec "$PROBE" record "$T"
[worker:cache]
command = exec "$PROBE" record "$T"
[worker:app]
command = exec "$PROBE" record "$T"
after = db, cache
[worker:web]
command = exec "$PROBE" record "$T"
after = app
CONF
	start_aiorun -c "$T/aiorun.conf"
	wait_for 5 has_files "$T/ready.*" 4
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	# web, then app, then db and cache together: each only once the ones
	# after it have ended.
	order=$(grep -oE "Cancelling task: [a-z]+|Task [a-z]+ exited" "$ERR" |
		sed -e 's/Cancelling task: /c:/' -e 's/Task \([a-z]*\) exited/e:\1/' | paste -sd' ')
	echo "$order"
	[[ "$order" = "c:web e:web c:app e:app c:"* ]]
	[[ "$order" = *"c:db"* && "$order" = *"c:cache"* ]]
}

@test "a worker not ready within ready-timeout counts as failed" {
	conf <<'CONF'
[worker:slow]
command = exec sleep 300
ready = exec:false
ready-timeout = 300ms
CONF
	run "$AIORUN" -c "$T/aiorun.conf"
	[ "$status" -eq 1 ]
	[[ "$output" = *"Task slow is not ready after 300ms: it counts as failed"* ]]
	[[ "$output" = *"Entering shutdown phase. (slow was not ready in time)"* ]]
}

@test "a dependency cycle and an unknown name are configuration errors" {
	printf '[worker:a]\ncommand = x\nafter = b\n[worker:b]\ncommand = y\nafter = a\n' >"$T/c"
	run "$AIORUN" -c "$T/c"
	[ "$status" -eq 78 ]
	[ "$output" = "aiorun: $T/c:3: after: a dependency cycle: a -> b:ready -> a:ready" ]
	printf '[worker:a]\ncommand = x\nafter = nope\n' >"$T/c"
	run "$AIORUN" -c "$T/c"
	[ "$status" -eq 78 ]
	[ "$output" = "aiorun: $T/c:3: after: no worker named 'nope' (in nope:ready)" ]
	printf '[worker:a]\ncommand = x\nready = tcp:example.com:80\n' >"$T/c"
	run "$AIORUN" -c "$T/c"
	[ "$status" -eq 78 ]
	[ "$output" = "aiorun: $T/c:3: ready: invalid readiness (notify, tcp:HOST:PORT, exec:COMMAND) 'tcp:example.com:80'" ]
}

@test "a notify worker after a plain one is watched once" {
	conf <<'CONF'
[worker:base]
command = exec sleep 300
[worker:svc]
command = printf 'READY=1' | socat - UNIX-SENDTO:"$NOTIFY_SOCKET"; exec sleep 300
ready = notify
after = base
CONF
	start_aiorun -c "$T/aiorun.conf"
	wait_for 5 log_has "Task svc is ready"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	grep -q "Cancelling task: svc" "$ERR"
}

@test "listen-fds from the config file must name a worker: 78" {
	printf '[aiorun]\nlisten-fds = nobody\n[worker:a]\ncommand = true\n' >"$T/c"
	run "$AIORUN" -c "$T/c"
	[ "$status" -eq 78 ]
	[ "$output" = "aiorun: $T/c:2: listen-fds: no worker named 'nobody'" ]
}

@test "a tcp: host must be a numeric address or localhost" {
	printf '[worker:a]\ncommand = x\nready = tcp:1.2.3:80\n' >"$T/c"
	run "$AIORUN" -c "$T/c"
	[ "$status" -eq 78 ]
	printf '[worker:a]\ncommand = x\nready = tcp:[::1]:80\n' >"$T/c"
	run "$AIORUN" --check -c "$T/c"
	[ "$status" -eq 0 ]
}
