// One gradient-descent step against a value worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "perfgen/training.h"

namespace perfgen {
namespace {

// m = 1, d = 1, bias, tanh; θ = (a, w, b) = (0.5, 0.3, −0.2); one sample x = 2, y = 0.4; ½Σ loss; lr 0.1.
// z = 0.3·2 − 0.2 = 0.4, f = 0.5·tanh(0.4), r = f − y.
// ∂ℓ/∂a = r·tanh(0.4), ∂ℓ/∂w = r·a·(1 − tanh²(0.4))·x, ∂ℓ/∂b = r·a·(1 − tanh²(0.4)).
TEST(GradientDescent, OneStepMatchesHandComputation) {
  const NetShape shape{1, 1, true, Activation::tanh};
  const double x = 2.0, y = 0.4;
  std::vector<double> theta{0.5, 0.3, -0.2}, grad(3), work(gradient_workspace_size(shape, 1));
  TrainSettings settings;
  settings.lr = 0.1;
  settings.max_iters = 1;
  settings.loss_tol = 0.0;
  const TrainResult result =
      train_network(shape, DataView{&x, &y, 1}, settings, theta.data(), grad.data(), work.data());

  const double t = 0.3799489622552249;  // tanh(0.4)
  const double r = 0.5 * t - 0.4;       // −0.21002551887238757
  const double slope = 1.0 - t * t;
  EXPECT_EQ(result.status, TrainStatus::max_iters);
  EXPECT_EQ(result.iterations, 1);
  EXPECT_NEAR(theta[0], 0.5 - 0.1 * r * t, 1e-15);
  EXPECT_NEAR(theta[1], 0.3 - 0.1 * r * 0.5 * slope * 2.0, 1e-15);
  EXPECT_NEAR(theta[2], -0.2 - 0.1 * r * 0.5 * slope, 1e-15);
  // And the numbers themselves, worked out independently (Python's math module) to 15 digits.
  EXPECT_NEAR(theta[0], 0.507979897794268, 1e-14);
  EXPECT_NEAR(theta[1], 0.317970598001404, 1e-14);
  EXPECT_NEAR(theta[2], -0.191014700999298, 1e-14);
}

}  // namespace
}  // namespace perfgen
