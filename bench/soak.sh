#!/usr/bin/env bash
# Soak benchmark: 10^6 Example-1 trials (Gaussian data, 1000 data seeds x 1000 values of c_tilde,
# n = 6, at most 1000 steps each) on the CPU, sampling the process's memory and the finished batches
# every few seconds, to show that memory stays flat and throughput steady until the final merge.
#   bash bench/soak.sh [SAMPLE_SECONDS]        (prints a table; about half a minute on 2 cores)
# Columns: batches (of 1024 trials) on disk, the trials they hold, the rate since the last sample,
# the resident memory now and its peak so far (the final merge holds every row at once).
set -euo pipefail
cd "$(dirname "$0")/.."
every=${1:-2}
[ -x build/perfgen ] || bash scripts/setup.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s.%N)
./build/perfgen run -o "$work/soak.h5" --backend cpu --quiet \
  --set 'sweep={n = [6], c_tilde = {linspace = [0.0, 1.0, 1000]}, data_seed = {range = [0, 1000]}}' \
  --set train.max_iters=1000 > "$work/run.log" 2>&1 &
pid=$!
printf '%8s %10s %12s %12s %10s %10s\n' seconds batches trials trials/s rss_MiB peak_MiB
last_trials=0
last_time=$start
while kill -0 "$pid" 2>/dev/null; do
  sleep "$every"
  now=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status" 2>/dev/null || echo -)
  peak=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status" 2>/dev/null || echo -)
  [ -d "$work/soak.h5.shards" ] || { echo "(merged; shards removed)"; continue; }
  # batches-FIRST-to-LAST-every-STRIDE.h5 holds (LAST - FIRST) / STRIDE + 1 batches
  batches=$(ls "$work/soak.h5.shards" 2>/dev/null |
    awk -F'[-.]' '/^batches-.*\.h5$/ {n += ($4 - $2) / $6 + 1} END {print n + 0}')
  trials=$((batches * 1024))
  rate=$(awk -v a="$trials" -v b="$last_trials" -v t="$now" -v s="$last_time" 'BEGIN {printf "%.0f", (a - b) / (t - s)}')
  printf '%8.0f %10d %12d %12s %10s %10s\n' "$(awk -v t="$now" -v s="$start" 'BEGIN {print t - s}')" "$batches" \
    "$trials" "$rate" "$rss" "$peak"
  last_trials=$trials
  last_time=$now
done
wait "$pid"
tail -n 1 "$work/run.log"
