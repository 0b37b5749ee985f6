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

reaps_100_orphans() {
	# Each (sleep &) leaves an orphan that ends one second later.
	start_aiorun -- sh -c 'for i in $(seq 100); do (sleep 1 &); done; exec sleep 300'
	# All 100 were handed to aiorun...
	wait_for 5 at_least_children 101
	# ...and once they end, all are reaped: none is left, zombie or not.
	wait_for 5 only_main_left
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
