#!/usr/bin/env bash
# CPU throughput of the shipped binary on Example 1 (m = 2, d = 1, tanh, n = 6 grid points):
# 2048 networks that each run exactly 200 000 steps (loss_tol = 0), network-steps per second as
# perfgen records it in the file. Usage: bash bench/cpu_throughput.sh [--threads N]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/perfgen ] || bash scripts/setup.sh >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
./build/perfgen run data/example1-grid.toml -o "$out/bench.h5" --quiet --backend cpu "$@" \
  --set train.loss_tol=0 --set train.max_iters=200000 --set 'sweep.n=[6]' \
  --set 'sweep.c_tilde={linspace=[0.0, 1.0, 2048]}' >/dev/null
.venv/bin/python - "$out/bench.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1]) as f:
    rate = float(f.attrs["network_steps_per_second"][0])
    wall = float(f.attrs["wall_seconds"][0])
    print(f"example1 n=6 m=2, 2048 networks x 200000 steps: {rate:.3e} network-steps/s "
          f"({wall:.2f} s wall, {f.attrs['device'].decode() if isinstance(f.attrs['device'], bytes) else f.attrs['device']})")
PY
