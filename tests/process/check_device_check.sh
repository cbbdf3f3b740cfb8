#!/usr/bin/env bash
# bench/device_check.sh, the one call a session lent a GPU makes (issue 14, item 3), run here without a
# GPU on a kit made of this build's binaries, so that the script cannot rot between the rare sessions
# that have a device: the options it passes to perfgen and the test binaries are still understood,
# every step ends with its status, the GPU steps fail or skip with their reason while the CPU steps give
# figures, and $OUT holds its three files. Then a step that hangs and ignores SIGTERM is killed at its
# limit, leaves no process behind and does not take the later figures with it; and with nvidia-smi
# seeing a GPU, a CUDA test that skips is a failure. Last, shellcheck on the device scripts.
# Usage: check_device_check.sh BUILD_DIR (a CUDA build: perfgen, tests/test_cuda_math, ...)
set -euo pipefail
build=$(realpath "$1")
root=$(realpath "$(dirname "$0")/../..")
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  echo "skipped: a GPU is here; run bench/device_check.sh itself (this test checks it without one)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
last_log=""
fail() {
  echo "FAIL: $*" >&2
  [ -z "$last_log" ] || { echo "--- the end of $last_log:" && tail -n 40 "$last_log"; } >&2
  exit 1
}

# A kit as bench/prepare_device.sh makes it, of this build's binaries (no libraries: they are this
# machine's), and its manifest's source hash that of the tree beside it.
make_kit() {
  local kit=$1 binary
  mkdir -p "$kit/bin" "$kit/lib"
  ln -s "$build/perfgen" "$kit/bin/perfgen"
  for binary in test_cuda_math test_cuda_backend test_cell_aggregation test_architectures test_config_errors; do
    [ -x "$build/tests/$binary" ] || fail "$build/tests/$binary is missing (a CUDA build has it)"
    ln -s "$build/tests/$binary" "$kit/bin/$binary"
  done
  echo "source_hash $(bash "$root/bench/source_hash.sh")" >"$kit/MANIFEST"
}

# device_check.sh with the kit KIT, results into OUT; the other settings from the environment. Its exit code.
device_check() {
  local kit=$1 out=$2
  shift 2
  last_log=$out.log
  # PERFGEN_KIT is a path from the repository root, where the script runs.
  env "$@" OUT="$out" PERFGEN_KIT="$(realpath --relative-to="$root" "$kit")" LATENCY_STEPS=100000 \
    bash "$root/bench/device_check.sh" >"$out.log" 2>&1 || return $?
}

# The summary's row of STEP: "STEP STATUS SECONDS NOTE".
row() { grep -E "^$2 +" "$1/summary.txt" || fail "no row for step $2 in the summary: $(cat "$1/summary.txt")"; }
expect_row() { # OUT STEP STATUS [NOTE-REGEX]
  local line
  line=$(row "$1" "$2")
  [[ $line =~ ^$2\ +$3\  ]] || fail "step $2: expected $3, got: $line"
  [ -z "${4:-}" ] || [[ $line =~ $4 ]] || fail "step $2: its note does not match '$4': $line"
}

# 1. Every step on this machine, less the two default-experiment runs on the CPU (half a minute each).
make_kit "$work/kit"
status=0
device_check "$work/kit" "$work/out" PATH="$PATH" \
  ONLY="test_cuda_math bench e2e_1e4 default_cuda latency_cuda latency_cpu bench_cpu peers ncu_thread ncu_group ncu_sections memcheck sanitizer" ||
  status=$?
