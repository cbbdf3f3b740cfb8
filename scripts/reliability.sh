#!/usr/bin/env bash
# Runs the tests that count reliability figures (kills, interrupts, damaged files, bad inputs) on the
# release build and prints their `[reliability]` lines: the figures of docs/RELIABILITY.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --test-dir "${1:-build}" -V -R '^(CrashSafety|DamagedFiles|Verify|HostileInput)\.' 2>&1 |
  grep -o '\[reliability\].*' | sort
