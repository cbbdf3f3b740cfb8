#!/usr/bin/env bash
# Installs what perfgen needs on a fresh Debian machine of this kind, creates the Python venv
# used by the reader tests and analysis, then configures and builds with CMake.
# Idempotent: each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: HDF5 C library + HL (file format), toml++ (experiment files),
# CLI11 (command line), GoogleTest (tests), netcdf-bin (ncdump, an independent reader),
# ccache (faster rebuilds), bc (bench scripts), python3-venv (the project's venv), Random123 (the host
# Philox streams), Open MPI (the mpirun launch and its
# tests), clang and its runtime libraries (the libFuzzer target over the experiment-file parser), GMP
# with its C++ interface (exact rational ranks in perfgen rank), shellcheck (the device scripts'
# test, bench.device_check).
packages=(cmake ninja-build g++ libhdf5-dev zlib1g-dev libtomlplusplus-dev libcli11-dev libgtest-dev
          netcdf-bin hdf5-tools ccache bc python3-venv librandom123-dev libopenmpi-dev openmpi-bin clang libclang-rt-14-dev
          libgmp-dev shellcheck)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The CUDA toolkit (nvcc, cuRAND) comes with this machine kind; it is not a Debian package here.
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi
# Without it the CPU simulator is built alone (CMakeLists.txt: PERFGEN_CUDA).
command -v nvcc >/dev/null 2>&1 ||
  echo "setup: nvcc not found: building the CPU simulator without the GPU backend (install the CUDA toolkit for it)" >&2

# Python venv for the independent readers (h5py, xarray with h5netcdf).
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import xarray, h5netcdf, h5py" 2>/dev/null; then
  echo "setup: creating .venv"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
fi

preset="${PERFGEN_PRESET:-release}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
