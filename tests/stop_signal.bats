#!/usr/bin/env bats
# SPEC section 2 (--stop-signal) and 3: PROGRAM is cancelled with the signal
# that began the shutdown; a shell COMMAND worker with SIGTERM, since the
# jobs a non-interactive shell starts with '&' ignore SIGINT. A worker late
# after its grace is named by what is really left of it.

load helpers

procfile() {
	# dev backgrounds a job, as "npm run watch & exec server" does.
	printf 'dev: sleep 300 & exec sleep 300\nweb: exec sleep 300\n' >"$T/Procfile"
}

sigint_procfile() {
	procfile
	start_aiorun -t 20 -f "$T/Procfile"
	# Both workers' sleeps, and dev's job: three in the three groups.
	wait_for 5 eval '[ "$(pgrep -f "^sleep 300$" -P "$(pgrep -d, -P "$AIORUN_PID" -f . || echo 0),$AIORUN_PID" | wc -l)" -ge 3 ]'
	kill -INT "$AIORUN_PID"
	# Within the 20 s grace: nothing had to be killed.
	finish_aiorun 10
	[ "$status" -eq 0 ]
	log_has "Cancelling task: dev (pid"
	grep -q "Cancelling task: dev (pid [0-9]*) with SIGTERM" "$ERR"
	grep -q "Cancelling task: web (pid [0-9]*) with SIGTERM" "$ERR"
	log_lacks "refused to exit"
}

@test "SIGINT stops a Procfile whose worker backgrounded a job, at once" {
	sigint_procfile
}

@test "SIGINT stops a Procfile whose worker backgrounded a job, at once, as PID 1" {
	MODE=pid1 sigint_procfile
}

@test "PROGRAM gets the signal that began the shutdown, workers SIGTERM" {
	start_aiorun -w w="touch \"$T/w\"; exec sleep 300" -- sh -c "touch \"$T/main\"; exec sleep 300"
	wait_for 5 test -e "$T/w" -a -e "$T/main"
	kill -INT "$AIORUN_PID"
	finish_aiorun
	grep -q "Cancelling task: main (pid [0-9]*) with SIGINT" "$ERR"
	grep -q "Cancelling task: w (pid [0-9]*) with SIGTERM" "$ERR"
	[ "$status" -eq 130 ]
}

@test "--stop-signal applies to every worker and PROGRAM" {
	start_aiorun --stop-signal HUP -w w="touch \"$T/w\"; exec sleep 300" -- sh -c "touch \"$T/main\"; exec sleep 300"
	wait_for 5 test -e "$T/w" -a -e "$T/main"
	kill -INT "$AIORUN_PID"
	finish_aiorun
	grep -q "Cancelling task: main (pid [0-9]*) with SIGHUP" "$ERR"
	grep -q "Cancelling task: w (pid [0-9]*) with SIGHUP" "$ERR"
	[ "$status" -eq 129 ]
}

@test "the refused-to-exit line names the processes really left, not a leader gone" {
	# The leader exits on SIGTERM; the job it started ignores it.
	start_aiorun -t 300ms -w dev="sh -c 'echo \$\$ >\"$T/left\"; trap \"\" TERM; exec sleep 300' & exec sleep 300"
	wait_for 5 test -s "$T/left"
	left=$(cat "$T/left")
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 137 ]
	log_has "refused to exit after 300ms: dev (pid $left); sending SIGKILL"
	gone "$left"
}

@test "a long refused-to-exit line names the first ones and counts the rest" {
	args=()
	for i in $(seq 1 60); do
		args+=(-w "worker-with-a-long-name-$i=trap '' TERM; touch \"$T/up.$i\"; exec sleep 300")
	done
	start_aiorun -t 300ms "${args[@]}"
	wait_for 10 has_files "$T/up.*" 60
	kill -TERM "$AIORUN_PID"
	finish_aiorun 20
	[ "$status" -eq 137 ]
	line=$(grep "refused to exit" "$ERR")
	[[ "$line" =~ \(pid\ [0-9]+\),\ and\ [0-9]+\ more\;\ sending\ SIGKILL$ ]]
	named=$(grep -o 'worker-with-a-long-name-[0-9]* (pid' <<<"$line" | wc -l)
	more=$(sed -n 's/.*, and \([0-9]*\) more;.*/\1/p' <<<"$line")
	[ $((named + more)) -eq 60 ]
}
