#!/usr/bin/env bats
# SPEC section 9: aiorunctl's commands, each through the worker table:
# status, start, stop, restart, signal, wait, logs, shutdown; --json; the
# exit statuses; the "Control:" log lines.

load helpers

# A set of two workers: web sleeps, tick writes a line every 50 ms.
start_set() {
	start_controlled "$@" \
		-w web='exec sleep 300' \
		-w tick='i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.05; done'
	wait_for 5 worker_has_state web running
	wait_for 5 worker_has_state tick running
}

stop_set() {
	kill -TERM "$AIORUN_PID"
	finish_aiorun
}

@test "status prints an aligned table with a header, one row per worker" {
	start_set
	run ctl status
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" =~ ^NAME\ +STATE\ +PID\ +UPTIME\ +RESTARTS\ +LAST\ +HEALTH\ +WAITS-FOR$ ]]
	[[ "${lines[1]}" =~ ^web\ +running\ +[0-9]+\ +[0-9]+s\ +0\ +-\ +-\ +no$ ]]
	[[ "${lines[2]}" =~ ^tick\ +running\ +[0-9]+\ +[0-9]+s\ +0\ +-\ +-\ +no$ ]]
	# Aligned: the state column starts at the same place in each row.
	a=${lines[1]%%running*}
	b=${lines[2]%%running*}
	[ "${#a}" -eq "${#b}" ]
	run ctl status tick
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	stop_set
}

@test "status --json prints one object per worker with every key" {
	start_set
	run ctl status --json
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" =~ ^\{\"name\":\"web\",\"state\":\"running\",\"pid\":[0-9]+,\"uptime_s\":[0-9.]+,\"restarts\":0,\"last_status\":null,\"health\":null,\"waits_for\":false\}$ ]]
	[[ "${lines[1]}" = '{"name":"tick",'* ]]
	# --json before the command too.
	run "$AIORUNCTL" --json -s "$T/ctl.sock" status web
	[ "$status" -eq 0 ]
	[[ "$output" = '{"name":"web","state":"running",'* ]]
	stop_set
}

@test "stop keeps a worker down: no restart, no --stop-on, logged with the uid" {
	start_set --stop-on exit
	start_aiorun_pid=$AIORUN_PID
	web=$(pid_of web)
	run ctl stop web
	[ "$status" -eq 0 ]
	[ "$output" = "web: stopped" ]
	gone "$web"
	run ctl status --json web
	[[ "$output" = '{"name":"web","state":"stopped","pid":null,'*'"last_status":143,'* ]]
	# --stop-on exit did not stop the set: tick still runs.
	worker_has_state tick running
	alive "$AIORUN_PID"
	log_has "Control: stop web (uid $(id -u))"
	stop_set
	[ "$status" -eq 0 ]
}

