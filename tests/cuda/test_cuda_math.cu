// The shared math compiled by nvcc and run on the device must match the host to the last bit
// or close to it: loss and gradient of one network. Skips, saying why, where no GPU is usable.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <vector>

#include "device_probe.h"
#include "perfgen/network.h"

namespace perfgen {
namespace {

__global__ void loss_and_gradient_kernel(NetShape shape, const double* theta, const double* x, const double* y, int n,
                                         double* grad, double* work, double* loss) {
  *loss = loss_and_gradient(shape, theta, DataView{x, y, n}, LossKind::half_sum, grad, work);
}

template <class T>
T* to_device(const std::vector<T>& host) {
  T* device = nullptr;
  EXPECT_EQ(cudaMalloc(&device, host.size() * sizeof(T)), cudaSuccess);
  EXPECT_EQ(cudaMemcpy(device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice), cudaSuccess);
  return device;
}

TEST(CudaMath, DeviceGradientMatchesHost) {
  const cuda::DeviceProbe probe = cuda::probe_devices();
  if (probe.devices.empty()) GTEST_SKIP() << "no usable CUDA device: " << probe.problem;

  const NetShape shape{2, 1, true, Activation::tanh};
  const std::vector<double> theta{0.3, -0.7, 0.2, 0.9, 0.4, -0.1}, x{-2.0, -1.2, -0.4, 0.4, 1.2, 2.0};
  std::vector<double> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = std::tanh(x[i] + 1.0);
  const int n = static_cast<int>(x.size());
  std::vector<double> host_grad(shape.param_count()), work(gradient_workspace_size(shape, n));
  const double host_loss = loss_and_gradient(shape, theta.data(), DataView{x.data(), y.data(), n}, LossKind::half_sum,
                                             host_grad.data(), work.data());

  double* d_theta = to_device(theta);
  double* d_x = to_device(x);
  double* d_y = to_device(y);
  double* d_grad = to_device(host_grad);
  double* d_work = to_device(work);
  double* d_loss = to_device(std::vector<double>{0.0});
  loss_and_gradient_kernel<<<1, 1>>>(shape, d_theta, d_x, d_y, n, d_grad, d_work, d_loss);
  ASSERT_EQ(cudaGetLastError(), cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  std::vector<double> device_grad(host_grad.size());
  double device_loss = 0.0;
  ASSERT_EQ(cudaMemcpy(device_grad.data(), d_grad, device_grad.size() * sizeof(double), cudaMemcpyDeviceToHost),
            cudaSuccess);
  ASSERT_EQ(cudaMemcpy(&device_loss, d_loss, sizeof(double), cudaMemcpyDeviceToHost), cudaSuccess);
  for (double* p : {d_theta, d_x, d_y, d_grad, d_work, d_loss}) cudaFree(p);

  // CUDA's tanh and glibc's differ by up to ~1 ulp, so the comparison is relative, not bitwise.
  EXPECT_NEAR(device_loss, host_loss, 1e-14 * host_loss);
  for (std::size_t p = 0; p < host_grad.size(); ++p)
    EXPECT_NEAR(device_grad[p], host_grad[p], 1e-13 * std::max(1.0, std::abs(host_grad[p]))) << "parameter " << p;
}

}  // namespace
}  // namespace perfgen
