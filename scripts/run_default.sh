#!/usr/bin/env bash
# First command of the README: install what is missing, build, and run the embedded default
# experiment (Example 1 over n and c_tilde), writing default-example1.h5 and printing its table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
./build/perfgen run --force "$@"
