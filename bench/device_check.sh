#!/usr/bin/env bash
# The one device call (issue 14, item 3): runs ON the device machine, from the repository root, with
# the kit that bench/prepare_device.sh made HERE carried along:
#   here:  bash bench/prepare_device.sh
#   then:  run(command="bash bench/device_check.sh", carry=["device-kit"], timeout_s=540)
# Nothing is built there. Steps, most important first, each under its own timeout and all under one
# global deadline (DEADLINE_S, default 450 s = 7.5 min; a step gets min(its timeout, time left)):
#   gpu           nvidia-smi: name, driver, memory, clocks
#   kit           the kit starts there (ldd, perfgen info), was built from the sources beside it
#   test_*        the test binaries that need a GPU (gtest XML), each test's line as it finishes
#   bench         perfgen bench: CPU rows, CUDA rows (Example 1 at 10^4/10^5/10^6 networks, the 10^6
#                 again in the 8-sample register kernel, wide, latency case with 1/4/8 lanes), short settings
#   e2e_*         whole perfgen runs of the peers workload (1000 steps) at 10^4/10^5/10^6 trials on CUDA
#   default_*     the default experiment's wall time on CUDA, on the CPU (all cores), and with
#                 --backend auto (the GPU, the CPU finishing the last networks), and whether the
#                 recovery tables are the same
#   latency_*     one network x LATENCY_STEPS (10^7) steps, per backend: time per network-step
#   bench_cpu     the CPU rows of perfgen bench from the CPU-tuned binary
#   peers         plain CUDA kernel (CuPy RawKernel), JAX, CuPy, PyTorch on the same trials (GPU)
#   ncu_*         FP64 instructions per network-step (ncu --clock-control none) of the per-thread
#                 kernel (8192 networks) and of the lane-group kernel (1024); then its launch and
#                 occupancy sections
#   e2e_1e6_batch64k  the 10^6 end-to-end run with run.batch_size = 65536 (default 1024)
#   memcheck      compute-sanitizer memcheck on short runs of each training kernel (see s_sanitizer)
#   sanitizer     compute-sanitizer racecheck (block kernel), synccheck (lane groups, block) and
#                 initcheck (every kernel) on short runs
# The CPU side (default_cpu, latency_cpu, bench_cpu) runs the widest perfgen-x86-64-v4/-v3 of the kit
# that starts there: the portable perfgen's vector kernel has only 2 SSE2 lanes.
# Every result line is appended to $OUT/results.txt as it is made (and echoed); each step's whole
# output goes to $OUT/logs/NN-step.log. A step that hangs or fails does not stop the later ones. At
# the end: a summary table ($OUT/summary.txt, also appended to results.txt and printed), and logs/ is
# packed into $OUT/logs.tar.gz (the device tool returns at most 8 files from $OUT).
# Exit status: 1 if a CUDA test failed, timed out or did not run; else 2 if no GPU was seen; else 0.
# The test suite runs this script without a GPU on a kit of the build's binaries (CTest
# bench.device_check, tests/process/check_device_check.sh), so that it keeps working between devices.
# LD_LIBRARY_PATH names the kit's libraries for perfgen and the test binaries only: python (peers)
# and ncu itself never see them.
# Settings (environment): OUT (default /tmp/perfgen-device-check), DEADLINE_S, PERFGEN_KIT (default
# device-kit), PYTHON (default python3), LATENCY_STEPS (default 10000000), ONLY (space-separated
# step names to run besides gpu and kit, which always run, e.g. ONLY="bench peers ncu_thread" for a
# rerun: peers takes perfgen's rate from bench), STEP_TIMEOUT_SCALE (percent, default 100: scales every
# step's own timeout).
set -uo pipefail # no -e: a failing step must not stop the later ones
cd "$(dirname "$0")/.." || exit 1
export LC_ALL=C
root=$PWD
kit=${PERFGEN_KIT:-device-kit}
out=${OUT:-/tmp/perfgen-device-check}
deadline_s=${DEADLINE_S:-450}
reserve_s=10 # kept back for the summary and packing (a timed-out step gets 5 s more to die)
python=${PYTHON:-python3}
latency_steps=${LATENCY_STEPS:-10000000}
scale=${STEP_TIMEOUT_SCALE:-100}
only=" ${ONLY:-} "
mkdir -p "$out/logs"
results=$out/results.txt
: >"$results"
rm -f "$out/summary.txt" "$out/logs.tar.gz"
work=$(mktemp -d "${TMPDIR:-/tmp}/perfgen-device.XXXXXX")

