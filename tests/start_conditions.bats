#!/usr/bin/env bats
# SPEC section 10: "after = NAME:CONDITION" with started, ready, exited and
# success; a worker whose condition can no longer be met is skipped,
# logged once; a one-shot task (restart = no, status 0) is simply done.

load helpers

@test "after = X:success waits for a one-shot task, which is simply done" {
	cat >"$T/aiorun.conf" <<'CONF'
[worker:db]
command = exec sleep 300

[worker:migrate]
command = until [ -e "$T/go" ]; do sleep 0.02; done; echo migrated
after = db:started

[worker:web]
command = touch "$T/web"; exec sleep 300
after = db, migrate:success
CONF
	start_aiorun -c "$T/aiorun.conf"
	wait_for 5 log_has "Started task migrate (pid"
	[ ! -e "$T/web" ]
	touch "$T/go"
	wait_for 5 test -e "$T/web"
	log_has "Task migrate exited with status 0"
	grep -q "Started task web (pid [0-9]*) after db and others" "$ERR"
	log_lacks "Entering shutdown phase"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	[[ "$(cat "$OUT")" = *"migrate | migrated"* ]]
}

@test "after = X:success skips the worker when X fails, logged once, shown by status" {
	cat >"$T/aiorun.conf" <<'CONF'
[worker:migrate]
command = until [ -e "$T/go" ]; do sleep 0.02; done; exit 3

[worker:web]
command = touch "$T/web"; exec sleep 300
after = migrate:success

[worker:cron]
command = exec sleep 300
CONF
	start_controlled --stop-on none -c "$T/aiorun.conf"
	ctl status web | grep -q "^web  *waiting "
	touch "$T/go"
	wait_for 5 log_has "Task web is skipped: migrate failed with status 3, and it waits for migrate:success"
	ctl status web | grep -q "^web  *skipped "
	ctl status --json web | grep -q '"state":"skipped"'
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	[ ! -e "$T/web" ]
	[ "$(grep -c "is skipped" "$ERR")" -eq 1 ]
}

@test "under --stop-on failure, the skip is logged before the failure ends the set" {
	cat >"$T/aiorun.conf" <<'CONF'
[worker:migrate]
command = exit 3

[worker:web]
command = touch "$T/web"; exec sleep 300
after = migrate:success

[worker:other]
command = exec sleep 300
CONF
	run_aiorun -c "$T/aiorun.conf"
	[ "$status" -eq 3 ]
	[ ! -e "$T/web" ]
	order=$(grep -oE "Task web is skipped: migrate failed with status 3, and it waits for migrate:success|Entering shutdown phase. \(migrate ended with status 3\)" <<<"$output")
	echo "$order"
	[ "$order" = "Task web is skipped: migrate failed with status 3, and it waits for migrate:success
Entering shutdown phase. (migrate ended with status 3)" ]
	[ "$(grep -c "is skipped" <<<"$output")" -eq 1 ]
}

@test "after = X:started starts with X running; X:exited once X ended, whatever its status" {
	cat >"$T/aiorun.conf" <<'CONF'
[worker:job]
command = touch "$T/job"; until [ -e "$T/go" ]; do sleep 0.02; done; exit 5
ready = exec:false

[worker:watcher]
command = touch "$T/watcher"; exec sleep 300
after = job:started

[worker:cleanup]
command = touch "$T/cleanup"; exec sleep 300
after = job:exited
CONF
	start_aiorun --stop-on none -c "$T/aiorun.conf"
	# Never ready, yet started: that is enough for the watcher.
	wait_for 5 test -e "$T/watcher"
	# The job runs until go: its own file may come a moment later.
	wait_for 5 test -e "$T/job"
	[ ! -e "$T/cleanup" ]
	touch "$T/go"
	wait_for 5 test -e "$T/cleanup"
	log_has "Task job exited with status 5"
	grep -q "Started task cleanup (pid [0-9]*) after job$" "$ERR"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "an end that begins the shutdown starts nothing that waited for it" {
	# x's end meets cleanup's condition and, failing, ends the set:
	# cleanup would be cancelled at once, so it is not started.
	cat >"$T/aiorun.conf" <<'CONF'
[worker:x]
command = until [ -e "$T/go" ]; do sleep 0.02; done; exit 2

[worker:cleanup]
command = touch "$T/cleanup"; exec sleep 300
after = x:exited

[worker:other]
command = touch "$T/other"; exec sleep 300
CONF
	start_aiorun -c "$T/aiorun.conf"
	wait_for 5 test -e "$T/other"
	touch "$T/go"
	finish_aiorun
	[ "$status" -eq 2 ]
	log_has "Entering shutdown phase. (x ended with status 2)"
	log_lacks "Started task cleanup"
	log_lacks "Cancelling task: cleanup"
	[ ! -e "$T/cleanup" ]
	# PROGRAM's end too.
	cat >"$T/aiorun.conf" <<'CONF'
[worker:after-main]
command = touch "$T/after-main"; exec sleep 300
after = main:success
CONF
	run "$AIORUN" -c "$T/aiorun.conf" -- true
	[ "$status" -eq 0 ]
	[[ "$output" != *"Started task after-main"* ]]
	[ ! -e "$T/after-main" ]
}

@test "a worker started by hand before its turn is not logged as started after its dependency" {
	cat >"$T/aiorun.conf" <<'CONF'
[worker:db]
command = exec sleep 300
ready = exec:test -e "$T/never"

[worker:w]
command = touch "$T/w"; exec sleep 300
after = db
CONF
	start_controlled -c "$T/aiorun.conf"
	run ctl start w
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^w:\ started\ \(pid\ [0-9]+\)$ ]]
	wait_for 5 test -e "$T/w"
	grep -q "Started task w (pid [0-9]*)$" "$ERR"
	log_lacks "after db"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}
