#!/usr/bin/env bats
# SPEC section 6: aiorun's own log lines and the captured lines reach a
# shared output in the order they happened: a worker's last words come
# before the shutdown lines they caused. A worker's failure is logged at
# the warning level, so -q still says which worker failed and why.

load helpers

@test "through one pipe, a worker's last words come before the lines about its end" {
	# 2>&1 | cat, as docker and CI logs have it; the order used to depend
	# on which of two threads wrote first.
	for i in $(seq 1 15); do
		"$AIORUN" -w ok='exec sleep 300' -w bad='echo last words; no-such-command-here' 2>&1 | cat >"$T/out.$i"
		words=$(grep -n "bad | last words" "$T/out.$i" | cut -d: -f1)
		missing=$(grep -n "bad | .*no-such-command-here.*not found" "$T/out.$i" | cut -d: -f1)
		ended=$(grep -n "Task bad exited with status 127" "$T/out.$i" | cut -d: -f1)
		shutdown=$(grep -n "Entering shutdown phase. (bad ended with status 127)" "$T/out.$i" | cut -d: -f1)
		[ -n "$words" ] && [ -n "$missing" ] && [ -n "$ended" ] && [ -n "$shutdown" ]
		# Its two streams are two pipes: each keeps its order, and both
		# come before its end.
		[ "$words" -lt "$ended" ]
		[ "$missing" -lt "$ended" ]
		[ "$ended" -lt "$shutdown" ]
	done
}

@test "with -q, a failed worker is still named with its status" {
	run -127 "$AIORUN" -q -w ok='exec sleep 300' -w bad='no-such-command-here'
	[[ "$output" = *"Task bad exited with status 127"* ]]
	[[ "$output" != *"Entering shutdown phase"* ]]
	[[ "$output" != *"Task ok ended by SIGTERM"* ]]
}

@test "with -q, a worker killed by a signal aiorun did not send is named" {
	run -137 "$AIORUN" -q -w ok='exec sleep 300' -w bad='kill -KILL $$'
	[[ "$output" = *"Task bad ended by SIGKILL"* ]]
}

@test "aiorun's lines after the output is drained still come last" {
	"$AIORUN" -w a='seq 1 20000' 2>&1 | cat >"$T/out"
	[ "$(tail -n 1 "$T/out")" = "aiorun: Leaving. Bye!" ]
	[ "$(grep -c '^a | ' "$T/out")" -eq 20000 ]
	last=$(grep -n '^a | 20000$' "$T/out" | cut -d: -f1)
	ended=$(grep -n "Task a exited with status 0" "$T/out" | cut -d: -f1)
	[ "$last" -lt "$ended" ]
}