# perfgen and the test binaries through wrappers that alone set LD_LIBRARY_PATH to the kit's libraries.
cat >"$work/perfgen" <<EOF
#!/bin/sh
LD_LIBRARY_PATH="$root/$kit/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$root/$kit/bin/perfgen" "\$@"
EOF
cat >"$work/kitrun" <<EOF
#!/bin/sh
b=\$1; shift
LD_LIBRARY_PATH="$root/$kit/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$root/$kit/bin/\$b" "\$@"
EOF
# The CPU side of the comparisons: the widest perfgen-x86-64-vN of the kit that starts here (step kit).
cat >"$work/perfgen-cpu" <<EOF
#!/bin/sh
b=\$(cat "$work/cpu-binary" 2>/dev/null || echo perfgen)
LD_LIBRARY_PATH="$root/$kit/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$root/$kit/bin/\$b" "\$@"
EOF
chmod +x "$work/perfgen" "$work/kitrun" "$work/perfgen-cpu"
export root kit out work python latency_steps
export PG=$work/perfgen PGCPU=$work/perfgen-cpu KITRUN=$work/kitrun
export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false

emit() { # a result line: appended (one write, so flushed) to results.txt, and echoed
  local line
  line=$(printf '[%4ds] %s' "$SECONDS" "$*")
  printf '%s\n' "$line" >>"$results"
  printf '%s\n' "$line"
}

names=() statuses=() seconds=() notes=()
step_index=0
cuda_tests_bad=0
record() { names+=("$1"); statuses+=("$2"); seconds+=("$3"); notes+=("$4"); }

# run_step NAME TIMEOUT_S FUNCTION [ARGS...]: runs the exported function in its own bash under timeout;
# its lines that start with "RESULT " are result lines. Exit 77 from the function means "skipped".
run_step() {
  local name=$1 limit=$2
  shift 2
  # gpu and kit always run: later steps read what they find (a GPU seen, the CPU binary to use).
  if [ "$only" != "  " ] && [[ "$only" != *" $name "* ]] && [ "$name" != gpu ] && [ "$name" != kit ]; then return 0; fi
  step_index=$((step_index + 1))
  local log
  log=$out/logs/$(printf '%02d' "$step_index")-$name.log
  local left=$((deadline_s - reserve_s - SECONDS))
  limit=$((limit * scale / 100))
  ((limit < 1)) && limit=1
  if ((left < 5)); then
    emit "$name: SKIPPED (global deadline of ${deadline_s}s reached)"
    record "$name" skipped 0 "global deadline reached"
    [[ $name == test_* ]] && cuda_tests_bad=1
    return 0
  fi
  local t=$((limit < left ? limit : left)) clipped=""
  ((t < limit)) && clipped=" (clipped from ${limit}s by the global deadline)"
  emit "# $name: start, timeout ${t}s$clipped"
  local t0=$SECONDS
  # timeout leads a process group of its own (its pid, written first): whatever of the step is still
  # alive when the step ends (a child that ignored SIGTERM, a process waiting on a hung kernel) is
  # killed with it, so nothing of one step runs on into the next.
  # The step writes its log file, not a pipe: a process of the step that outlives the timeout (one
  # that ignores SIGTERM, or waits on a hung kernel) then holds nothing the script waits for. Its result
  # lines are followed in the log as they come (tail exits once the step's timeout process has).
  rm -f "$work/step.pgid"
  : >"$log"
  STEP_SECONDS=$t bash -c 'echo $$ >"$0"; exec timeout -k 5 "$@"' "$work/step.pgid" "$t" bash -c '"$@"' "$name" "$@" </dev/null >"$log" 2>&1 &
  local step_pid=$!
  tail -n +1 -s 0.2 -f --pid="$step_pid" "$log" | { grep -a --line-buffered '^RESULT ' || true; } |
    while IFS= read -r line; do emit "$name: ${line#RESULT }"; done &
  follower=$! # global: stop_step ends it on a signal
  wait "$step_pid"
  local rc=$? dt=$((SECONDS - t0)) status note
  [ -s "$work/step.pgid" ] && kill -KILL -- "-$(cat "$work/step.pgid")" 2>/dev/null
  wait "$follower"
  # The note: the step's last result line that names a problem, else its last one.
  note=$(grep -a -E '^RESULT .*(FAILED|STALE|CANNOT|DIFFER|REJECTED|NO KIT|no GPU|did not run)' "$log" | tail -n 1 | cut -c8-100)
  [ -n "$note" ] || note=$(grep -a '^RESULT ' "$log" | tail -n 1 | cut -c8-100)
  case $rc in
  0) status=ok ;;
  77) status=skipped ;;
  124 | 137)
    status=TIMEOUT
    local hung
    hung=$(grep -a '^\[ RUN      \]' "$log" | tail -n 1 | cut -c14-)
    note="killed after ${t}s${hung:+, in $hung}; last: ${note:-nothing}"
    emit "$name: TIMED OUT after ${t}s${hung:+ (running: $hung)}"
    ;;
  *)
    status=FAILED
    note="exit $rc; ${note:-$(tail -n 1 "$log" | cut -c1-80)}"
    emit "$name: FAILED (exit $rc; log logs/$(basename "$log"))"
    ;;
  esac
  [[ $name == test_* ]] && [ "$status" != ok ] && cuda_tests_bad=1
  record "$name" "$status" "$dt" "$note"
}

