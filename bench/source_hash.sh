#!/usr/bin/env bash
# One hash of the sources the device kit is built from (CMake files, cuda/, host/, include/, tests/'s
# C++ and CUDA files, the headers CMake generates from *.h.in, and the experiment files it compiles in),
# by path and content, with no git needed: bench/prepare_device.sh writes it into
# the kit's MANIFEST and bench/device_check.sh recomputes it on the tree that travelled with the kit,
# so a kit built from other sources than the ones beside it is reported.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  ls CMakeLists.txt
  sed -n 's/^perfgen_embed_toml(\([^ ]*\) .*/\1/p' CMakeLists.txt  # data/*.toml compiled in
  find cuda host include tests -type f \( -name '*.cpp' -o -name '*.cu' -o -name '*.h' -o -name '*.cuh' \
    -o -name '*.h.in' -o -name CMakeLists.txt \) 2>/dev/null
} | LC_ALL=C sort | while IFS= read -r f; do
  printf '%s %s\n' "$(sha256sum <"$f" | cut -c1-64)" "$f"
done | sha256sum | cut -c1-16
