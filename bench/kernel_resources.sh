#!/usr/bin/env bash
# Registers, stack frame and spills of every training kernel for sm_90, as ptxas reports them (no GPU
# needed). A "thread per network (registers)" kernel must show no stack frame: its network lives in
# registers. Usage: bash bench/kernel_resources.sh [ARCH]   (default 90)
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:-90}
arch=${arch%%;*}    # a CMake list: its first architecture
arch=${arch%%-*}    # 90-real -> 90
[[ $arch =~ ^[0-9]+$ ]] || arch=90
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-72s %9s %7s %7s\n' kernel registers stack spills
for source in cuda/thread_kernels.cu cuda/group_kernel.cu cuda/block_kernel.cu; do
  nvcc -std=c++17 -O3 -arch=sm_$arch --fmad=false -Xptxas -v -Iinclude -Icuda -c "$source" -o "$work/k.o" 2>"$work/ptxas.txt"
  # ptxas prints, per function: "Function properties for NAME", the stack/spill line, the register line.
  awk '/Function properties for/ {name = $NF}
       /stack frame/ {stack = $1; spills = $5 + $9}
       /Used [0-9]+ registers/ && name != "" {
         for (i = 1; i <= NF; i++) if ($i == "Used") regs = $(i + 1)
         printf "%s %s %s %s\n", name, regs, stack, spills; name = "" }' "$work/ptxas.txt" |
    while read -r mangled regs stack spills; do
      printf '%-72s %9s %7s %7s\n' "$(echo "$mangled" | c++filt | sed -E 's/perfgen::(cuda::)?//g; s/\(anonymous namespace\):://g' | cut -c1-72)" \
        "$regs" "$stack" "$spills"
    done
done
