// The plain kernel peer (issue 14): what a CUDA programmer writes for perfgen's Example-1 workload in
// an afternoon. One thread per network, θ in registers, the samples unrolled, `steps` steps without
// any stopping test, then the final ½Σ loss. `perfgen bench` compiles it into perfgen (cuda/plain_peer.cu)
// and bench/peers/peers.py hands the same file to CuPy's RawKernel, so both time one source.
#ifndef SAMPLES
#define SAMPLES 6  // the Example-1 grid: x = linspace(-2, 2, 6)
#endif
extern "C" __global__ void train_plain(const double* __restrict__ theta0, double* __restrict__ loss,
                                       const double* __restrict__ xs, const double* __restrict__ ys,
                                       long long networks, int steps, double lr) {
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= networks) return;
  double x[SAMPLES], y[SAMPLES];
#pragma unroll
  for (int j = 0; j < SAMPLES; ++j) { x[j] = xs[j]; y[j] = ys[j]; }
  const double* t = theta0 + 6 * i;
  double a0 = t[0], w0 = t[1], b0 = t[2], a1 = t[3], w1 = t[4], b1 = t[5];
  for (int s = 0; s < steps; ++s) {
    double ga0 = 0.0, gw0 = 0.0, gb0 = 0.0, ga1 = 0.0, gw1 = 0.0, gb1 = 0.0;
#pragma unroll
    for (int j = 0; j < SAMPLES; ++j) {
      const double h0 = tanh(w0 * x[j] + b0), h1 = tanh(w1 * x[j] + b1);
      const double r = a0 * h0 + a1 * h1 - y[j];
      ga0 += r * h0;
      ga1 += r * h1;
      const double c0 = r * a0 * (1.0 - h0 * h0), c1 = r * a1 * (1.0 - h1 * h1);
      gw0 += c0 * x[j];
      gb0 += c0;
      gw1 += c1 * x[j];
      gb1 += c1;
    }
    a0 -= lr * ga0; w0 -= lr * gw0; b0 -= lr * gb0;
    a1 -= lr * ga1; w1 -= lr * gw1; b1 -= lr * gb1;
  }
  double l = 0.0;
#pragma unroll
  for (int j = 0; j < SAMPLES; ++j) {
    const double r = a0 * tanh(w0 * x[j] + b0) + a1 * tanh(w1 * x[j] + b1) - y[j];
    l += r * r;
  }
  loss[i] = 0.5 * l;
}
