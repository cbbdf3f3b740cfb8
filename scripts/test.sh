#!/usr/bin/env bash
# Second command of the README (and what CI runs): install what is missing, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ctest --preset "${PERFGEN_PRESET:-release}"
