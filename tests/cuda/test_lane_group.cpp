// The lane-group latency shape (cuda/group_kernel.cu, a RegisterNetwork per lane) run on the host: a group's lanes in
// lockstep, the kernel's butterfly sum emulated with the same pairing, so every lane must hold bitwise the same loss,
// gradient and θ at every step, and the network must end where the CPU's train_network ends (same status, θ within
// 1e-9: the group sums the samples in another order).
#include <gtest/gtest.h>

#include "batch_layout.h"
#include "experiments.h"
#include "kernel_choice.h"
#include "kernels.h"
#include "materialize.h"
#include "register_network.h"

namespace perfgen {
namespace {

using Example1 = FixedShape<2, 1, true>;

// group_sum of cuda/group_kernel.cu: at each level every lane adds the value of lane ^ offset.
void butterfly_sum(std::vector<double>& values) {
  const int lanes = static_cast<int>(values.size());
  for (int offset = lanes / 2; offset > 0; offset /= 2) {
    const std::vector<double> before = values;
    for (int l = 0; l < lanes; ++l) values[l] = before[l] + before[l ^ offset];
  }
}

// Trains trial 0 of the layout with `lanes` lanes; checks the lanes agree at every step.
TrainResult train_as_group(const cuda::DeviceBatch& b, int lanes, std::vector<double>& theta_out) {
  using Share = cuda::RegisterNetwork<Example1, cuda::kSamplesPerLane>;
  std::vector<Share> group(lanes);
  for (int l = 0; l < lanes; ++l) group[l].load(b, 0, l);
  for (;;) {
    std::vector<double> loss(lanes);
    for (int l = 0; l < lanes; ++l) loss[l] = group[l].partial();
    butterfly_sum(loss);
    for (int p = 0; p < Share::kParams; ++p) {
      std::vector<double> g(lanes);
      for (int l = 0; l < lanes; ++l) g[l] = group[l].grad[p];
      butterfly_sum(g);
      for (int l = 0; l < lanes; ++l) group[l].grad[p] = g[l];
    }
    std::vector<TrainResult> result(lanes);
    std::vector<bool> stopped(lanes);
    for (int l = 0; l < lanes; ++l) stopped[l] = group[l].finish(loss[l], result[l]);
    for (int l = 1; l < lanes; ++l) {
      EXPECT_EQ(stopped[l], stopped[0]);
      for (int p = 0; p < Share::kParams; ++p) EXPECT_EQ(group[l].theta[p], group[0].theta[p]);
    }
    if (stopped[0]) {
      theta_out.assign(group[0].theta, group[0].theta + Share::kParams);
      return result[0];
    }
  }
}

TEST(LaneGroup, LanesAgreeAndMatchTrainNetwork) {
  const Experiment e = testing::experiment_from(testing::kExample1Grid + R"(max_iters = 30000
loss = "half_mean"
[sweep]
n = [3, 6]
c_tilde = [0.0, 0.5, 1.0]
)");
  const Plan plan(e);  // keeps a reference to e
  Materializer materializer(plan);
  int checked = 0;
  for (std::int64_t index = 0; index < plan.trial_count(); ++index) {
    const std::vector<MaterializedTrial> trials{materializer.materialize(index)};
    const MaterializedTrial& t = trials[0];
    std::vector<double> theta = t.theta0, grad(t.shape.param_count()),
                        work(gradient_workspace_size(t.shape, t.data().count));
    const TrainResult want = train_network(t.shape, t.data(), t.train, theta.data(), grad.data(), work.data());
    for (const int lanes : {2, 4, 8}) {
      if (!cuda::group_fits(t.shape, t.data().count, lanes)) continue;  // too few lanes for the samples
      SCOPED_TRACE("trial " + std::to_string(index) + ", " + std::to_string(lanes) + " lanes");
      ++checked;
      const cuda::BatchLayout layout = cuda::lay_out(trials, {0});
      cuda::DeviceResult result{};
      const cuda::DeviceBatch b{layout.records.data(),
                                1,
                                &result,
                                const_cast<double*>(layout.theta.data()),
                                layout.inputs.data(),
                                layout.targets.data(),
                                nullptr,
                                nullptr,
                                nullptr};
      std::vector<double> got_theta;
      const TrainResult got = train_as_group(b, lanes, got_theta);
      EXPECT_EQ(got.status, want.status);
      EXPECT_NEAR(static_cast<double>(got.iterations), static_cast<double>(want.iterations),
                  1e-3 * want.iterations + 2);
      for (std::size_t p = 0; p < theta.size(); ++p)
        EXPECT_NEAR(got_theta[p], theta[p], 1e-9 * std::max(1.0, std::abs(theta[p])));
    }
  }
  EXPECT_EQ(checked, 3 * 3 + 3 * 2);  // n = 3: 2, 4 and 8 lanes; n = 6: 4 and 8
}

}  // namespace
}  // namespace perfgen
