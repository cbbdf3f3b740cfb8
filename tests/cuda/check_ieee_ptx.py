#!/usr/bin/env python3
"""The CUDA kernels round every double operation as IEEE 754 does on the host (no GPU needed).

The per-thread kernels give the CPU's bits only if nvcc fuses no multiply-add on its own
(--fmad=false) and no kernel reaches an approximate instruction (CUDA's tanh, exp or fast-math
division do). Both are visible in the PTX: with --fmad=false every double add, sub and mul carries an
explicit .rn, which ptxas may not fuse; without it they come bare. So each CUDA source is compiled to
PTX with the very command the build uses (compile_commands.json), and every double arithmetic
instruction must be .rn and nothing .approx.

Usage: check_ieee_ptx.py SOURCE_DIR BUILD_DIR SOURCE...   (SOURCE relative to SOURCE_DIR)
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

ARITHMETIC = re.compile(r"^\s*(?:@!?%\w+\s+)?(add|sub|mul|mad|fma|div|rcp|sqrt|rsqrt)((?:\.\w+)*)\.f64\b")
APPROXIMATE = re.compile(r"\.approx\b")


# nvcc's options that name a target, written -opt=VALUE or -opt VALUE (CMake's --generate-code=…, -arch=native
# or all, or what CMAKE_CUDA_FLAGS adds): all dropped, and the PTX made for the first number among them.
ARCHITECTURE_OPTIONS = ("-arch", "--gpu-architecture", "-gencode", "--generate-code", "-code", "--gpu-code")


def ptx_command(entry, ptx_path):
    """The build's command for this source, changed to write PTX for its first target architecture."""
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    kept, numbers, skip_value_of = [], [], None
    for arg in args:
        if skip_value_of:
            if skip_value_of in ARCHITECTURE_OPTIONS:
                numbers += re.findall(r"_(\d+)", arg)
            skip_value_of = None
            continue
        if arg in ("-c", "-MD"):
            continue
        if arg in ("-o", "-MT", "-MF") or arg in ARCHITECTURE_OPTIONS:
            skip_value_of = arg
            continue
        if arg.split("=", 1)[0] in ARCHITECTURE_OPTIONS:
            numbers += re.findall(r"_(\d+)", arg)
            continue
        kept.append(arg)
    return kept + [f"-arch=compute_{numbers[0] if numbers else 90}", "--ptx", "-o", ptx_path]


def check(ptx_text):
    """(double arithmetic instructions, lines that are not IEEE-rounded)."""
    count, bad = 0, []
    for line in ptx_text.splitlines():
        if APPROXIMATE.search(line):
            bad.append(line.strip())
            continue
        found = ARITHMETIC.match(line)
        if found:
            count += 1
            if found.group(2) != ".rn":
                bad.append(line.strip())
    return count, bad


def main():
    source_dir, build_dir, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        entries = {os.path.realpath(os.path.join(e["directory"], e["file"])): e for e in json.load(f)}
    failed, total = False, 0
    with tempfile.TemporaryDirectory() as work:
        for source in sources:
            entry = entries.get(os.path.realpath(os.path.join(source_dir, source)))
            if entry is None:
                print(f"{source}: not in {build_dir}/compile_commands.json (not built?)")
                failed = True
                continue
            ptx = os.path.join(work, os.path.basename(source) + ".ptx")
            compiled = subprocess.run(ptx_command(entry, ptx), cwd=entry["directory"], capture_output=True, text=True)
            if compiled.returncode != 0:
                print(f"{source}: nvcc --ptx failed:\n{compiled.stderr}")
                failed = True
                continue
            with open(ptx) as f:
                text = f.read()
            count, bad = check(text)
            total += count
            if bad:
                failed = True
                print(f"{source}: {len(bad)} of {count} double operations are not IEEE-rounded (.rn), e.g.")
                for line in bad[:5]:
                    print(f"    {line}")
            else:
                print(f"{source}: {count} double arithmetic instructions, every one .rn, none .approx")
    if total == 0 and not failed:
        print("no double arithmetic found: the check saw nothing")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
