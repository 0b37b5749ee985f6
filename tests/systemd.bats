#!/usr/bin/env bats
# SPEC section 8: the systemd notification protocol, spoken to a listener
# that stands in for the service manager.

load helpers

@test "READY=1 once the workers have started, STOPPING=1 when the shutdown begins" {
	notify_listen
	NOTIFY_SOCKET=$T/notify.sock start_aiorun -w a="exec \"$PROBE\" record \"$T\""
	wait_for 5 notified "READY=1"
	grep -q "^READY=1 STATUS=Running 1 tasks$" "$T/messages"
	log_lacks "cannot notify"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	grep -q "^STOPPING=1 STATUS=Shutting down: received SIGTERM$" "$T/messages"
	grep -q "^EXTEND_TIMEOUT_USEC=21000000$" "$T/messages"
	# In that order.
	[ "$(cut -d= -f1 "$T/messages" | head -n 2 | paste -sd' ')" = "READY STOPPING" ]
}

@test "an abstract NOTIFY_SOCKET is reached at its exact address" {
	command -v socat >/dev/null || skip "socat is not installed"
	socat -u ABSTRACT-RECVFROM:aiorun-test-$$,fork OPEN:"$T/messages",creat,append 3>&- &
	LISTENER=$!
	wait_for 5 grep -q "@aiorun-test-$$\$" /proc/net/unix
	NOTIFY_SOCKET=@aiorun-test-$$ run "$AIORUN" -q -- true
	wait_for 5 notified "READY=1"
}

@test "WATCHDOG=1 at half of WATCHDOG_USEC" {
	notify_listen
	NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=200000 start_aiorun -- sleep 300
	wait_for 5 notified "READY=1"
	# Two seconds at one ping per 100 ms: the window measured.
	sleep 2
	pings=$(grep -c "^WATCHDOG=1$" "$T/messages")
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	echo "pings in 2 s: $pings"
	[ "$pings" -ge 12 ] && [ "$pings" -le 24 ]
}

@test "no WATCHDOG=1 when WATCHDOG_PID names another process" {
	notify_listen
	NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=100000 WATCHDOG_PID=1 start_aiorun -- sleep 300
	wait_for 5 notified "READY=1"
	sleep 1
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$(grep -c "^WATCHDOG=1$" "$T/messages")" -eq 0 ]
}

@test "NOTIFY_SOCKET and the watchdog are not passed on to a plain worker" {
	notify_listen
	NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=100000 run "$AIORUN" -q --prefix never -w w='echo "${NOTIFY_SOCKET-unset} ${WATCHDOG_USEC-unset}"'
	[ "$status" -eq 0 ]
	[ "$output" = "unset unset" ]
}

@test "socket activation: the sockets go to PROGRAM, with LISTEN_PID its own pid" {
	run "$PROBE" listen-exec -- "$AIORUN" -q -- "$PROBE" listen-check
	[ "$status" -eq 0 ]
	[ "$output" = "LISTEN_PID is mine: yes
fd 3: socket
LISTEN_FDS=1
LISTEN_FDNAMES=web" ]
}

@test "socket activation: --listen-fds names the worker; no other sees them" {
	run "$PROBE" listen-exec -- "$AIORUN" -q --prefix never --listen-fds web \
		-W web="exec \"$PROBE\" listen-check" -- "$PROBE" listen-check
	[ "$status" -eq 0 ]
	# PROGRAM's four lines and web's, in some order.
	[ "$(echo "$output" | grep -c 'LISTEN_PID is mine: yes')" -eq 1 ]
	[ "$(echo "$output" | grep -c 'fd 3: socket')" -eq 1 ]
	[ "$(echo "$output" | grep -c 'LISTEN_FDS=unset')" -eq 1 ]
	[ "$(echo "$output" | grep -c 'fd 3: not a socket')" -eq 1 ]
}

@test "sockets meant for another process are not passed on" {
	LISTEN_FDS=1 LISTEN_PID=1 run "$AIORUN" -q -- "$PROBE" listen-check
	[ "$status" -eq 0 ]
	[[ "$output" = *"fd 3: not a socket"* ]]
	[[ "$output" = *"LISTEN_FDS=unset"* ]]
}

@test "--listen-fds must name a worker" {
	run "$AIORUN" --listen-fds nobody -- true
	[ "$status" -eq 64 ]
	[ "$output" = "aiorun: --listen-fds: no worker named 'nobody' (see aiorun --help)" ]
}

@test "a service manager that does not read holds nothing up: aiorun never blocks on NOTIFY_SOCKET" {
	# Bound, not read until $T/drain appears: its queue fills with the
	# watchdog's pings (a millisecond apart) and every send finds it full.
	python3 -c '
import os, socket, sys, time
t = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(t + "/stuck.sock")
open(t + "/bound", "w").close()
while not os.path.exists(t + "/drain"):
    time.sleep(0.02)
s.setblocking(False)
with open(t + "/messages", "w") as out:
    try:
        while True:
            out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
    except BlockingIOError:
        pass
' "$T" 3>&- &
	LISTENER=$!
	wait_for 5 test -e "$T/bound"
	NOTIFY_SOCKET=$T/stuck.sock WATCHDOG_USEC=2000 run timeout -k 5 20 "$AIORUN" -- sh -c 'sleep 1; exit 3'
	# PROGRAM's end was seen and its status passed on, within the bound.
	[ "$status" -eq 3 ]
	[[ "$output" = *"Leaving. Bye!"* ]]
	touch "$T/drain"
	wait "$LISTENER"
	# What was queued before the queue filled is there, READY=1 first.
	[ "$(head -n 1 "$T/messages")" = "READY=1 STATUS=Running 1 tasks" ]
}