@test "--json: a failure is a JSON object on standard output too, with an error key" {
	start_set
	status=0
	ctl --json status nosuch >"$T/o" 2>"$T/e" || status=$?
	[ "$status" -eq 1 ]
	[ "$(cat "$T/o")" = '{"name":"nosuch","error":"no such worker"}' ]
	[ ! -s "$T/e" ]
	ctl stop tick
	status=0
	ctl wait --json web tick >"$T/o" 2>"$T/e" || status=$?
	[ "$status" -eq 1 ]
	[ "$(cat "$T/o")" = '{"name":"web","state":"running","result":"ready"}
{"name":"tick","state":"stopped","error":"stopped after it was ready"}' ]
	[ ! -s "$T/e" ]
	jq -e . "$T/o" >/dev/null
	stop_set
}

@test "stop and restart of PROGRAM send it SIGTERM, outside any shutdown" {
	start_controlled -t 20 -w web='exec sleep 300' \
		-- sh -c 'trap "echo got TERM; exit 3" TERM; while :; do sleep 0.05; done'
	wait_for 5 worker_has_state main running
	run ctl restart main
	[ "$status" -eq 0 ]
	[[ "$output" = *"main: restarted (pid "* ]]
	wait_for 5 grep -q "Cancelling task: main (pid [0-9]*) with SIGTERM$" "$ERR"
	run ctl stop main
	[ "$status" -eq 0 ]
	[ "$output" = "main: stopped" ]
	wait_for 5 has_lines 2 "^main | got TERM$" "$OUT"
	run ctl status --json main
	[[ "$output" = *'"last_status":3,'* ]]
	log_lacks "refused to exit"
	alive "$AIORUN_PID"
	stop_set
}

@test "stop answers in the order the workers were named, whichever ends first" {
	start_controlled -w slow="trap 'until [ -e $T/release ]; do sleep 0.02; done; exit 0' TERM; touch $T/slow-up; while :; do sleep 0.05; done" -w quick='exec sleep 300'
	wait_for 5 test -e "$T/slow-up"
	wait_for 5 worker_has_state quick running
	ctl stop slow quick >"$T/stopped" 2>&1 3>&- &
	stopper=$!
	# quick has ended; its line waits for slow's.
	wait_for 5 log_has "Task quick ended by SIGTERM"
	[ ! -s "$T/stopped" ]
	touch "$T/release"
	wait_for 5 gone "$stopper"
	wait "$stopper"
	[ "$(cat "$T/stopped")" = "$(printf 'slow: stopped\nquick: stopped')" ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "stop sends SIGKILL after the worker's grace period" {
	start_controlled -t 300ms \
		-w stubborn='trap "" TERM; while :; do sleep 0.1; done' -w other='exec sleep 300'
	wait_for 5 worker_has_state stubborn running
	run ctl stop stubborn
	[ "$status" -eq 0 ]
	[ "$output" = "stubborn: stopped" ]
	run ctl status --json stubborn
	[[ "$output" = *'"last_status":137,'* ]]
	wait_for 5 grep -q "The following tasks refused to exit after 300ms: stubborn (pid [0-9]*); sending SIGKILL$" "$ERR"
	stop_set
	# A stop's SIGKILL is no shutdown's: aiorun's own status stays 0.
	[ "$status" -eq 0 ]
	log_lacks "During shutdown, the following tasks refused"
}

@test "start brings a stopped worker back; start of a running one says so" {
	start_set
	ctl stop web
	run ctl start web
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^web:\ started\ \(pid\ [0-9]+\)$ ]]
	worker_has_state web running
	run ctl start web
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^web:\ already\ running ]]
	log_has "Control: start web (uid $(id -u))"
	stop_set
}

@test "start resets the start limit of a worker given up" {
	# "restart" and "start-limit" come from a config file.
	cat >"$T/conf" <<EOF2
[worker:crash]
command = echo crashed >>"$T/starts"; exit 3
restart = on-failure
restart-delay = 10ms
start-limit = 2/1m
[worker:web]
command = exec sleep 300
EOF2
	start_controlled --stop-on none -c "$T/conf"
	wait_for 5 worker_has_state crash failed
	[ "$(wc -l <"$T/starts")" -eq 2 ]
	run ctl start crash
	# It starts (and crashes again): the limit began anew.
	[[ "$output" =~ ^crash:\ started ]]
	wait_for 5 worker_has_state crash failed
	[ "$(wc -l <"$T/starts")" -eq 4 ]
	stop_set
}

@test "a start of a worker in backoff is no restart of its policy" {
	cat >"$T/conf" <<EOF2
[worker:crash]
command = echo crashed >>"$T/starts"; exit 3
restart = on-failure
restart-delay = 5m
[worker:web]
command = exec sleep 300
EOF2
	start_controlled --stop-on none -c "$T/conf"
	wait_for 5 worker_has_state crash backoff
	run ctl start crash
	[[ "$output" =~ ^crash:\ started ]]
	wait_for 5 has_lines 2 crashed "$T/starts"
	wait_for 5 worker_has_state crash backoff
	run ctl status --json crash
	[[ "$output" = *'"restarts":0,'* ]]
	log_lacks "Restarted task crash"
	stop_set
}

@test "restart stops then starts each worker named" {
	start_set
	web=$(pid_of web)
	tick=$(pid_of tick)
	run ctl restart web tick
	[ "$status" -eq 0 ]
	# One line each, in the order given.
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" =~ ^web:\ restarted\ \(pid\ [0-9]+\)$ ]]
	[[ "${lines[1]}" =~ ^tick:\ restarted\ \(pid\ [0-9]+\)$ ]]
	gone "$web"
	gone "$tick"
	[ "$(pid_of web)" != "$web" ]
	worker_has_state web running
	log_has "Control: restart web tick (uid $(id -u))"
	stop_set
	[ "$status" -eq 0 ]
}

@test "restart --all restarts every worker, and a lone PROGRAM too" {
	start_controlled -- sleep 300
	main=$(pid_of main)
	run ctl restart --all
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^main:\ restarted ]]
	gone "$main"
	# PROGRAM's end by request did not end aiorun.
	alive "$AIORUN_PID"
	stop_set
	[ "$status" -eq 143 ]
}

