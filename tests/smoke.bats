#!/usr/bin/env bats
@test "placeholder" {
  run "$AIORUN" -- true
  [ "$status" -eq 0 ]
}
