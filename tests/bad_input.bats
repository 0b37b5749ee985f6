#!/usr/bin/env bats
# SPEC section 4: a bad command line exits 64 naming the option; a bad
# configuration exits 78 naming FILE:LINE and the key. Either way one line
# says why, and nothing is started.

load helpers

# The tests write a config file at $T/c, a Procfile at $T/p and an env-file
# at $T/e, and check each run with expect (helpers.bash).
conf() {
	printf "$@" >"$T/c"
}

# A worker command that would leave a trace if anything were started.
START='touch "$T/started"'


@test "bad -w and -W values exit 64" {
	expect 64 "aiorun: --worker: invalid worker (NAME=COMMAND) 'web' (see aiorun --help)" -w web -- touch "$T/started"
	expect 64 "aiorun: --worker: invalid worker (NAME=COMMAND) '=x' (see aiorun --help)" -w =x
	expect 64 "aiorun: --worker: invalid worker (NAME=COMMAND) 'web=' (see aiorun --help)" -w web=
	expect 64 "aiorun: --worker: invalid worker name 'a b' (letters, digits, '_', '-' and '.') (see aiorun --help)" -w "a b=$START"
	expect 64 "aiorun: --waits-for: invalid worker name 'a/b' (letters, digits, '_', '-' and '.') (see aiorun --help)" -W "a/b=$START"
	expect 64 "aiorun: --worker: duplicate worker name 'web' (first declared at --worker) (see aiorun --help)" -w "web=$START" -w "web=$START"
	expect 64 "aiorun: PROGRAM: duplicate worker name 'main' (first declared at --worker) (see aiorun --help)" -w "main=$START" -- touch "$T/started"
	expect 64 "aiorun: missing value for option '-w' (see aiorun --help)" -w
}

@test "bad option values exit 64" {
	expect 64 "aiorun: --stop-on: invalid value (failure, exit, none) 'sometimes' (see aiorun --help)" --stop-on sometimes -w "a=$START"
	expect 64 "aiorun: --config: invalid file name '' (see aiorun --help)" --config= -w "a=$START"
	AIORUN_WAIT_TIMEOUT=forever expect 64 "aiorun: AIORUN_WAIT_TIMEOUT: invalid duration (2, 0.5, 500ms, 2s, 1m, 1h) 'forever' (see aiorun --help)" -w "a=$START"
	# Those checked once every worker is known name their variable too.
	AIORUN_FORMATION=nope=2 expect 64 "aiorun: AIORUN_FORMATION: no worker named 'nope' (see aiorun --help)" -w "a=$START"
	AIORUN_LISTEN_FDS=nope expect 64 "aiorun: AIORUN_LISTEN_FDS: no worker named 'nope' (see aiorun --help)" -w "a=$START"
	expect 64 "aiorun: --listen-fds: no worker named 'nope' (see aiorun --help)" --listen-fds nope -w "a=$START"
}

@test "a bad value in the config file is an error even where an option overrides it" {
	conf '[aiorun]\ngrace = bad\n'
	expect 78 "aiorun: $T/c:2: grace: invalid duration (2, 0.5, 500ms, 2s, 1m, 1h) 'bad'" -t 2 -c "$T/c" -- touch "$T/started"
	AIORUN_GRACE=1 expect 78 "aiorun: $T/c:2: grace: invalid duration (2, 0.5, 500ms, 2s, 1m, 1h) 'bad'" --check -c "$T/c" -- touch "$T/started"
	# The overridden value is checked, not used: the log stays text.
	conf '[aiorun]\nlog-format = json\n'
	expect 0 "main  restart=no         program   touch $T/started
aiorun: configuration OK" --log-format text --check -c "$T/c" -- touch "$T/started"
}