[ "$status" = 2 ] || fail "without a GPU the exit status is 2, got $status: $(tail -n 30 "$work/out.log")"
held=$(find "$work/out" -mindepth 1 -printf '%f ' | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$held" = "logs.tar.gz results.txt summary.txt " ] ||
  fail "\$OUT holds $held, not results.txt, summary.txt and logs.tar.gz"
grep -q '^NO GPU SEEN' "$work/out/summary.txt" || fail "the summary does not say that no GPU was seen"
expect_row "$work/out" gpu FAILED 'no GPU'
expect_row "$work/out" kit ok
grep -q 'STALE KIT\|CANNOT START' "$work/out/results.txt" && fail "the kit step: $(grep 'STALE KIT\|CANNOT START' "$work/out/results.txt")"
expect_row "$work/out" test_cuda_math ok 'test_cuda_math: ([0-9]+) tests, 0 passed, 0 failed, \1 skipped'
expect_row "$work/out" bench ok
grep -Eq '^\[ *[0-9]+s\] bench: cpu .* [0-9.]+e\+[0-9]+ ' "$work/out/results.txt" || fail "bench gave no CPU row"
for step in e2e_1e4 default_cuda latency_cuda; do expect_row "$work/out" $step FAILED 'exit 3'; done
expect_row "$work/out" latency_cpu ok '[0-9.]+ µs per network-step'
expect_row "$work/out" bench_cpu ok
grep -Eq '^\[ *[0-9]+s\] bench_cpu: cpu .*latency: 1 network' "$work/out/results.txt" || fail "bench_cpu gave no latency row"
for step in peers ncu_thread ncu_group ncu_sections memcheck sanitizer; do expect_row "$work/out" $step skipped; done
[ "$(grep -c -E '^[a-z_0-9]+ +(ok|FAILED|TIMEOUT|skipped) ' "$work/out/summary.txt")" = 15 ] ||
  fail "the summary has not the 15 steps run: $(cat "$work/out/summary.txt")"
# The listing first: grep -q leaves a pipe early, and under pipefail tar's SIGPIPE failed the check
# now and then (the test's flaky failures of the first day, "logs.tar.gz lacks the steps' logs").
archived=$(tar -tzf "$work/out/logs.tar.gz") || fail "logs.tar.gz cannot be listed"
grep -q '^logs/03-test_cuda_math.log$' <<<"$archived" || fail "logs.tar.gz lacks the steps' logs"
grep -q '^logs/gtest-test_cuda_math.xml$' <<<"$archived" || fail "logs.tar.gz lacks the gtest XML"

# 2. A test binary that hangs and ignores SIGTERM: killed at its limit (60 s scaled to 9 s; the steps
# after it get 4-6 s, enough on a loaded machine), its test named, nothing of it left running, and the
# steps after it still measured.
make_kit "$work/hang-kit"
rm "$work/hang-kit/bin/test_cell_aggregation"
hang_seconds=617.$$ # a command line no other process has (another build's run of this test, say)
cat >"$work/hang-kit/bin/test_cell_aggregation" <<EOF
#!/bin/sh
trap '' TERM
echo "[ RUN      ] Fake.HangsAndIgnoresSigterm"
exec sleep $hang_seconds
EOF
chmod +x "$work/hang-kit/bin/test_cell_aggregation"
status=0
device_check "$work/hang-kit" "$work/hang" PATH="$PATH" DEADLINE_S=60 STEP_TIMEOUT_SCALE=15 \
  ONLY="test_cell_aggregation test_architectures latency_cpu" || status=$?
[ "$status" = 1 ] || fail "a CUDA test binary that hangs makes the exit status 1, got $status: $(tail -n 30 "$work/hang.log")"
expect_row "$work/hang" test_cell_aggregation TIMEOUT 'killed after 9s, in Fake.HangsAndIgnoresSigterm'
expect_row "$work/hang" test_architectures ok
expect_row "$work/hang" latency_cpu ok 'µs per network-step'
if pgrep -f "sleep $hang_seconds" >/dev/null; then
  pkill -KILL -f "sleep $hang_seconds"
  fail "the hung step's process outlived its step"
fi

# 3. nvidia-smi sees a GPU that perfgen's tests cannot use (a driver older than the kit's runtime, say):
# the CUDA tests that skip are failures, not passes of nothing.
mkdir -p "$work/fake-gpu"
cat >"$work/fake-gpu/nvidia-smi" <<'EOF'
#!/bin/sh
echo "NVIDIA H200, 580.159, 143771 MiB, 1980 MHz, 1980 MHz, 31, 75.00 W"
EOF
chmod +x "$work/fake-gpu/nvidia-smi"
status=0
device_check "$work/kit" "$work/seen" PATH="$work/fake-gpu:$PATH" ONLY="test_cuda_math" || status=$?
[ "$status" = 1 ] || fail "CUDA tests that skip beside a GPU make the exit status 1, got $status"
expect_row "$work/seen" gpu ok
expect_row "$work/seen" test_cuda_math FAILED 'skipped although nvidia-smi sees a GPU'

# 4. The device scripts, statically.
if command -v shellcheck >/dev/null; then
  (cd "$root" && shellcheck bench/device_check.sh bench/prepare_device.sh bench/source_hash.sh) ||
    fail "shellcheck found problems in the device scripts"
else
  echo "shellcheck not installed (scripts/setup.sh installs it): the device scripts were not checked statically"
fi
echo "device_check.sh: without a GPU, with a hung step and with a GPU its tests cannot use, as documented"
