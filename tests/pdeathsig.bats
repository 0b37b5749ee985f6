#!/usr/bin/env bats
# --pdeathsig: the signal aiorun receives when its parent dies.

load helpers

@test "--pdeathsig TERM shuts aiorun down when its parent dies" {
	# The parent shell starts aiorun, records its PID, then ends.
	sh -c '"$1" -p TERM -- "$2" record "$3" >"$3/out" 2>"$3/err" 3>&- &
		echo $! >"$3/aiorun.pid"
		until [ -e "$3"/ready.* ] 2>/dev/null; do sleep 0.02; done' \
		sh "$AIORUN" "$PROBE" "$T" 3>&-
	AIORUN_PID=$(cat "$T/aiorun.pid")
	wait_for 5 gone "$AIORUN_PID"
	grep -qF "Stopping the loop (received SIGTERM)" "$T/err"
	grep -q " SIGTERM$" "$T/signals"
}

@test "without --pdeathsig aiorun outlives its parent" {
	sh -c '"$1" -- "$2" record "$3" >"$3/out" 2>"$3/err" 3>&- &
		echo $! >"$3/aiorun.pid"
		until [ -e "$3"/ready.* ] 2>/dev/null; do sleep 0.02; done' \
		sh "$AIORUN" "$PROBE" "$T" 3>&-
	AIORUN_PID=$(cat "$T/aiorun.pid")
	# Its parent is gone; it is still there, and not shutting down.
	alive "$AIORUN_PID"
	grep -qF "Stopping the loop" "$T/err" && false
	kill -TERM "$AIORUN_PID"
	wait_for 5 gone "$AIORUN_PID"
	grep -qF "Stopping the loop (received SIGTERM)" "$T/err"
}