@test "numbers take digits alone: no blank or sign before a signal or a count" {
	expect 64 "aiorun: --stop-signal: invalid signal ' 15' (see aiorun --help)" --stop-signal " 15" -w "a=$START"
	expect 64 "aiorun: --stop-signal: invalid signal '+15' (see aiorun --help)" --stop-signal +15 -w "a=$START"
	expect 64 "aiorun: --pdeathsig: invalid signal '+1' (see aiorun --help)" -p +1 -w "a=$START"
	expect 64 "aiorun: --executor-workers: invalid thread count (1-64) ' 2' (see aiorun --help)" -x " 2" -w "a=$START"
	expect 64 "aiorun: --executor-workers: invalid thread count (1-64) '+2' (see aiorun --help)" -x +2 -w "a=$START"
	expect 64 "aiorun: --map-exit: invalid exit mapping (CODE[:NEW], 0-255) '+1:0' (see aiorun --help)" -e +1:0 -w "a=$START"
	expect 64 "aiorun: --formation: invalid formation (NAME=N[,NAME=N]..., N from 0 to 1000) 'a=+2' (see aiorun --help)" -m a=+2 -w "a=$START"
	expect 64 "aiorun: --port: invalid port (1-65535) '+5' (see aiorun --help)" --port +5 -w "a=$START"
	conf '[worker:w]\ncommand = %s\ncopies = +2\n' "$START"
	expect 78 "aiorun: $T/c:3: copies: invalid count (0-1000) '+2'" -c "$T/c"
	AIORUN_STOP_SIGNAL=" 15" expect 64 "aiorun: AIORUN_STOP_SIGNAL: invalid signal ' 15' (see aiorun --help)" -w "a=$START"
	# As durations already did.
	expect 64 "aiorun: --grace: invalid duration (2, 0.5, 500ms, 2s, 1m, 1h) ' 1' (see aiorun --help)" --grace " 1" -w "a=$START"
	expect 64 "aiorun: --grace: invalid duration (2, 0.5, 500ms, 2s, 1m, 1h) '+1' (see aiorun --help)" --grace +1 -w "a=$START"
	conf '[worker:w]\ncommand = %s\nstop-signal = +15\n' "$START"
	expect 78 "aiorun: $T/c:3: stop-signal: invalid signal '+15'" -c "$T/c"
	conf '[worker:w]\ncommand = %s\nlog-keep = +1\n' "$START"
	expect 78 "aiorun: $T/c:3: log-keep: invalid count (0-1000) '+1'" -c "$T/c"
}

@test "unreadable files exit 78 naming the file" {
	expect 78 "aiorun: $T/none: No such file or directory" -c "$T/none"
	expect 78 "aiorun: $T/none: No such file or directory" -f "$T/none"
	expect 78 "aiorun: $T/none: No such file or directory" --env-file "$T/none" -w "a=$START"
	mkdir "$T/dir"
	expect 78 "aiorun: $T/dir: Is a directory" -f "$T/dir"
	expect 78 "aiorun: $T/dir: Is a directory" --env-file "$T/dir" -w "a=$START"
	expect 78 "aiorun: $T/dir: Is a directory" -c "$T/dir"
	# Named by the config file: its line says where.
	conf '[aiorun]\nenv-file = %s\n[worker:w]\ncommand = %s\n' "$T/none" "$START"
	expect 78 "aiorun: $T/c:2: env-file: $T/none: No such file or directory" -c "$T/c"
}

