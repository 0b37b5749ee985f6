#!/usr/bin/env bats
# The shell completions in contrib/completions/: bash's is sourced and its
# functions called on partial command lines, as bash would; zsh's and
# fish's are asked by the shells themselves.

load helpers

COMPLETIONS="$BATS_TEST_DIRNAME/../contrib/completions"

# complete_line LINE: the candidates bash would offer at the end of LINE,
# one a line, sorted.
complete_line() {
	source "$COMPLETIONS/bash/aiorun"
	read -ra COMP_WORDS <<<"$1"
	# A line ending in a blank completes a new, empty word.
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$1
	COMP_POINT=${#1}
	COMPREPLY=()
	"_${COMP_WORDS[0]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

# A stand-in aiorunctl that prints status as SPEC section 9 says.
fake_aiorunctl() {
	mkdir -p "$T/bin"
	cat >"$T/bin/aiorunctl" <<'CTL'
#!/bin/sh
printf '{"name":"web.1","state":"running"}\n{"name":"worker","state":"running"}\n'
CTL
	chmod +x "$T/bin/aiorunctl"
}

@test "bash: options of aiorun" {
	run complete_line "aiorun --log-f"
	[ "$output" = "--log-format" ]
	run complete_line "aiorun --fo"
	[ "$output" = "--formation" ]
	run complete_line "aiorun --log-format "
	[ "$output" = "json
text" ]
}

@test "bash: signal names for --stop-signal" {
	run complete_line "aiorun -q --stop-signal TE"
	[ "$output" = "TERM" ]
}

@test "bash: -m offers the workers of the Procfile and config file named before it" {
	printf 'web: run-web\nclock: run-clock\n' >"$T/Procfile"
	printf '[aiorun]\ngrace = 1\n[worker:queue]\ncommand = q\n' >"$T/c"
	run complete_line "aiorun -f $T/Procfile -c $T/c -m "
	[ "$output" = "all=
clock=
queue=
web=" ]
	run complete_line "aiorun -f $T/Procfile -m web=2,c"
	[ "$output" = "web=2,clock=" ]
}

@test "bash: after PROGRAM, the words are PROGRAM's" {
	run complete_line "aiorun -q --grace 5 ech"
	[[ "$output" == *echo* ]]
	run complete_line "aiorun -q -- ls --log-f"
	[[ "$output" != *--log-format* ]]
}

@test "bash: aiorunctl commands, signals and workers from a running aiorun's status" {
	run complete_line "aiorunctl re"
	[ "$output" = "reload
restart" ]
	run complete_line "aiorunctl signal H"
	[ "$output" = "HUP" ]
	fake_aiorunctl
	PATH=$T/bin:$PATH run complete_line "aiorunctl restart w"
	[ "$output" = "web.1
worker" ]
	PATH=$T/bin:$PATH run complete_line "aiorunctl signal TERM web"
	[ "$output" = "web.1" ]
}

# zsh_line LINE, fish_line LINE: the candidates zsh's or fish's own
# completion offers at the end of LINE, one a line, sorted.
zsh_line() {
	zsh "$BATS_TEST_DIRNAME/helpers/zsh_complete.zsh" "$COMPLETIONS/zsh" "$1"
}

fish_line() {
	fish -c 'source $argv[1]; source $argv[2]; complete -C $argv[3]' \
		"$COMPLETIONS/fish/aiorun.fish" "$COMPLETIONS/fish/aiorunctl.fish" \
		"$1" | cut -f1 | sort
}

# same_cases COMPLETE: what every shell's completion offers, LINE by
# LINE, through the function COMPLETE.
same_cases() {
	run "$1" "aiorun --log-f"
	[ "$status" -eq 0 ]
	[ "$output" = "--log-format" ]
	run "$1" "aiorun --log-format "
	[ "$output" = "$(printf 'json\ntext')" ]
	run "$1" "aiorunctl re"
	[ "$output" = "$(printf 'reload\nrestart')" ]
	run "$1" "aiorunctl signal TE"
	[ "$output" = "TERM" ]
	fake_aiorunctl
	PATH=$T/bin:$PATH run "$1" "aiorunctl restart w"
	[ "$output" = "$(printf 'web.1\nworker')" ]
}

@test "zsh: options, values, signals, commands and workers" {
	command -v zsh >/dev/null || skip "zsh is not installed (.ci/install-deps installs it)"
	same_cases zsh_line
	run zsh_line "aiorunctl wait --f"
	[ "$output" = "--for" ]
}

@test "fish: options, values, signals, commands and workers" {
	command -v fish >/dev/null || skip "fish is not installed (.ci/install-deps installs it)"
	same_cases fish_line
}
