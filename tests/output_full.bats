#!/usr/bin/env bats
# SPEC section 6 speaks of a reader that goes away (EPIPE). An output that
# cannot be written for another reason, a full disk under a redirected
# output, loses lines: aiorun says so once, goes on, and says when the
# output can be written again.

load helpers

@test "a full output is told once, and the workers run on" {
	status=0
	"$AIORUN" -q -w a='for i in 1 2 3; do echo line $i; done' 2>"$ERR" >/dev/full || status=$?
	[ "$status" -eq 0 ]
	[ "$(cat "$ERR")" = "aiorun: standard output: cannot write: No space left on device; its lines are lost until it can be written again" ]
}

@test "an output that fills and is freed again says both, and what comes after is written" {
	mkdir "$T/mnt"
	mount -t tmpfs -o size=64k tmpfs "$T/mnt" 2>/dev/null || skip "cannot mount a tmpfs here"
	MOUNTED=$T/mnt
	head -c 1M /dev/zero >"$T/mnt/filler" 2>/dev/null || true
	"$AIORUN" -q -w a="until [ -e $T/freed ]; do echo lost; sleep 0.01; done; echo after; until [ -e $T/end ]; do sleep 0.01; done; echo end" \
		>"$T/mnt/out" 2>"$ERR" 3>&- &
	WRAPPER_PID=$!
	AIORUN_PID=$!
	wait_for 10 log_has "standard output: cannot write: No space left on device"
	rm "$T/mnt/filler"
	touch "$T/freed"
	wait_for 10 log_has "standard output: written again; lines were lost before"
	touch "$T/end"
	finish_aiorun
	[ "$status" -eq 0 ]
	[ "$(grep -c "cannot write" "$ERR")" -eq 1 ]
	[ "$(tail -n 2 "$T/mnt/out")" = "$(printf 'a | after\na | end')" ]
}
