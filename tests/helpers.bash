# Shared by the bats files. Each test gets its own directory, $T.
#
# MODE=pid1 makes start_aiorun run aiorun as PID 1 of a new PID namespace
# (unshare -p -f --mount-proc); AIORUN_PID is then its PID as seen from
# here, so the test signals and watches it the same way in both modes.

bats_require_minimum_version 1.5.0

: "${AIORUN:?AIORUN must name the aiorun binary}"
: "${PROBE:?PROBE must name the probe helper}"
AIORUN=$(realpath "$AIORUN")
AIORUNCTL=$(realpath "${AIORUNCTL:-$(dirname "$AIORUN")/aiorunctl}")
PROBE=$(realpath "$PROBE")

setup() {
	# Exported: worker commands may name it too.
	export T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/aiorun-test.XXXXXX")
	# Each test's aiorun has its control socket's default path in $T:
	# tests running side by side must not meet at /run/aiorun.sock.
	export XDG_RUNTIME_DIR=$T
	OUT=$T/stdout
	ERR=$T/stderr
	MODE=${MODE:-normal}
}

teardown() {
	if [ -n "${WRAPPER_PID:-}" ] && kill -0 "$WRAPPER_PID" 2>/dev/null; then
		kill -KILL "$WRAPPER_PID" "${AIORUN_PID:-}" 2>/dev/null || true
	fi
	# A helper process a test started in the background (a listener).
	[ -z "${LISTENER:-}" ] || kill "$LISTENER" 2>/dev/null || true
	# Processes that wrote their PID to $T/pids, should a failed test
	# have left them.
	[ ! -s "$T/pids" ] || kill -KILL $(cat "$T/pids") 2>/dev/null || true
	# A file system a test mounted.
	[ -z "${MOUNTED:-}" ] || umount -l "$MOUNTED" 2>/dev/null || true
	rm -rf "$T"
}

# wait_for SECONDS COMMAND...: polls COMMAND every 20 ms until it succeeds;
# fails (with the command named) once SECONDS have passed.
wait_for() {
	local limit=$1 start=$SECONDS
	shift
	until "$@"; do
		if [ $((SECONDS - start)) -ge "$limit" ]; then
			echo "timed out after ${limit}s waiting for: $*" >&2
			return 1
		fi
		sleep 0.02
	done
}

