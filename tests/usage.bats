#!/usr/bin/env bats
# SPEC sections 1 and 2: how aiorun reads its command line and environment.
# Every bad value exits 64 with one line that names the option.

load helpers

@test "option parsing stops at the first non-option: aiorun ls -l runs ls -l" {
	touch "$T/a-file"
	cd "$T"
	run "$AIORUN" -q ls -l a-file
	[ "$status" -eq 0 ]
	[[ "$output" = "-rw-"*" a-file" ]]
	# An option after PROGRAM belongs to PROGRAM.
	run "$AIORUN" -q -t 1 sh -c 'echo "$0 $1"' -t 2
	[ "$status" -eq 0 ]
	[ "$output" = "-t 2" ]
}

@test "aiorun ls -l runs ls -l as PID 1 too" {
	touch "$T/a-file"
	cd "$T"
	MODE=pid1 run_aiorun -q ls -l a-file
	[ "$status" -eq 0 ]
	[[ "$output" = "-rw-"*" a-file" ]]
}

@test "--help prints the usage on standard output and exits 0" {
	run "$AIORUN" --help
	[ "$status" -eq 0 ]
	[[ "$output" = "usage: aiorun [OPTION]... [--] PROGRAM [ARG]..."* ]]
	[[ "$output" = *"--grace DURATION"* ]]
}

@test "--version prints the version and exits 0" {
	run "$AIORUN" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^aiorun\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "--check prints what would run, starts nothing and exits 0" {
	run "$AIORUN" --check -- touch "$T/started"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "main  restart=no         program   touch $T/started" ]
	[ "${lines[1]}" = "aiorun: configuration OK" ]
	[ ! -e "$T/started" ]
}

@test "--check looks PROGRAM up as a start would: 127 when not found" {
	run -127 "$AIORUN" --check -- no-such-program-here
	[ "$status" -eq 127 ]
	[ "$output" = "aiorun: cannot run no-such-program-here: No such file or directory" ]
}

@test "--check with a bad value exits 64" {
	run "$AIORUN" --check --grace soon -- true
	[ "$status" -eq 64 ]
	[ "$output" = "aiorun: --grace: invalid duration (2, 0.5, 500ms, 2s, 1m, 1h) 'soon' (see aiorun --help)" ]
}

# Each line: expected output, then the arguments.
bad_usage_catalogue() {
	cat <<'LIST'
aiorun: --grace: invalid duration (2, 0.5, 500ms, 2s, 1m, 1h) 'x' (see aiorun --help)|--grace x true
aiorun: --grace: invalid duration (2, 0.5, 500ms, 2s, 1m, 1h) '-1' (see aiorun --help)|-t -1 true
aiorun: --grace: invalid duration (2, 0.5, 500ms, 2s, 1m, 1h) '5d' (see aiorun --help)|--grace=5d true
aiorun: --wait-timeout: invalid duration (2, 0.5, 500ms, 2s, 1m, 1h) '1sec' (see aiorun --help)|--wait-timeout=1sec true
aiorun: --stop-signal: invalid signal 'SIGNOPE' (see aiorun --help)|--stop-signal SIGNOPE true
aiorun: --stop-signal: KILL is refused: SIGKILL cannot be caught, so no worker could end gracefully; it comes anyway when the grace period runs out (see aiorun --help)|--stop-signal KILL true
aiorun: --stop-signal: invalid signal '0' (see aiorun --help)|--stop-signal 0 true
aiorun: --pdeathsig: invalid signal '99' (see aiorun --help)|-p 99 true
aiorun: --map-exit: invalid exit mapping (CODE[:NEW], 0-255) '256' (see aiorun --help)|-e 256 true
aiorun: --map-exit: invalid exit mapping (CODE[:NEW], 0-255) '1:x' (see aiorun --help)|--map-exit 1:x true
aiorun: --backend: invalid backend (auto, select, poll, epoll, io_uring) 'kqueue' (see aiorun --help)|--backend kqueue true
aiorun: --pidfile: invalid file name '' (see aiorun --help)|--pidfile= true
aiorun: --on-shutdown: invalid command '' (see aiorun --help)|--on-shutdown= true
aiorun: unknown option '--frobnicate' (see aiorun --help)|--frobnicate true
aiorun: unknown option '-Z' (see aiorun --help)|-Z true
aiorun: missing value for option '-t' (see aiorun --help)|-t
aiorun: --run-forever takes no value (see aiorun --help)|--run-forever=x true
LIST
}

@test "a catalogue of bad command lines: each exits 64 naming the option" {
	local expected args
	while IFS='|' read -r expected args; do
		IFS=' ' read -r -a argv <<<"$args"
		run "$AIORUN" "${argv[@]}"
		if [ "$status" -ne 64 ] || [ "${lines[0]}" != "$expected" ]; then
			echo "aiorun $args: status $status, output: $output"
			return 1
		fi
	done < <(bad_usage_catalogue)
}

