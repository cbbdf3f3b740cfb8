// The block kernel's network (cuda/block_network.h) run on the host: each phase of a step over all
// its indices before the next (as the barriers order them on the GPU), the warp's sum over neurons
// split into 32 lane parts. Wide and high-dimensional networks must end where the CPU's
// train_network ends (same status, θ and final loss within 1e-9: the lane parts sum in another order).
#include <gtest/gtest.h>

#include <cmath>

#include "batch_layout.h"
#include "block_network.h"
#include "experiments.h"
#include "materialize.h"
#include "temp_dir.h"

namespace perfgen {
namespace {

TrainResult train_as_block(const cuda::DeviceBatch& b) {
  cuda::BlockNetwork net = cuda::BlockNetwork::of(b, 0);
  for (std::int64_t iteration = 0;; ++iteration) {
    for (int q = 0; q < net.n * net.m; ++q) net.activation(q);
    double sum_sq = 0.0;
    for (int sample = 0; sample < net.n; ++sample) {
      double f = 0.0;
      for (int lane = 0; lane < 32; ++lane) f += net.output_part(sample, lane, 32);
      net.set_residual(sample, f);
      sum_sq += net.residual[sample] * net.residual[sample];
    }
    double grad_sq = 0.0;
    for (int p = 0; p < net.count; ++p) grad_sq += std::pow(net.gradient_entry(p), 2);
    TrainResult result;
    if (net.stops(net.scale * sum_sq, std::sqrt(grad_sq), iteration, result)) return result;
    for (int p = 0; p < net.count; ++p) net.descend_entry(p);
  }
}

void expect_block_matches_train_network(const std::string& toml) {
  const Experiment e = testing::experiment_from(toml);
  const Plan plan(e);  // keeps a reference to e
  Materializer materializer(plan);
  for (std::int64_t index = 0; index < plan.trial_count(); ++index) {
    SCOPED_TRACE("trial " + std::to_string(index));
    const std::vector<MaterializedTrial> trials{materializer.materialize(index)};
    const MaterializedTrial& t = trials[0];
    std::vector<double> theta = t.theta0, grad(t.shape.param_count()),
                        work(gradient_workspace_size(t.shape, t.data().count));
    const TrainResult want = train_network(t.shape, t.data(), t.train, theta.data(), grad.data(), work.data());
    cuda::BatchLayout layout = cuda::lay_out(trials, {0});
    std::vector<double> scratch(static_cast<std::size_t>(layout.scratch));
    cuda::DeviceResult result{};
    const cuda::DeviceBatch b{
        layout.records.data(), 1,       &result, layout.theta.data(), layout.inputs.data(), layout.targets.data(),
        scratch.data(),        nullptr, nullptr};
    const TrainResult got = train_as_block(b);
    EXPECT_EQ(got.status, want.status);
    EXPECT_EQ(got.iterations, want.iterations);
    EXPECT_LT(testing::relative_difference(got.final_loss, want.final_loss, 1e-11), 1e-9);
    for (std::size_t p = 0; p < theta.size(); ++p)
      EXPECT_NEAR(layout.theta[p], theta[p], 1e-9 * std::max(1.0, std::abs(theta[p])));
  }
}

TEST(BlockNetwork, WideNetworkMatchesTrainNetwork) {
  expect_block_matches_train_network(testing::wide_rational_experiment(100, 3000) + "[sweep]\ninit_seed = [0, 1]\n");
}

TEST(BlockNetwork, HighDimensionalInputMatchesTrainNetwork) {
  expect_block_matches_train_network(testing::high_dimensional_experiment(20, 0.005, 1e-3, 3000) +
                                     "[sweep]\nc_tilde = [0.2, 1.0]\n");
}

}  // namespace
}  // namespace perfgen
