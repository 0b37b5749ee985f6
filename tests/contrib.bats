#!/usr/bin/env bats
# What contrib/ ships behaves as its comments and the man page say.

load helpers

UNIT="$BATS_TEST_DIRNAME/../contrib/systemd/aiorun-example.service"

@test "the shipped unit reloads with aiorunctl, not by sending SIGHUP to the set" {
	run grep -E '^#?ExecReload=.*kill.*-HUP' "$UNIT"
	[ "$status" -eq 1 ]
	grep -qE '^ExecReload=/usr/local/bin/aiorunctl reload$' "$UNIT"
	grep -qE '^Type=notify$' "$UNIT"
	grep -qE '^KillMode=mixed$' "$UNIT"
}

@test "SIGHUP stops a worker set whose workers do not handle it, with 129" {
	# Why the unit has no ExecReload: the forwarded SIGHUP kills them.
	start_aiorun -w a="touch \"$T/a\"; exec sleep 300" -w b="touch \"$T/b\"; exec sleep 300"
	wait_for 5 test -e "$T/a" -a -e "$T/b"
	kill -HUP "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 129 ]
	log_has "ended by SIGHUP"
}
