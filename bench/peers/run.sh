#!/usr/bin/env bash
# One command: perfgen and its peers (numpy, PyTorch, JAX) on the same Example-1 trials, same machine.
#   bash bench/peers/run.sh [NETWORKS] [STEPS]      (default 4096 networks x 20000 steps)
# perfgen writes θ0 and its final losses after 200 steps for 256 trials; every peer must reproduce
# those losses to 1e-9 relative before it is timed. The peers live in .venv-peers (pip: numpy, h5py,
# torch, jax), made on first use. perfgen's own rate and FP64-peak fraction come from `perfgen bench`.
set -euo pipefail
cd "$(dirname "$0")/../.."
networks=${1:-4096}
steps=${2:-20000}
[ -x build/perfgen ] || bash scripts/setup.sh >/dev/null
if [ ! -x .venv-peers/bin/python ] || ! .venv-peers/bin/python -c "import torch, jax, h5py" 2>/dev/null; then
  python3 -m venv .venv-peers
  .venv-peers/bin/pip install -q --disable-pip-version-check -r bench/peers/requirements.txt
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./build/perfgen run bench/peers/workload.toml -o "$work/verify.h5" --quiet --backend cpu \
  --set train.max_iters=200 --set 'sweep.c_tilde={linspace=[0.0, 1.0, 256]}' >/dev/null
./build/perfgen bench --networks "$networks" --steps "$steps" | tee "$work/bench.txt"
rate=$(awk '/AVX|SSE|lanes/ && $1 == "cpu" {for (i = 1; i <= NF; i++) if ($i ~ /e\+/) {print $i; exit}}' "$work/bench.txt")
.venv-peers/bin/python bench/peers/peers.py "$work/verify.h5" "$networks" "$steps" "$rate"
