#!/usr/bin/env bash
# Second command of the README (and what CI runs): install what is missing, build, run every test;
# then build the host code again under AddressSanitizer + UndefinedBehaviorSanitizer (build-sanitize/)
# and run the unit and process tests labelled `sanitize` there, and under ThreadSanitizer (build-tsan/)
# and run the suites that start threads, labelled `tsan` (docs/TESTING.md).
# Fails if any stage fails. PERFGEN_SANITIZE=0 skips both sanitizer stages, PERFGEN_TSAN=0 the last.
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

  if [ "${PERFGEN_TSAN:-1}" != 0 ]; then
    echo "test: ThreadSanitizer build in build-tsan/"
    cmake --preset tsan >/dev/null
    cmake --build --preset tsan
    # GCC 12's TSan cannot map its shadow memory where the kernel randomizes mmap with more than 28
    # bits (vm.mmap_rnd_bits = 32 on some newer kernels: "FATAL: ThreadSanitizer: unexpected memory
    # mapping"); the tests and their perfgen children then run without address randomization.
    tsan_ctest=(ctest --preset tsan)
    if [ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28)" -gt 28 ]; then
      tsan_ctest=(setarch "$(uname -m)" -R "${tsan_ctest[@]}")
    fi
    "${tsan_ctest[@]}" || status=$?
  fi
fi
if [ "$status" -ne 0 ]; then
  echo "test: FAILED (see the CTest output above)" >&2
fi
exit "$status"
