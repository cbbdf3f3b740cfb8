// The analytic gradient against central finite differences, for both activations, with and
// without bias, widths 1/2/5, input dims 1/3, under each loss convention.
#include <gtest/gtest.h>

#include <random>
#include <tuple>
#include <vector>

#include "perfgen/network.h"
#include "perfgen/sharpness.h"

namespace perfgen {
namespace {

using Case = std::tuple<Activation, bool, int, int, LossKind>;

class GradientTest : public ::testing::TestWithParam<Case> {};

TEST_P(GradientTest, MatchesCentralFiniteDifferences) {
  const auto [activation, bias, width, dim, kind] = GetParam();
  const NetShape shape{width, dim, bias, activation};
  std::mt19937_64 rng(1234 + width * 10 + dim);
  std::normal_distribution<double> normal(0.0, 0.8);
  const int n = 5;
  std::vector<double> x(n * dim), y(n), theta(shape.param_count());
  for (double& v : x) v = normal(rng);
  for (double& v : y) v = normal(rng);
  for (double& v : theta) v = normal(rng);
  const DataView data{x.data(), y.data(), n};

  std::vector<double> grad(shape.param_count()), work(gradient_workspace_size(shape, n));
  const double loss = loss_and_gradient(shape, theta.data(), data, kind, grad.data(), work.data());
  EXPECT_DOUBLE_EQ(loss, loss_value(shape, theta.data(), data, kind));

  const double h = 1e-6;
  for (int p = 0; p < shape.param_count(); ++p) {
    std::vector<double> plus = theta, minus = theta;
    plus[p] += h;
    minus[p] -= h;
    const double numeric =
        (loss_value(shape, plus.data(), data, kind) - loss_value(shape, minus.data(), data, kind)) / (2 * h);
    EXPECT_NEAR(grad[p], numeric, 1e-7 * std::max(1.0, std::abs(numeric))) << "parameter " << p;
  }
}

INSTANTIATE_TEST_SUITE_P(AllShapes, GradientTest,
                         ::testing::Combine(::testing::Values(Activation::tanh, Activation::rational),
                                            ::testing::Bool(), ::testing::Values(1, 2, 5), ::testing::Values(1, 3),
                                            ::testing::Values(LossKind::half_sum, LossKind::half_mean, LossKind::mse)));

TEST(Activation, RationalMatchesItsDefinition) {
  double value, slope;
  activate(Activation::rational, 2.0, value, slope);
  EXPECT_DOUBLE_EQ(value, 2.0 / 5.0);
  EXPECT_DOUBLE_EQ(slope, (1.0 - 4.0) / 25.0);
  EXPECT_DOUBLE_EQ(activation_slope_at_zero(Activation::rational), 1.0);
  EXPECT_DOUBLE_EQ(activation_slope_at_zero(Activation::tanh), 1.0);
}

}  // namespace
}  // namespace perfgen

namespace perfgen {
namespace {

// At a zero-residual point the Hessian of ½Σ r² is JᵀJ: for one neuron without bias and one sample,
// its top eigenvalue is ‖J‖² = tanh²(wx) + a²x²·sech⁴(wx).
TEST(Sharpness, MatchesTheGaussNewtonEigenvalueAtAZeroResidualPoint) {
  const NetShape shape{1, 1, false, Activation::tanh};
  const double a = 1.3, w = 0.7, x = 1.1;
  const double y = a * std::tanh(w * x);
  const std::vector<double> theta{a, w};
  std::vector<double> scratch(sharpness_scratch_size(shape, 1));
  const double sharpness = loss_sharpness(shape, theta.data(), {&x, &y, 1}, LossKind::half_sum, scratch.data());
  const double sech2 = 1.0 - std::tanh(w * x) * std::tanh(w * x);
  const double expected = std::tanh(w * x) * std::tanh(w * x) + a * a * x * x * sech2 * sech2;
  EXPECT_NEAR(sharpness, expected, 1e-6 * expected);
  // The mean-loss convention scales it by 1/n (here n = 1) and mse by 2/n.
  EXPECT_NEAR(loss_sharpness(shape, theta.data(), {&x, &y, 1}, LossKind::mse, scratch.data()), 2 * expected,
              2e-6 * expected);
}

// Away from a minimum (residuals ≠ 0, so ∇²f matters) the exact Hessian's dominant eigenvalue equals
// the power iteration's on finite differences, for both activations, with bias, d = 1 and d = 3.
TEST(Sharpness, ExactHessianAgreesWithPowerIterationAwayFromAMinimum) {
  for (const Activation activation : {Activation::tanh, Activation::rational})
    for (const int d : {1, 3}) {
      const NetShape shape{2, d, true, activation};
      std::vector<double> theta(shape.param_count());
      for (std::size_t p = 0; p < theta.size(); ++p) theta[p] = 0.9 * std::sin(1.7 * p + 0.3);
      const int n = 5;
      std::vector<double> x(n * d), y(n);
      for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1.5 * std::cos(2.3 * i);
      for (int i = 0; i < n; ++i) y[i] = std::tanh(x[i * d] + 1.0);
      const DataView data{x.data(), y.data(), n};
      std::vector<double> scratch(5 * shape.param_count() + gradient_workspace_size(shape, n) +
                                  sharpness_scratch_size(shape, n));
      for (const LossKind loss : {LossKind::half_sum, LossKind::mse}) {
        const double exact = loss_sharpness(shape, theta.data(), data, loss, scratch.data());
        const double iterated = power_iteration_sharpness(shape, theta.data(), data, loss, scratch.data(), 400);
        EXPECT_NEAR(exact, iterated, 1e-6 * std::fabs(exact)) << "d = " << d << ", activation " << int(activation);
      }
    }
}

}  // namespace
}  // namespace perfgen
