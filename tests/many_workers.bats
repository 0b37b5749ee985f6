#!/usr/bin/env bats
# Scale: a hundred workers start, and on SIGTERM all of them are gone and
# aiorun has exited within a second.

load helpers

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

running_sleeps() {
	[ "$(pgrep -c -P "$AIORUN_PID" -x sleep)" -eq "$1" ]
}

@test "100 workers of sleep 60 start, and all are gone within 1 s of SIGTERM" {
	local args=() i
	for i in $(seq 100); do
		args+=(-w "w$i=exec sleep 60")
	done
	start_aiorun "${args[@]}"
	wait_for 10 running_sleeps 100
	start=$(now_ms)
	kill -TERM "$AIORUN_PID"
	finish_aiorun 5
	elapsed=$(($(now_ms) - start))
	echo "stopped in ${elapsed} ms"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'Cancelling task: w' "$ERR")" -eq 100 ]
	[ "$(grep -c 'ended by SIGTERM' "$ERR")" -eq 100 ]
	[ "$elapsed" -lt 1000 ]
	# Nothing of theirs is left.
	for pid in $(sed -n 's/.*Cancelling task: w[0-9]* (pid \([0-9]*\)).*/\1/p' "$ERR"); do
		gone "$pid"
	done
}

@test "600 captured workers start under a soft limit of 1024 descriptors" {
	[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -gt 2000 ] ||
		skip "the hard limit on descriptors is too low to raise"
	local args=() i
	for i in $(seq 600); do
		args+=(-w "w$i=echo up")
	done
	run bash -c 'ulimit -Sn 1024 && exec "$@"' sh "$AIORUN" -q "${args[@]}"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '| up$')" -eq 600 ]
}
