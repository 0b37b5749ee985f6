#!/usr/bin/env bats
# SPEC section 3, phase 4: a cancelled worker still alive after the grace
# period is named, and its whole process group gets SIGKILL.

load helpers

kills_after_grace() {
	start_aiorun -t 0.5 -- "$PROBE" record "$T" 1 ignore
	wait_for 5 has_files "$T/ready.*" 2
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 137 ]
	grep -q "During shutdown, the following tasks refused to exit after 500ms: main (pid [0-9]*); sending SIGKILL$" "$ERR"
	log_has "Task main ended by SIGKILL"
	# Both processes of the group had the stop signal first.
	[ "$(grep -c ' SIGTERM$' "$T/signals")" -eq 2 ]
}

@test "a child ignoring SIGTERM is killed, with its group, after --grace" {
	kills_after_grace
	# The probe's child, in the same group, is gone too.
	for f in "$T"/ready.*; do
		gone "${f##*.}"
	done
}

@test "a child ignoring SIGTERM is killed after --grace as PID 1" {
	MODE=pid1 kills_after_grace
}

@test "a child that exits within the grace period is not killed" {
	start_aiorun -t 5 -- sh -c 'trap "sleep 0.2; exit 0" TERM; touch "$1"; while :; do sleep 0.05; done' sh "$T/ready"
	wait_for 5 test -e "$T/ready"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	log_lacks "refused to exit"
}

@test "the shutdown ends as soon as the last process is gone, not after the grace" {
	start_aiorun -t 60 -- "$PROBE" record "$T"
	wait_for 5 has_files "$T/ready.*" 1
	kill -TERM "$AIORUN_PID"
	# Well within the 60 s grace period.
	finish_aiorun 5
	[ "$status" -eq 0 ]
}

@test "AIORUN_GRACE sets the grace period, and --grace overrides it" {
	AIORUN_GRACE=10s start_aiorun --grace 200ms -- "$PROBE" record "$T" 0 ignore
	wait_for 5 has_files "$T/ready.*" 1
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 137 ]
	log_has "refused to exit after 200ms: main"

	rm -f "$T"/ready.*
	AIORUN_GRACE=300ms start_aiorun -- "$PROBE" record "$T" 0 ignore
	wait_for 5 has_files "$T/ready.*" 1
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 137 ]
	log_has "refused to exit after 300ms: main"
}

@test "workers late at the same moment are named in one line" {
	start_aiorun -t 0.3 -w one="exec \"$PROBE\" record \"$T\" 0 ignore" -w two="exec \"$PROBE\" record \"$T\" 0 ignore"
	wait_for 5 has_files "$T/ready.*" 2
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 137 ]
	[ "$(grep -c "refused to exit" "$ERR")" -eq 1 ]
	grep -q "refused to exit after 300ms: one (pid [0-9]*), two (pid [0-9]*); sending SIGKILL$" "$ERR"
}
