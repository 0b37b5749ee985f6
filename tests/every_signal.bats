#!/usr/bin/env bats
# SPEC section 3: every catchable signal other than SIGINT and SIGTERM is
# forwarded to the workers' process groups and aiorun carries on; none can
# kill aiorun and leave its workers unsupervised. Not forwarded: SIGCHLD,
# the faults sent with kill(2) (SEGV, BUS, FPE, ILL, TRAP, SYS, ABRT),
# SIGPIPE and glibc's own 32 and 33, which aiorun ignores. SPEC section 5:
# a signal that aiorun inherited as ignored stays ignored, not forwarded.

load helpers

# Signals 1 to 64 that aiorun reads and drops, or ignores.
NOT_FORWARDED=" 4 5 6 7 8 11 13 17 31 32 33 "
# SIGINT and SIGTERM begin the shutdown (tested last, and in signals.bats);
# SIGKILL and SIGSTOP cannot be caught; SIGTSTP, SIGTTIN and SIGTTOU follow
# the terminal rules of section 5 (terminal.bats).
NOT_TESTED=" 2 9 15 19 20 21 22 "
# Sent after a signal that must not arrive: the highest number comes last
# out of every queue (aiorun's, then PROGRAM's), so once PROGRAM has it,
# the other would have come first.
MARKER=64

# The name that "probe record" writes for signal number $1: glibc's
# abbreviation, which is bash's but for SIGIO.
probe_name() {
	if [ "$1" -eq 29 ]; then
		echo SIGPOLL
	elif [ "$1" -lt 32 ]; then
		echo "SIG$(kill -l "$1")"
	else
		echo "SIG$1"
	fi
}

# Whether PROGRAM (pid $PROGRAM as it sees itself) recorded $1 at least
# ${2:-1} times.
recorded() {
	[ "$(grep -cx "$PROGRAM $1" "$T/signals" 2>/dev/null)" -ge "${2:-1}" ]
}

# start_under COMMAND... :: ARG...: as start_aiorun, with aiorun started
# by COMMAND (which execs it with its dispositions changed), and PROGRAM
# a recording probe.
# Not "! recorded": bash's errexit ignores a negated command.
not_recorded() {
	! recorded "$@"
}

start_under() {
	local launcher=()
	while [ "$1" != :: ]; do
		launcher+=("$1")
		shift
	done
	shift
	[ "$MODE" = pid1 ] && launcher+=(unshare -p -f --mount-proc)
	"${launcher[@]}" "$AIORUN" "$@" -- "$PROBE" record "$T" \
		>"$OUT" 2>"$ERR" 3>&- &
	WRAPPER_PID=$!
	AIORUN_PID=$!
	if [ "$MODE" = pid1 ]; then
		wait_for 5 child_of "$WRAPPER_PID" >/dev/null
		AIORUN_PID=$(child_of "$WRAPPER_PID")
	fi
	wait_for 5 has_files "$T/ready.*" 1
	PROGRAM=$(basename "$T"/ready.* | cut -d. -f2)
	PROGRAM_OUTSIDE=$(child_of "$AIORUN_PID")
}

# A background job of a script starts with SIGINT and SIGQUIT ignored,
# and aiorun would keep SIGQUIT so: it starts here with both at their
# default.
start_program() {
	start_under env --default-signal=INT,QUIT :: "$@"
}

# Sends $1, then the marker, which PROGRAM must get as its Nth ($2).
not_received() {
	local name
	name=$(probe_name "$1")
	kill -s "$1" "$AIORUN_PID"
	kill -s $MARKER "$AIORUN_PID"
	wait_for 5 recorded "SIG$MARKER" "$2"
	not_recorded "$name"
}

every_signal() {
	local n markers=0
	start_program
	for n in $(seq 1 64); do
		[[ "$NOT_TESTED" = *" $n "* ]] && continue
		if [[ "$NOT_FORWARDED" = *" $n "* ]]; then
			markers=$((markers + 1))
			not_received "$n" "$markers"
		else
			kill -s "$n" "$AIORUN_PID"
			wait_for 5 recorded "$(probe_name "$n")"
		fi
		alive "$AIORUN_PID"
		alive "$PROGRAM_OUTSIDE"
	done
	log_lacks "Entering shutdown phase."
	for n in 4 5 6 7 8 11 31; do
		log_has "Ignoring $(probe_name "$n") from "
	done

	kill -TERM "$AIORUN_PID"
	finish_aiorun
	# The probe exits 0 on SIGTERM.
	[ "$status" -eq 0 ]
	log_has "Stopping the loop (received SIGTERM)"
	recorded SIGTERM
	gone "$PROGRAM_OUTSIDE"
}

@test "every signal from 1 to 64 is forwarded, or dropped, and aiorun carries on" {
	every_signal
}

@test "every signal from 1 to 64 is forwarded, or dropped, and aiorun as PID 1 carries on" {
	MODE=pid1 every_signal
}

@test "SIGINT begins the shutdown after every other signal" {
	start_program
	for n in 1 3 10 12 14 30 34 64; do
		kill -s "$n" "$AIORUN_PID"
	done
	wait_for 5 recorded "SIG64"
	kill -INT "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	log_has "Stopping the loop (received SIGINT)"
	recorded SIGINT
	gone "$PROGRAM_OUTSIDE"
}

# aiorun (as PID 1 in MODE=pid1) started with ALRM, PWR, XCPU and the
# real-time signal 40 ignored, as nohup or a shell's background job
# starts it with some.
inherited_ignored_stays_ignored() {
	start_under "$PROBE" exec-with ignore=ALRM,PWR,XCPU,40 -- ::

	kill -ALRM "$AIORUN_PID"
	kill -PWR "$AIORUN_PID"
	kill -XCPU "$AIORUN_PID"
	kill -s 40 "$AIORUN_PID"
	kill -s $MARKER "$AIORUN_PID"
	wait_for 5 recorded "SIG$MARKER"
	not_recorded SIGALRM
	not_recorded SIGPWR
	not_recorded SIGXCPU
	not_recorded SIG40
	alive "$AIORUN_PID"
	log_lacks "Entering shutdown phase."

	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "a signal inherited as ignored is neither forwarded nor fatal" {
	inherited_ignored_stays_ignored
}

@test "a signal inherited as ignored is neither forwarded nor fatal to aiorun as PID 1" {
	MODE=pid1 inherited_ignored_stays_ignored
}

both_recorded() {
	[ "$(grep -c " $1\$" "$T/signals")" -eq 2 ]
}

@test "a worker set gets every forwarded signal in each worker's group" {
	start_aiorun -w a="exec \"$PROBE\" record \"$T\"" -w b="exec \"$PROBE\" record \"$T\""
	wait_for 5 has_files "$T/ready.*" 2
	for n in 14 24 30 34 50 64; do
		kill -s "$n" "$AIORUN_PID"
		wait_for 5 both_recorded "$(probe_name "$n")"
	done
	alive "$AIORUN_PID"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}
