// One Example-1 step (m = 2, d = 1, n = 6, bias, tanh) of the shared math, and one shared tanh, as
// kernels of their own: bench/ptx/count_fp64.sh counts their FP64 instructions in the PTX.
#include "perfgen/training.h"
using namespace perfgen;
using S = FixedShape<2, 1, true>;
__global__ void one_step(const double* in, double* out) {
  S s;
  double theta[6], grad[6], x[6], y[6], work[6 * 5];
#pragma unroll
  for (int p = 0; p < 6; ++p) theta[p] = in[p];
#pragma unroll
  for (int q = 0; q < 6; ++q) {
    x[q] = in[6 + q];
    y[q] = in[12 + q];
  }
  const double loss = loss_and_gradient(s, theta, DataOf<double, 6>{x, y, 6}, LossKind::half_sum, grad, work);
  descend(6, 0.05, grad, theta);
  out[0] = loss;
#pragma unroll
  for (int p = 0; p < 6; ++p) out[1 + p] = theta[p];
}
__global__ void one_tanh(const double* in, double* out) { out[0] = shared_tanh(in[0]); }
