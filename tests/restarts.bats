#!/usr/bin/env bats
# SPEC section 7: restart policies, doubling delays, start limits, and no
# restart once the shutdown has begun.

load helpers

conf() {
	cat >"$T/aiorun.conf"
}

# The delays aiorun announced, in order.
delays() {
	sed -n 's/.*Restarting task \([a-z]*\) in \(.*\)$/\2/p' "$ERR" | paste -sd' '
}

@test "on-failure restarts with growing delays and stops at the start limit" {
	conf <<'CONF'
[worker:flaky]
command = echo started >>"$T/starts"; exit 2
restart = on-failure
restart-delay = 20ms
start-limit = 4/1m
CONF
	T=$T start_aiorun -c "$T/aiorun.conf"
	finish_aiorun
	# Given up, it counts as failed: its status stops everything.
	[ "$status" -eq 2 ]
	[ "$(delays)" = "20ms 40ms 80ms" ]
	[ "$(wc -l <"$T/starts")" -eq 4 ]
	log_has "Task flaky reached its start limit (4 starts within 60s): giving up"
	log_has "Entering shutdown phase. (flaky ended with status 2)"
}

@test "the delay stops doubling at restart-max-delay" {
	conf <<'CONF'
[worker:flaky]
command = exit 1
restart = on-failure
restart-delay = 10ms
restart-max-delay = 40ms
start-limit = 6/1m
CONF
	run "$AIORUN" -c "$T/aiorun.conf"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | sed -n 's/.*Restarting task flaky in //p' | paste -sd' ')" = "10ms 20ms 40ms 40ms 40ms" ]
}

@test "on-failure does not restart a worker that exits 0" {
	conf <<'CONF'
[worker:done]
command = exit 0
restart = on-failure
CONF
	run "$AIORUN" -c "$T/aiorun.conf"
	[ "$status" -eq 0 ]
	[[ "$output" != *"Restarting"* ]]
}

@test "always restarts a worker that exits 0" {
	conf <<'CONF'
[worker:looper]
command = echo x >>"$T/starts"; exit 0
restart = always
restart-delay = 10ms
start-limit = 3/1m
CONF
	T=$T run "$AIORUN" -c "$T/aiorun.conf"
	# Given up after a clean exit it still counts as failed: status 1.
	[ "$status" -eq 1 ]
	[ "$(wc -l <"$T/starts")" -eq 3 ]
	[[ "$output" = *"Restarting task looper in 10ms"* ]]
}

@test "a worker given up under --stop-on none lets the others run" {
	conf <<'CONF'
[aiorun]
stop-on = none
[worker:flaky]
command = exit 3
restart = on-failure
restart-delay = 10ms
start-limit = 2/1m
CONF
	start_aiorun -c "$T/aiorun.conf" -w server="exec \"$PROBE\" record \"$T\""
	wait_for 5 log_has "giving up"
	wait_for 5 has_files "$T/ready.*" 1
	alive "$AIORUN_PID"
	kill "$(basename "$T"/ready.* | cut -d. -f2)"
	finish_aiorun
	[ "$status" -eq 3 ]
}

@test "a crash-looping worker does not spin a CPU" {
	conf <<'CONF'
[worker:crasher]
command = exit 1
restart = always
restart-delay = 0
restart-max-delay = 50ms
start-limit = 100000/1s
CONF
	start_aiorun -c "$T/aiorun.conf"
	wait_for 5 log_has "Restarting task crasher"
	# Two seconds of crash loop: the window measured, not a guess.
	sleep 2
	# aiorun's own CPU time (utime + stime, in clock ticks) stays small.
	ticks=$(awk '{ print $14 + $15 }' /proc/"$AIORUN_PID"/stat)
	starts=$(grep -c "Restarted task crasher" "$ERR")
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	echo "cpu ticks: $ticks, restarts: $starts"
	# At 50 ms apart at the least, 2 s holds at most ~45 restarts.
	[ "$starts" -le 45 ]
	[ "$ticks" -le 50 ]
}

@test "no restart once the shutdown has begun" {
	conf <<'CONF'
[worker:server]
command = trap 'exit 1' TERM; while :; do sleep 0.05; done
restart = always
restart-delay = 10ms
CONF
	start_aiorun -c "$T/aiorun.conf"
	wait_for 5 child_of "$AIORUN_PID" >/dev/null
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	log_lacks "Restarting"
}

@test "a worker that stayed up 10 s starts again from restart-delay" {
	conf <<'CONF'
[worker:server]
command = n=$(($(cat "$T/count" 2>/dev/null || echo 0) + 1)); echo $n >"$T/count"; [ $n -ne 3 ] || sleep 10.2; exit 1
restart = on-failure
restart-delay = 20ms
start-limit = 4/1m
CONF
	T=$T run "$AIORUN" -c "$T/aiorun.conf"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | sed -n 's/.*Restarting task server in //p' | paste -sd' ')" = "20ms 40ms 20ms" ]
}

@test "a worker that cannot even be restarted is given up at its start limit" {
	mkdir "$T/dir"
	conf <<CONF
[worker:vanishing]
command = rmdir "$T/dir"; exit 1
directory = $T/dir
restart = on-failure
restart-delay = 10ms
start-limit = 3/1m
CONF
	run -127 "$AIORUN" -c "$T/aiorun.conf"
	# Its directory is gone: each restart fails as exec would (127).
	[ "$status" -eq 127 ]
	[ "$(echo "$output" | grep -c "cannot run vanishing: ")" -eq 2 ]
	[[ "$output" = *"Task vanishing reached its start limit (3 starts within 60s): giving up"* ]]
}

@test "with no start-limit, a crash loop backs off and keeps restarting while the others run" {
	conf <<'CONF'
[worker:crash]
command = echo x >>"$T/crashes"; exit 3
restart = always
restart-delay = 10ms
restart-max-delay = 40ms

[worker:web]
command = exec "$PROBE" record "$T"
CONF
	T=$T PROBE=$PROBE start_aiorun -c "$T/aiorun.conf"
	wait_for 5 has_files "$T/ready.*" 1
	# Well past the 5 starts within 10 s of the old default limit.
	wait_for 10 eval '[ "$(wc -l <"$T/crashes" 2>/dev/null || echo 0)" -ge 12 ]'
	alive "$AIORUN_PID"
	log_lacks "giving up"
	log_lacks "Entering shutdown phase"
	log_has "Restarting task crash in 40ms"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	# A signal began the shutdown and there is no PROGRAM: 0.
	[ "$status" -eq 0 ]
	log_has "Entering shutdown phase. (received SIGTERM)"
}
