#!/usr/bin/env bash
# Second command of the README (and what CI runs): install what is missing, build, run every test;
# then build the host code again under AddressSanitizer + UndefinedBehaviorSanitizer (build-sanitize/)
# and run the unit and process tests labelled `sanitize` there (docs/TESTING.md).
# Fails if either stage fails. PERFGEN_SANITIZE=0 skips the sanitizer stage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
status=0
ctest --preset "${PERFGEN_PRESET:-release}" || status=$?

if [ "${PERFGEN_SANITIZE:-1}" != 0 ]; then
  # as in setup.sh: the CUDA toolkit is not on every PATH (the .cu objects themselves come from ccache,
  # compiled with the release build's flags just above)
  if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH="/usr/local/cuda/bin:$PATH"
  fi
  echo "test: sanitizer build (ASan + UBSan) in build-sanitize/"
  cmake --preset sanitize >/dev/null
  cmake --build --preset sanitize
  ctest --preset sanitize || status=$?
fi
if [ "$status" -ne 0 ]; then
  echo "test: FAILED (see the CTest output above)" >&2
fi
exit "$status"
