#!/usr/bin/env bats
# SPEC section 12: --log-format json writes every line, captured or
# aiorun's own, as one JSON object.

load helpers

# Each line of FILE parsed on its own: jq fails on anything that is not
# one JSON object per line.
each_object() {
	jq -c -e 'if type == "object" then . else error("not an object") end' "$1" >/dev/null
}

@test "captured lines are JSON objects on both streams, escaped and valid UTF-8" {
	cat >"$T/Procfile" <<'PROCFILE'
a: printf 'tab\there "quoted" \\ back\n\377bad\200\nlast without newline'; printf 'to stderr\n' >&2
b: printf '\033[31mred\033[0m\n'
PROCFILE
	"$AIORUN" --log-format json -f "$T/Procfile" >"$OUT" 2>"$ERR" 3>&-
	each_object "$OUT"
	each_object "$ERR"
	[ "$(jq -r 'select(.worker == "a") | .line' "$OUT")" = "$(printf 'tab\there "quoted" \\ back\n\357\277\275bad\357\277\275\nlast without newline')" ]
	[ "$(jq -r 'select(.worker == "a") | .stream' "$OUT" | sort -u)" = stdout ]
	[ "$(jq -r 'select(.worker == "b") | .line' "$OUT")" = "$(printf '\033[31mred\033[0m')" ]
	grep -qF '"line":"\u001b[31mred\u001b[0m"' "$OUT"
	grep -qF '"line":"tab\there \"quoted\" \\ back"' "$OUT"
	[ "$(jq -r 'select(.worker == "a") | "\(.stream) \(.line)"' "$ERR")" = "stderr to stderr" ]
	# RFC 3339, UTC, milliseconds.
	[ "$(jq -r '.time' "$OUT" "$ERR" | grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$')" -eq 0 ]
}

@test "aiorun's own log is JSON too, with its level" {
	printf 'a: exit 3\nb: exec sleep 1000\n' >"$T/Procfile"
	run "$AIORUN" --log-format json -f "$T/Procfile"
	[ "$status" -eq 3 ]
	echo "$output" >"$T/all"
	each_object "$T/all"
	[ "$(jq -r 'select(.msg == "Task a exited with status 3") | .level' "$T/all")" = warning ]
	[ "$(jq -r 'select(.msg == "Leaving. Bye!") | .level' "$T/all")" = info ]
	[ "$(jq -r 'select(.msg | startswith("Cancelling task: b")) | .level' "$T/all")" = info ]
}

@test "AIORUN_LOG_FORMAT=json, and a bad format is a usage error" {
	printf 'a: echo hi\n' >"$T/Procfile"
	AIORUN_LOG_FORMAT=json run "$AIORUN" -q -f "$T/Procfile"
	[ "$status" -eq 0 ]
	[ "$(jq -r .line <<<"$output")" = hi ]
	run "$AIORUN" --log-format yaml -f "$T/Procfile"
	[ "$status" -eq 64 ]
	[ "$output" = "aiorun: --log-format: invalid value (text, json) 'yaml' (see aiorun --help)" ]
}

@test "--check under JSON prints each task as an object" {
	"$AIORUN" --log-format json --check -W 'flush=echo "a	b"' -- printf '%s\n' x >"$OUT" 2>"$ERR"
	each_object "$OUT"
	each_object "$ERR"
	[ "$(jq -r '"\(.name) \(.restart) \(.role)"' "$OUT")" = "$(printf 'flush no waits-for\nmain no program')" ]
	[ "$(jq -r 'select(.name == "flush") | .command' "$OUT")" = "$(printf 'echo "a\tb"')" ]
	[ "$(jq -r 'select(.name == "main") | .command' "$OUT")" = 'printf %s\n x' ]
	[ "$(jq -r .msg "$ERR")" = "configuration OK" ]
}

@test "JSON keeps every line, in order, with a slow reader" {
	printf 'a: seq 1 200000\nb: seq 1 200000 >&2\n' >"$T/Procfile"
	"$AIORUN" -q --log-format json -f "$T/Procfile" 2>"$ERR" 3>&- | (sleep 0.5; cat) >"$OUT"
	[ "$(jq -r .line "$OUT" | md5sum)" = "$(seq 1 200000 | md5sum)" ]
	[ "$(jq -r .line "$ERR" | md5sum)" = "$(seq 1 200000 | md5sum)" ]
}

@test "JSON cuts a 40,000-byte line into 16 KiB pieces, in order among escaped and plain lines" {
	"$AIORUN" -q --log-format json \
		-w a='printf "one\n"; head -c 40000 /dev/zero | tr "\0" x; printf "\ntwo\t2\nthree\n"' >"$OUT" 3>&-
	each_object "$OUT"
	run jq -r '.line | if length > 100 then "\(.[0:1]) \(length)" else . end' "$OUT"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'one\nx 16384\nx 16384\nx 7232\ntwo\t2\nthree')" ]
}
