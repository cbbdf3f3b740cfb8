// A trial's data and θ0 depend on its identity alone; datasets of one seed are nested across n;
// imbalance control hits the requested ratios.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

#include "cpu_backend.h"
#include "experiments.h"
#include "materialize.h"
#include "random_streams.h"
#include "temp_dir.h"

namespace perfgen {
namespace {

const char* kSweep = R"(
name = "determinism"
[data]
distribution = "gaussian"
[init]
scale = 1e-3
[train]
max_iters = 2000
[sweep]
n = [3, 6]
c_tilde = [0.0, 0.5, 1.0]
data_seed = [0, 7]
init_seed = [1, 2]
)";

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; });
}

TEST(Materialize, TrialInputsDoNotDependOnOrderOrBatch) {
  const Experiment e = testing::experiment_from(kSweep);
  const Plan plan(e);
  Materializer forward(plan), backward(plan);
  std::vector<MaterializedTrial> a, b;
  for (std::int64_t t = 0; t < plan.trial_count(); ++t) a.push_back(forward.materialize(t));
  for (std::int64_t t = plan.trial_count() - 1; t >= 0; --t) b.push_back(backward.materialize(t));
  std::reverse(b.begin(), b.end());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(same_bits(a[i].inputs, b[i].inputs)) << "trial " << i;
    EXPECT_TRUE(same_bits(a[i].theta0, b[i].theta0)) << "trial " << i;
    EXPECT_TRUE(same_bits(a[i].targets, b[i].targets)) << "trial " << i;
  }
}

TEST(Materialize, OutcomesAreBitwiseIdenticalWhateverThreadsAndBatches) {
  const Experiment e = testing::experiment_from(kSweep);
  const Plan plan(e);
  Materializer materializer(plan);
  std::vector<MaterializedTrial> all;
  for (std::int64_t t = 0; t < plan.trial_count(); ++t) all.push_back(materializer.materialize(t));

  TrainControl control;
  std::vector<TrialOutcome> one_thread;
  CpuBackend(1).train(all, materializer.evaluation(), one_thread, control);

  // The same trials, shuffled and split into two batches, on two threads.
  std::vector<std::size_t> order(all.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(5));
  const std::size_t half = order.size() / 2;
  for (auto [begin, end] : {std::pair{std::size_t{0}, half}, std::pair{half, order.size()}}) {
    std::vector<MaterializedTrial> batch;
    for (std::size_t i = begin; i < end; ++i) batch.push_back(all[order[i]]);
    std::vector<TrialOutcome> outcomes;
    CpuBackend(2).train(batch, materializer.evaluation(), outcomes, control);
    for (std::size_t i = begin; i < end; ++i) {
      const TrialOutcome& x = outcomes[i - begin];
      const TrialOutcome& y = one_thread[order[i]];
      EXPECT_TRUE(same_bits(x.theta, y.theta)) << "trial " << order[i];
      EXPECT_EQ(x.train.iterations, y.train.iterations);
      EXPECT_EQ(std::memcmp(&x.generalization.mean_squared, &y.generalization.mean_squared, sizeof(double)), 0);
    }
  }
  EXPECT_EQ(control.finished.load(), 2 * plan.trial_count());
}

TEST(Materialize, DatasetsOfOneSeedAreNestedAcrossN) {
  const Experiment e = testing::experiment_from(kSweep);
  const Plan plan(e);
  Materializer materializer(plan);
  const MaterializedTrial small = materializer.materialize(0);  // n = 3 (first cell), data seed 0
  MaterializedTrial large;
  for (std::int64_t t = 0; t < plan.trial_count(); ++t) {
    large = materializer.materialize(t);
    if (plan.cells()[large.id.cell].n == 6 && large.id.data_seed == small.id.data_seed) break;
  }
  ASSERT_EQ(large.inputs.size(), 6u);
  EXPECT_TRUE(same_bits(small.inputs, std::vector<double>(large.inputs.begin(), large.inputs.begin() + 3)));
}

