#!/usr/bin/env bash
# Run HERE (not on the device machine), right before the device call: builds what bench/device_check.sh
# runs there and puts it, with the shared libraries it needs, into one git-ignored folder (the kit)
# that the call carries. Issue 14: a source build on the device failed (the carried Debian packages
# lacked libunistring2); binaries built here and carried with their libraries ran.
#
#   bash bench/prepare_device.sh            build (Release, sm_90 + PTX, portable host code, no MPI),
#                                           fill device-kit/, check it, print the `run` call to make
#
# The kit: device-kit/bin/ (perfgen, the test binaries that need a GPU, and perfgen-x86-64-v3/-v4 from
# build-device-x86-64-v3/-v4: the same code with AVX2 / AVX-512 host code, for the CPU side of the
# comparisons, since the portable perfgen's vector kernel has 2 SSE2 lanes), device-kit/lib/ (every
# shared library `ldd` lists except glibc's own, libstdc++, libgcc_s and the CUDA driver, which the
# device machine has), device-kit/MANIFEST (sources' hash, flags, files). It fails loudly, exit 1:
#   - if the build fails, or the build folder's cache does not hold the flags below after configuring
#     (a build folder of another source tree or generator is wiped first; a stale one is rebuilt by
#     ninja, which rebuilds whatever is older than its sources);
#   - if `ldd` cannot resolve a library of any kit binary ("not found": it would not start there either),
#     or a kit binary does not resolve every carried library from the kit itself;
#   - if the kit plus the working tree that travels with it is over PERFGEN_KIT_LIMIT_MIB (default 60;
#     the device call takes at most 64 MiB in all).
# Settings (environment): PERFGEN_DEVICE_BUILD (build folder, default build-device), PERFGEN_KIT (kit
# folder, default device-kit; git-ignored), PERFGEN_KIT_LIMIT_MIB, JOBS (build jobs, default nproc),
# PERFGEN_CPU_LEVELS (default "x86-64-v3 x86-64-v4"; "" builds no CPU-tuned perfgen), PERFGEN_KIT_EXTRA
# (space-separated extra executables to put in the kit; used to test the ldd check).
# Takes about 3-4 minutes on 2 cores from a cold build folder (ccache shares the CUDA objects).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${PERFGEN_DEVICE_BUILD:-build-device}
kit=${PERFGEN_KIT:-device-kit}
limit_mib=${PERFGEN_KIT_LIMIT_MIB:-60}
jobs=${JOBS:-$(nproc)}
cpu_levels=${PERFGEN_CPU_LEVELS-x86-64-v3 x86-64-v4}
# The test binaries that need a GPU (tests/CMakeLists.txt): the CUDA backend and the shared math under
# nvcc; test_cell_aggregation (plain C++ since the Thrust version went, kept as in the 2026-11-30 run);
# test_architectures (the built list against this device) and test_config_errors (its --backend cuda
# test takes the other branch when a GPU is present).
tests=(test_cuda_backend test_cuda_math test_cell_aggregation test_architectures test_config_errors)
# -lineinfo: compute-sanitizer's reports and ncu's source view name the source line (no change to the code).
flags=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 -DPERFGEN_NATIVE=OFF -DPERFGEN_MPI=OFF
  -DCMAKE_CUDA_FLAGS=-lineinfo)
# Present on the device machine (Ubuntu 24.04 image, newer glibc and libstdc++ than Debian 12 here) or
# the driver's own: never carried. Carrying another glibc's libm/libmvec/libc breaks a binary.
system_libs='^(linux-vdso|linux-gate|ld-linux.*|libc|libm|libmvec|libpthread|libdl|librt|libresolv|libutil|libanl|libstdc\+\+|libgcc_s|libcuda|libnvidia-.*|libcurand)\.so'

