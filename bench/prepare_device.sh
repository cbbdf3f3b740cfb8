#!/usr/bin/env bash
# Run HERE (not on the device machine) before bench/device_check.sh: the device machine has nvcc,
# CMake and ninja but none of perfgen's Debian libraries and no network, so their packages travel
# with the call. Downloads them into .device-debs/ (git-ignored; name it in the run's `carry`).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .device-debs
cd .device-debs
apt-get update -qq
# Headers and libraries perfgen builds against, and the shared libraries they pull in at run time.
apt-get download -qq libhdf5-dev libhdf5-103-1 libhdf5-hl-100 libhdf5-cpp-103-1 libhdf5-hl-cpp-100 \
  libhdf5-fortran-102 libhdf5-hl-fortran-100 libsz2 libaec0 libaec-dev libtomlplusplus-dev libtomlplusplus3 \
  libcli11-dev libgtest-dev zlib1g-dev libjpeg-dev libjpeg62-turbo libcurl4 libnghttp2-14 librtmp1 libssh2-1 \
  libpsl5 libbrotli1 libldap-2.5-0 libsasl2-2 2>&1 | tail -n 2 || true
du -sh .