finish() {
  local rc=0 i table
  ((cuda_tests_bad)) && rc=1
  ((rc == 0)) && [ ! -f "$work/gpu-ok" ] && rc=2
  table=$(
    printf '\n== device check summary: %ds of the %ds deadline, exit %d ==\n' "$SECONDS" "$deadline_s" "$rc"
    printf '%-22s %-8s %6s  %s\n' step status seconds note
    for i in "${!names[@]}"; do
      printf '%-22s %-8s %6s  %s\n' "${names[$i]}" "${statuses[$i]}" "${seconds[$i]}" "${notes[$i]}"
    done
    printf 'ran ok: %s; failed: %s; timed out: %s; skipped: %s\n' \
      "$(printf '%s\n' "${statuses[@]}" | grep -c '^ok$')" "$(printf '%s\n' "${statuses[@]}" | grep -c '^FAILED$')" \
      "$(printf '%s\n' "${statuses[@]}" | grep -c '^TIMEOUT$')" "$(printf '%s\n' "${statuses[@]}" | grep -c '^skipped$')"
    ((rc == 1)) && echo "CUDA TESTS FAILED, TIMED OUT OR DID NOT RUN: see the test_* lines above"
    ((rc == 2)) && echo "NO GPU SEEN (nvidia-smi): nothing above was measured on a GPU"
  )
  printf '%s\n' "$table" >"$out/summary.txt"
  printf '%s\n' "$table" >>"$results"
  printf '%s\n' "$table"
  # At most 8 files come back from $OUT: results.txt, summary.txt and one archive of the logs.
  find "$out/logs" -type f -size +4M -exec sh -c 'tail -c 4M "$1" >"$1.tail" && mv "$1.tail" "$1"' _ {} \;
  if tar -czf "$out/logs.tar.gz" -C "$out" logs 2>/dev/null; then rm -rf "$out/logs"; fi
  rm -rf "$work"
  exit "$rc"
}
trap finish EXIT
# A signal while a step runs (the script waits on it) ends that step too: its process group and the
# follower of its log, before the summary.
stop_step() {
  [ -s "$work/step.pgid" ] && kill -KILL -- "-$(cat "$work/step.pgid")" 2>/dev/null
  [ -n "${follower:-}" ] && kill "$follower" 2>/dev/null
}
trap 'emit "interrupted by a signal"; stop_step; exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------
# The steps (each runs in its own bash: exported functions, RESULT lines, exit 77 = skipped).

