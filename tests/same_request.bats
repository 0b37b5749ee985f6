#!/usr/bin/env bats
# SPEC section 3: a repeat of the stop signal sent by the same process
# within one second of the first is the same request, not a second one:
# timeout(1) and kill -TERM -PGID signal both aiorun and its group, and
# that must not turn a graceful stop into SIGKILL. The same signal from
# the same process a second later, from another process, or a second
# Ctrl-C from the terminal still counts.

load helpers

# A worker that takes 0.3 s to stop: a second request, if aiorun saw one,
# would find it still running and kill it. No background job: one started
# just after the group's stop signal would miss it and outlive the grace.
SLOW='trap "sleep 0.3; exit 0" TERM; while :; do sleep 0.05; done'

leads_session() {
	[ "$(ps -o sid= -p "$1" | tr -d ' ')" = "$1" ]
}

# aiorun in a process group and session of its own, which GROUP names, so
# that the test can signal the group.
start_in_own_group() {
	setsid "$AIORUN" "$@" >"$OUT" 2>"$ERR" 3>&- &
	WRAPPER_PID=$!
	AIORUN_PID=$!
	GROUP=$!
	wait_for 5 leads_session "$AIORUN_PID"
}

# A graceful end: one request, the worker's own exit, nothing killed.
was_graceful() {
	[ "$status" -eq 0 ]
	log_has "Stopping the loop (received SIGTERM)"
	log_has "Task slow exited with status 0"
	log_lacks "killing every remaining task"
	log_lacks "refused to exit"
	log_has "Leaving. Bye!"
}

# timeout(1) signals its child, then its own group, the child in it.
# Not as PID 1: under "timeout unshare ...", timeout's child is unshare,
# and aiorun gets the group's signal only; and from outside its
# namespace, the kernel does not name the sender (second_signal.bats).
@test "timeout's SIGTERM to aiorun and to its group is one request" {
	for i in 1 2 3 4 5; do
		status=0
		timeout --preserve-status 1 "$AIORUN" -w slow="$SLOW" \
			>"$OUT" 2>"$ERR" 3>&- || status=$?
		echo "run $i: status $status"
		cat "$ERR"
		was_graceful
	done
}

# aiorun, then the group it is in, from this one process, as timeout(1)
# does; the group's signal once aiorun has read the first, so that the
# kernel cannot merge the two.
@test "kill -TERM PID, then kill -TERM -PGID on its group, is one request" {
	start_in_own_group -w slow="$SLOW"
	wait_for 5 child_of "$AIORUN_PID" >/dev/null
	kill -TERM "$AIORUN_PID"
	wait_for 5 log_has "Stopping the loop (received SIGTERM)"
	kill -TERM -- -"$GROUP"
	finish_aiorun
	was_graceful
	log_has "Received SIGTERM again from pid $BASHPID within 1s: the same request"
}

# A worker of aiorun's own sends the two signals ($PPID is aiorun, 1 as
# PID 1), the second once aiorun has read the first: inside aiorun's
# namespace, its pid is known in both modes. It ignores the stop signal
# that the first one brings it.
twice_from_a_worker_is_one_request() {
	start_aiorun -w slow="trap 'sleep 0.3; exit 0' TERM; touch \"\$T/trap\"; while :; do sleep 0.05; done" \
		-w sender='trap "" TERM
			until [ -e "$T/trap" ]; do sleep 0.02; done
			kill -TERM $PPID
			until grep -q "Stopping the loop" "$T/stderr"; do sleep 0.02; done
			kill -TERM $PPID
			exit 0'
	finish_aiorun
	was_graceful
	grep -q "Received SIGTERM again from pid [0-9]* within 1s: the same request" "$ERR"
}

@test "SIGTERM twice from a worker is one request" {
	twice_from_a_worker_is_one_request
}

@test "SIGTERM twice from a process in its namespace is one request to aiorun as PID 1" {
	MODE=pid1 twice_from_a_worker_is_one_request
}

# PROGRAM ignores SIGTERM, so only a second request ends the wait.
start_stubborn() {
	start_aiorun -t 60 -- "$PROBE" record "$T" 0 ignore
	wait_for 5 has_files "$T/ready.*" 1
}

killed_at_once() {
	finish_aiorun 10
	[ "$status" -eq 137 ]
	log_has "Received SIGTERM during shutdown: killing every remaining task"
	log_lacks "refused to exit"
}

@test "SIGTERM again from the same process more than a second later kills" {
	start_stubborn
	kill -TERM "$AIORUN_PID"
	wait_for 5 log_has "Running pending tasks till complete"
	# aiorun logged that line after it read the first signal: from here,
	# more than a second is certain to separate the two.
	sleep 1.2
	kill -TERM "$AIORUN_PID"
	killed_at_once
}

@test "SIGTERM again at once from another process kills" {
	start_stubborn
	kill -TERM "$AIORUN_PID"
	wait_for 5 log_has "Running pending tasks till complete"
	kill_from_another TERM "$AIORUN_PID"
	killed_at_once
}

@test "SIGTERM again at once from the same process is the same request" {
	start_stubborn
	kill -TERM "$AIORUN_PID"
	wait_for 5 log_has "Running pending tasks till complete"
	kill -TERM "$AIORUN_PID"
	wait_for 5 log_has "Received SIGTERM again from pid $BASHPID within 1s: the same request"
	alive "$AIORUN_PID"
	log_lacks "killing every remaining task"
	# Another process's signal is a second request.
	kill_from_another TERM "$AIORUN_PID"
	killed_at_once
}

@test "a second Ctrl-C from the terminal kills at once, however soon" {
	# script(1) copies the keys to a new terminal, whose foreground group
	# is aiorun's: with no PROGRAM, no worker takes the terminal. The
	# terminal, not a process, sends each SIGINT.
	mkfifo "$T/keys"
	script -qec "\"$AIORUN\" -t 60 -w stubborn='exec \"$PROBE\" record \"$T\" 0 ignore' 2>\"$ERR\"" \
		/dev/null <"$T/keys" >"$OUT" 3>&- &
	WRAPPER_PID=$!
	exec 7>"$T/keys"
	wait_for 5 has_files "$T/ready.*" 1
	printf '\003' >&7
	wait_for 5 log_has "Running pending tasks till complete"
	printf '\003' >&7
	finish_aiorun 10
	exec 7>&-
	[ "$status" -eq 137 ]
	log_has "Stopping the loop (received SIGINT)"
	log_has "Received SIGINT during shutdown: killing every remaining task"
}
