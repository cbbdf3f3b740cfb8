#!/usr/bin/env bash
# Whole `perfgen run`s on the CUDA runtime emulated on the host (perfgen_on_host, tests/CMakeLists.txt)
# against the CPU backend's, no GPU needed: the run pipeline, the backend choice, the CUDA backend's
# parts, launches and evaluation, the trials the CPU trains beside the GPU (recorded trajectories) and,
# for --backend auto, the hand-over of the last networks to CPU lanes. Every trial must end with the
# CPU's bits (one network per thread gives them, docs/CUDA.md), its trajectory too, and the file must
# say that the GPU trained: its backend attribute, and /trials/trained_on.
# Usage: check_runs_on_host.sh PERFGEN_ON_HOST PERFGEN
set -euo pipefail
on_host=$1 perfgen=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Every dataset of group $3 but trained_on (where the GPU trained is meant to differ), byte for byte
# (h5dump -b: the values as stored, NaNs too). Both files must hold the same datasets; sets `compared`.
compare_group() {
  local names name
  names=$(h5ls "$1/$3" | awk '{print $1}')
  [ "$names" = "$(h5ls "$2/$3" | awk '{print $1}')" ] ||
    fail "the /$3 datasets differ: $(echo "$names" | tr '\n' ' ') against $(h5ls "$2/$3" | awk '{print $1}' | tr '\n' ' ')"
  compared=0
  for name in $names; do
    [ "$name" = trained_on ] && continue
    h5dump -d "/$3/$name" -b NATIVE -o "$work/a.bin" "$1" >/dev/null
    h5dump -d "/$3/$name" -b NATIVE -o "$work/b.bin" "$2" >/dev/null
    cmp -s "$work/a.bin" "$work/b.bin" || fail "/$3/$name differs from the CPU's ($(cmp "$work/a.bin" "$work/b.bin"))"
    compared=$((compared + 1))
  done
}

# $1: label, then the settings of the run.
check() {
  local label=$1 backend=$2
  shift 2
  "$perfgen" run --backend cpu --quiet --force -o "$work/cpu.h5" "$@" >/dev/null
  "$on_host" run --backend "$backend" --quiet --force -o "$work/gpu.h5" "$@" >"$work/gpu.txt" ||
    fail "$label: perfgen_on_host run failed: $(tail -5 "$work/gpu.txt")"
  grep -q 'emulated on the host' "$work/gpu.txt" || fail "$label: the run did not use the emulated GPU: $(cat "$work/gpu.txt")"
  compare_group "$work/gpu.h5" "$work/cpu.h5" trials
  ((compared >= 40)) || fail "$label: only $compared datasets of /trials compared"
  if h5ls "$work/cpu.h5/trajectories" >/dev/null 2>&1; then compare_group "$work/gpu.h5" "$work/cpu.h5" trajectories; fi
  # trained_on: 0 cpu, 1 cuda, 2 cuda_then_cpu (include/perfgen/trial.h), one byte a trial
  h5dump -d /trials/trained_on -b NATIVE -o "$work/trained_on.bin" "$work/gpu.h5" >/dev/null
  local on_gpu
  on_gpu=$(od -An -tu1 -v "$work/trained_on.bin" | tr -s ' ' '\n' | grep -Ec '^[12]$' || true)
  ((on_gpu > 0)) || fail "$label: no trial was trained on the GPU"
  echo "ok: $label ($on_gpu trials trained on the emulated GPU, all of them with the CPU's bits)"
}

# The default experiment (n = 2..6, up to 2·10^5 steps here) with the CPU's lanes finishing the GPU's last
# networks.
check "default experiment, --backend auto" auto --set train.max_iters=200000 --set 'sweep.data_seed={range=[0,4]}'
# Enough networks for one network per thread on the whole (emulated) H200, 132 · 32 = 4224, and more;
# two of them record trajectories, which the CPU trains beside the GPU (the CUDA kernels record none).
check "4400 trials, two recording trajectories, --backend cuda" cuda --set train.max_iters=3000 --set 'sweep.n=[6]' \
  --set 'sweep.data_seed=[0]' --set 'sweep.c_tilde={linspace=[0,1,4400]}' --set 'trajectories.trials=[3,4000]'
