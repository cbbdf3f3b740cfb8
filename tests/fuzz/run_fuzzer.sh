#!/usr/bin/env bash
# Builds the libFuzzer target with clang (ASan + UBSan, a build of its own in build-fuzz/) and runs it
# for a bounded time over a corpus seeded with data/*.toml and tests/data/bad/*.toml.
#   bash tests/fuzz/run_fuzzer.sh [SECONDS [GENERATED]]
# SECONDS defaults to 30; GENERATED is the CMake build's generated/ folder (the embedded experiments'
# headers), default build/generated. CTest runs it as fuzz.experiment_file with its own build's folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
generated=${2:-build/generated}
[ -f "$generated/default_experiment.h" ] || { echo "fuzz: no $generated/default_experiment.h: configure a CMake build first" >&2; exit 1; }
out=build-fuzz
mkdir -p "$out/corpus" "$out/findings"
binary=$out/fuzz_experiment_file
sources=(tests/fuzz/fuzz_experiment_file.cpp host/config/experiment_file.cpp host/config/experiment_text.cpp
         host/config/experiment_validation.cpp host/config/name_suggestions.cpp host/config/override_text.cpp
         host/config/toml_character_guard.cpp
         host/base/hdf5_signature.cpp)
if [ ! -x "$binary" ] || [ -n "$(find "${sources[@]}" "$generated"/*.h host/base/*.h host/config/*.h include/perfgen/*.h -newer "$binary" 2>/dev/null)" ]; then
  echo "fuzz: building $binary with clang++"
  # NDEBUG as in the shipped build: toml++ asserts on some malformed table headers ("[# x]") in debug
  # builds, where its release code reports the parse error that perfgen turns into exit 2.
  clang++ -std=c++17 -O1 -g -DNDEBUG -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Iinclude -Ihost/config -Ihost/base -I"$generated" "${sources[@]}" -o "$binary"
fi
cp data/*.toml data/figures/*.toml tests/data/bad/*.toml "$out/corpus/" 2>/dev/null || true
# Findings (crash-*, timeout-*, oom-*) land in $out/findings; the run fails on the first one.
"$binary" "$out/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$out/findings/" -print_final_stats=1 2>&1 | tail -n 25