@test "signal sends a signal to the worker's process group" {
	start_controlled \
		-w hup='trap "echo got HUP" HUP; while :; do sleep 0.05; done' -w web='exec sleep 300'
	wait_for 5 worker_has_state hup running
	run ctl signal HUP hup
	[ "$status" -eq 0 ]
	[ "$output" = "hup: sent SIGHUP" ]
	wait_for 5 grep -q "got HUP" "$OUT"
	log_has "Control: signal SIGHUP hup (uid $(id -u))"
	ctl stop web
	run ctl signal TERM web
	[ "$status" -eq 1 ]
	[ "$output" = "aiorunctl: web: not running" ]
	# --all is every worker that runs: web, stopped, is no failure.
	run ctl signal HUP --all
	[ "$status" -eq 0 ]
	[ "$output" = "hup: sent SIGHUP" ]
	wait_for 5 has_lines 2 "got HUP" "$OUT"
	stop_set
}

@test "wait returns once workers are ready, or have ended; --timeout bounds it" {
	start_controlled --stop-on none \
		-w web='exec sleep 300' -w short='sleep 0.5; exit 4'
	run ctl wait web
	echo "wait web: status $status: $output"
	[ "$status" -eq 0 ]
	[ "$output" = "web: ready" ]
	run ctl wait --for exited --timeout 20 short
	[ "$status" -eq 0 ]
	[ "$output" = "short: failed (status 4)" ]
	run ctl wait --for exited --timeout 200ms web
	[ "$status" -eq 1 ]
	[ "$output" = "aiorunctl: web: not ended after 200ms (now running)" ]
	# In the order named: short, ended, is answered for at the timeout,
	# not timed out behind web.
	run ctl wait --for exited --timeout 200ms web short
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "aiorunctl: web: not ended after 200ms (now running)" ]
	[ "${lines[1]}" = "short: failed (status 4)" ]
	run ctl wait short
	[ "$status" -eq 1 ]
	[ "$output" = "aiorunctl: short: failed after it was ready" ]
	stop_set
	# One that never was.
	printf '[worker:nr]\ncommand = sleep 0.2; exit 2\nready = exec:false\n[worker:web]\ncommand = exec sleep 300\n' >"$T/conf"
	start_controlled --stop-on none -c "$T/conf"
	ctl_expect 1 "aiorunctl: nr: failed before it was ready" wait nr
	stop_set
}

