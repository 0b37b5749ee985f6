#!/usr/bin/env bats
# SPEC section 7: the INI config file. [aiorun] keys mirror the long
# options, below the command line and the environment; [worker:NAME]
# sections declare workers.

load helpers

@test "a worker's env, directory and user come from its section" {
	mkdir "$T/work"
	cat >"$T/aiorun.conf" <<CONF
[worker:who]
command = echo "\$GREETING \$SECOND \$(pwd) \$(id -un) \$(id -u):\$(id -g)"
env = GREETING=hello
env = SECOND=world=yes
directory = $T/work
user = nobody
CONF
	run "$AIORUN" -q --prefix never -c "$T/aiorun.conf"
	[ "$status" -eq 0 ]
	[ "$output" = "hello world=yes $T/work nobody $(id -u nobody):$(id -g nobody)" ]
}

@test "group sets the worker's group, and numbers work for both" {
	cat >"$T/aiorun.conf" <<'CONF'
[worker:ids]
command = echo "$(id -u) $(id -g) $(id -G)"
user = 4242
group = 4343
CONF
	run "$AIORUN" -q --prefix never -c "$T/aiorun.conf"
	[ "$status" -eq 0 ]
	[ "$output" = "4242 4343 4343" ]
}

@test "a worker's env overrides aiorun's environment" {
	cat >"$T/aiorun.conf" <<'CONF'
[worker:env]
command = echo "$KEEP $OVER"
env = OVER=worker
CONF
	KEEP=kept OVER=outer run "$AIORUN" -q --prefix never -c "$T/aiorun.conf"
	[ "$status" -eq 0 ]
	[ "$output" = "kept worker" ]
}

@test "[aiorun] keys apply, below the command line and the environment" {
	cat >"$T/aiorun.conf" <<CONF
[aiorun]
grace = 100ms
stop-on = none
quiet = 0

[worker:stubborn]
command = exec "$PROBE" record "$T" 0 ignore
CONF
	start_aiorun -c "$T/aiorun.conf"
	wait_for 5 has_files "$T/ready.*" 1
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 137 ]
	log_has "refused to exit after 100ms: stubborn"

	rm -f "$T"/ready.*
	AIORUN_GRACE=200ms start_aiorun -c "$T/aiorun.conf"
	wait_for 5 has_files "$T/ready.*" 1
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	log_has "refused to exit after 200ms: stubborn"

	rm -f "$T"/ready.*
	AIORUN_GRACE=200ms start_aiorun -c "$T/aiorun.conf" --grace 300ms
	wait_for 5 has_files "$T/ready.*" 1
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	log_has "refused to exit after 300ms: stubborn"
}

@test "AIORUN_CONFIG names the config file" {
	printf '[worker:hello]\ncommand = echo from the file\n' >"$T/aiorun.conf"
	AIORUN_CONFIG=$T/aiorun.conf run "$AIORUN" -q --prefix never
	[ "$status" -eq 0 ]
	[ "$output" = "from the file" ]
}

@test "comments, blank lines, and a ';' inside a command" {
	cat >"$T/aiorun.conf" <<'CONF'
# a comment
; another

[worker:semi]
command = echo one; echo two ; echo three
CONF
	run "$AIORUN" -q --prefix never -c "$T/aiorun.conf"
	[ "$status" -eq 0 ]
	[ "$output" = "one
two
three" ]
}

@test "a command longer than inih's default line limit is read whole" {
	long=$(printf 'x%.0s' $(seq 1000))
	printf '[worker:long]\ncommand = echo %s\n' "$long" >"$T/aiorun.conf"
	run "$AIORUN" -q --prefix never -c "$T/aiorun.conf"
	[ "$status" -eq 0 ]
	[ "$output" = "$long" ]
}

@test "config workers combine with -w and a PROGRAM" {
	printf '[worker:fromfile]\ncommand = echo file; touch "$T/file-said"\n' >"$T/aiorun.conf"
	# PROGRAM's end begins the shutdown: it ends once the others have
	# spoken.
	run "$AIORUN" -q --stop-on none -c "$T/aiorun.conf" -w fromcli='echo cli; touch "$T/cli-said"' -- sh -c 'until [ -e "$T/file-said" ] && [ -e "$T/cli-said" ]; do sleep 0.02; done; echo program'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort)" = "fromcli  | cli
fromfile | file
main     | program" ]
}

@test "a '[' at any offset of a value or a comment is no section header" {
	# inih reads a long line in pieces of 199, 399, 799... bytes: a '['
	# starting a piece must not be taken for a header.
	local off=
	{
		for off in 199 399 799 1599; do
			printf '# %s[comment]\n' "$(head -c $((off - 2)) /dev/zero | tr '\0' c)"
		done
		printf '[worker:a]\n'
		for off in 199 399 799 1599; do
			printf 'env = V%d=%s[value]\n' "$off" \
				"$(head -c $((off - 7 - ${#off} - 1)) /dev/zero | tr '\0' v)"
		done
		printf 'command = echo %s[x] done\n' "$(head -c $((199 - 15)) /dev/zero | tr '\0' x)"
	} >"$T/aiorun.conf"
	# Each '[' is where a piece begins.
	for off in 199 399 799 1599; do
		grep -q "^.\{$off\}\[comment\]" "$T/aiorun.conf"
		grep -q "^.\{$off\}\[value\]" "$T/aiorun.conf"
	done
	grep -q '^.\{199\}\[x\] done' "$T/aiorun.conf"
	run "$AIORUN" --check -c "$T/aiorun.conf"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "a  restart=no         -         echo $(head -c 184 /dev/zero | tr '\0' x)[x] done" ]
	[ "${lines[1]}" = "aiorun: configuration OK" ]
}
