#!/usr/bin/env bats
# SPEC section 5: aiorun behaves as a job of the shell that started it.
# Each test types into a real interactive bash on a pseudo-terminal
# (helpers/pty_session.py) and watches the screen and the processes'
# states. Not in tests/meson.build yet: aiorun does not do this today.
#
# WITH=dumb-init runs the same scenarios with dumb-init --single-child in
# aiorun's place, to check the harness itself against a supervisor that
# already behaves as a job: what only aiorun does (its log lines, its
# statuses for a failed exec, worker sets) is then swapped for dumb-init's
# equivalent.

load helpers

WITH=${WITH:-aiorun}

# What the typed lines start the supervisor with: "$RUN PROGRAM ARG...".
if [ "$WITH" = dumb-init ]; then
	export RUN='dumb-init --single-child' RUN_QUIET='dumb-init --single-child'
else
	export RUN="$AIORUN --" RUN_QUIET="$AIORUN -q --"
fi

pty_session() {
	python3 "$BATS_TEST_DIRNAME/helpers/pty_session.py" "$@"
}

@test "Ctrl-Z stops aiorun -- sleep 100 and the prompt returns; fg, then Ctrl-C, ends it with 130" {
	pty_session <<'STEPS'
prompt
send '$RUN sleep 100'
state '^sleep 100$' S 1
foreground '^sleep 100$'
ctrl Z
prompt
state '^sleep 100$' T 1
send jobs
expect '\[1\]\+ +Stopped +\$RUN sleep 100'
prompt
send fg
state '^sleep 100$' S 1
foreground '^sleep 100$'
ctrl C
prompt
send 'echo "status:$?"'
expect 'status:130\n'
state '^sleep 100$' . 0
STEPS
}

@test "aiorun -q -- cat started with & gets the terminal on fg; Ctrl-D ends it with 0" {
	pty_session <<'STEPS'
prompt
send '$RUN_QUIET cat &'
prompt
# cat read the terminal in the background: SIGTTIN stopped it, and with
# it the whole job (the supervisor and cat).
state 'cat$' T 2
send fg
foreground '^cat$'
send 'a line for cat'
# Once as the terminal echoes it, once from cat.
expect 'a line for cat\n(.*\n)?a line for cat\n'
ctrl D
prompt
send 'echo "status:$?"'
expect 'status:0\n'
state '^cat$' . 0
STEPS
}

# exec_fails_then_read SCRIPT STATUS: PROGRAM SCRIPT cannot be executed
# and aiorun ends with STATUS; the shell that started aiorun can then
# still read a line from the terminal. That shell is a subshell: an
# interactive shell takes the terminal back after every job, whatever the
# job left it to, but a subshell has no job control and reads the
# terminal only if aiorun gave it back.
exec_fails_then_read() {
	pty_session <<STEPS
prompt
send '(\$RUN "$1"; echo "status:\$?"; read -p "say\$((6 * 7))> " x; echo "got:\$x")'
expect 'status:$2\n'
# read -p writes its prompt once it is about to read; the prompt is not
# the typed text, which the terminal echoes.
expect 'say42> '
send 'some words'
expect 'got:some words'
prompt
STEPS
}

@test "after a PROGRAM without #! fails with 126, the shell still reads the terminal" {
	printf 'echo ran\n' >"$T/no-interpreter-line"
	chmod 755 "$T/no-interpreter-line"
	# execvp runs such a file with sh, as dumb-init does: status 0.
	if [ "$WITH" = dumb-init ]; then status=0; else status=126; fi
	exec_fails_then_read "$T/no-interpreter-line" "$status"
}

@test "after a PROGRAM whose interpreter is missing fails with 127, the shell still reads the terminal" {
	printf '#!%s/no-such-interpreter\n' "$T" >"$T/missing-interpreter"
	chmod 755 "$T/missing-interpreter"
	# dumb-init's own status for a child it could not start: 2.
	if [ "$WITH" = dumb-init ]; then status=2; else status=127; fi
	exec_fails_then_read "$T/missing-interpreter" "$status"
}

@test "Ctrl-Z stops a worker set and the prompt returns; fg continues it, Ctrl-C shuts it down" {
	if [ "$WITH" = dumb-init ]; then
		# Two sleeps in the foreground group, neither ignoring SIGINT.
		start='$RUN sh -c "sleep 100 | sleep 100"'
		said='\^C'
		status=130
	else
		start='"$AIORUN" -w a="sleep 100" -w b="sleep 100"'
		said='(?s)Stopping the loop.*Cancelling task: a .*Cancelling task: b .*Leaving\. Bye!'
		status=0
	fi
	pty_session <<STEPS
prompt
send '$start'
state '^sleep 100\$' S 2
foreground 'sleep 100'
ctrl Z
prompt
state '^sleep 100\$' T 2
send fg
state '^sleep 100\$' S 2
foreground 'sleep 100'
ctrl C
expect '$said'
prompt
send 'echo "status:\$?"'
expect 'status:$status\n'
state '^sleep 100\$' . 0
STEPS
}