@test "a catalogue of bad config files exits 78 with FILE:LINE" {
	conf '[worker:a]\ncommand = %s\nbogus = 1\n' "$START"
	expect 78 "aiorun: $T/c:3: unknown key 'bogus' in [worker:a]" -c "$T/c"
	conf '[aiorun]\nnope = 1\n'
	expect 78 "aiorun: $T/c:2: unknown key 'nope' in [aiorun]" -c "$T/c"
	conf '# top\n[workers]\nx = 1\n'
	expect 78 "aiorun: $T/c:2: unknown section [workers]" -c "$T/c"
	conf '[other]\n'
	expect 78 "aiorun: $T/c:1: unknown section [other]" -c "$T/c"
	conf '[worker:a]\ndirectory = /\n'
	expect 78 "aiorun: $T/c:1: [worker:a] has no command" -c "$T/c"
	conf '[worker:empty]\n'
	expect 78 "aiorun: $T/c:1: [worker:empty] has no command" -c "$T/c"
	conf '[worker:a]\ncommand = %s\n\n[worker:a]\ncommand = %s\n' "$START" "$START"
	expect 78 "aiorun: $T/c:4: duplicate section [worker:a] (first at line 1)" -c "$T/c"
	conf '[worker:a b]\ncommand = %s\n' "$START"
	expect 78 "aiorun: $T/c:1: invalid worker name 'a b' (letters, digits, '_', '-' and '.')" -c "$T/c"
	conf '[worker:a b]\n'
	expect 78 "aiorun: $T/c:1: invalid worker name 'a b' (letters, digits, '_', '-' and '.')" -c "$T/c"
	conf '[worker:main]\ncommand = %s\n' "$START"
	expect 78 "aiorun: $T/c:1: duplicate worker name 'main' (first declared at PROGRAM)" -c "$T/c" -- touch "$T/started"
	conf 'this is not ini\n'
	expect 78 "aiorun: $T/c:1: syntax error" -c "$T/c"
	conf '[aiorun]\ngrace = soon\n'
	expect 78 "aiorun: $T/c:2: grace: invalid duration (2, 0.5, 500ms, 2s, 1m, 1h) 'soon'" -c "$T/c" -- touch "$T/started"
	conf '[aiorun]\nconfig = other\n'
	expect 78 "aiorun: $T/c:2: unknown key 'config' in [aiorun]" -c "$T/c" -- touch "$T/started"
	conf '[aiorun]\nworker = a=b\n'
	expect 78 "aiorun: $T/c:2: unknown key 'worker' in [aiorun]" -c "$T/c" -- touch "$T/started"
	conf '[aiorun]\nstop-on = maybe\n'
	expect 78 "aiorun: $T/c:2: stop-on: invalid value (failure, exit, none) 'maybe'" -c "$T/c" -- touch "$T/started"
	conf '[worker:a] junk\ncommand = %s\n' "$START"
	expect 78 "aiorun: $T/c:1: text after the section header" -c "$T/c"
	conf '# x\n[aiorun] ; a comment\n'
	expect 78 "aiorun: $T/c:2: text after the section header" -c "$T/c" -- touch "$T/started"
}

@test "a NUL byte in a config file, Procfile or env-file exits 78 at its line" {
	printf '[worker:a]\ncommand = echo a\0b; %s\n' "$START" >"$T/c"
	expect 78 "aiorun: $T/c:2: a NUL byte" -c "$T/c"
	# In a comment too.
	printf '[worker:a]\ncommand = %s\n; a\0b\nbogus = 1\n' "$START" >"$T/c"
	expect 78 "aiorun: $T/c:3: a NUL byte" -c "$T/c"
	printf 'a: %s\n\0b: x\n' "$START" >"$T/p"
	expect 78 "aiorun: $T/p:2: a NUL byte" -f "$T/p"
	printf 'a: x\0y\n' >"$T/p"
	expect 78 "aiorun: $T/p:1: a NUL byte" -f "$T/p"
	printf 'A=1\nB=2\0C=3\n' >"$T/e"
	expect 78 "aiorun: $T/e:2: a NUL byte" --env-file "$T/e" -w "a=$START"
	printf '\0SKIPPED=1\n' >"$T/e"
	expect 78 "aiorun: $T/e:1: a NUL byte" --env-file "$T/e" -w "a=$START"
}

