#!/usr/bin/env bats
# SPEC section 3: shutdown-waits-for workers are never signalled by the
# shutdown, but waited for; --wait-timeout bounds that wait, after which
# they are cancelled like the others.

load helpers

# A waits-for worker that finishes its work when the file $T/finish
# appears, then exits 0; a SIGTERM is recorded and ends it at once.
WAITER='trap "echo \$\$ SIGTERM >>\"$T/signals\"; exit 0" TERM; touch "$T/waiter-ready"; until [ -e "$T/finish" ]; do sleep 0.02; done; echo finished >"$T/waiter-done"'

@test "a shutdown-waits-for worker is not signalled and is waited for" {
	T=$T start_aiorun -W flush="$WAITER" -w server="exec \"$PROBE\" record \"$T\""
	wait_for 5 test -e "$T/waiter-ready"
	wait_for 5 has_files "$T/ready.*" 1
	kill -TERM "$AIORUN_PID"
	wait_for 5 log_has "Running pending tasks till complete"
	# The server is cancelled; the waiter is not, and aiorun waits.
	wait_for 5 grep -q " SIGTERM$" "$T/signals"
	[ "$(grep -c SIGTERM "$T/signals")" -eq 1 ]
	log_lacks "Cancelling task: flush"
	alive "$AIORUN_PID"
	touch "$T/finish"
	finish_aiorun
	[ "$status" -eq 0 ]
	[ "$(cat "$T/waiter-done")" = finished ]
	[ "$(grep -c SIGTERM "$T/signals")" -eq 1 ]
}

@test "--wait-timeout bounds the wait, then the worker is cancelled" {
	T=$T start_aiorun --wait-timeout 300ms -W flush="$WAITER"
	wait_for 5 test -e "$T/waiter-ready"
	kill -TERM "$AIORUN_PID"
	finish_aiorun 5
	log_has "shutdown-waits-for tasks still running after 300ms (--wait-timeout): cancelling them"
	grep -q "Cancelling task: flush (pid [0-9]*) with SIGTERM$" "$ERR"
	# The shell ran its trap: it got the signal, after the timeout.
	grep -q " SIGTERM$" "$T/signals"
	[ ! -e "$T/waiter-done" ]
}

@test "PROGRAM is cancelled at once while a shutdown-waits-for worker still runs" {
	T=$T start_aiorun -W flush="$WAITER" -- "$PROBE" record "$T"
	wait_for 5 test -e "$T/waiter-ready"
	wait_for 5 has_files "$T/ready.*" 1
	kill -TERM "$AIORUN_PID"
	wait_for 5 log_has "Task main exited with status 0"
	grep -q "Cancelling task: main (pid [0-9]*) with SIGTERM$" "$ERR"
	# PROGRAM is gone; the waiter still works, and aiorun waits for it.
	alive "$AIORUN_PID"
	log_lacks "Task flush"
	touch "$T/finish"
	finish_aiorun
	[ "$status" -eq 0 ]
	[ "$(cat "$T/waiter-done")" = finished ]
}

@test "a second signal kills a shutdown-waits-for worker too" {
	T=$T start_aiorun -W flush="$WAITER"
	wait_for 5 test -e "$T/waiter-ready"
	kill -TERM "$AIORUN_PID"
	wait_for 5 log_has "Running pending tasks till complete"
	kill_from_another TERM "$AIORUN_PID"
	finish_aiorun 5
	[ "$status" -eq 137 ]
	log_has "Received SIGTERM during shutdown: killing every remaining task"
	[ ! -e "$T/waiter-done" ]
}

@test "shutdown-waits-for = yes in the config file marks a worker" {
	cat >"$T/aiorun.conf" <<CONF
[worker:flush]
command = $WAITER
shutdown-waits-for = yes
CONF
	T=$T start_aiorun -c "$T/aiorun.conf"
	wait_for 5 test -e "$T/waiter-ready"
	kill -TERM "$AIORUN_PID"
	wait_for 5 log_has "Running pending tasks till complete"
	log_lacks "Cancelling task: flush"
	touch "$T/finish"
	finish_aiorun
	[ "$status" -eq 0 ]
}
