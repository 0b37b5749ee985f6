#!/usr/bin/env bats
# SPEC section 3: SIGINT and SIGTERM begin the shutdown and reach the whole
# process group as the stop signal; HUP, QUIT, USR1, USR2, WINCH and CONT
# are forwarded to the group and aiorun carries on (every_signal.bats: the
# others).

load helpers

# The number of distinct processes that recorded SIGNAME.
got() {
	grep -F " $1" "$T/signals" 2>/dev/null | cut -d' ' -f1 | sort -u | wc -l
}

all_got() {
	[ "$(got "$2")" -ge "$1" ]
}

# aiorun started with the dispositions of "probe exec-with" (ignore=...,
# block=...), running a recording probe.
start_with_dispositions() {
	"$PROBE" exec-with "$@" -- "$AIORUN" -- "$PROBE" record "$T" \
		>"$OUT" 2>"$ERR" 3>&- &
	WRAPPER_PID=$!
	AIORUN_PID=$!
	wait_for 5 has_files "$T/ready.*" 1
}

# PROGRAM is a probe with two children of its own, all in its group.
start_group() {
	start_aiorun "$@" -- "$PROBE" record "$T" 2
	wait_for 5 has_files "$T/ready.*" 3
}

forwards_to_the_group() {
	start_group
	kill -HUP "$AIORUN_PID"
	wait_for 5 all_got 3 SIGHUP
	kill -USR1 "$AIORUN_PID"
	wait_for 5 all_got 3 SIGUSR1
	kill -USR2 "$AIORUN_PID"
	wait_for 5 all_got 3 SIGUSR2
	kill -WINCH "$AIORUN_PID"
	wait_for 5 all_got 3 SIGWINCH
	# aiorun carried on through all of it, and so did the group.
	alive "$AIORUN_PID"
	log_lacks "Entering shutdown phase."

	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	all_got 3 SIGTERM
}

@test "HUP, USR1, USR2 and WINCH reach every process of the group" {
	forwards_to_the_group
}

@test "HUP, USR1, USR2 and WINCH reach every process of the group as PID 1" {
	MODE=pid1 forwards_to_the_group
}

stops_the_group_with() {
	local sig=$1
	start_group
	kill -s "$sig" "$AIORUN_PID"
	finish_aiorun
	# The probe exits 0 when it gets SIGINT or SIGTERM, as tini would see.
	[ "$status" -eq 0 ]
	all_got 3 "SIG$sig"
	log_has "Stopping the loop (received SIG$sig)"
	log_has "Cancelling task: main (pid "
	grep -q "Cancelling task: main (pid [0-9]*) with SIG$sig\$" "$ERR"
}

@test "SIGTERM stops the whole group with SIGTERM" {
	stops_the_group_with TERM
}

@test "SIGINT stops the whole group with SIGINT" {
	stops_the_group_with INT
}

@test "SIGTERM stops the whole group as PID 1" {
	MODE=pid1 stops_the_group_with TERM
}

@test "SIGINT stops the whole group as PID 1" {
	MODE=pid1 stops_the_group_with INT
}

@test "--stop-signal chooses the signal that cancels" {
	start_group --stop-signal USR1 -t 0.2
	kill -TERM "$AIORUN_PID"
	wait_for 5 all_got 3 SIGUSR1
	finish_aiorun
	# USR1 does not end the probe: the grace period does.
	[ "$status" -eq 137 ]
	grep -q "Cancelling task: main (pid [0-9]*) with SIGUSR1\$" "$ERR"
	[ "$(got SIGTERM)" -eq 0 ]
}

@test "PROGRAM's death by the forwarded SIGTERM gives 143" {
	start_aiorun -- sleep 300
	wait_for 5 child_of "$AIORUN_PID" >/dev/null
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 143 ]
	log_has "Task main ended by SIGTERM"
}

@test "aiorun handles SIGINT and SIGTERM even when inherited as ignored" {
	# A background job of a non-interactive shell starts with INT ignored.
	start_with_dispositions ignore=INT,TERM,HUP
	kill -INT "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	log_has "Stopping the loop (received SIGINT)"
	all_got 1 SIGINT
}

@test "a forwarded signal inherited as ignored stays ignored and is not forwarded" {
	start_with_dispositions ignore=HUP
	kill -HUP "$AIORUN_PID"
	kill -USR1 "$AIORUN_PID"
	wait_for 5 all_got 1 SIGUSR1
	# libev would deliver a pending HUP before USR1: it is not coming.
	[ "$(got SIGHUP)" -eq 0 ]
	alive "$AIORUN_PID"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "aiorun clears a blocked signal mask it inherited" {
	start_with_dispositions block=TERM,INT
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	log_has "Stopping the loop (received SIGTERM)"
}

@test "an adopted orphan that was stopped gets SIGCONT after its stop signal" {
	start_aiorun -t 30 -- sh -c '(setsid "$1" record "$2" &); exec sleep 300' sh "$PROBE" "$T"
	wait_for 5 has_files "$T/ready.*" 1
	orphan=$(basename "$T"/ready.* | cut -d. -f2)
	kill -STOP "$orphan"
	kill -TERM "$AIORUN_PID"
	# Well within the 30 s grace: the orphan woke up and handled SIGTERM.
	finish_aiorun 5
	[ "$status" -eq 143 ]
	grep -q "^$orphan SIGTERM$" "$T/signals"
	log_lacks "refused to exit"
}