s_gpu() {
  if ! command -v nvidia-smi >/dev/null; then
    echo "RESULT no GPU: nvidia-smi not found"
    return 1
  fi
  local q
  q=$(nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,temperature.gpu,power.draw \
    --format=csv,noheader 2>&1) || {
    echo "RESULT no GPU: nvidia-smi: $(echo "$q" | head -n 1)"
    return 1
  }
  echo "RESULT $q (name, driver, memory, SM clock, max SM clock, temperature, power)"
  touch "$work/gpu-ok"
  nvidia-smi 2>&1 || true
}

s_kit() {
  local bad=0 b listing
  if [ ! -x "$kit/bin/perfgen" ]; then
    echo "RESULT NO KIT: $kit/bin/perfgen missing (run bash bench/prepare_device.sh here, carry [\"$kit\"])"
    return 1
  fi
  # shellcheck source=/dev/null
  echo "RESULT this machine: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), $(ldd --version | head -n 1), $(nproc) cores"
  sed -n '1,7p' "$kit/MANIFEST" | grep -v '^[0-9]' | sed 's/^/RESULT kit: /'
  local want have
  want=$(sed -n 's/^source_hash //p' "$kit/MANIFEST")
  have=$(bash bench/source_hash.sh)
  if [ "$want" != "$have" ]; then
    echo "RESULT STALE KIT: built from sources $want, the tree here is $have (prepare again before the call)"
    bad=1
  fi
  for b in "$kit"/bin/*; do
    listing=$(LD_LIBRARY_PATH="$root/$kit/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "$b" 2>&1)
    echo "$listing"
    if grep -q 'not found' <<<"$listing"; then
      echo "RESULT $(basename "$b") CANNOT START: $(grep 'not found' <<<"$listing" | tr -s ' \t\n' ' ')"
      bad=1
    fi
  done
  "$PG" info | sed 's/^/RESULT /' || bad=1
  local level flag
  for level in x86-64-v4 x86-64-v3; do
    flag=$(case $level in x86-64-v4) echo avx512f ;; *) echo avx2 ;; esac)
    if [ -x "$kit/bin/perfgen-$level" ] && grep -qw "$flag" /proc/cpuinfo && "$KITRUN" "perfgen-$level" --version >/dev/null 2>&1; then
      echo "perfgen-$level" >"$work/cpu-binary"
      break
    fi
  done
  echo "RESULT CPU comparisons (default_cpu, latency_cpu, bench_cpu) use $(cat "$work/cpu-binary" 2>/dev/null || echo 'the portable perfgen'): $("$PGCPU" info | grep '^cpu backend')"
  return "$bad"
}

s_test() { # a test binary: each test's line as it finishes (the CUDA ones; else failures and skips),
  local bin=$1 rc shown='FAILED|SKIPPED' # then the totals; the gtest XML goes beside the logs
  [[ $bin == test_cuda_* ]] && shown='OK|FAILED|SKIPPED'
  GTEST_OUTPUT="xml:$out/logs/gtest-$bin.xml" "$KITRUN" "$bin" --gtest_color=no 2>&1 | tee "$work/$bin.out" |
    sed -u -E "s/^\\[ +($shown) +\\] [A-Za-z0-9_/.]+ \\([0-9]+ ms\\)\$/RESULT &/"
  rc=${PIPESTATUS[0]}
  local total passed failed skipped
  total=$(sed -n 's/^\[==========\] \([0-9]*\) tests\{0,1\} from .* ran\..*/\1/p' "$work/$bin.out" | tail -n 1)
  passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\{0,1\}\..*/\1/p' "$work/$bin.out")
  failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests\{0,1\}, listed below.*/\1/p' "$work/$bin.out")
  skipped=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) tests\{0,1\}, listed below.*/\1/p' "$work/$bin.out")
  grep -a -m 1 -A 2 'Skipped$' "$work/$bin.out" | grep -v 'Skipped$' | head -n 1 | sed 's/^/RESULT first skip reason: /'
  grep -a -A 3 ': Failure$' "$work/$bin.out" | head -n 12 | sed 's/^/RESULT   /'
  echo "RESULT $bin: ${total:-?} tests, ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped (exit $rc)"
  # A GPU test skips only without a usable device: with nvidia-smi seeing one (a driver older than the
  # kit's CUDA runtime, say), a skip is a failure, not a pass of nothing.
  if [[ $bin == test_cuda_* ]] && [ -f "$work/gpu-ok" ] && [ "${skipped:-0}" != 0 ]; then
    echo "RESULT $bin: FAILED: ${skipped} tests skipped although nvidia-smi sees a GPU (first skip reason above)"
    rc=1
  fi
  return "$rc"
}

