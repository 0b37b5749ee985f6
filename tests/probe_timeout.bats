#!/usr/bin/env bats
# SPEC section 10: ready-timeout and health-timeout bound exec: probes; a
# probe that never ends is killed with its whole process group.

load helpers

@test "an endless exec: readiness probe is killed with its group at ready-timeout" {
	cat >"$T/aiorun.conf" <<'CONF'
[worker:slow]
command = exec sleep 300
ready = exec:sleep 300 & echo $! >"$T/probe-child"; echo $$ >"$T/probe"; wait
ready-timeout = 500ms
CONF
	start_aiorun --stop-on none -c "$T/aiorun.conf"
	wait_for 5 test -s "$T/probe-child"
	wait_for 5 test -s "$T/probe"
	child=$(cat "$T/probe-child") probe=$(cat "$T/probe")
	alive "$child"
	wait_for 5 log_has "Task slow is not ready after 500ms: it counts as failed"
	wait_for 5 gone "$probe"
	wait_for 5 gone "$child"
	# The worker itself is left alone (--stop-on none), and no further
	# probe is started.
	rm "$T/probe"
	alive "$(child_of "$AIORUN_PID")"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	[ ! -e "$T/probe" ]
}

@test "an endless exec: health check is killed with its group at health-timeout" {
	cat >"$T/aiorun.conf" <<'CONF'
[worker:web]
command = exec sleep 300
health = exec:sleep 300 & echo $! >"$T/check-child"; wait
health-timeout = 300ms
health-retries = 1
CONF
	start_aiorun -c "$T/aiorun.conf"
	wait_for 5 test -s "$T/check-child"
	child=$(cat "$T/check-child")
	finish_aiorun
	[ "$status" -eq 143 ]
	log_has "Task web is unhealthy after 1 failed checks: no answer within 300ms"
	gone "$child"
}
