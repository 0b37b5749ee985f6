#!/usr/bin/env bats
# A worker's log-file is written by aiorun, as root in most containers, in
# a directory its user may own: no name there is ever followed as a
# symbolic link, not at start-up and not at a rotation. A full disk loses
# lines, says so once, and never leaves half a line or an empty rotation.

load helpers

conf() {
	printf '[worker:app]\ncommand = %s\nlog-file = %s\n' "$1" "$2" >"$T/aiorun.conf"
	shift 2
	printf '%s\n' "$@" >>"$T/aiorun.conf"
}

@test "a log-file that is a symbolic link is refused at start: 71, nothing written" {
	echo "root:x:0:0::/root:/bin/sh" >"$T/passwd"
	ln -s "$T/passwd" "$T/app.log"
	conf 'touch "$T/started"' "$T/app.log"
	run "$AIORUN" -c "$T/aiorun.conf"
	[ "$status" -eq 71 ]
	[ "$output" = "aiorun: $T/app.log: a symbolic link: a log file is never opened through one" ]
	[ "$(cat "$T/passwd")" = "root:x:0:0::/root:/bin/sh" ]
	[ ! -e "$T/started" ]
}

@test "a dangling symbolic link as log-file is refused, its target not created" {
	ln -s "$T/created" "$T/app.log"
	conf 'touch "$T/started"' "$T/app.log"
	run "$AIORUN" -c "$T/aiorun.conf"
	[ "$status" -eq 71 ]
	[ "$output" = "aiorun: $T/app.log: a symbolic link: a log file is never opened through one" ]
	[ ! -e "$T/created" ]
	[ ! -e "$T/started" ]
}

@test "a log-file that is not a regular file is refused: 71" {
	mkfifo "$T/app.log"
	conf 'touch "$T/started"' "$T/app.log"
	run "$AIORUN" -c "$T/aiorun.conf"
	[ "$status" -eq 71 ]
	[ "$output" = "aiorun: $T/app.log: not a regular file" ]
	[ ! -e "$T/started" ]
}

@test "a rotation never opens a symbolic link planted at the log's name" {
	echo "precious" >"$T/target"
	# The worker swaps its log's name for a link to another file, then
	# writes enough for many rotations; log-keep 0 empties the file at
	# each one.
	conf 'rm "$T/app.log"; ln -s "$T/target" "$T/app.log"; seq 1 2000' \
		"$T/app.log" "log-max-size = 1K" "log-keep = 0"
	run "$AIORUN" -q -c "$T/aiorun.conf"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2000 ]
	[ "$(cat "$T/target")" = "precious" ]
	[ ! -L "$T/app.log" ]
	# The last file holds the last lines, whole.
	[ "$(tail -n 1 "$T/app.log")" = "2000" ]
	[ "$(wc -c <"$T/app.log")" -le 1024 ]
}

# Runs "aiorun -q -c $T/aiorun.conf" in a private mount namespace with a
# 1 MB tmpfs at $T/disk, after the shell command SETUP (if any); its
# output goes to $T/out and $T/err, and the log files are copied to $T.
run_on_small_disk() {
	mkdir "$T/disk"
	run unshare -m sh -c '
		mount -t tmpfs -o size=1m tmpfs "$T/disk" || exit 99
		eval "$2"
		"$1" -q -c "$T/aiorun.conf" >"$T/out" 2>"$T/err"
		status=$?
		cp "$T/disk"/app.log* "$T/"
		exit $status' sh "$AIORUN" "${1:-}"
}

# Every file named is non-empty, ends with a newline, and holds a run of
# consecutive numbers, one a line.
whole_runs() {
	local f first
	for f in "$@"; do
		[ -s "$f" ] || { echo "$f is empty"; return 1; }
		[ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] ||
			{ echo "$f ends mid-line"; return 1; }
		first=$(head -n 1 "$f")
		diff "$f" <(seq "$first" $((first + $(wc -l <"$f") - 1))) >/dev/null ||
			{ echo "$f is not whole"; return 1; }
	done
}