@test "every long option can come from AIORUN_<NAME>; a bad one exits 64 naming it" {
	AIORUN_GRACE=bad run "$AIORUN" true
	[ "$status" -eq 64 ]
	[ "$output" = "aiorun: AIORUN_GRACE: invalid duration (2, 0.5, 500ms, 2s, 1m, 1h) 'bad' (see aiorun --help)" ]
	AIORUN_STOP_SIGNAL=NOPE run "$AIORUN" true
	[ "$status" -eq 64 ]
	[ "$output" = "aiorun: AIORUN_STOP_SIGNAL: invalid signal 'NOPE' (see aiorun --help)" ]
	AIORUN_RUN_FOREVER=maybe run "$AIORUN" true
	[ "$status" -eq 64 ]
	[ "$output" = "aiorun: AIORUN_RUN_FOREVER: invalid boolean 'maybe' (see aiorun --help)" ]
	AIORUN_BACKEND=kqueue run "$AIORUN" true
	[ "$status" -eq 64 ]
	AIORUN_QUIET=3 run "$AIORUN" sh -c 'echo quiet'
	[ "$status" -eq 0 ]
	[ "$output" = "quiet" ]
}

@test "the command line takes precedence over the environment" {
	# The environment's bad value is never read when the option is given.
	AIORUN_GRACE=bad run "$AIORUN" -q --grace 1 true
	[ "$status" -eq 0 ]
	AIORUN_VERBOSE=yes run "$AIORUN" true
	[[ "$output" = *"Started task main"* ]]
	AIORUN_QUIET=3 run "$AIORUN" --quiet true
	[[ "$output" = *"Leaving. Bye!"* ]] && false
	[ "$status" -eq 0 ]
}

@test "each --backend runs the program" {
	local backend
	for backend in auto select poll epoll; do
		run "$AIORUN" -q --backend "$backend" -- sh -c 'echo ok'
		[ "$status" -eq 0 ]
		[ "$output" = "ok" ]
	done
}

@test "-q silences the phase lines and -v adds debug lines" {
	run "$AIORUN" -qq -- true
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run "$AIORUN" -v -- true
	[ "$status" -eq 0 ]
	[[ "$output" = *"aiorun: Started task main (pid "* ]]
	[[ "$output" = *"aiorun: Leaving. Bye!"* ]]
}

@test "an empty AIORUN_<NAME> counts as unset" {
	AIORUN_GRACE= AIORUN_ENV_FILE= AIORUN_STOP_SIGNAL= run "$AIORUN" -q -- sh -c 'echo ran'
	[ "$status" -eq 0 ]
	[ "$output" = "ran" ]
}

@test "CONT is no stop signal, and the error says why" {
	run "$AIORUN" --stop-signal CONT true
	[ "$status" -eq 64 ]
	[ "$output" = "aiorun: --stop-signal: CONT is refused: SIGCONT follows every stop signal anyway, and ends nothing (see aiorun --help)" ]
}

@test "--check checks a PROGRAM given with a path too" {
	run -127 "$AIORUN" --check -- "$T/none"
	[ "$output" = "aiorun: cannot run $T/none: No such file or directory" ]
	run -126 "$AIORUN" --check -- /etc/passwd
	[ "$output" = "aiorun: cannot run /etc/passwd: Permission denied" ]
}

@test "-x sets the helper pool's size, 1 to 64" {
	run "$AIORUN" -q -x 2 -- true
	[ "$status" -eq 0 ]
	run "$AIORUN" -x 0 -- true
	[ "$status" -eq 64 ]
	[ "$output" = "aiorun: --executor-workers: invalid thread count (1-64) '0' (see aiorun --help)" ]
	AIORUN_EXECUTOR_WORKERS=65 run "$AIORUN" -- true
	[ "$status" -eq 64 ]
	[ "$output" = "aiorun: AIORUN_EXECUTOR_WORKERS: invalid thread count (1-64) '65' (see aiorun --help)" ]
}

@test "--help gives the defaults and the forms of durations and signals" {
	run -0 "$AIORUN" --help
	[[ "$output" = *"--stop-on WHAT"*"(failure)"* ]]
	[[ "$output" = *"--prefix WHEN"*"(auto)"* ]]
	[[ "$output" = *"--color WHEN"*"(auto)"* ]]
	[[ "$output" = *"--backend NAME"*"(auto)"* ]]
	[[ "$output" = *"--stop-signal SIG"*"workers: TERM)"* ]]
	[[ "$output" = *"(500ms, 2s, 1m, 1h)"* ]]
}

@test "a stop signal that cannot be one is refused with the reason, in a file too" {
	run -64 "$AIORUN" --stop-signal KILL -- true
	[ "$output" = "aiorun: --stop-signal: KILL is refused: SIGKILL cannot be caught, so no worker could end gracefully; it comes anyway when the grace period runs out (see aiorun --help)" ]
	printf '[worker:a]\ncommand = true\nstop-signal = SIGSTOP\n' >"$T/c"
	run -78 "$AIORUN" -c "$T/c"
	[ "$output" = "aiorun: $T/c:3: stop-signal: SIGSTOP is refused: SIGSTOP cannot be caught, and would stop the workers instead of ending them" ]
}
