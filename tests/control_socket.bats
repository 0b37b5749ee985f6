#!/usr/bin/env bats
# SPEC section 9, the socket: its default path, its modes, who may use
# it, what is found at its path, and its end with aiorun.

load helpers

@test "the default socket is \$XDG_RUNTIME_DIR/aiorun.sock, mode 0600, and aiorunctl finds it" {
	start_aiorun -w web='exec sleep 300' -w b='exec sleep 300'
	wait_for 5 test -S "$XDG_RUNTIME_DIR/aiorun.sock"
	[ "$(stat -c %a "$XDG_RUNTIME_DIR/aiorun.sock")" = 600 ]
	run "$AIORUNCTL" status web
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" = "web "*running* ]]
	# AIORUN_CONTROL is found too.
	run env XDG_RUNTIME_DIR=/nonexistent AIORUN_CONTROL="$XDG_RUNTIME_DIR/aiorun.sock" "$AIORUNCTL" status b
	[ "$status" -eq 0 ]
	# So is -s in all its spellings, before or after the command.
	for form in "--socket=$XDG_RUNTIME_DIR/aiorun.sock" "-s$XDG_RUNTIME_DIR/aiorun.sock"; do
		run env XDG_RUNTIME_DIR=/nonexistent "$AIORUNCTL" "$form" status b
		[ "$status" -eq 0 ]
		[[ "${lines[1]}" = "b "*running* ]]
		run env XDG_RUNTIME_DIR=/nonexistent "$AIORUNCTL" status b "$form"
		[ "$status" -eq 0 ]
	done
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	[ ! -e "$XDG_RUNTIME_DIR/aiorun.sock" ]
}

@test "--control none: no socket" {
	start_aiorun --control none -w web='exec sleep 300' -w b='exec sleep 300'
	wait_for 5 child_of "$AIORUN_PID" >/dev/null
	[ ! -e "$XDG_RUNTIME_DIR/aiorun.sock" ]
	run "$AIORUNCTL" status
	[ "$status" -eq 69 ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
}

@test "a directory aiorun has to create is 0700" {
	start_aiorun --control "$T/run/ctl.sock" -w web='exec sleep 300' -w b='exec sleep 300'
	wait_for 5 test -S "$T/run/ctl.sock"
	[ "$(stat -c %a "$T/run")" = 700 ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
}

@test "a stale socket is replaced" {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/ctl.sock"
	[ -S "$T/ctl.sock" ]
	start_aiorun --control "$T/ctl.sock" -w web='exec sleep 300' -w b='exec sleep 300'
	wait_for 5 ctl status web
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
}

@test "a path that is not a socket is left intact: 71, nothing started" {
	echo precious >"$T/ctl.sock"
	ln -s "$T/target" "$T/link.sock"
	run "$AIORUN" --control "$T/ctl.sock" -w web='touch "$T/started"; exec sleep 300'
	[ "$status" -eq 71 ]
	[ "$output" = "aiorun: --control $T/ctl.sock: exists and is not a socket (left as it is)" ]
	[ "$(cat "$T/ctl.sock")" = precious ]
	[ ! -e "$T/started" ]
	# A symbolic link is not followed, even to nothing.
	run "$AIORUN" --control "$T/link.sock" -- true
	[ "$status" -eq 71 ]
	[ -L "$T/link.sock" ]
	[ ! -e "$T/target" ]
}

@test "an explicit path held by a live aiorun: 71; the default path: a warning, no control" {
	start_aiorun -w web='exec sleep 300' -w b='exec sleep 300'
	wait_for 5 test -S "$XDG_RUNTIME_DIR/aiorun.sock"
	run "$AIORUN" --control "$XDG_RUNTIME_DIR/aiorun.sock" -- true
	[ "$status" -eq 71 ]
	[ "$output" = "aiorun: --control $XDG_RUNTIME_DIR/aiorun.sock: a running aiorun answers there" ]
	# The default socket is set up once the loop first idles: PROGRAM
	# runs long enough for that.
	run "$AIORUN" -- sh -c 'sleep 1; echo ran'
	[ "$status" -eq 0 ]
	[[ "$output" = *"aiorun: $XDG_RUNTIME_DIR/aiorun.sock: another aiorun answers there: running without control"* ]]
	[[ "$output" = *"ran"* ]]
	# The first one's socket is still its own, and still answers.
	run "$AIORUNCTL" status web
	[ "$status" -eq 0 ]
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ ! -e "$XDG_RUNTIME_DIR/aiorun.sock" ]
}

@test "another uid is refused with 77" {
	user=aiorunctl-test-$$
	useradd --no-create-home --shell /bin/sh "$user"
	start_controlled -w web='exec sleep 300' -w b='exec sleep 300'
	chmod 755 "$T"
	# The file's mode refuses it first.
	run runuser -u "$user" -- "$AIORUNCTL" -s "$T/ctl.sock" stop web
	[ "$status" -eq 77 ]
	[[ "$output" = *"Permission denied" ]]
	# With the mode opened, the peer's uid (SO_PEERCRED) still does.
	chmod 666 "$T/ctl.sock"
	run runuser -u "$user" -- "$AIORUNCTL" -s "$T/ctl.sock" stop web
	[ "$status" -eq 77 ]
	[ "$output" = "aiorunctl: permission denied" ]
	userdel "$user"
	run ctl status --json web
	[[ "$output" = *'"state":"running"'* ]]
	log_lacks "Control: stop"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
}

@test "the default path without XDG_RUNTIME_DIR for another user is /tmp/aiorun-UID, 0700" {
	user=aiorunctl-test-$$
	useradd --no-create-home --shell /bin/sh "$user"
	uid=$(id -u "$user")
	rm -rf "/tmp/aiorun-$uid"
	runuser -u "$user" -- env -u XDG_RUNTIME_DIR "$AIORUN" -w a='exec sleep 300' -w b='exec sleep 300' >"$OUT" 2>"$ERR" 3>&- &
	WRAPPER_PID=$!
	AIORUN_PID=$WRAPPER_PID
	wait_for 5 test -S "/tmp/aiorun-$uid/aiorun.sock"
	[ "$(stat -c %a "/tmp/aiorun-$uid")" = 700 ]
	[ "$(stat -c %a "/tmp/aiorun-$uid/aiorun.sock")" = 600 ]
	run runuser -u "$user" -- env -u XDG_RUNTIME_DIR "$AIORUNCTL" status a
	[ "$status" -eq 0 ]
	# Root may use it too.
	run "$AIORUNCTL" -s "/tmp/aiorun-$uid/aiorun.sock" shutdown
	[ "$status" -eq 0 ]
	finish_aiorun
	[ "$status" -eq 0 ]
	userdel "$user"
	rm -rf "/tmp/aiorun-$uid"
}