@test "a full disk under a log file: whole lines only, warned of, stdout keeps all" {
	# 3 MB of numbered lines into a 1 MB file system; no rotation.
	printf '[worker:app]\ncommand = seq 1 400000\nlog-file = %s\nlog-max-size = 100M\n' \
		"$T/disk/app.log" >"$T/aiorun.conf"
	run_on_small_disk
	[ "$status" -eq 0 ]
	# Standard output lost nothing.
	sed 's/^app | //' "$T/out" | diff - <(seq 1 400000)
	# A warning naming the file and the error. Taking back half a line
	# may free a page, where a later write fits: each episode has its
	# pair of lines, and the disk is full at the end.
	lost="aiorun: log file $T/disk/app.log: cannot write; its lines are lost until it can be written again: No space left on device"
	again="aiorun: log file $T/disk/app.log: written again; lines were lost before"
	[ "$(head -n 1 "$T/err")" = "$lost" ]
	[ "$(tail -n 1 "$T/err")" = "$lost" ]
	[ "$(grep -cvxF -e "$lost" -e "$again" "$T/err")" -eq 0 ]
	[ "$(uniq "$T/err" | wc -l)" -eq "$(wc -l <"$T/err")" ]
	whole_runs "$T/app.log"
	[ "$(head -n 1 "$T/app.log")" = 1 ]
}

@test "a full disk with lines that fill its pages exactly: one warning" {
	# Lines of 8 bytes: a write stops at a page's end, which is a line's
	# end, and nothing is freed until the end.
	printf '[worker:app]\ncommand = seq -f %%07g 1 400000\nlog-file = %s\nlog-max-size = 100M\n' \
		"$T/disk/app.log" >"$T/aiorun.conf"
	run_on_small_disk
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$T/out")" -eq 400000 ]
	[ "$(cat "$T/err")" = "aiorun: log file $T/disk/app.log: cannot write; its lines are lost until it can be written again: No space left on device" ]
	[ "$(head -n 1 "$T/app.log")" = 0000001 ]
	[ "$(tail -c 1 "$T/app.log" | od -An -c | tr -d ' ')" = '\n' ]
}

@test "a full disk: rotations rotate only what was written, never an empty file" {
	# The file rotates at 600 KiB, keeping one old file: the second file
	# fills the disk.
	printf '[worker:app]\ncommand = seq 1 400000\nlog-file = %s\nlog-max-size = 600K\nlog-keep = 1\n' \
		"$T/disk/app.log" >"$T/aiorun.conf"
	run_on_small_disk
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$T/out")" -eq 400000 ]
	[ "$(grep -c "cannot write" "$T/err")" -ge 1 ]
	[ -e "$T/app.log.1" ] && [ ! -e "$T/app.log.2" ]
	whole_runs "$T/app.log.1" "$T/app.log"
	[ "$(head -n 1 "$T/app.log.1")" = 1 ]
	[ "$(wc -c <"$T/app.log.1")" -le $((600 * 1024)) ]
	# The two files follow one another.
	[ "$(head -n 1 "$T/app.log")" -eq $(($(tail -n 1 "$T/app.log.1") + 1)) ]
}

@test "a log file written again after a full disk says so, and gets the new lines" {
	# The disk is full from the start; the worker waits for the warning,
	# frees the disk, and writes one more line.
	printf '[worker:app]\ncommand = %s\nlog-file = %s\n' \
		'seq 1 100; for i in $(seq 500); do grep -q "cannot write" "$T/err" && break; sleep 0.02; done; rm "$T/disk/fill"; echo after' \
		"$T/disk/app.log" >"$T/aiorun.conf"
	run_on_small_disk 'dd if=/dev/zero of="$T/disk/fill" bs=4k 2>/dev/null'
	[ "$status" -eq 0 ]
	[ "$(cat "$T/err")" = "aiorun: log file $T/disk/app.log: cannot write; its lines are lost until it can be written again: No space left on device
aiorun: log file $T/disk/app.log: written again; lines were lost before" ]
	[ "$(cat "$T/app.log")" = "after" ]
	[ "$(wc -l <"$T/out")" -eq 101 ]
}