@test "a config line over 1 MiB exits 78; one of 1 MiB is read whole" {
	# 1048576 bytes, then one more: never read as two lines.
	{
		printf '[worker:a]\ncommand = %s; : ' "$START"
		head -c $((1048577 - 10 - ${#START} - 4 - 1)) /dev/zero | tr '\0' a
		printf 'b\n'
	} >"$T/c"
	[ "$(sed -n 2p "$T/c" | wc -c)" -eq 1048578 ]
	expect 78 "aiorun: $T/c:2: line longer than 1048576 bytes" -c "$T/c"
	{
		printf '[worker:a]\ncommand = : '
		head -c $((1048576 - 12 - 12)) /dev/zero | tr '\0' a
		printf '; echo whole\nrestart = no\n'
	} >"$T/c"
	[ "$(sed -n 2p "$T/c" | wc -c)" -eq 1048577 ]
	# Checked, not run: Linux takes at most 128 KiB in one argument.
	run "$AIORUN" --check -c "$T/c"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${#lines[0]}" -eq $((32 + 1048576 - 10)) ]
	[[ "${lines[0]}" == "a  restart=no         -         : aaaa"*"aaaa; echo whole" ]]
	[ "${lines[1]}" = "aiorun: configuration OK" ]
	# The limit holds for the Procfile and the env-file, and a file
	# with no end is not read past it.
	{ printf 'a: : '; head -c 1048576 /dev/zero | tr '\0' a; printf '\n'; } >"$T/p"
	expect 78 "aiorun: $T/p:1: line longer than 1048576 bytes" -f "$T/p"
	expect 78 "aiorun: /dev/zero:1: line longer than 1048576 bytes" -c /dev/zero
	expect 78 "aiorun: /dev/zero:1: line longer than 1048576 bytes" -f /dev/zero
	expect 78 "aiorun: /dev/zero:1: line longer than 1048576 bytes" --env-file /dev/zero -w "a=$START"
}

@test "a catalogue of bad worker keys exits 78 with FILE:LINE and the key" {
	local key value what
	while IFS='|' read -r key value what; do
		conf '[worker:w]\ncommand = %s\n%s = %s\n' "$START" "$key" "$value"
		expect 78 "aiorun: $T/c:3: $key: invalid $what '$value'" -c "$T/c"
	done <<'LIST'
restart|sometimes|restart policy (no, on-failure, always)
restart-delay|fast|duration (2, 0.5, 500ms, 2s, 1m, 1h)
restart-max-delay|-1|duration (2, 0.5, 500ms, 2s, 1m, 1h)
start-limit|5|start limit (N/DURATION)
start-limit|0/10s|start limit (N/DURATION)
start-limit|5/ever|start limit (N/DURATION)
stop-signal|SIGNOPE|signal
grace|1x|duration (2, 0.5, 500ms, 2s, 1m, 1h)
shutdown-waits-for|perhaps|boolean
env|NOEQUALS|environment entry (KEY=VALUE)
env|=value|environment entry (KEY=VALUE)
env|A B=1|environment entry (KEY=VALUE)
user|no-such-user-here|user
group|no-such-group-here|group
directory|/no/such/directory|directory (it must exist)
LIST
}

@test "a bad Procfile or env-file exits 78 with FILE:LINE" {
	printf 'web: %s\nno colon here\n' "$START" >"$T/p"
	expect 78 "aiorun: $T/p:2: expected 'NAME: COMMAND'" -f "$T/p"
	printf 'web:\n' >"$T/p"
	expect 78 "aiorun: $T/p:1: web has no command" -f "$T/p"
	printf 'we b: x\n' >"$T/p"
	expect 78 "aiorun: $T/p:1: invalid worker name 'we b' (letters, digits, '_', '-' and '.')" -f "$T/p"
	printf 'a: x\nb: x\na: x\n' >"$T/p"
	expect 78 "aiorun: $T/p:3: duplicate worker name 'a' (first declared at $T/p:1)" -f "$T/p"
	printf 'GOOD=1\nnot an assignment\n' >"$T/e"
	expect 78 "aiorun: $T/e:2: expected 'KEY=VALUE'" --env-file "$T/e" -w "a=$START"
	printf '1BAD=x\n' >"$T/e"
	expect 78 "aiorun: $T/e:1: expected 'KEY=VALUE'" --env-file "$T/e" -w "a=$START"
}

@test "--check validates everything and prints the workers" {
	printf '[worker:web]\ncommand = python3 -m http.server\nrestart = on-failure\n' >"$T/c"
	run "$AIORUN" --check -c "$T/c" -W flush='./flush-queue' -- touch "$T/started" now
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "flush  restart=no         waits-for ./flush-queue" ]
	[ "${lines[1]}" = "main   restart=no         program   touch $T/started now" ]
	[ "${lines[2]}" = "web    restart=on-failure -         python3 -m http.server" ]
	[ "${lines[3]}" = "aiorun: configuration OK" ]
	[ ! -e "$T/started" ]
	conf '[worker:web]\ncommand = x\nbad = 1\n'
	run "$AIORUN" --check -c "$T/c"
	[ "$status" -eq 78 ]
}

@test "a worker name too long for the INI parser is an error, not a cut name" {
	conf '[worker:%s]\ncommand = x\n' "$(printf 'a%.0s' $(seq 43))"
	expect 78 "aiorun: $T/c:1: section name longer than 49 characters" -c "$T/c"
}
