#!/usr/bin/env bats
# No idle wake-ups: while nothing happens, aiorun is never scheduled, so it
# makes no system call at all.

load helpers

# Context switches of every thread of PID: each time it was scheduled.
switches() {
	cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ { n += $2 } END { print n }'
}

stays_asleep() {
	start_aiorun "$@" -- sleep 300
	wait_for 5 child_of "$AIORUN_PID" >/dev/null
	# Let start-up finish: aiorun is asleep once it is in a system call.
	wait_for 5 grep -q '^State:.*S (sleeping)' /proc/"$AIORUN_PID"/status
	before=$(switches "$AIORUN_PID")
	# Not a guess at a condition: three seconds is the window measured.
	sleep 3
	after=$(switches "$AIORUN_PID")
	echo "context switches: $before, then $after"
	[ "$after" -eq "$before" ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 143 ]
}

@test "an idle aiorun is not woken for 3 s" {
	stays_asleep
}

@test "an idle aiorun is not woken for 3 s, with the poll backend" {
	stays_asleep --backend poll
}

@test "an idle aiorun as PID 1 is not woken for 3 s" {
	MODE=pid1 stays_asleep
}

@test "an idle aiorun makes no system call for 3 s (strace)" {
	command -v strace >/dev/null || skip "strace is not installed"
	start_aiorun -- sleep 300
	wait_for 5 child_of "$AIORUN_PID" >/dev/null
	wait_for 5 grep -q '^State:.*S (sleeping)' /proc/"$AIORUN_PID"/status
	timeout -s INT 3 strace -p "$AIORUN_PID" -o "$T/trace" 2>/dev/null || true
	cat "$T/trace"
	# Only the wait it was already in when strace attached and detached.
	[ "$(wc -l <"$T/trace")" -eq 1 ]
	grep -qE '^epoll_wait\(.*<detached \.\.\.>$' "$T/trace"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 143 ]
}
