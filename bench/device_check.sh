#!/usr/bin/env bash
# The one command for a session lent the H200 (issue 3): build for sm_90, run the CUDA tests, print
# `perfgen bench` (CPU rows, then Example 1 at 10^4/10^5/10^6 networks, a wide case, and the
# latency case of 100 networks × 10^8 steps, each with its fraction of the measured FP64 peak), and
# the FP64 instructions per network-step counted by ncu, and the GPU peers (PyTorch, JAX, CuPy).
# Budget: under 8 minutes (the full bench last, under a 300 s timeout).
# Prepare here first: bash bench/prepare_device.sh; then run with carry [".device-debs"]:
#   bash bench/device_check.sh
# Untested until a session has the device: its first use may need fixes.
set -euo pipefail
cd "$(dirname "$0")/.."
deps=/tmp/perfgen-deps
mkdir -p "$deps"
for deb in .device-debs/*.deb; do dpkg -x "$deb" "$deps"; done
export CPATH="$deps/usr/include:$deps/usr/include/hdf5/serial${CPATH:+:$CPATH}"
export LIBRARY_PATH="$deps/usr/lib/x86_64-linux-gnu:$deps/usr/lib/x86_64-linux-gnu/hdf5/serial"
export LD_LIBRARY_PATH="$LIBRARY_PATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CMAKE_PREFIX_PATH="$deps/usr"
out=${OUT:-/tmp/perfgen-device}
mkdir -p "$out"
set -o pipefail
cmake -S . -B build-device -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 -DPERFGEN_MPI=OFF \
  -DHDF5_ROOT="$deps/usr" -DHDF5_C_INCLUDE_DIR="$deps/usr/include/hdf5/serial" \
  -DHDF5_hdf5_LIBRARY_RELEASE="$deps/usr/lib/x86_64-linux-gnu/hdf5/serial/libhdf5.so" \
  -DHDF5_hdf5_hl_LIBRARY_RELEASE="$deps/usr/lib/x86_64-linux-gnu/hdf5/serial/libhdf5_hl.so" \
  -DGTest_DIR="$deps/usr/lib/x86_64-linux-gnu/cmake/GTest" 2>&1 | tee "$out/configure.log" | tail -n 3
cmake --build build-device -j 16 2>&1 | tee "$out/build.log" | tail -n 3
# A failing test must not cost the benchmark figures of this (scarce) device call: go on, report at the end.
tests_rc=0
(cd build-device && ctest -R 'Cuda|CellAggregation' --output-on-failure 2>&1 | tee "$out/cuda-tests.log" | tail -n 20) ||
  tests_rc=$?
./build-device/perfgen info | tee "$out/info.txt"
# FP64 instructions per network-step, counted by ncu on the per-thread training kernel: 8192
# Example-1 networks (enough for one network per thread) × exactly 1000 steps in one launch; the sum
# of executed DFMA + DMUL + DADD thread instructions over 8192 · 1000 network-steps (tanh's own FP64
# instructions included: that is the cost).
metrics=smsp__sass_thread_inst_executed_op_dfma_pred_on.sum,smsp__sass_thread_inst_executed_op_dmul_pred_on.sum,smsp__sass_thread_inst_executed_op_dadd_pred_on.sum
ncu --kernel-name regex:train_per_thread --metrics "$metrics" --csv ./build-device/perfgen run data/example1-grid.toml \
  -o "$out/ncu.h5" --force --quiet --backend cuda --set train.loss_tol=0 --set train.max_iters=999 \
  --set 'sweep={n = [6], c_tilde = {linspace = [0.0, 1.0, 8192]}}' > "$out/ncu.csv" 2>&1 || true
awk -F'","' '/inst_executed_op/ {gsub(/[",]/, "", $NF); total += $NF} END {
  if (total > 0) printf "FP64 instructions per network-step (ncu, DFMA+DMUL+DADD): %.1f\n", total / (8192 * 1000);
  else print "ncu gave no counts; see ncu.csv" }' "$out/ncu.csv" | tee "$out/fp64-per-step.txt"
# GPU peers (the machine's own PyTorch, JAX, CuPy): verified on perfgen's CPU results, then timed on
# 10^5 networks × 2000 steps against perfgen's CUDA rate on the same workload.
./build-device/perfgen run bench/peers/workload.toml -o "$out/verify.h5" --quiet --backend cpu --force \
  --set train.max_iters=200 --set 'sweep.c_tilde={linspace=[0.0, 1.0, 256]}' >/dev/null
./build-device/perfgen bench --networks 4096 --steps 2000 --latency-steps 1000 > "$out/bench-short.txt" 2>&1 || true
rate=$(awk '/^Example 1, 100000 networks/ {for (i = 1; i <= NF; i++) if ($i ~ /e\+/) {print $i; exit}}' "$out/bench-short.txt")
timeout 150 python3 bench/peers/peers.py "$out/verify.h5" 100000 2000 "${rate:-nan}" cuda 2>&1 | tee "$out/peers-gpu.txt" || true
# Last, as it is the longest: the full benchmark, the latency case at 10^8 steps in three shapes.
timeout 300 ./build-device/perfgen bench --steps 20000 2>&1 | tee "$out/bench.txt"
if [ "$tests_rc" -ne 0 ]; then
  echo "CUDA TESTS FAILED (see $out/cuda-tests.log)"
  exit 1
fi