TEST(RandomStreams, PrefixOfALongerRequestAndDistinctPerPurpose) {
  const auto short_draws = normal_draws(StreamPurpose::data, 42, 5);
  const auto long_draws = normal_draws(StreamPurpose::data, 42, 1001);
  EXPECT_TRUE(same_bits(short_draws, std::vector<double>(long_draws.begin(), long_draws.begin() + 5)));
  EXPECT_FALSE(same_bits(short_draws, normal_draws(StreamPurpose::init, 42, 5)));
  EXPECT_FALSE(same_bits(short_draws, normal_draws(StreamPurpose::data, 43, 5)));
  EXPECT_NE(philox_key(StreamPurpose::data, 1), philox_key(StreamPurpose::init, 0));
}

TEST(Imbalance, HitsTheRequestedRatioForTwoNeurons) {
  for (double c_tilde : {0.2, 0.5, 0.74, 1.0}) {
    const Experiment e = testing::experiment_from(kSweep, {"sweep.c_tilde=[" + std::to_string(c_tilde) + "]"});
    const Plan plan(e);
    Materializer materializer(plan);
    for (std::int64_t t = 0; t < plan.trial_count(); ++t) {
      const Theorem1Quantities q = materializer.materialize(t).theorem1;
      EXPECT_LT(testing::relative_difference(q.c, 1.0 / c_tilde), 1e-12) << "c_tilde " << c_tilde;
      EXPECT_LT(testing::relative_difference(q.c_tilde, c_tilde), 1e-12);
    }
  }
}

TEST(Imbalance, ZeroCTildeMakesNeuronTwoExactlyZero) {
  const Experiment e = testing::experiment_from(kSweep, {"sweep.c_tilde=[0.0]"});
  const Plan plan(e);
  Materializer materializer(plan);
  const MaterializedTrial trial = materializer.materialize(0);
  for (int p = 3; p < 6; ++p) EXPECT_EQ(trial.theta0[p], 0.0);
  EXPECT_NE(trial.theta0[0], 0.0);
  EXPECT_EQ(trial.theorem1.c_tilde, 0.0);
}

TEST(Imbalance, RatioProfileForWideNets) {
  const Experiment e = testing::experiment_from(R"(
[model]
width = 7
activation = "rational"
[init]
scale = 1e-6
ratio_start = 1.5
ratio_step = 0.25
)");
  const Plan plan(e);
  Materializer materializer(plan);
  const Theorem1Quantities q = materializer.materialize(0).theorem1;
  for (int k = 1; k < 7; ++k)
    EXPECT_LT(testing::relative_difference(q.C[k] / q.C[0], 1.5 + 0.25 * (k - 1)), 1e-12) << "neuron " << k;
}

TEST(Theorem1, QuantitiesFollowTheirDefinitions) {
  // d = 1 with bias, x = (1, 2), y = (0.5, −1): γ = Σ y_i (x_i, 1) = (−1.5, −0.5).
  const NetShape shape{2, 1, true, Activation::tanh};
  const std::vector<double> x{1.0, 2.0}, y{0.5, -1.0}, theta{0.1, 0.2, 0.3, -0.4, 0.5, 0.6};
  const Theorem1Quantities q =
      theorem1_quantities(shape, {x.data(), y.data(), 2}, theta.data(), LossKind::half_sum, 0.1);
  const double g = std::sqrt(1.5 * 1.5 + 0.5 * 0.5);
  EXPECT_EQ(q.gamma, (std::vector<double>{-1.5, -0.5}));
  EXPECT_DOUBLE_EQ(q.gamma_norm, g);
  EXPECT_DOUBLE_EQ(q.mu1, g);
  EXPECT_DOUBLE_EQ(q.mu_gd, std::log1p(0.1 * g) / 0.1);
  EXPECT_DOUBLE_EQ(q.C[0], 0.1 * g + (0.2 * -1.5 + 0.3 * -0.5));
  EXPECT_DOUBLE_EQ(q.C[1], -0.4 * g + (0.5 * -1.5 + 0.6 * -0.5));
  EXPECT_DOUBLE_EQ(q.c, q.C[0] / q.C[1]);
  const Theorem1Quantities mean =
      theorem1_quantities(shape, {x.data(), y.data(), 2}, theta.data(), LossKind::half_mean, 0.1);
  EXPECT_DOUBLE_EQ(mean.mu1, g / 2);
  const Theorem1Quantities mse = theorem1_quantities(shape, {x.data(), y.data(), 2}, theta.data(), LossKind::mse, 0.1);
  EXPECT_DOUBLE_EQ(mse.mu1, g);  // 2/n · ‖γ‖ with n = 2
}

}  // namespace
}  // namespace perfgen
