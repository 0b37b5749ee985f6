#!/usr/bin/env bats
# SPEC section 5: when PROGRAM's standard input is a terminal, PROGRAM's
# group becomes the terminal's foreground group, so Ctrl-C and job control
# reach it directly.

load helpers

# Runs COMMAND on a new pseudo-terminal, through script(1).
on_a_terminal() {
	script -qec "$*" /dev/null </dev/null
}

@test "PROGRAM's group takes the terminal's foreground" {
	run on_a_terminal "$AIORUN" -q -- "$PROBE" status
	[ "$status" -eq 0 ]
	[[ "$output" = *"terminal-foreground: yes"* ]]
}

@test "without a terminal nothing is attempted" {
	run "$AIORUN" -q -- "$PROBE" status </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" = *"terminal-foreground: no terminal"* ]]
}

@test "Ctrl-C on the terminal reaches PROGRAM, not aiorun" {
	# The terminal's interrupt character goes to the foreground group only:
	# PROGRAM sees SIGINT and ends; aiorun sees nothing and reports that.
	run on_a_terminal "$AIORUN" -- sh -c "'kill -INT 0; sleep 5'"
	[ "$status" -eq 130 ]
	[[ "$output" = *"Task main ended by SIGINT"* ]]
	[[ "$output" != *"Stopping the loop"* ]]
}

@test "aiorun started in the background leaves the terminal to the shell" {
	# An interactive shell runs "aiorun -- probe status &": the probe must
	# not get the terminal, and the shell keeps it.
	run on_a_terminal bash -ic "'\"$AIORUN\" -q -- \"$PROBE\" status & wait \$!; [ \"\$(ps -o tpgid= -p \$\$)\" -eq \"\$(ps -o pgid= -p \$\$)\" ] && echo shell-has-terminal'"
	[[ "$output" = *"terminal-foreground: no"* ]]
	[[ "$output" = *"shell-has-terminal"* ]]
}

@test "the terminal goes back to aiorun when PROGRAM ends" {
	# The worker looks, 250 times at most and 20 ms apart, until aiorun's
	# group has the terminal, then says what it last saw.
	run on_a_terminal "$AIORUN" -q --prefix never -W after="'for i in \$(seq 250); do [ \$(ps -o tpgid= -p \$PPID) -eq \$(ps -o pgid= -p \$PPID) ] && break; sleep 0.02; done; ps -o tpgid= -p \$PPID; ps -o pgid= -p \$PPID'" -- true
	[ "$status" -eq 0 ]
	lines=($(echo "$output" | tr -d '\r'))
	[ "${lines[0]}" -eq "${lines[1]}" ]
}

@test "the terminal goes back to aiorun when PROGRAM's exec fails" {
	printf 'echo hi\n' >"$T/no-shebang"
	printf '#!/nonexistent/interpreter\n' >"$T/no-interpreter"
	chmod +x "$T/no-shebang" "$T/no-interpreter"
	for prog in no-shebang no-interpreter; do
		run on_a_terminal bash --norc -c "'\"$AIORUN\" -q -- \"$T/$prog\"; echo status:\$?; ps -o tpgid= -p \$\$; ps -o pgid= -p \$\$'"
		lines=($(echo "$output" | tr -d '\r' | grep -v aiorun))
		[ "${lines[0]}" = "status:$([ $prog = no-shebang ] && echo 126 || echo 127)" ]
		# The shell's group has the terminal again, so its next read works.
		[ "${lines[1]}" -eq "${lines[2]}" ]
	done
}
