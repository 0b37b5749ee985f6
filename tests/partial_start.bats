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
