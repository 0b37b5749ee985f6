#!/usr/bin/env bats
# SPEC section 6: when the reader of aiorun's output goes away (EPIPE),
# aiorun logs it once and begins the shutdown, reason "output closed", and
# exits 141 (128 + SIGPIPE) unless a rule of section 4 that comes first
# applies.

load helpers

@test "aiorun -w ... | head -n 3 ends, with status 141" {
	run -0 timeout 20 bash -c '"$AIORUN" -w a="yes a" -w b="yes b" 2>"$T/err" | head -n 3; echo "status:${PIPESTATUS[0]}"'
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[3]}" = "status:141" ]
	[ "$(grep -c "has no reader" "$T/err")" -eq 1 ]
	grep -q "standard output has no reader any more: stopping" "$T/err"
	grep -q "Entering shutdown phase. (output closed)" "$T/err"
	grep -q "Leaving. Bye!" "$T/err"
}

@test "a closed standard error ends it too" {
	run -0 timeout 20 bash -c '"$AIORUN" -q -w a="yes a >&2" 2>&1 >/dev/null | head -n 2 >/dev/null; echo "status:${PIPESTATUS[0]}"'
	[ "$output" = "status:141" ]
}

@test "a closed output ends a set with PROGRAM too, as PID 1" {
	run -0 timeout 20 bash -c 'unshare -p -f --mount-proc "$AIORUN" -w a="yes a" -- sleep 300 2>"$T/err" | head -n 1; echo "status:${PIPESTATUS[0]}"'
	[ "${lines[1]}" = "status:141" ]
	grep -q "Entering shutdown phase. (output closed)" "$T/err"
}

@test "a worker's end that began the shutdown comes first: its status" {
	# The output closes only after the worker's failure began the
	# shutdown: rule 1 of section 4 applies.
	run -0 timeout 20 bash -c '"$AIORUN" -w bad="exit 3" -w slow="trap \"yes; exit 0\" TERM; sleep 300 & wait" 2>"$T/err" | head -n 1 >/dev/null; echo "status:${PIPESTATUS[0]}"'
	[ "$output" = "status:3" ]
	grep -q "Entering shutdown phase. (bad ended with status 3)" "$T/err"
}
