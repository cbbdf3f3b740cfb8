// The plain kernel peer (cuda/plain_peer_kernel.cuh), timed by `perfgen bench` beside perfgen's own
// kernels, so the ratio the CUDA issue asks about is measured in one call. This header is plain C++.
#pragma once

#include <vector>

namespace perfgen::cuda {

struct PlainPeerRun {
  double seconds = 0.0;            // the timed launch and the copy back, after an untimed warm-up
  std::vector<double> final_loss;  // ½Σ loss after `steps` steps, per network
};

// Trains every network (theta0: 6 parameters each, perfgen's layout) for exactly `steps` steps on the
// Example-1 grid samples xs, ys (6 each), one network per thread in blocks of 128, as CuPy launches it.
PlainPeerRun run_plain_peer(int device, const std::vector<double>& theta0, const std::vector<double>& xs,
                            const std::vector<double>& ys, int steps, double lr);

}  // namespace perfgen::cuda
