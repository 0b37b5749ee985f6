#!/usr/bin/env bats
# SPEC section 5: aiorun reaps every child, orphans re-parented to it
# included, as PID 1 and as a child subreaper. No zombie outlives a second.

load helpers

children_count() {
	cat /proc/"$AIORUN_PID"/task/*/children 2>/dev/null | wc -w
}

only_main_left() {
	[ "$(children_count)" -eq 1 ]
}

at_least_children() {
	[ "$(children_count)" -ge "$1" ]
}

zombies_of_aiorun() {
	local pid n=0
	for pid in $(cat /proc/"$AIORUN_PID"/task/*/children 2>/dev/null); do
		grep -q '^State:.*Z' /proc/"$pid"/status 2>/dev/null && n=$((n + 1))
	done
	echo "$n"
}

# PROGRAM leaves 100 orphans, each a (cat &) that reads a pipe until the
# pipe's only writer ends; that writer waits for the file $1 (a minute at
# most, so that a failed test leaves nothing behind). Every orphan holds
# the pipe from birth, so all 100 live until the test says go, however
# slowly the machine runs, and then all end together. (An asynchronous
# list without job control reads /dev/null: hence fd 4.)
ORPHANS_UNTIL='for i in $(seq 3000); do [ -e "$1" ] && break; sleep 0.02; done | {
	exec 4<&0
	for i in $(seq 100); do (cat <&4 >/dev/null &); done
	exec sleep 300
}'

reaps_100_orphans() {
	start_aiorun -- sh -c "$ORPHANS_UNTIL" sh "$T/go"
	# All 100 were handed to aiorun, and are alive...
	wait_for 30 at_least_children 101
	[ "$(zombies_of_aiorun)" -eq 0 ]
	# ...and once they end, all are reaped: none is left, zombie or not.
	touch "$T/go"
	wait_for 10 only_main_left
	[ "$(zombies_of_aiorun)" -eq 0 ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 143 ]
}

@test "100 orphans are adopted and reaped, none left" {
	reaps_100_orphans
}

@test "100 orphans are adopted and reaped, none left, as PID 1" {
	MODE=pid1 reaps_100_orphans
}

ppid_of() {
	awk '/^PPid:/ { print $2 }' /proc/"$1"/status
}

# MAIN starts an orphan through an intermediate shell that exits at once;
# $T/orphan receives "ORPHAN_PID INTERMEDIATE_PID".
ORPHAN_MAKER='sh -c '"'"'sleep 300 & echo "$! $$" >"$1.tmp"; mv "$1.tmp" "$1"'"'"' sh "$1"; exec sleep 300'

orphan_settled() {
	[ -s "$T/orphan" ] && gone "$(cut -d' ' -f2 "$T/orphan")"
}

@test "an orphan is re-parented to aiorun, a subreaper" {
	start_aiorun -- sh -c "$ORPHAN_MAKER" sh "$T/orphan"
	wait_for 5 orphan_settled
	orphan=$(cut -d' ' -f1 "$T/orphan")
	[ "$(ppid_of "$orphan")" -eq "$AIORUN_PID" ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 143 ]
	gone "$orphan"
}

@test "--no-subreaper leaves orphans to someone else" {
	start_aiorun --no-subreaper -- sh -c "$ORPHAN_MAKER" sh "$T/orphan"
	wait_for 5 orphan_settled
	orphan=$(cut -d' ' -f1 "$T/orphan")
	[ "$(ppid_of "$orphan")" -ne "$AIORUN_PID" ]
	kill "$orphan"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 143 ]
}