@test "logs prints a worker's last lines unprefixed; -f follows until it ends" {
	start_set
	wait_for 5 grep -q "tick 20" "$OUT"
	run ctl logs -n 3 tick
	[ "$status" -eq 0 ]
	# aiorun's lines go out in order with the captured ones: soon, not
	# necessarily before the answer.
	wait_for 5 log_has "Control: logs -n 3 tick (uid $(id -u))"
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" =~ ^tick\ [0-9]+$ ]]
	n=${lines[2]#tick }
	[ "${lines[1]}" = "tick $((n - 1))" ]
	# Follow: new lines come, and the command ends with the worker.
	ctl logs -n 1 -f tick >"$T/followed" 2>&1 3>&- &
	follower=$!
	wait_for 5 grep -q "tick $((n + 10))" "$T/followed"
	ctl stop tick
	wait_for 5 gone "$follower"
	wait "$follower"
	run ctl logs -n 100000 web
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	stop_set
}

@test "wait and logs -f get their answer when the worker's end is aiorun's end" {
	start_controlled \
		-w job="while [ ! -e $T/go ]; do sleep 0.05; done; echo last words"
	ctl wait --for exited job >"$T/waited" 2>&1 3>&- &
	waiter=$!
	ctl logs -f job >"$T/followed" 2>&1 3>&- &
	follower=$!
	# Every command obeyed is logged, the queries too, with their
	# options.
	wait_for 5 log_has "Control: wait --for exited job (uid $(id -u))"
	wait_for 5 log_has "Control: logs -n 100 -f job (uid $(id -u))"
	touch "$T/go"
	finish_aiorun
	[ "$status" -eq 0 ]
	wait "$waiter"
	[ "$(cat "$T/waited")" = "job: exited (status 0)" ]
	wait "$follower"
	[ "$(cat "$T/followed")" = "last words" ]
}

@test "logs keeps at least the last 64 KiB of a chatty worker, bounded" {
	start_controlled \
		-w chatty='i=0; while [ $i -lt 20000 ]; do i=$((i+1)); echo "line $i of a chatty worker"; done; sleep 300' \
		-w web='exec sleep 300'
	wait_for 30 grep -q "line 20000 of" "$OUT"
	ctl logs -n 1000000 chatty >"$T/kept"
	size=$(wc -c <"$T/kept")
	echo "kept $size bytes"
	[ "$size" -ge 65536 ]
	[ "$size" -le 131072 ]
	[ "$(tail -n 1 "$T/kept")" = "line 20000 of a chatty worker" ]
	# Whole lines only, in order.
	first=$(head -n 1 "$T/kept" | cut -d' ' -f2)
	[ "$(wc -l <"$T/kept")" -eq $((20000 - first + 1)) ]
	stop_set
}

@test "logs shows a cut line as its pieces, and a last line without a newline" {
	start_controlled \
		-w long='head -c 20000 /dev/zero | tr "\0" x; echo; echo short; printf "no newline"; exec >/dev/null; sleep 300' \
		-w web='exec sleep 300'
	wait_for 10 grep -q "no newline" "$OUT"
	ctl logs -n 10 long >"$T/kept"
	awk '{ print length($0) }' "$T/kept" >"$T/lengths"
	[ "$(cat "$T/lengths")" = "$(printf '16384\n3616\n5\n10')" ]
	[ "$(tail -n 2 "$T/kept")" = "$(printf 'short\nno newline')" ]
	stop_set
}

@test "shutdown begins SIGTERM's shutdown with the peer's uid as reason" {
	start_set
	run ctl shutdown
	[ "$status" -eq 0 ]
	[ "$output" = "shutting down" ]
	finish_aiorun
	[ "$status" -eq 0 ]
	log_has "Control: shutdown (uid $(id -u))"
	log_has "Entering shutdown phase. (requested by aiorunctl (uid $(id -u)))"
	log_has "Leaving. Bye!"
	# The socket goes with aiorun.
	[ ! -e "$T/ctl.sock" ]
}

@test "during the shutdown a start is refused and a stop changes nothing" {
	start_controlled -t 10 \
		-w slow="trap 'while [ ! -e $T/release ]; do sleep 0.05; done; exit 0' TERM; while :; do sleep 0.05; done" \
		-w web='exec sleep 300' -w once='exit 0'
	wait_for 5 worker_has_state slow running
	wait_for 5 worker_has_state once exited
	kill -TERM "$AIORUN_PID"
	wait_for 5 log_has "Running pending tasks till complete"
	ctl_expect 1 "aiorunctl: once: not started: aiorun is shutting down" start once
	# A stop changes nothing, and is no failure.
	ctl_expect 0 "slow: not stopped: aiorun is shutting down" stop slow
	ctl_expect 1 "aiorunctl: not reloaded: aiorun is shutting down" reload
	ctl_expect 0 "already shutting down" shutdown
	# Answered, not obeyed: none of them is logged as obeyed.
	run ctl status once
	wait_for 5 log_has "Control: status once (uid $(id -u))"
	log_lacks "Control: start"
	log_lacks "Control: stop"
	log_lacks "Control: reload"
	log_lacks "Control: shutdown"
	log_lacks "Started task once"
	# The shutdown lasts until the test lets slow end, not a guess.
	touch "$T/release"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "unknown worker, unknown command, missing argument: one line, 1 or 64, nothing changed" {
	start_set
	web=$(pid_of web)
	ctl_expect 1 "aiorunctl: nosuch: no such worker" stop web nosuch
	alive "$web"
	worker_has_state web running
	run ctl frobnicate
	[ "$status" -eq 64 ]
	[ "${lines[0]}" = "aiorunctl: unknown command 'frobnicate'" ]
	run ctl restart
	[ "$status" -eq 64 ]
	[ "${lines[0]}" = "aiorunctl: restart: name a worker, or give --all" ]
	run ctl signal
	[ "$status" -eq 64 ]
	run "$AIORUNCTL"
	[ "$status" -eq 64 ]
	log_lacks "Control: stop"
	stop_set
}

@test "no aiorun on the socket: 69" {
	run "$AIORUNCTL" -s "$T/nothing.sock" status
	[ "$status" -eq 69 ]
	[[ "$output" = "aiorunctl: $T/nothing.sock: No such file or directory" ]]
	run "$AIORUNCTL" --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" = "Usage: aiorunctl"* ]]
}
