#!/usr/bin/env bats
# SPEC section 11: "tty = yes" and --tty give a worker a pseudo-terminal;
# its output (standard error joined to standard output) is read from the
# terminal, cut into lines and prefixed like any other.

load helpers

@test "tty = yes: the worker's 0, 1 and 2 are a terminal, its lines prefixed" {
	cat >"$T/c" <<'CONF'
[worker:term]
tty = yes
command = test -t 0 && test -t 1 && test -t 2 && echo "on a terminal"; echo "error line" >&2; sleep 0.2
[worker:plain]
command = test -t 1 || echo "no terminal"; sleep 0.2
CONF
	"$AIORUN" -q -c "$T/c" >"$OUT" 2>"$ERR" 3>&-
	[ "$(sort "$OUT")" = "plain | no terminal
term  | error line
term  | on a terminal" ]
	[ ! -s "$ERR" ]
}

@test "--tty gives every worker a terminal, and it is its controlling one" {
	run "$AIORUN" -q --tty -w a='test -t 1 && echo "a $(tty)"' -w b='test -t 1 && ps -o tty= -p $$ | grep -q pts && echo b controlled'
	[ "$status" -eq 0 ]
	[[ "$(sort <<<"$output")" =~ ^"a | a /dev/pts/"[0-9]+$'\n'"b | b controlled"$ ]]
}

@test "a terminal worker's last lines are all there when it ends at once" {
	run "$AIORUN" -q --tty --prefix never -w a='seq 1 20000' -w b='true'
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq 1 20000)" ]
}

@test "a terminal worker writing 200 MB to a stalled reader: memory stays bounded" {
	command -v /usr/bin/time >/dev/null || skip "GNU time is not installed"
	mkfifo "$T/fifo"
	# The reader stalls for two seconds, then reads everything.
	(sleep 2; wc -c) <"$T/fifo" >"$T/count" &
	reader=$!
	/usr/bin/time -f '%M' -o "$T/maxrss" "$AIORUN" -q --tty -w big='head -c 200000000 /dev/zero | tr "\0" x | fold -w 99' -w o=true >"$T/fifo"
	wait "$reader"
	lines=$((200000000 / 99 + 1))
	[ "$(cat "$T/count")" -eq $((200000000 + lines * 6 + lines)) ] ||
		[ "$(cat "$T/count")" -eq $((200000000 + lines * 6)) ]
	echo "max RSS: $(cat "$T/maxrss") KiB"
	[ "$(cat "$T/maxrss")" -lt 65536 ]
}

@test "the terminal has aiorun's window size and follows SIGWINCH" {
	cat >"$T/c" <<'CONF'
[worker:term]
tty = yes
command = trap 'echo "size $(stty size)"' WINCH; echo "size $(stty size)"; while :; do sleep 0.05; done
[worker:other]
command = exec sleep 1000
CONF
	script -qec "stty rows 30 cols 90; exec \"$AIORUN\" -q --pidfile \"$T/pid\" -c \"$T/c\" >\"$OUT\" 2>\"$ERR\"" /dev/null </dev/null >/dev/null 3>&- &
	WRAPPER_PID=$!
	wait_for 10 grep -q 'size 30 90' "$OUT"
	AIORUN_PID=$(cat "$T/pid")
	stty -F "/proc/$AIORUN_PID/fd/0" rows 40 cols 120
	kill -WINCH "$AIORUN_PID"
	wait_for 10 grep -q 'size 40 120' "$OUT"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$(head -1 "$OUT")" = "term  | size 30 90" ]
	grep -qx 'term  | size 40 120' "$OUT"
}