s_bench() {
  "$PG" bench --networks 4096 --steps 5000 --latency-steps 1000000 --end-to-end 0 2>&1 | tee "$work/bench.txt" |
    sed -u '/^$/d; /^end to end\|^trials /d; s/^/RESULT /'
  return "${PIPESTATUS[0]}"
}

s_bench_cpu() { # the CPU rows again, from the CPU-tuned binary, the GPU hidden
  CUDA_VISIBLE_DEVICES="" "$PGCPU" bench --networks 4096 --steps 5000 --end-to-end 0 2>&1 |
    sed -u '/^$/d; /^end to end\|^trials \|^cuda /d; s/^/RESULT /'
  return "${PIPESTATUS[0]}"
}

# perfgen run; prints "RESULT <label>: wall, the run's own line, its stages". Args: LABEL PERFGEN-RUN-ARGS...
timed_run() {
  local label=$1 t0 t1 rc
  shift
  t0=$(date +%s.%N)
  "$PG" run "$@" >"$work/run.out" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  cat "$work/run.out"
  local wall
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
  if ((rc != 0)); then
    echo "RESULT $label: FAILED, exit $rc after $wall s: $(grep -a -m 1 'error' "$work/run.out" | cut -c1-160)"
    return "$rc"
  fi
  echo "RESULT $label: wall $wall s | $(grep -a -m 1 '^wrote ' "$work/run.out" | sed 's/^wrote [^:]*: //')"
  echo "RESULT $label: $(grep -a -m 1 '^stages: ' "$work/run.out")"
}

s_e2e() { # trials [batch size]: whole run of the peers workload on CUDA, 1000 steps per network
  local trials=$1 batch=${2:-}
  timed_run "cuda, $trials trials x 1000 steps${batch:+, run.batch_size=$batch}" bench/peers/workload.toml \
    -o "$work/e2e.h5" --force --quiet --backend cuda --set train.max_iters=999 \
    --set "sweep.c_tilde={linspace=[0.0, 1.0, $trials]}" ${batch:+--set "run.batch_size=$batch"}
  local rc=$?
  rm -f "$work/e2e.h5"
  return "$rc"
}

s_default() { # backend: cuda (the GPU alone), cpu, or auto (the GPU with the CPU finishing the last
  # networks; the CPU-tuned perfgen, whose CPU kernels are not the portable build's slow ones)
  local backend=$1 rc
  local pg=$PG
  [ "$backend" != cuda ] && pg=$PGCPU
  PG=$pg timed_run "default experiment, --backend $backend" -o "$work/default-$backend.h5" --force --quiet --backend "$backend"
  rc=$?
  rm -f "$work/default-$backend.table"
  ((rc == 0)) && "$PG" summary "$work/default-$backend.h5" >"$work/default-$backend.table" 2>/dev/null
  if [ "$backend" = auto ] && [ -s "$work/default-auto.table" ] && [ -s "$work/default-cpu.table" ]; then
    if diff <(tail -n +2 "$work/default-auto.table") <(tail -n +2 "$work/default-cpu.table") >/dev/null; then
      echo "RESULT default experiment: --backend auto (GPU + CPU tail) and CPU recovery tables are identical"
    else
      echo "RESULT default experiment: --backend auto and CPU recovery tables DIFFER"
    fi
  fi
  if [ -s "$work/default-cuda.table" ] && [ -s "$work/default-cpu.table" ] && [ "$backend" = cpu ]; then
    # The tables' lines without the file name (first line). Not a bitwise check: 500 networks are
    # fewer than 32 per multiprocessor, so CUDA trains them in lane groups, which sum the samples in
    # another order than the CPU; a trial on a knife edge may then end differently (docs/RESULTS.md).
    if diff <(tail -n +2 "$work/default-cuda.table") <(tail -n +2 "$work/default-cpu.table") >"$work/table.diff"; then
      echo "RESULT default experiment: the CUDA and CPU recovery tables are identical"
    else
      echo "RESULT default experiment: the CUDA (lane groups, another order of sums) and CPU recovery tables differ in $(grep -c '^<' "$work/table.diff") lines:"
      head -n 12 "$work/table.diff" | sed 's/^/RESULT   /'
    fi
  fi
  return "$rc"
}

