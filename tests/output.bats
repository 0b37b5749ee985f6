#!/usr/bin/env bats
# SPEC section 6: captured output is written line by line, whole, prefixed
# with the worker's name padded to the longest, stdout and stderr apart,
# nothing lost, and with back-pressure instead of unbounded memory.

load helpers

@test "lines are prefixed with the worker's name, padded to the longest name" {
	run "$AIORUN" -q --stop-on none -w web='echo listening on 8080' -w longername='echo done'
	[ "$status" -eq 0 ]
	# Two workers' lines come in no set order: compare them sorted.
	[ "$(echo "$output" | sort)" = "longername | done
web        | listening on 8080" ]
}

@test "standard output and standard error stay apart" {
	"$AIORUN" -q --stop-on none -w a='echo to-out; echo to-err >&2' -w b='echo b-out' >"$OUT" 2>"$ERR"
	[ "$(sort "$OUT")" = "a | to-out
b | b-out" ]
	[ "$(cat "$ERR")" = "a | to-err" ]
}

@test "--prefix never writes the lines bare, still whole" {
	run "$AIORUN" -q --prefix never --stop-on none -w a='echo one' -w b='echo two'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort)" = "one
two" ]
}

@test "--prefix always captures and names even a lone PROGRAM" {
	run "$AIORUN" -q --prefix always -- sh -c 'echo solo'
	[ "$status" -eq 0 ]
	[ "$output" = "main | solo" ]
}

@test "a last line without a newline is written, with one" {
	"$AIORUN" -q -w a='printf "no newline"' >"$OUT"
	[ "$(cat "$OUT")" = "a | no newline" ]
	[ "$(tail -c 1 "$OUT" | od -An -c | tr -d ' ')" = '\n' ]
}

@test "partial writes are joined into one line" {
	run "$AIORUN" -q -w a='printf "one "; sleep 0.1; printf "two "; sleep 0.1; printf "three\n"'
	[ "$status" -eq 0 ]
	[ "$output" = "a | one two three" ]
}

@test "a 100,000-byte line arrives whole, in pieces of 16 KiB each on a line" {
	"$AIORUN" -q -w a='head -c 100000 /dev/zero | tr "\0" x; echo' >"$OUT"
	# 6 pieces of 16384 bytes and one of 1696, each prefixed.
	[ "$(wc -l <"$OUT")" -eq 7 ]
	[ "$(cut -c5- "$OUT" | tr -d '\n' | wc -c)" -eq 100000 ]
	[ "$(cut -c5- "$OUT" | tr -d '\nx' | wc -c)" -eq 0 ]
	[ "$(head -n 1 "$OUT" | wc -c)" -eq $((4 + 16384 + 1)) ]
}

@test "4 workers x 20,000 lines: every line whole, none lost, each stream in order" {
	local args=() i
	for i in 1 2 3 4; do
		args+=(-w "w$i=seq -f 'line %g of w$i' 20000")
	done
	"$AIORUN" -q --stop-on none "${args[@]}" >"$OUT"
	[ "$(wc -l <"$OUT")" -eq 80000 ]
	for i in 1 2 3 4; do
		# Whole and in order: exactly the sequence, once.
		diff <(grep "^w$i | " "$OUT") <(seq -f "w$i | line %g of w$i" 20000)
	done
	# Nothing else: no line mixed from two workers.
	[ "$(grep -cvE '^w[1-4] \| line [0-9]+ of w[1-4]$' "$OUT")" -eq 0 ]
}

@test "SIGTERM mid-stream: line numbers consecutive, each worker's last line there" {
	local producer='trap "echo last \$i; exit 0" TERM; i=0; while :; do i=$((i + 1)); echo $i; done'
	start_aiorun -w p1="$producer" -w p2="$producer"
	wait_for 10 grep -q '^p1 | 1000$' "$OUT"
	wait_for 10 grep -q '^p2 | 1000$' "$OUT"
	kill -TERM "$AIORUN_PID"
	finish_aiorun
	[ "$status" -eq 0 ]
	for p in p1 p2; do
		grep "^$p | " "$OUT" | cut -d' ' -f3- >"$T/$p"
		last=$(tail -n 1 "$T/$p")
		[[ "$last" =~ ^last\ [0-9]+$ ]]
		n=${last#last }
		k=$(tail -n 2 "$T/$p" | head -n 1)
		# 1..k, consecutive, none lost, none doubled; then the trap's
		# line, which may come after the count moved on to k + 1.
		diff <(head -n -1 "$T/$p") <(seq "$k")
		[ "$n" -eq "$k" ] || [ "$n" -eq $((k + 1)) ]
	done
}

@test "a stalled reader: aiorun stops reading and stays under 64 MB while a worker writes 200 MB" {
	command -v /usr/bin/time >/dev/null || skip "GNU time is not installed"
	mkfifo "$T/fifo"
	# The reader stalls for two seconds, then reads everything.
	(sleep 2; wc -c) <"$T/fifo" >"$T/count" &
	reader=$!
	/usr/bin/time -f '%M' -o "$T/maxrss" "$AIORUN" -q -w big='head -c 200000000 /dev/zero | tr "\0" x | fold -w 99' >"$T/fifo"
	wait "$reader"
	# 200,000,000 bytes in lines of 99, each with "big | " and a newline.
	lines=$((200000000 / 99 + 1))
	[ "$(cat "$T/count")" -eq $((200000000 + lines * 6 + lines)) ] ||
		[ "$(cat "$T/count")" -eq $((200000000 + lines * 6)) ]
	echo "max RSS: $(cat "$T/maxrss") KiB"
	[ "$(cat "$T/maxrss")" -lt 65536 ]
}

@test "a log file is rotated at its size limit, keeping log-keep old files" {
	cat >"$T/aiorun.conf" <<CONF
[worker:app]
command = seq 1 2000
log-file = $T/app.log
log-max-size = 1K
log-keep = 2
CONF
	run "$AIORUN" -q -c "$T/aiorun.conf"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "app | 1" ]
	[ "${lines[1999]}" = "app | 2000" ]
	[ -e "$T/app.log.1" ] && [ -e "$T/app.log.2" ] && [ ! -e "$T/app.log.3" ]
	for f in "$T/app.log" "$T/app.log.1" "$T/app.log.2"; do
		[ "$(wc -c <"$f")" -le 1024 ]
	done
	# The three files hold the last lines, whole and in order, without
	# the name.
	cat "$T/app.log.2" "$T/app.log.1" "$T/app.log" >"$T/all"
	n=$(wc -l <"$T/all")
	diff "$T/all" <(seq $((2001 - n)) 2000)
}

@test "a log file has the worker's stdout and stderr lines, bare" {
	printf '[worker:app]\ncommand = echo out; echo err >&2\nlog-file = %s/app.log\n' "$T" >"$T/aiorun.conf"
	run "$AIORUN" -q -c "$T/aiorun.conf"
	[ "$status" -eq 0 ]
	[ "$(sort "$T/app.log")" = "err
out" ]
}

@test "a log file that cannot be opened stops the start: 71" {
	printf '[worker:app]\ncommand = touch "$T/started"\nlog-file = %s/no/such/dir/app.log\n' "$T" >"$T/aiorun.conf"
	run "$AIORUN" -c "$T/aiorun.conf"
	[ "$status" -eq 71 ]
	[ "$output" = "aiorun: $T/no/such/dir/app.log: No such file or directory" ]
	[ ! -e "$T/started" ]
}

@test "a non-blocking standard output loses nothing" {
	"$PROBE" exec-with nonblock-stdout -- "$AIORUN" -q -w w='seq 200000' 3>&- |
		{ sleep 1; wc -l; } >"$T/count"
	[ "$(cat "$T/count")" -eq 200000 ]
}

@test "a line of exactly 16 KiB whose newline comes later makes no empty line" {
	run "$AIORUN" -q -w a='head -c 16384 /dev/zero | tr "\0" x; sleep 0.2; echo; echo after'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = "a | after" ]
	[ "${#lines[0]}" -eq $((4 + 16384)) ]
}

@test "a worker name longer than 300 characters keeps its prefix" {
	name=$(printf 'n%.0s' $(seq 400))
	run "$AIORUN" -q -w "$name=echo hi"
	[ "$status" -eq 0 ]
	[ "$output" = "$name | hi" ]
}

# Whether the worker's seq has written BYTES.
wrote_at_least() {
	local group seq
	group=$(child_of "$AIORUN_PID") || return 1
	seq=$(pgrep -x seq -g "$group") || return 1
	[ "$(awk '/^wchar/ { print $2 }' /proc/"$seq"/io)" -ge "$1" ]
}

@test "a signal while a stalled output is written out gives the rest up" {
	mkfifo "$T/fifo"
	# A reader that holds the pipe open and never reads.
	sleep 300 <"$T/fifo" &
	stalled=$!
	"$AIORUN" -w big='seq 10000000' >"$T/fifo" 2>"$ERR" 3>&- &
	WRAPPER_PID=$!
	AIORUN_PID=$!
	# Stop the worker once it has written more than every buffer holds.
	wait_for 10 wrote_at_least 1500000
	kill -TERM "$AIORUN_PID"
	wait_for 10 log_has "Waiting for executor shutdown."
	alive "$AIORUN_PID"
	kill_from_another TERM "$AIORUN_PID"
	finish_aiorun 5
	kill "$stalled"
	log_has "Received SIGTERM while writing out captured output: giving up the rest"
	log_has "Leaving. Bye!"
	[ "$status" -eq 0 ]
}

@test "into a pipe whose reader stalls, then reads: every line whole, in order, on both lanes" {
	# Batches go out on the loop's thread while the pipe has room and to
	# the helper pool once it is full: the hand-over must keep the order.
	"$AIORUN" -q -w a='seq -f "a %g" 300000' -w b='seq -f "b %g" 300000' \
		-w c='seq -f "c %g" 100000 >&2' 2>"$ERR" 3>&- |
		(sleep 0.5; cat) >"$OUT"
	[ "$(wc -l <"$OUT")" -eq 600000 ]
	[ "$(grep '^a | ' "$OUT" | cut -c5- | md5sum)" = "$(seq -f "a %g" 300000 | md5sum)" ]
	[ "$(grep '^b | ' "$OUT" | cut -c5- | md5sum)" = "$(seq -f "b %g" 300000 | md5sum)" ]
	[ "$(cut -c5- "$ERR" | md5sum)" = "$(seq -f "c %g" 100000 | md5sum)" ]
}

@test "onto a terminal: every line, coloured, none lost" {
	# A terminal takes no RWF_NOWAIT: its lines go through the pool.
	run script -qec "$AIORUN -q -w a='seq -f \"a %g\" 5000' -w b='seq -f \"b %g\" 5000'" /dev/null </dev/null
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | tr -d '\r' | sed 's/\x1b\[[0-9;]*m//g' >"$OUT"
	[ "$(grep -c '^a | a [0-9]*$' "$OUT")" -eq 5000 ]
	[ "$(grep -c '^b | b [0-9]*$' "$OUT")" -eq 5000 ]
	[ "$(grep '^a | ' "$OUT" | cut -c5- | md5sum)" = "$(seq -f "a %g" 5000 | md5sum)" ]
	[[ "$output" == *$'\033['* ]]
}