die() {
  echo "prepare_device: FAILED: $*" >&2
  exit 1
}
case "$kit" in /* | ../* | *..*) die "PERFGEN_KIT must be a folder inside the repository (got $kit)" ;; esac
git check-ignore -q "$kit/" || die "$kit/ is not git-ignored: it would travel twice (and be committed); add /$kit/ to .gitignore"

# 1. Configure and build DIR with FLAGS for TARGETS: configure_and_build DIR "FLAGS..." TARGETS...
configure_and_build() {
  local dir=$1 extra=$2
  shift 2
  local all=("${flags[@]}")
  [ -n "$extra" ] && all+=("$extra")
  # A folder configured for another source tree or generator cannot be reused.
  if [ -f "$dir/CMakeCache.txt" ]; then
    local home generator
    home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$dir/CMakeCache.txt")
    generator=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$dir/CMakeCache.txt")
    if [ "$home" != "$root" ] || [ "$generator" != Ninja ]; then
      echo "prepare_device: $dir was configured for '$home' with '$generator': wiping it"
      rm -rf "$dir"
    fi
  fi
  mkdir -p "$dir"
  echo "prepare_device: configuring $dir (${all[*]})"
  cmake -S . -B "$dir" -G Ninja "${all[@]}" >"$dir/prepare-configure.log" 2>&1 ||
    { tail -n 30 "$dir/prepare-configure.log" >&2; die "cmake configure (log: $dir/prepare-configure.log)"; }
  cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$dir/CMakeCache.txt"; }
  [ "$(cache_value CMAKE_CUDA_ARCHITECTURES)" = 90 ] || die "$dir: CMAKE_CUDA_ARCHITECTURES is '$(cache_value CMAKE_CUDA_ARCHITECTURES)', not 90"
  [ "$(cache_value PERFGEN_NATIVE)" = OFF ] || die "$dir: PERFGEN_NATIVE is not OFF (a -march=native binary may not run there)"
  [ "$(cache_value PERFGEN_MPI)" = OFF ] || die "$dir: PERFGEN_MPI is not OFF"
  [ "$(cache_value CMAKE_BUILD_TYPE)" = Release ] || die "$dir: CMAKE_BUILD_TYPE is not Release"
  [ "$(cache_value CMAKE_CUDA_FLAGS)" = -lineinfo ] || die "$dir: CMAKE_CUDA_FLAGS is '$(cache_value CMAKE_CUDA_FLAGS)', not -lineinfo"
  [ "$(cache_value CMAKE_CXX_FLAGS)" = "${extra#-DCMAKE_CXX_FLAGS=}" ] || die "$dir: CMAKE_CXX_FLAGS is '$(cache_value CMAKE_CXX_FLAGS)'"
  case "$(cache_value PERFGEN_SANITIZE)" in "" | OFF | off | 0 | FALSE | NO) ;; *) die "$dir: PERFGEN_SANITIZE is on" ;; esac
  # Build: ninja rebuilds whatever is older than its sources.
  echo "prepare_device: building $* in $dir with $jobs jobs (log: $dir/prepare-build.log)"
  cmake --build "$dir" -j "$jobs" --target "$@" >"$dir/prepare-build.log" 2>&1 ||
    { tail -n 40 "$dir/prepare-build.log" >&2; die "build (log: $dir/prepare-build.log)"; }
  if grep -q 'ninja: no work to do' "$dir/prepare-build.log"; then
    echo "prepare_device: $dir was up to date"
  else
    grep -E '^\[[0-9]+/[0-9]+\]' "$dir/prepare-build.log" | tail -n 1 | sed 's/^/prepare_device: last build step: /' || true
  fi
  if ! ninja -C "$dir" -n "$@" | grep -q 'no work to do'; then
    local why
    why=$(ninja -C "$dir" -n -d explain "$@" 2>&1 | grep -m 1 'explain' || true)
    die "$dir is still out of date after the build (a source changed during it: ${why:-?}): run again"
  fi
}
configure_and_build "$build" "" perfgen "${tests[@]}"
# 2. The CPU's side of the comparisons (default experiment and one network on --backend cpu, CPU bench
# rows): the portable binary's vector kernel has 2 SSE2 lanes, so a perfgen per x86-64 level as well
# (v3: AVX2 + FMA, 4 lanes; v4: AVX-512, 8 lanes). device_check.sh takes the widest that starts there.
for level in $cpu_levels; do
  configure_and_build "$build-$level" "-DCMAKE_CXX_FLAGS=-march=$level" perfgen
done

# 3. The kit: binaries, then every library ldd resolves for them that the device may lack.
rm -rf "$kit"
mkdir -p "$kit/bin" "$kit/lib"
put() { # SOURCE [NAME]
  [ -x "$1" ] || die "$1 was not built"
  cp -L "$1" "$kit/bin/${2:-$(basename "$1")}"
}
put "$build/perfgen"
for t in "${tests[@]}"; do put "$build/tests/$t"; done
for level in $cpu_levels; do put "$build-$level/perfgen" "perfgen-$level"; done
for extra in ${PERFGEN_KIT_EXTRA:-}; do put "$extra"; done
missing=""
for b in "$kit"/bin/*; do
  listing=$(ldd "$b" 2>&1) || die "ldd $b failed: $listing"
  if grep -q 'not found' <<<"$listing"; then
    missing+="$b:"$'\n'"$(grep 'not found' <<<"$listing")"$'\n'
    continue
  fi
  while read -r name arrow path _; do
    if [ "$arrow" != "=>" ] || [ -z "$path" ]; then continue; fi
    grep -Eq "$system_libs" <<<"$name" && continue
    [ -f "$kit/lib/$name" ] || cp -L "$path" "$kit/lib/$name"
  done <<<"$listing"
done
[ -z "$missing" ] || die "shared libraries that ldd cannot find (the binary would not start here or there):"$'\n'"$missing"

# Every binary must take each carried library from the kit, and start with the kit's libraries only.
for b in "$kit"/bin/*; do
  listing=$(LD_LIBRARY_PATH="$root/$kit/lib" ldd "$b" 2>&1)
  grep -q 'not found' <<<"$listing" && die "$b with LD_LIBRARY_PATH=$kit/lib: $(grep 'not found' <<<"$listing")"
  while read -r name arrow path _; do
    [ "$arrow" = "=>" ] || continue
    grep -Eq "$system_libs" <<<"$name" && continue
    [ "$path" = "$root/$kit/lib/$name" ] || die "$b takes $name from $path, not from the kit"
  done <<<"$listing"
done
LD_LIBRARY_PATH="$root/$kit/lib" "$kit/bin/perfgen" --version >/dev/null || die "$kit/bin/perfgen does not start"
LD_LIBRARY_PATH="$root/$kit/lib" "$kit/bin/perfgen" info | grep -q 'built with sm_90' ||
  die "$kit/bin/perfgen info does not say 'built with sm_90'"
for level in $cpu_levels; do # run each here where this CPU has its instructions (v4 needs AVX-512)
  flag=$(case $level in x86-64-v3) echo avx2 ;; x86-64-v4) echo avx512f ;; *) echo sse2 ;; esac)
  if grep -qw "$flag" /proc/cpuinfo; then
    LD_LIBRARY_PATH="$root/$kit/lib" "$kit/bin/perfgen-$level" info | grep '^cpu backend' | sed "s/^/prepare_device: perfgen-$level: /" ||
      die "$kit/bin/perfgen-$level does not start"
  else
    echo "prepare_device: perfgen-$level not run here (no $flag on this CPU); device_check.sh tries it there"
  fi
done

# 4. Size: the kit travels with the working tree (tracked and untracked-not-ignored files), 64 MiB in all.
kit_bytes=$(du -sb "$kit" | cut -f1)
tree_bytes=$(git ls-files -z -co --exclude-standard | du -cb --files0-from=- 2>/dev/null | tail -n 1 | cut -f1)
total_mib=$(((kit_bytes + tree_bytes + 1048575) / 1048576))
echo "prepare_device: kit $((kit_bytes / 1048576)) MiB + working tree $((tree_bytes / 1048576)) MiB = $total_mib MiB (limit $limit_mib MiB)"
((total_mib <= limit_mib)) || die "kit + working tree is $total_mib MiB, over $limit_mib MiB (the device call carries at most 64 MiB)"

# 5. The manifest: what was built from what. device_check.sh compares the source hash with the tree there.
source_hash=$(bash bench/source_hash.sh)
max_version() { objdump -T "$kit"/bin/* "$kit"/lib/* 2>/dev/null | grep -o "$1_[0-9.]*" | sort -uV | tail -n 1; }
{
  # shellcheck source=/dev/null
  echo "prepared $(date -u +%Y-%m-%dT%H:%MZ) on $(hostname) ($(. /etc/os-release && echo "$PRETTY_NAME"), $(ldd --version | head -n 1))"
  echo "commit $(git rev-parse HEAD)$(git diff --quiet HEAD -- . ':!bench' || echo ' + uncommitted changes')"
  echo "source_hash $source_hash"
  echo "flags ${flags[*]}"
  echo "needs $(max_version GLIBC) $(max_version GLIBCXX) (the device machine's must be at least these)"
  echo "cuda $(nvcc --version | tail -n 1) (the CUDA runtime is linked in: the driver there must support it)"
  echo "perfgen $(LD_LIBRARY_PATH="$root/$kit/lib" "$kit/bin/perfgen" --version)"
  (cd "$kit" && find bin lib -type f -printf '%s %p\n' | sort -k2)
} >"$kit/MANIFEST"
sed 's/^/prepare_device: /' "$kit/MANIFEST" | head -n 7
echo "prepare_device: $(find "$kit/bin" -type f | wc -l) binaries, $(find "$kit/lib" -type f | wc -l) libraries: $(find "$kit/lib" -type f -printf '%f\n' | LC_ALL=C sort | tr '\n' ' ')"
echo
echo "Ready. The one device call (a session lent the machine; about 8 minutes of its 15):"
echo "  run(command=\"bash bench/device_check.sh\", carry=[\"$kit\"], timeout_s=540)"
echo "Figures come back in \$OUT: results.txt (every result line, written as made), summary.txt, logs.tar.gz."