s_latency() { # backend: one network, LATENCY_STEPS steps, no stopping
  local backend=$1 rc pg=$PG
  [ "$backend" = cpu ] && pg=$PGCPU
  PG=$pg timed_run "1 network x $latency_steps steps, --backend $backend" bench/peers/workload.toml -o "$work/latency.h5" \
    --force --quiet --backend "$backend" --set "train.max_iters=$((latency_steps - 1))" \
    --set 'sweep.c_tilde={linspace=[0.5, 0.5, 1]}'
  rc=$?
  local train
  train=$(sed -n 's/.*train \([0-9.]*\) s.*/\1/p' "$work/run.out" | head -n 1)
  [ -n "$train" ] && ((rc == 0)) &&
    echo "RESULT 1 network on $backend: $(awk -v t="$train" -v n="$latency_steps" 'BEGIN {printf "%.3f", t / n * 1e6}') µs per network-step (train stage $train s / $latency_steps steps)"
  return "$rc"
}

s_peers() {
  [ -f "$work/gpu-ok" ] || {
    echo "RESULT skipped: no GPU seen by nvidia-smi (the GPU peers would run on the CPU)"
    return 77
  }
  case ":${LD_LIBRARY_PATH:-}:" in *"/$kit/lib:"*)
    echo "RESULT FAILED: the kit's libraries are on python's LD_LIBRARY_PATH"
    return 1
    ;;
  esac
  "$PG" run bench/peers/workload.toml -o "$work/verify.h5" --quiet --backend cpu --force \
    --set train.max_iters=200 --set 'sweep.c_tilde={linspace=[0.0, 1.0, 256]}' || {
    echo "RESULT perfgen could not write the verification file"
    return 1
  }
  local rate
  rate=$(awk '/^Example 1, 1000000 networks/ {for (i = 1; i <= NF; i++) if ($i ~ /e\+/) {print $i; exit}}' "$work/bench.txt" 2>/dev/null)
  echo "RESULT perfgen's rate from the bench row 'Example 1, 1000000 networks': ${rate:-none (that row did not finish)}"
  "$python" bench/peers/peers.py "$work/verify.h5" 1000000 1000 "${rate:-nan}" cuda rawkernel,jax,cupy,torch,torch.compile 2>&1 |
    sed -u '/^$/d; /^Example 1\|^implementation\|^perfgen\|^plain\|^JAX\|^CuPy\|^PyTorch\|^numpy/s/^/RESULT /'
  return "${PIPESTATUS[0]}"
}

