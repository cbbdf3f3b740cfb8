#!/usr/bin/env bash
# Host pipeline benchmark, no GPU needed: `perfgen run` of the peer workload (Example 1, n = 6 grid)
# at train.max_iters=1, so training is negligible and every other stage shows, at 10^4, 10^5 and
# 10^6 trials along the c_tilde axis (one cell per trial) and along the init_seed axis (one seed per
# trial). Prints the wall time and trials/s of the pipelined run (stages overlapping, as users run
# it), trials/s of each stage from a --serial run of the same sweep (a stage alone on the machine:
# in the pipelined run stages share the cores, so their own times mean little), and the scaling
# exponent of the pipelined wall time from the smallest to the largest size (1.0 = linear).
# Usage: bash bench/pipeline.sh [SIZES...]   (default: 10000 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
perfgen=${PERFGEN:-./build/perfgen}
sizes=("$@")
((${#sizes[@]})) || sizes=(10000 100000 1000000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -n), $(nproc) cores, $("$perfgen" info | sed -n 2p)"
printf '%-10s %9s %8s %10s | %-8s %13s %10s %10s %10s %10s\n' axis trials wall_s 'total/s' serial: \
  'materialize/s' 'train/s' 'columns/s' 'write/s' 'merge/s'
for axis in c_tilde init_seed; do
  first_wall="" first_n=""
  for n in "${sizes[@]}"; do
    if [ "$axis" = c_tilde ]; then sweep="sweep.c_tilde={linspace=[0,1,$n]}"; else sweep="sweep.init_seed={range=[0,$n]}"; fi
    run() { "$perfgen" run bench/peers/workload.toml -o "$work/p.h5" --force --quiet --backend cpu \
      --set train.max_iters=1 --set "$sweep" "$@" >"$work/out.txt"; }
    start=$(date +%s.%N)
    run
    wall=$(echo "$(date +%s.%N) - $start" | bc -l)
    run --serial
    stages=$(grep '^stages:' "$work/out.txt")
    rate() { # trials per second of one stage, from "stages: plan 0.01 s, materialize 0.52 s, ..."
      echo "$stages" | awk -v stage="$1" -v n="$n" '{for (i = 1; i <= NF; ++i) if ($i == stage) {
        s = $(i + 1); if (s > 0) printf "%.3g", n / s; else printf "inf"; exit}}'
    }
    printf '%-10s %9d %8.2f %10.3g | %-8s %13s %10s %10s %10s %10s\n' "$axis" "$n" "$wall" \
      "$(echo "$n / $wall" | bc -l)" "" "$(rate materialize)" "$(rate train)" "$(rate columns)" "$(rate write)" \
      "$(rate merge)"
    if [ -z "$first_wall" ]; then first_wall=$wall first_n=$n; fi
    last_wall=$wall last_n=$n
  done
  if [ "$first_n" != "$last_n" ]; then
    echo "$axis: wall-time exponent from $first_n to $last_n trials: $(echo "l($last_wall / $first_wall) / l($last_n / $first_n)" | bc -l | xargs printf '%.3f')"
  fi
done
