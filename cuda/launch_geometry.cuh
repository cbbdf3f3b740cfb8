// The launch shape every training kernel uses: enough blocks for the batch's workers, but no more than
// the device holds resident at once (the occupancy API). The workers drain the batch's queue
// (cuda/device_batch.h), so a block beyond the resident ones would only wait for a free slot.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "cuda_check.h"
#include "kernels.h"

namespace perfgen::cuda {

// Blocks of `threads` threads for `workers` workers (a thread, a lane group or a block each),
// `workers_per_block` to a block: at least one.
template <class Kernel>
int resident_blocks(Kernel kernel, int threads, std::int64_t workers, int workers_per_block,
                    const DeviceLimits& limits) {
  int resident = 0;
  CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, kernel, threads, 0));
  const std::int64_t needed = (workers + workers_per_block - 1) / workers_per_block;
  return static_cast<int>(
      std::max<std::int64_t>(1, std::min<std::int64_t>(needed, std::int64_t{resident} * limits.multiprocessors)));
}

}  // namespace perfgen::cuda