# FP64 thread instructions (DFMA, DMUL, DADD) executed by every launch of KERNEL over NETWORKS x 1000
# network-steps (tanh's own instructions included: that is the cost). Args: KERNEL-REGEX NETWORKS BATCH.
s_ncu_count() {
  local kernel=$1 networks=$2 batch=$3
  command -v ncu >/dev/null || {
    echo "RESULT skipped: ncu not found"
    return 77
  }
  [ -f "$work/gpu-ok" ] || {
    echo "RESULT skipped: no GPU seen by nvidia-smi"
    return 77
  }
  local metrics=smsp__sass_thread_inst_executed_op_dfma_pred_on.sum,smsp__sass_thread_inst_executed_op_dmul_pred_on.sum,smsp__sass_thread_inst_executed_op_dadd_pred_on.sum
  local csv=$out/logs/ncu-$kernel.csv
  ncu --clock-control none --kernel-name "regex:$kernel" --metrics "$metrics" --csv --log-file "$csv" \
    "$PG" run bench/peers/workload.toml -o "$work/ncu.h5" --force --quiet --backend cuda \
    --set train.max_iters=999 --set "run.batch_size=$batch" \
    --set "sweep.c_tilde={linspace=[0.0, 1.0, $networks]}"
  local rc=$?
  awk -F'","' -v n="$networks" -v k="$kernel" '
    /inst_executed_op/ {v = $NF; gsub(/[",]/, "", v); m = $(NF - 2); sub(/.*_op_/, "", m); sub(/_pred.*/, "", m);
                        total += v; per[m] += v; launches[$1] = 1; name = $5}
    END {
      if (total == 0) { print "RESULT " k ": ncu gave no counts (see logs/ncu-" k ".csv)"; exit }
      nl = 0; for (l in launches) nl++
      printf "RESULT %s: %.1f FP64 instructions per network-step (DFMA %.1f, DMUL %.1f, DADD %.1f) over %d networks x 1000 steps, %d launches; kernel %s\n",
        k, total / (n * 1000), per["dfma"] / (n * 1000), per["dmul"] / (n * 1000), per["dadd"] / (n * 1000), n, nl, substr(name, 1, 90)
    }' "$csv"
  return "$rc"
}

s_ncu_sections() { # launch shape, registers, occupancy and throughput of the first 2 per-thread launches
  if ! command -v ncu >/dev/null || [ ! -f "$work/gpu-ok" ]; then
    echo "RESULT skipped: no ncu or no GPU"
    return 77
  fi
  local csv=$out/logs/ncu-sections.csv
  ncu --clock-control none --kernel-name regex:train_per_thread --launch-count 2 \
    --section LaunchStats --section Occupancy --section SpeedOfLight --csv --log-file "$csv" \
    "$PG" run bench/peers/workload.toml -o "$work/ncu.h5" --force --quiet --backend cuda \
    --set train.max_iters=999 --set run.batch_size=8192 --set 'sweep.c_tilde={linspace=[0.0, 1.0, 8192]}'
  local rc=$?
  grep -a -v '^"ID"' "$csv" | grep -a -E '"(Registers Per Thread|Block Size|Grid Size|Theoretical Occupancy|Achieved Occupancy|Compute \(SM\) Throughput|Duration)"' |
    awk -F'","' '{v = $NF; gsub(/"/, "", v); printf "RESULT launch %s: %s = %s %s\n", $1, $(NF - 2), v, $(NF - 1)}' | sed 's/"//g'
  return "$rc"
}
# compute-sanitizer over short runs of the training kernels, for each TOOL given, in that order:
# memcheck (out-of-bounds and misaligned accesses) and initcheck (device memory read before anything
# wrote it; cudaMalloc does not zero) on every kernel, synccheck (shuffle masks, barriers) on the
# lane-group and block kernels, racecheck (shared memory) on the block kernel, the one that uses it.
# Each run gets an equal share of the step's time (STEP_SECONDS, which run_step sets). The kernels: one network per thread in
# registers (8192 Example-1 networks: at least 32 per multiprocessor, else lane groups are chosen) and in
# global memory (256 of m = 3, a shape without a register kernel), lane groups (64), one block per
# network (16 of m = 1000). Args: TOOL...
s_sanitizer() {
  command -v compute-sanitizer >/dev/null || {
    echo "RESULT skipped: compute-sanitizer not found"
    return 77
  }
  [ -f "$work/gpu-ok" ] || {
    echo "RESULT skipped: no GPU seen by nvidia-smi"
    return 77
  }
  local bad=0 tool kernel kernels rc errors runs=0 share
  local -a settings
  for tool in "$@"; do
    case $tool in memcheck | initcheck) runs=$((runs + 4)) ;; synccheck) runs=$((runs + 2)) ;; *) runs=$((runs + 1)) ;; esac
  done
  share=$((${STEP_SECONDS:-120} / runs))
  ((share < 10)) && share=10
  for tool in "$@"; do
    case $tool in
    memcheck | initcheck) kernels="thread global group block" ;;
    synccheck) kernels="group block" ;;
    *) kernels=block ;;
    esac
    for kernel in $kernels; do
      case $kernel in
      thread) settings=(--set train.max_iters=49 --set 'sweep.c_tilde={linspace=[0.0, 1.0, 8192]}') ;;
      global) settings=(--set train.max_iters=49 --set model.width=3 --set 'sweep.init_seed={range=[0, 256]}') ;;
      group) settings=(--set train.max_iters=199 --set 'sweep.c_tilde={linspace=[0.0, 1.0, 64]}') ;;
      block) settings=(--set train.max_iters=19 --set model.width=1000 --set model.activation=rational
        --set 'sweep.init_seed={range=[0, 16]}') ;;
      esac
      timeout -k 5 "$share" compute-sanitizer --tool "$tool" --target-processes all --error-exitcode 99 --print-limit 20 \
        "$PG" run bench/peers/workload.toml -o "$work/sanitizer.h5" --force --quiet --backend cuda "${settings[@]}" \
        >"$work/sanitizer.out" 2>&1
      rc=$?
      cat "$work/sanitizer.out"
      # memcheck, initcheck and synccheck end with "ERROR SUMMARY: N errors", racecheck with
      # "RACECHECK SUMMARY: N hazards displayed (E errors, W warnings)".
      errors=$(sed -n -E 's/^========= (ERROR SUMMARY: ([0-9]+) error|RACECHECK SUMMARY: [0-9]+ hazards? displayed \(([0-9]+) error).*/\2\3/p' \
        "$work/sanitizer.out" | tail -n 1)
      if [ "$rc" = 0 ] && [ "${errors:-0}" = 0 ]; then
        echo "RESULT $tool, $kernel kernel: $([ -n "$errors" ] && echo 0 errors || echo 'exit 0, no summary line')"
      else
        bad=1
        echo "RESULT $tool, $kernel kernel: FAILED (exit $rc, ${errors:-no} errors in its summary): $(grep -a -v 'COMPUTE-SANITIZER' "$work/sanitizer.out" | grep -a -m 1 '^========= [A-Z]' | cut -c11-130)"
      fi
    done
  done
  return "$bad"
}
export -f s_gpu s_kit s_test s_bench s_bench_cpu timed_run s_e2e s_default s_latency s_peers s_ncu_count s_ncu_sections s_sanitizer

