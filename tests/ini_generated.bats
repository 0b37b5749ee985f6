#!/usr/bin/env bats
# Every valid config file is accepted: files generated at random, with
# long lines, comments, repeated keys, and '[' anywhere in values and
# comments, are read as aiorun.conf(5) says (tests/fuzz/ini_differential.py).

load helpers

@test "500 generated valid config files are accepted and listed as expected" {
	run python3 "$BATS_TEST_DIRNAME/fuzz/ini_differential.py" "$AIORUN" 500 2026
	[ "$status" -eq 0 ]
	[ "$output" = "500 generated config files accepted, listed as expected (seed 2026)" ]
}