# The PID of the first child of PID, if it has one yet.
child_of() {
	local list
	list=$(cat /proc/"$1"/task/*/children 2>/dev/null) || return 1
	set -- $list
	[ -n "${1:-}" ] && echo "$1"
}

alive() {
	kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' /proc/"$1"/status 2>/dev/null
}

gone() {
	! alive "$1"
}

# start_aiorun ARG...: aiorun in the background, its output in $OUT and
# $ERR. Sets AIORUN_PID, and WRAPPER_PID (what finish_aiorun waits for).
start_aiorun() {
	if [ "$MODE" = pid1 ]; then
		unshare -p -f --mount-proc "$AIORUN" "$@" >"$OUT" 2>"$ERR" 3>&- &
		WRAPPER_PID=$!
		wait_for 5 child_of "$WRAPPER_PID" >/dev/null
		AIORUN_PID=$(child_of "$WRAPPER_PID")
	else
		"$AIORUN" "$@" >"$OUT" 2>"$ERR" 3>&- &
		WRAPPER_PID=$!
		AIORUN_PID=$WRAPPER_PID
	fi
}

# Held streams. hold_fifo NAME makes $T/NAME.fifo, a FIFO that is full,
# and keeps it open: whoever writes to it blocks until release_fifo NAME
# FILE reads it. A test so holds aiorun at its first line of output while
# what it started runs on.
declare -gA HELD=()
declare -ga RELEASING=()

hold_fifo() {
	local fd
	mkfifo "$T/$1.fifo"
	# Read-write: the open neither blocks nor waits for a reader.
	exec {fd}<>"$T/$1.fifo"
	HELD[$1]=$fd
	"$PROBE" fill-fifo "$T/$1.fifo"
}

# release_fifo NAME FILE: copies what is written to $T/NAME.fifo into FILE
# until its last writer closes it; the filling is empty lines, which are
# left out, as any other empty line is. wait_released waits for the end.
release_fifo() {
	local reader
	# Opened before the test's own end is closed: the reader sees the
	# FIFO's end only once the writers' ends are closed.
	exec {reader}<"$T/$1.fifo"
	eval "exec ${HELD[$1]}>&-"
	unset "HELD[$1]"
	{ grep -v '^$' || true; } <&$reader >"$2" 3>&- &
	RELEASING+=($!)
	exec {reader}<&-
}

wait_released() {
	local pid
	for pid in "${RELEASING[@]}"; do
		wait "$pid"
	done
	RELEASING=()
}

# start_aiorun_held STREAMS ARG...: start_aiorun, with aiorun's standard
# output, error or both (STREAMS: stdout, stderr or stdout,stderr) held
# FIFOs; release_fifo stdout "$OUT" and release_fifo stderr "$ERR" let
# aiorun go on. Not as PID 1.
start_aiorun_held() {
	local name fd out=$OUT err=$ERR
	for name in ${1//,/ }; do
		hold_fifo "$name"
	done
	shift
	[ -z "${HELD[stdout]:-}" ] || out=$T/stdout.fifo
	[ -z "${HELD[stderr]:-}" ] || err=$T/stderr.fifo
	(
		for fd in "${HELD[@]}"; do
			eval "exec $fd>&-"
		done
		exec "$AIORUN" "$@"
	) >"$out" 2>"$err" 3>&- &
	WRAPPER_PID=$!
	AIORUN_PID=$WRAPPER_PID
}

# none_alive FILE: no process whose PID is a line of FILE is running.
none_alive() {
	local pid
	for pid in $(cat "$1"); do
		alive "$pid" && return 1
	done
	return 0
}

# none_left FILE: waits (bounded) until no process listed in FILE runs;
# if some still do, names them and fails.
none_left() {
	local pid
	wait_for 5 none_alive "$1" && return 0
	for pid in $(cat "$1"); do
		alive "$pid" && ps -o pid=,pgid=,sid=,args= -p "$pid"
	done
	return 1
}

# finish_aiorun [SECONDS]: waits (bounded) for aiorun to exit and sets
# $status to its exit status.
finish_aiorun() {
	wait_for "${1:-10}" gone "$WRAPPER_PID" || return 1
	status=0
	wait "$WRAPPER_PID" || status=$?
	WRAPPER_PID=
}

# run_aiorun [-N] ARG...: aiorun in the foreground, in the current mode,
# like bats' run (sets $status and $output, stdout and stderr together);
# -N says that status N is expected, as with run.
run_aiorun() {
	local expect=()
	if [[ "${1:-}" =~ ^-[0-9]+$ ]]; then
		expect=("$1")
		shift
	fi
	if [ "$MODE" = pid1 ]; then
		run "${expect[@]}" unshare -p -f --mount-proc "$AIORUN" "$@"
	else
		run "${expect[@]}" "$AIORUN" "$@"
	fi
}

# kill_from_another SIG PID: sends SIG to PID from a process of its own.
# A repeat of a stop signal from the same process within a second is the
# same request (SPEC section 3): a test that means a second request sends
# it with this.
kill_from_another() {
	sh -c 'kill -s "$1" "$2"' sh "$1" "$2"
}

# exits_with STATUS OUTPUT COMMAND...: COMMAND exits STATUS and prints
# OUTPUT (standard output and error together), or says what it did.
exits_with() {
	local want_status=$1 want_output=$2
	shift 2
	run "$@"
	if [ "$status" -ne "$want_status" ] || [ "$output" != "$want_output" ]; then
		echo "$*"
		echo "  status $status, wanted $want_status"
		echo "  output: $output"
		echo "  wanted: $want_output"
		return 1
	fi
}

# expect STATUS OUTPUT ARG...: aiorun with ARGS exits STATUS and prints
# OUTPUT, its one line; and nothing was started: the failing tests'
# workers touch $T/started when they run.
expect() {
	exits_with "$1" "$2" "$AIORUN" "${@:3}" && [ ! -e "$T/started" ]
}

# The control socket of a test's aiorun, at $T/ctl.sock.
ctl() {
	"$AIORUNCTL" -s "$T/ctl.sock" "$@"
}

# ctl_expect STATUS OUTPUT ARG...: aiorunctl with ARGS exits STATUS and
# prints OUTPUT.
ctl_expect() {
	exits_with "$1" "$2" ctl "${@:3}"
}

# start_controlled ARG...: start_aiorun with the control socket at
# $T/ctl.sock, once it answers there.
start_controlled() {
	start_aiorun --control "$T/ctl.sock" "$@"
	wait_for 5 test -S "$T/ctl.sock"
}

worker_has_state() {
	ctl status "$1" --json | grep -q "\"state\":\"$2\""
}

pid_of() {
	ctl status --json "$1" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p'
}

log_has() {
	grep -qF -- "$1" "$ERR"
}

# Not "! log_has": bash's errexit ignores a negated command, so that
# assertion could never fail.
log_lacks() {
	! grep -qF -- "$1" "$ERR"
}

# has_lines N PATTERN FILE: exactly N lines of FILE match PATTERN (grep's
# basic regular expression). For wait_for, which must run the count
# anew at each poll: "wait_for 5 test $(grep -c ...) -eq 2" counts once.
has_lines() {
	[ "$(grep -c -- "$2" "$3")" -eq "$1" ]
}

# The number of files matching a glob pattern.
count_files() {
	local n=0 f
	for f in $1; do [ -e "$f" ] && n=$((n + 1)); done
	echo "$n"
}

has_files() {
	[ "$(count_files "$1")" -ge "$2" ]
}

# A stand-in for systemd's notification socket at $T/notify.sock; what it
# receives goes to $T/messages, one message a line.
notify_listen() {
	"$PROBE" notify-listen "$T/notify.sock" "$T/messages" 3>&- &
	LISTENER=$!
	wait_for 5 test -S "$T/notify.sock"
}

notified() {
	grep -q -- "$1" "$T/messages" 2>/dev/null
}