emit "perfgen device check: deadline ${deadline_s}s, kit $kit, out $out, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
run_step gpu 15 s_gpu
run_step kit 30 s_kit
run_step test_cuda_math 60 s_test test_cuda_math
run_step test_cuda_backend 240 s_test test_cuda_backend
run_step test_cell_aggregation 60 s_test test_cell_aggregation
run_step test_architectures 30 s_test test_architectures
run_step test_config_errors 60 s_test test_config_errors
run_step bench 120 s_bench
run_step e2e_1e4 45 s_e2e 10000
run_step e2e_1e5 60 s_e2e 100000
run_step e2e_1e6 120 s_e2e 1000000
run_step default_cuda 90 s_default cuda
run_step default_cpu 90 s_default cpu
run_step default_auto 90 s_default auto
run_step latency_cuda 90 s_latency cuda
run_step latency_cpu 45 s_latency cpu
run_step bench_cpu 60 s_bench_cpu
run_step peers 180 s_peers
run_step ncu_thread 90 s_ncu_count train_per_thread 8192 8192
run_step ncu_group 60 s_ncu_count train_per_group 1024 1024
run_step ncu_sections 60 s_ncu_sections
# Last: the 10^6 end-to-end run again with batches of 65536 trials instead of the default 1024 (a
# batch is what one backend call trains: 1024 networks fill 1024 threads of a 132-SM GPU).
run_step e2e_1e6_batch64k 120 s_e2e 1000000 65536
# compute-sanitizer last: the tests above compare every kernel's results with the CPU's, and the figures
# come first (issue 14); ONLY="memcheck sanitizer" reruns these two alone (about 4 minutes).
run_step memcheck 75 s_sanitizer memcheck
run_step sanitizer 180 s_sanitizer racecheck synccheck initcheck
