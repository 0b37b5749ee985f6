#!/usr/bin/env bats
# SPEC section 4: when aiorun fails to start (126, 127, 71), no worker is
# left running, nor anything a worker started, adopted processes included.

load helpers

# Runs a set whose first worker starts a daemon with setsid (out of its
# process group), then 80 workers, then a PROGRAM that cannot be found.
# The daemon, if it got as far as starting, leaves $T/escapee.I and runs
# "sleep 400I": a pid would mean nothing outside aiorun's PID namespace.
partial_start() {
	local i=$1 args=()
	args+=(-w "w0=setsid sh -c 'touch \"$T/escapee.$i\"; exec sleep 400$i' & exec sleep 3997")
	for n in $(seq 1 80); do args+=(-w "w$n=exec sleep 3997"); done
	run_aiorun -127 -q "${args[@]}" -- /nonexistent/program
	[ "$status" -eq 127 ]
	[[ "$output" = *"cannot run /nonexistent/program"* ]]
}

check_nothing_left() {
	local started=0
	for i in 1 2 3 4 5; do
		partial_start "$i"
		if [ -e "$T/escapee.$i" ]; then
			started=$((started + 1))
			wait_for 5 eval "! pgrep -fx 'sleep 400$i' >/dev/null"
		fi
	done
	# Some run must have got the daemon going, or this tested nothing.
	[ "$started" -ge 1 ]
	# None of the 81 workers' sleeps is left either.
	wait_for 5 eval "! pgrep -fx 'sleep 3997' >/dev/null"
}

@test "a failed start leaves no worker and no escaped daemon running" {
	check_nothing_left
}

@test "a failed start leaves nothing running, as PID 1" {
	MODE=pid1 check_nothing_left
}

# Worker a starts a child in its group and one that leaves it (setsid),
# then says so. Each of the three writes its PID to $T/pids.
STARTS_AN_ESCAPEE='echo $$ >>"$T/pids"
sleep 1000 & echo $! >>"$T/pids"
setsid sleep 1000 & echo $! >>"$T/pids"
touch "$T/started"; wait'

@test "a failed start stops also what left a worker's group" {
	# aiorun writes its failure's line before it stops what it started:
	# held at that line, it lets worker a start both children first.
	start_aiorun_held stderr -w a="$STARTS_AN_ESCAPEE" -- no-such-program-here
	wait_for 10 test -e "$T/started"
	release_fifo stderr "$ERR"
	finish_aiorun
	wait_released
	[ "$status" -eq 127 ]
	cat "$ERR"
	[ "$(cat "$ERR")" = "aiorun: cannot run no-such-program-here: No such file or directory" ]
	none_left "$T/pids"
}

@test "a failed start says one line, also when it has output to write out" {
	# Held at its failure's line, aiorun lets worker a write and start a
	# child; held at its first line of output, it has the child's end
	# to see while it writes the rest out. A start that failed has no
	# shutdown phases to log.
	start_aiorun_held stdout,stderr -w a='echo hello; echo $$ >>"$T/pids"; sleep 1000 & echo $! >>"$T/pids"; touch "$T/started"; wait' -- no-such-program-here
	wait_for 10 test -e "$T/started"
	release_fifo stderr "$ERR"
	wait_for 10 gone "$(sed -n 2p "$T/pids")"
	release_fifo stdout "$OUT"
	finish_aiorun
	wait_released
	[ "$status" -eq 127 ]
	cat "$ERR"
	[ "$(cat "$ERR")" = "aiorun: cannot run no-such-program-here: No such file or directory" ]
	[ "$(cat "$OUT")" = "a    | hello" ]
	none_left "$T/pids"
}
