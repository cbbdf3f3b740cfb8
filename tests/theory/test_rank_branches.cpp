// The branches of the target set Q* (host/theory/target_branches.h): which are enumerated, their
// dimensions, and that the points built on them give f_θ = f* exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "perfgen/network.h"
#include "tangent_space.h"
#include "target_branches.h"

namespace perfgen {
namespace {

NetShape shape(int width, int input_dim, bool bias, Activation activation = Activation::tanh) {
  NetShape s;
  s.width = width;
  s.input_dim = input_dim;
  s.bias = bias;
  s.activation = activation;
  return s;
}

TargetSettings target_of(int input_dim, double a = 1.0, double b = 1.0) {
  TargetSettings t;
  t.a = a;
  t.b = b;
  t.w.assign(input_dim, 1.0);
  for (int i = 1; i < input_dim; ++i) t.w[i] = 1.0 - 0.5 * i;
  return t;
}

TEST(TargetBranches, Example1HasThePapersTwoAndAnInertNeuron) {
  const NetShape s = shape(2, 1, true);
  const std::vector<TargetBranch> b = target_branches(s);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].label(), "Q^1 (j = 2)");
  EXPECT_EQ(b[0].dimension(s), 1);  // a1 + a2 = a0
  EXPECT_EQ(b[1].label(), "Q^2 (j = 1)");
  EXPECT_EQ(b[1].dimension(s), 2);  // (w2, b2) free
  EXPECT_EQ(b[2].label(), "[j = 1, 1 inert]");
  EXPECT_EQ(b[2].dimension(s), 1);  // a2 free, w̃2 = 0
}

TEST(TargetBranches, WidthThreeAddsCancellingAndConstantGroups) {
  const NetShape s = shape(3, 1, true);
  std::set<std::string> labels;
  for (const TargetBranch& b : target_branches(s)) labels.insert(b.label() + " dim " + std::to_string(b.dimension(s)));
  const std::set<std::string> expected = {"Q^1 (j = 3) dim 2",
                                          "Q^2 (j = 2) dim 3",
                                          "Q^3 (j = 1) dim 4",
                                          "[j = 2, 1 inert] dim 2",
                                          "[j = 1, cancelling 2] dim 3",
                                          "[j = 1, 1 silent, 1 inert] dim 3",
                                          "[j = 1, constant 2] dim 3"};
  EXPECT_EQ(labels, expected);
}

TEST(TargetBranches, WithoutBiasInertNeuronsMayRepeatAndNoConstantGroupExists) {
  const NetShape s = shape(3, 2, false);
  std::set<std::string> labels;
  for (const TargetBranch& b : target_branches(s)) labels.insert(b.label());
  EXPECT_TRUE(labels.count("[j = 1, 2 inert]"));
  for (const std::string& l : labels) EXPECT_EQ(l.find("constant"), std::string::npos) << l;
}

TEST(TargetBranches, EveryPointBuiltIsOnTheTargetSet) {
  for (const Activation activation : {Activation::tanh, Activation::rational})
    for (const bool bias : {true, false})
      for (int width = 2; width <= 5; ++width) {
        const NetShape s = shape(width, 2, bias, activation);
        const TargetSettings t = target_of(2, -0.75, 0.5);
        NetShape one = s;
        one.width = 1;
        std::vector<double> star = {t.a, t.w[0], t.w[1]};
        if (bias) star.push_back(t.b);
        const SamplePoints x = gaussian_points(2, 50, 2.0, 7);
        int index = 0;
        for (const TargetBranch& b : target_branches(s))
          for (const bool generic : {true, false}) {
            const std::vector<double> theta = branch_point(s, t, b, generic, 100 + index++);
            ASSERT_EQ(theta.size(), static_cast<std::size_t>(s.param_count()));
            for (int i = 0; i < x.count; ++i) {
              const double* xi = x.x.data() + 2 * i;
              EXPECT_NEAR(forward(s, theta.data(), xi), forward(one, star.data(), xi), 1e-13)
                  << b.label() << (generic ? " generic" : " corner") << " width " << width;
            }
          }
      }
}

TEST(TargetBranches, GenericPointsHaveNoZeroFreeParameter) {
  const NetShape s = shape(2, 1, true);
  const TargetSettings t = target_of(1);
  const std::vector<TargetBranch> b = target_branches(s);
  const std::vector<double> q2 = branch_point(s, t, b[1], true, 3);  // (a0, w0, b0, 0, w2, b2)
  EXPECT_EQ(q2[0], 1.0);
  EXPECT_EQ(q2[3], 0.0);
  EXPECT_NE(q2[4], 0.0);
  EXPECT_NE(q2[5], 0.0);
  const std::vector<double> q1 = branch_point(s, t, b[0], true, 3);  // a1 + a2 = a0, both on w̃0
  EXPECT_EQ(q1[0] + q1[3], 1.0);
  EXPECT_NE(q1[3], 0.0);
  EXPECT_EQ(q1[4], 1.0);
  EXPECT_EQ(q1[5], 1.0);
}

}  // namespace
}  // namespace perfgen
