#!/usr/bin/env bash
# FP64 instructions of one Example-1 network-step, counted statically in the PTX for sm_90 (no GPU
# needed): the step with its 12 tanh, and one tanh alone (the shared tanh, include/perfgen/shared_tanh.h:
# branch-free, so every instruction counted executes; a division counts one PTX instruction, which SASS
# expands). perfgen bench uses the step's count (cuda/fp64_peak.h) until ncu on the device
# (bench/device_check.sh) has counted what executes.
#   bash bench/ptx/count_fp64.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nvcc -std=c++17 -O3 -arch=sm_90 --fmad=false -Iinclude --ptx bench/ptx/example1_step.cu -o "$work/step.ptx"
awk '/^\.visible \.entry/ { name = $3; sub(/\(.*/, "", name) }
     /^\t(@%p[0-9]+ )?(add|sub|mul|fma|neg|abs|rcp|sqrt|div|setp|min|max)(\.[a-z]+)*\.f64[ \t]/ { count[name]++ }
     END { for (n in count) printf "%-28s %4d FP64 PTX instructions\n", n, count[n] }' \
  "$work/step.ptx" | sed 's/_Z8one_stepPKdPd/one step (12 tanh)/; s/_Z8one_tanhPKdPd/one tanh/'
