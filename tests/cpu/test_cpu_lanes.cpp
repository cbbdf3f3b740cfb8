// The vectorized CPU kernel against the scalar reference: its tanh within a stated ulp bound, one
// loss-and-gradient evaluation per lane, whole training runs, and the test-set pass of several networks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <iostream>

#include "cpu_lanes.h"
#include "experiments.h"
#include "simd_pack.h"
#include "temp_dir.h"
#include "training.h"

namespace perfgen {
namespace {

using simd::kLanes;
using simd::Pack;

double ulps_from(double value, long double exact) {
  const double rounded = static_cast<double>(exact);
  const double ulp = std::nextafter(std::fabs(rounded), INFINITY) - std::fabs(rounded);
  return static_cast<double>(std::fabs(static_cast<long double>(value) - exact) / ulp);
}

TEST(VectorTanh, WithinFourUlpOfTheExactValue) {
  double worst = 0.0;
  for (int decade = -300; decade <= 1; ++decade) {
    for (int step = 0; step < 200; ++step) {
      Pack x;
      for (int lane = 0; lane < kLanes; ++lane) {
        const double mantissa = 1.0 + 9.0 * (step * kLanes + lane) / (200.0 * kLanes);
        x.v[lane] = (lane % 2 ? -1 : 1) * mantissa * std::pow(10.0, decade);
      }
      const Pack t = tanh(x);
      for (int lane = 0; lane < kLanes; ++lane) worst = std::max(worst, ulps_from(t[lane], tanhl(x[lane])));
    }
  }
  std::cout << "vector tanh: max error " << worst << " ulp\n";
  EXPECT_LE(worst, 4.0);
}

TEST(VectorTanh, SpecialValues) {
  Pack x(0.0);
  x.v[0] = INFINITY;
  if (kLanes > 1) x.v[1] = -INFINITY;
  const Pack t = tanh(x);
  EXPECT_EQ(t[0], 1.0);
  if (kLanes > 1) EXPECT_EQ(t[1], -1.0);
  EXPECT_TRUE(std::isnan(tanh(Pack(NAN))[0]));
  EXPECT_EQ(tanh(Pack(-0.0))[0], 0.0);
  EXPECT_TRUE(std::signbit(tanh(Pack(-0.0))[0]));
  EXPECT_EQ(tanh(Pack(40.0))[0], 1.0);
}

TEST(VectorKernel, LossAndGradientPerLaneMatchScalar) {
  for (const NetShape shape : {NetShape{2, 1, true, Activation::tanh}, NetShape{3, 2, false, Activation::tanh},
                               NetShape{2, 3, true, Activation::rational}}) {
    const int n = 5, d = shape.input_dim, count = shape.param_count();
    std::vector<Pack> theta(count), x(n * d), y(n), grad(count), work(gradient_workspace_size(shape, n));
    for (int lane = 0; lane < kLanes; ++lane) {
      for (int p = 0; p < count; ++p) theta[p].v[lane] = std::sin(1.0 + p + 7.0 * lane);
      for (int i = 0; i < n * d; ++i) x[i].v[lane] = std::cos(2.0 + i + 3.0 * lane);
      for (int i = 0; i < n; ++i) y[i].v[lane] = 0.3 * std::sin(i + lane);
    }
    const Pack loss = loss_and_gradient(shape, theta.data(), DataOf<Pack>{x.data(), y.data(), n}, LossKind::half_sum,
                                        grad.data(), work.data());
    for (int lane = 0; lane < kLanes; ++lane) {
      std::vector<double> t(count), xs(n * d), ys(n), g(count), w(work.size());
      for (int p = 0; p < count; ++p) t[p] = theta[p][lane];
      for (int i = 0; i < n * d; ++i) xs[i] = x[i][lane];
      for (int i = 0; i < n; ++i) ys[i] = y[i][lane];
      const double scalar =
          loss_and_gradient(shape, t.data(), DataView{xs.data(), ys.data(), n}, LossKind::half_sum, g.data(), w.data());
      EXPECT_LT(testing::relative_difference(loss[lane], scalar), 1e-14);
      for (int p = 0; p < count; ++p) EXPECT_NEAR(grad[p][lane], g[p], 1e-14 * std::max(1.0, std::abs(g[p])));
    }
  }
}

// Example 1 away from the Q1/Q2 boundary, the runtime-shape path (m = 3), and a run stopped by its
// budget: both kernels reach the same status and branch; θ agrees to 1e-9 relative (the tanh
// difference of a few ulp grows along the trajectory, most near the saddle escape).
TEST(VectorKernel, TrainingMatchesTheScalarKernel) {
  const Experiment e = testing::experiment_from(testing::kExample1Grid + R"(max_iters = 200000
[sweep]
n = [3, 6]
c_tilde = [0.0, 0.2, 0.5, 1.0]
)");
  const Plan plan(e);
  const auto vector_out = testing::train_trials(plan, 0, -1, 2, CpuKernel::vector).outcomes;
  const auto scalar_out = testing::train_trials(plan, 0, -1, 2, CpuKernel::scalar).outcomes;
  for (std::size_t i = 0; i < scalar_out.size(); ++i) {
    SCOPED_TRACE("trial " + std::to_string(i));
    EXPECT_EQ(vector_out[i].train.status, scalar_out[i].train.status);
    EXPECT_EQ(vector_out[i].branch.branch, scalar_out[i].branch.branch);
    EXPECT_EQ(vector_out[i].recovered, scalar_out[i].recovered);
    EXPECT_NEAR(static_cast<double>(vector_out[i].train.iterations),
                static_cast<double>(scalar_out[i].train.iterations), 1e-3 * scalar_out[i].train.iterations + 2);
    for (std::size_t p = 0; p < vector_out[i].theta.size(); ++p)
      EXPECT_NEAR(vector_out[i].theta[p], scalar_out[i].theta[p],
                  1e-9 * std::max(1.0, std::abs(scalar_out[i].theta[p])));
  }
}

TEST(VectorKernel, RuntimeShapeAndBudgetStops) {
  const Experiment e = testing::experiment_from(R"(
[model]
width = 3
[data]
distribution = "uniform"
[init]
scale = 0.3
[train]
lr = 0.05
max_iters = 777
[sweep]
n = [4]
data_seed = { range = [0, 11] }
)");
  const Plan plan(e);
  const auto vector_out = testing::train_trials(plan, 0, -1, 1, CpuKernel::vector).outcomes;
  const auto scalar_out = testing::train_trials(plan, 0, -1, 1, CpuKernel::scalar).outcomes;
  for (std::size_t i = 0; i < scalar_out.size(); ++i) {
    EXPECT_EQ(vector_out[i].train.status, scalar_out[i].train.status);
    EXPECT_EQ(vector_out[i].train.iterations, scalar_out[i].train.iterations);
    EXPECT_LT(testing::relative_difference(vector_out[i].train.final_loss, scalar_out[i].train.final_loss), 1e-9);
    EXPECT_LT(testing::relative_difference(vector_out[i].generalization.mean_squared,
                                           scalar_out[i].generalization.mean_squared),
              1e-9);
    EXPECT_LT(testing::relative_difference(vector_out[i].generalization.max_abs, scalar_out[i].generalization.max_abs),
              1e-9);
  }
}

// Stopped networks share packs for the test-set pass; a network's errors are the same bits whichever
// networks (or none) share its pack.
TEST(VectorKernel, GeneralizationErrorDoesNotDependOnItsPackNeighbours) {
  const Experiment e = testing::experiment_from(testing::kExample1Grid + R"(max_iters = 3000
[sweep]
c_tilde = { linspace = [0.0, 1.0, 11] }
)");
  const Plan plan(e);
  const auto together = testing::train_trials(plan, 0, -1, 1, CpuKernel::vector).outcomes;
  for (std::int64_t i = 0; i < plan.trial_count(); ++i) {
    const auto alone = testing::train_trials(plan, i, i + 1, 1, CpuKernel::vector).outcomes;
    EXPECT_EQ(std::memcmp(&alone[0].generalization, &together[i].generalization, sizeof(GeneralizationError)), 0)
        << "trial " << i;
  }
}

}  // namespace
}  // namespace perfgen
