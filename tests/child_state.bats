#!/usr/bin/env bats
# SPEC section 5: what a child starts with: an empty signal mask, the
# dispositions of section 5, descriptors 0, 1 and 2 only, a process group
# of its own, and an environment without what was meant for aiorun.

load helpers

@test "the child's signal mask is empty and its open fds are exactly 0, 1 and 2" {
	# aiorun starts with signals blocked and a stray descriptor open.
	run "$PROBE" exec-with block=USR1,USR2,HUP -- "$AIORUN" -q -- "$PROBE" status 5>"$T/stray" 7<"$T/stray"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "SigBlk:	0000000000000000" ]
	[ "${lines[2]}" = "fds: 0 1 2" ]
	[ "${lines[3]}" = "pgid-is-pid: yes" ]
}

@test "the child's signal mask is empty and fds are 0, 1 and 2 as PID 1" {
	MODE=pid1 run_aiorun -q -- "$PROBE" status 5>"$T/stray"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "SigBlk:	0000000000000000" ]
	[ "${lines[2]}" = "fds: 0 1 2" ]
	[ "${lines[3]}" = "pgid-is-pid: yes" ]
}

@test "inherited ignored signals stay ignored in the child, but INT, QUIT and TERM" {
	run "$PROBE" exec-with ignore=HUP,INT,QUIT,TERM,USR2,PIPE -- "$AIORUN" -q -- "$PROBE" status
	[ "$status" -eq 0 ]
	# HUP (bit 0), USR2 (bit 11) and PIPE (bit 12) stay ignored.
	[ "${lines[1]}" = "SigIgn:	0000000000001801" ]
}

@test "nothing is ignored in the child when nothing was ignored in aiorun" {
	# aiorun itself ignores SIGPIPE; the child must not inherit that.
	run "$AIORUN" -q -- "$PROBE" status
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "SigIgn:	0000000000000000" ]
}

@test "the child leads a process group of its own" {
	run "$AIORUN" -q -- "$PROBE" status
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "pgid-is-pid: yes" ]
}

@test "the child's environment lacks aiorun's variables and names the worker" {
	NOTIFY_SOCKET=/run/x WATCHDOG_USEC=1 WATCHDOG_PID=1 LISTEN_FDS=1 LISTEN_PID=1 \
		LISTEN_FDNAMES=a LISTEN_PORT=8080 KEEP=kept AIORUN_WORKER_NAME=outer \
		run "$AIORUN" -q -- sh -c 'env | grep -E "^(NOTIFY|WATCHDOG|LISTEN|KEEP|AIORUN_WORKER)" | sort'
	[ "$status" -eq 0 ]
	[ "$output" = "AIORUN_WORKER_NAME=main
KEEP=kept
LISTEN_PORT=8080" ]
}

@test "a lone PROGRAM inherits aiorun's standard output and error untouched" {
	"$AIORUN" -q -- sh -c 'readlink /proc/$$/fd/1 /proc/$$/fd/2' >"$T/out" 2>"$T/err"
	run cat "$T/out"
	[ "${lines[0]}" = "$T/out" ]
	[ "${lines[1]}" = "$T/err" ]
}

@test "a worker run as a user starts the same way: empty mask, fds 0 1 2, nothing ignored" {
	# Changing users takes the fork path rather than posix_spawn.
	printf '[worker:probe]\ncommand = exec "%s" status\nuser = 0\n' "$PROBE" >"$T/c"
	run "$PROBE" exec-with ignore=HUP,INT -- "$AIORUN" -q --prefix never -c "$T/c" 5>"$T/stray"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "SigBlk:	0000000000000000" ]
	[ "${lines[1]}" = "SigIgn:	0000000000000001" ]
	[ "${lines[2]}" = "fds: 0 1 2" ]
	[ "${lines[3]}" = "pgid-is-pid: yes" ]
}

# aiorun started with these ignored: QUIT, which children get at its
# default, and ALRM, PIPE, PWR and the real-time 40, which stay ignored.
IGNORED=ignore=QUIT,ALRM,PIPE,PWR,40
# ALRM (bit 13), PIPE (bit 12), PWR (bit 29) and 40 (bit 39).
STILL_IGNORED="SigIgn:	0000008020003000"

@test "a signal inherited as ignored stays ignored in PROGRAM, blocked in none" {
	run "$PROBE" exec-with $IGNORED -- "$AIORUN" -q -- "$PROBE" status
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "SigBlk:	0000000000000000" ]
	[ "${lines[1]}" = "$STILL_IGNORED" ]
}

@test "a signal inherited as ignored stays ignored in a worker run as a user, blocked in none" {
	# Changing users takes the fork path rather than posix_spawn.
	printf '[worker:probe]\ncommand = exec "%s" status\nuser = 0\n' "$PROBE" >"$T/c"
	run "$PROBE" exec-with $IGNORED -- "$AIORUN" -q --prefix never -c "$T/c"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "SigBlk:	0000000000000000" ]
	[ "${lines[1]}" = "$STILL_IGNORED" ]
}

@test "an exec: readiness probe starts as a child does" {
	cat >"$T/c" <<'CONF'
[worker:w]
command = until [ -e "$T/probe" ]; do sleep 0.02; done
ready = exec:exec "$PROBE" status "$T/probe"
CONF
	PROBE=$PROBE run "$PROBE" exec-with $IGNORED -- "$AIORUN" -q -c "$T/c"
	[ "$status" -eq 0 ]
	run cat "$T/probe"
	[ "${lines[0]}" = "SigBlk:	0000000000000000" ]
	[ "${lines[1]}" = "$STILL_IGNORED" ]
	[ "${lines[2]}" = "fds: 0 1 2" ]
	[ "${lines[3]}" = "pgid-is-pid: yes" ]
}
