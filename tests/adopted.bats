#!/usr/bin/env bats
# SPEC section 3, phase 3: processes aiorun adopted are cancelled with the
# others, and killed after the grace period if they refuse; when aiorun
# exits, nothing it started or adopted is left running.

load helpers

# PROGRAM leaves behind an orphan probe in a session of its own (so no
# group signal reaches it), waits until it is ready, then runs ARGS.
start_with_orphan() {
	local mode=$1
	shift
	start_aiorun "$@" -- sh -c '
		setsid "$1" record "$2" 0 "$3" &
		until [ -e "$2"/ready.* ] 2>/dev/null; do sleep 0.02; done
		shift 3
		exec "$@"' sh "$PROBE" "$T" "$mode" sleep 300
	wait_for 5 has_files "$T/ready.*" 1
}

orphan_pid_in_log() {
	sed -n 's/.*Cancelling adopted process: pid \([0-9]*\) (probe) with .*/\1/p' "$ERR"
}

stops_an_adopted_orphan() {
	start_with_orphan stop
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 143 ]
	grep -q "Cancelling adopted process: pid [0-9]* (probe) with SIGTERM$" "$ERR"
	grep -q " SIGTERM$" "$T/signals"
	# The pid the orphan recorded is the one aiorun named.
	[ "$(cut -d' ' -f1 "$T/signals" | sort -u)" = "$(orphan_pid_in_log)" ]
}

@test "an adopted orphan still running at shutdown is stopped" {
	stops_an_adopted_orphan
	log_lacks "refused to exit"
}

@test "an adopted orphan still running at shutdown is stopped, as PID 1" {
	MODE=pid1 stops_an_adopted_orphan
}

@test "an adopted orphan that ignores its stop signal is killed after the grace period" {
	start_with_orphan ignore -t 0.3
	orphan=$(basename "$T"/ready.* | cut -d. -f2)
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 143 ]
	grep -q "During shutdown, the following tasks refused to exit after 300ms: adopted (pid $orphan); sending SIGKILL" "$ERR"
	gone "$orphan"
}

@test "an orphan left behind when PROGRAM ends is stopped too" {
	start_aiorun -- sh -c 'setsid "$1" record "$2" &
		until [ -e "$2"/ready.* ] 2>/dev/null; do sleep 0.02; done
		exit 3' sh "$PROBE" "$T"
	finish_aiorun
	[ "$status" -eq 3 ]
	log_has "Entering shutdown phase. (main ended with status 3)"
	grep -q "Cancelling adopted process: pid [0-9]* (probe) with SIGTERM$" "$ERR"
	orphan=$(basename "$T"/ready.* | cut -d. -f2)
	gone "$orphan"
}
