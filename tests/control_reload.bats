#!/usr/bin/env bats
# SPEC section 9: "aiorunctl reload" reads the config file again: new
# workers start, removed ones are stopped, changed ones restart, unchanged
# ones are left alone; a file with an error changes nothing.

load helpers

# The first file: keep and gone sleep, chg says v1.
write_first() {
	cat >"$T/aiorun.conf" <<-'CONF'
	[worker:keep]
	command = exec sleep 300
	[worker:gone]
	command = exec sleep 301
	[worker:chg]
	command = echo v1; exec sleep 302
	CONF
}

# The second: keep as it was, gone removed, chg changed, newcomer added.
write_second() {
	cat >"$T/aiorun.conf" <<-'CONF'
	# keep moved down a line: not a change
	[worker:keep]
	command = exec sleep 300
	[worker:chg]
	command = echo v2; exec sleep 302
	[worker:newcomer]
	command = echo hello; exec sleep 303
	CONF
}

start_first() {
	write_first
	start_controlled -c "$T/aiorun.conf"
	for w in keep gone chg; do
		wait_for 5 worker_has_state "$w" running
	done
}

@test "reload starts the added, stops the removed, restarts the changed and leaves the rest" {
	start_first
	keep=$(pid_of keep)
	gone=$(pid_of gone)
	chg=$(pid_of chg)
	write_second
	run ctl reload
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "gone removed: stopping" ]
	[ "${lines[1]}" = "chg changed: restarting" ]
	[ "${lines[2]}" = "newcomer added: starting" ]
	wait_for 5 gone "$gone"
	wait_for 5 worker_has_state chg running
	wait_for 5 worker_has_state newcomer running
	# Unchanged: the same process.
	[ "$(pid_of keep)" = "$keep" ]
	[ "$(pid_of chg)" != "$chg" ]
	gone "$chg"
	# Removed: forgotten.
	run ctl status gone
	[ "$status" -eq 1 ]
	[ "$output" = "aiorunctl: gone: no such worker" ]
	run ctl status
	[ "${#lines[@]}" -eq 4 ]
	wait_for 5 grep -q 'chg *| v2$' "$OUT"
	wait_for 5 grep -q 'newcomer | hello$' "$OUT"
	log_has "Control: reload (uid $(id -u))"
	log_has "Reload: chg changed: restarting"
	log_has "Reload: gone removed: stopping"
	log_has "Reload: newcomer added: starting"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	log_has "Task keep ended by SIGTERM"
}

@test "reload with an error in the file changes nothing and prints FILE:LINE" {
	start_first
	keep=$(pid_of keep)
	gone=$(pid_of gone)
	printf '[worker:keep]\ncommand = sleep 1\n[worker:broken\n' >"$T/aiorun.conf"
	run ctl reload
	[ "$status" -eq 1 ]
	[ "$output" = "aiorunctl: $T/aiorun.conf:3: syntax error" ]
	log_has "Reload: nothing changed"
	run ctl status
	[ "${#lines[@]}" -eq 4 ]
	[ "$(pid_of keep)" = "$keep" ]
	[ "$(pid_of gone)" = "$gone" ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "reload with nothing changed says so and touches nothing" {
	start_first
	keep=$(pid_of keep)
	run ctl reload
	[ "$status" -eq 0 ]
	[ "$output" = "nothing changed" ]
	[ "$(pid_of keep)" = "$keep" ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "reload during the shutdown is refused" {
	cat >"$T/aiorun.conf" <<-'CONF'
	[worker:stubborn]
	command = trap '' TERM; echo up; while :; do sleep 0.1; done
	CONF
	start_controlled --grace 60s -c "$T/aiorun.conf"
	wait_for 5 grep -q 'up$' "$OUT"
	kill -TERM "$AIORUN_PID"
	wait_for 5 log_has "Running pending tasks till complete"
	printf '[worker:other]\ncommand = sleep 1\n' >>"$T/aiorun.conf"
	run ctl reload
	[ "$status" -eq 1 ]
	[ "$output" = "aiorunctl: not reloaded: aiorun is shutting down" ]
	log_lacks "Reload: other"
	kill_from_another TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 143 ] || [ "$status" -eq 137 ] || [ "$status" -eq 0 ]
}

@test "twenty reloads between two files leave the unchanged worker alone" {
	start_first
	keep=$(pid_of keep)
	for i in $(seq 1 10); do
		write_second
		run ctl reload
		[ "$status" -eq 0 ]
		wait_for 5 worker_has_state newcomer running
		write_first
		run ctl reload
		[ "$status" -eq 0 ]
		wait_for 5 worker_has_state gone running
	done
	[ "$(pid_of keep)" = "$keep" ]
	wait_for 5 worker_has_state chg running
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	log_lacks "ERROR: AddressSanitizer"
	log_lacks "ERROR: LeakSanitizer"
}

@test "while a changed worker's old process is in its grace, status shows it and stop waits for it" {
	# slow ends only when $T/release appears, whatever signal it gets.
	cat >"$T/aiorun.conf" <<-'CONF'
	[aiorun]
	grace = 60s
	[worker:slow]
	command = trap '' TERM; touch "$T/up.v1"; until [ -e "$T/release" ]; do sleep 0.02; done
	CONF
	start_controlled -c "$T/aiorun.conf"
	wait_for 5 worker_has_state slow running
	old=$(pid_of slow)
	sed -i 's/up.v1/up.v2/' "$T/aiorun.conf"
	run ctl reload
	[ "$status" -eq 0 ]
	[ "$output" = "slow changed: restarting" ]
	# The old process ignores SIGTERM: it is the one status shows.
	run ctl status --json slow
	[[ "$output" = *"\"state\":\"stopping\",\"pid\":$old,"* ]]
	ctl stop slow >"$T/stopped" 2>&1 3>&- &
	stopper=$!
	wait_for 5 log_has "Control: stop slow"
	alive "$stopper"
	alive "$old"
	touch "$T/release"
	wait_for 5 gone "$stopper"
	wait "$stopper"
	[ "$(cat "$T/stopped")" = "slow: stopped" ]
	gone "$old"
	[ ! -e "$T/up.v2" ]
	worker_has_state slow stopped
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "reload reports changed [aiorun] keys, and restarts a Procfile worker whose PORT moved" {
	printf 'a: exec sleep 300\nb: echo "b on $PORT"; exec sleep 301\nc: echo "c on $PORT"; exec sleep 302\n' >"$T/Procfile"
	printf '[aiorun]\ngrace = 4s\n' >"$T/aiorun.conf"
	start_controlled -c "$T/aiorun.conf" -f "$T/Procfile"
	wait_for 5 grep -q "c on 5200" "$OUT"
	a=$(pid_of a)
	printf '[aiorun]\ngrace = 1s\nstop-on = exit\n' >"$T/aiorun.conf"
	run ctl reload
	[ "$status" -eq 0 ]
	[ "$output" = "[aiorun] changed: grace, stop-on" ]
	# c moves up a line: its PORT is 5100 now, b's 5200.
	printf 'a: exec sleep 300\nc: echo "c on $PORT"; exec sleep 302\nb: echo "b on $PORT"; exec sleep 301\n' >"$T/Procfile"
	run ctl reload
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "$output" = *"b changed: restarting"* ]]
	[[ "$output" = *"c changed: restarting"* ]]
	wait_for 5 grep -q "c on 5100" "$OUT"
	wait_for 5 grep -q "b on 5200" "$OUT"
	[ "$(pid_of a)" = "$a" ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}
