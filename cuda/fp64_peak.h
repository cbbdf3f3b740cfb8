// What perfgen bench divides by on a GPU: the device's FP64 peak, measured rather than looked up in a
// table of architectures (independent chains of FMAs in every thread of a full grid), and the FP64
// instructions of an Example-1 step.
#pragma once

namespace perfgen::cuda {

double measured_fp64_peak(int device);  // flop/s

// FP64 instructions the per-thread register kernel executes per Example-1 network-step (m = 2, d = 1,
// bias, tanh, n = 6), for perfgen bench's share of the FP64 instruction peak without ncu. Until ncu has
// counted them on a device (bench/device_check.sh, step ncu_thread), the static count of one step of the
// shared math in the PTX (bash bench/ptx/count_fp64.sh, nvcc 13, 2026-12-02): the shared tanh is
// branch-free, so every instruction counted runs. Not the same count as ncu's DFMA + DMUL + DADD: the
// PTX count has FP64 compares, negations and absolute values besides, and in SASS each of the 12
// divisions becomes a reciprocal and its refinement, and the stopping rule adds a few.
constexpr double kExample1Fp64InstructionsPerStep = 451;

}  // namespace perfgen::cuda
