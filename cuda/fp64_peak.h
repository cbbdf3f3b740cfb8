// The device's FP64 peak, measured rather than looked up in a table of architectures: independent
// chains of FMAs in every thread of a full grid.
#pragma once

namespace perfgen::cuda {

double measured_fp64_peak(int device);  // flop/s

}  // namespace perfgen::cuda
