// The vectorized CPU kernel against the scalar reference, bit for bit: the tanh of every lane, one
// loss-and-gradient evaluation per lane, whole training runs, and the test-set pass of several networks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <thread>

#include "cpu_lanes.h"
#include "experiments.h"
#include "simd_pack.h"
#include "temp_dir.h"
#include "training.h"

namespace perfgen {
namespace {

using simd::kLanes;
using simd::Pack;

// Every lane of the pack's tanh is the scalar shared_tanh's bits, over 600 decades and the special
// values (its accuracy is tested in tests/math/test_shared_tanh.cpp).
TEST(VectorTanh, EveryLaneHasTheScalarBits) {
  std::vector<double> values = {0.0, -0.0, INFINITY, -INFINITY, NAN, 19.99, 20.0, 20.01, 40.0, -1e300, 5e-324};
  for (int decade = -300; decade <= 2; ++decade)
    for (int step = 0; step < 40; ++step)
      values.push_back((step % 2 ? -1 : 1) * (1.0 + 0.2 * step) * std::pow(10.0, decade));
  for (std::size_t first = 0; first < values.size(); first += kLanes) {
    Pack x;
    for (int lane = 0; lane < kLanes; ++lane) x.v[lane] = values[std::min(first + lane, values.size() - 1)];
    const Pack t = shared_tanh(x);
    for (int lane = 0; lane < kLanes; ++lane) {
      const double scalar = shared_tanh(x[lane]), vector = t[lane];
      EXPECT_EQ(std::memcmp(&scalar, &vector, sizeof(double)), 0) << "tanh(" << x[lane] << ")";
    }
  }
}

// One loss-and-gradient evaluation: each lane has the bits of the scalar code on its network.
TEST(VectorKernel, LossAndGradientPerLaneHaveTheScalarBits) {
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
      EXPECT_TRUE(testing::same_bits(loss[lane], scalar));
      for (int p = 0; p < count; ++p) EXPECT_TRUE(testing::same_bits(grad[p][lane], g[p])) << "parameter " << p;
    }
  }
}

// Whole runs, each trained and evaluated by both kernels, must be the same bits: status, steps, θ,
// loss, ‖∇ℓ‖, generalization error, branch and sharpness.
void expect_same_outcomes(const std::vector<TrialOutcome>& vector_out, const std::vector<TrialOutcome>& scalar_out) {
  ASSERT_EQ(vector_out.size(), scalar_out.size());
  for (std::size_t i = 0; i < scalar_out.size(); ++i) {
    SCOPED_TRACE("trial " + std::to_string(i));
    testing::expect_same_outcome_bits(vector_out[i], scalar_out[i]);
  }
}

// Example 1 on both sides of the Q1/Q2 boundary (0.5 and 1.0 on either side, 0.72 at it: a last-bit
// difference would send some of those runs to the other branch), 200 000 steps each; and again with
// the stationary test on (‖∇ℓ‖ < 1e-7), which stops some runs near the target: the kernels must agree
// on ‖∇ℓ‖ to the bit for the same runs to stop at the same step. Also against train_network with the
// sizes known at run time (the reference the device loops are held to).
TEST(VectorKernel, TrainingGivesTheScalarKernelsBits) {
  for (const std::string stationary : {"", "grad_tol = 1e-7\n"}) {
    SCOPED_TRACE(stationary);
    const Experiment e =
        testing::experiment_from(testing::kExample1Grid + "max_iters = 200000\n" + stationary + R"([sweep]
n = [3, 6]
c_tilde = [0.0, 0.2, 0.5, 0.72, 1.0]
)");
    const Plan plan(e);
    const testing::TrainedTrials trained = testing::train_trials(plan, 0, -1, 2, CpuKernel::vector);
    const std::vector<TrialOutcome>& vector_out = trained.outcomes;
    expect_same_outcomes(vector_out, testing::train_trials(plan, 0, -1, 2, CpuKernel::scalar).outcomes);
    // Both kernels run the paper's shapes at compile-time sizes; the loop at run-time sizes agrees.
    for (std::size_t i = 0; i < trained.trials.size(); ++i) {
      const auto [want, theta] = testing::train_alone(trained.trials[i]);
      EXPECT_EQ(vector_out[i].train.iterations, want.iterations) << "trial " << i;
      EXPECT_TRUE(testing::same_bits(vector_out[i].train.final_loss, want.final_loss)) << "trial " << i;
      for (std::size_t p = 0; p < theta.size(); ++p)
        EXPECT_TRUE(testing::same_bits(vector_out[i].theta[p], theta[p])) << "trial " << i << ", parameter " << p;
    }
    if (!stationary.empty())
      EXPECT_TRUE(std::any_of(vector_out.begin(), vector_out.end(),
                              [](const TrialOutcome& o) { return o.train.status == TrainStatus::stationary; }));
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
  expect_same_outcomes(testing::train_trials(plan, 0, -1, 1, CpuKernel::vector).outcomes,
                       testing::train_trials(plan, 0, -1, 1, CpuKernel::scalar).outcomes);
}

// A network handed over mid-run (CUDA's last networks, MaterializedTrial::first_iteration) ends where
// the uninterrupted run ends, bit for bit, on either kernel; the handed-over part starts at 1500 steps.
TEST(VectorKernel, HandedOverNetworksEndWithTheBitsOfAnUninterruptedRun) {
  const Experiment e = testing::experiment_from(testing::kExample1Grid + R"(max_iters = 200000
[sweep]
n = [3, 6]
c_tilde = [0.0, 0.2, 0.5, 0.72, 1.0]
init_seed = [0, 1]
)");
  const Plan plan(e);
  Materializer materializer(plan);
  const std::vector<MaterializedTrial> trials = testing::materialize_all(plan, materializer);
  constexpr std::int64_t kHandedAt = 1500;
  std::vector<MaterializedTrial> handed;
  std::vector<std::size_t> source;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    MaterializedTrial t = trials[i];
    TrainSettings first_part = t.train;
    first_part.max_iters = kHandedAt;
    std::vector<double> grad(t.shape.param_count()), work(gradient_workspace_size(t.shape, t.data().count));
    const TrainResult r = train_network(t.shape, t.data(), first_part, t.theta0.data(), grad.data(), work.data());
    if (r.status != TrainStatus::max_iters) continue;  // stopped before the hand-over
    t.first_iteration = kHandedAt;
    handed.push_back(std::move(t));
    source.push_back(i);
  }
  ASSERT_GT(handed.size(), trials.size() / 2);
  std::vector<TrialOutcome> whole;
  TrainControl control;
  CpuBackend(1, CpuKernel::scalar).train(trials, materializer.evaluation(), whole, control);
  for (const CpuKernel kernel : {CpuKernel::vector, CpuKernel::scalar}) {
    std::vector<TrialOutcome> resumed, expected;
    CpuBackend(2, kernel).train(handed, materializer.evaluation(), resumed, control);
    for (const std::size_t i : source) expected.push_back(whole[i]);
    expect_same_outcomes(resumed, expected);
  }
}

// The last network of a pack leaves it and finishes alone (cpu_lanes.cpp): a lone trial from its first
// step, and of a quick and a slow run in one pack (n = 6: c~ 0 converges within a few thousand steps,
// c~ 0.72 runs to max_iters, past the scalar loop's chunk of 65 536 steps) the slow one from where the
// quick one stopped. Same bits as the scalar kernel, and every step counted once.
TEST(VectorKernel, TheLastNetworkOfAPackFinishesAloneWithTheSameBits) {
  for (const std::string sweep : {"n = [6]\nc_tilde = [0.72]\n", "n = [6]\nc_tilde = [0.0, 0.72]\n"}) {
    SCOPED_TRACE(sweep);
    const Experiment e = testing::experiment_from(testing::kExample1Grid + "max_iters = 150000\n[sweep]\n" + sweep);
    const Plan plan(e);
    Materializer materializer(plan);
    const std::vector<MaterializedTrial> trials = testing::materialize_all(plan, materializer);
    std::vector<TrialOutcome> vector_out, scalar_out;
    TrainControl control, scalar_control;
    CpuBackend(1, CpuKernel::vector).train(trials, materializer.evaluation(), vector_out, control);
    CpuBackend(1, CpuKernel::scalar).train(trials, materializer.evaluation(), scalar_out, scalar_control);
    expect_same_outcomes(vector_out, scalar_out);
    EXPECT_EQ(vector_out.back().train.status, TrainStatus::max_iters);
    if (trials.size() == 2) EXPECT_LT(vector_out.front().train.iterations, 20000);  // the quick one
    std::int64_t steps = 0;
    for (const TrialOutcome& o : vector_out) steps += o.train.iterations;
    EXPECT_EQ(control.steps.load(), steps);
    EXPECT_EQ(control.finished_steps.load(), steps);
    EXPECT_EQ(control.finished.load(), static_cast<std::int64_t>(trials.size()));
    EXPECT_EQ(control.started.load(), static_cast<std::int64_t>(trials.size()));
  }
}

// A cancel while the last network runs alone: TrainingCancelled, and the network that had stopped in
// the pack before is kept (evaluated), as a cancel inside the pack keeps it.
TEST(VectorKernel, ACancelWhileTheLastNetworkRunsAloneKeepsTheFinishedOnes) {
  const Experiment e = testing::experiment_from(testing::kExample1Grid + R"(max_iters = 1000000000
[sweep]
n = [6]
c_tilde = [0.0, 0.72]
)");
  const Plan plan(e);
  Materializer materializer(plan);
  const std::vector<MaterializedTrial> trials = testing::materialize_all(plan, materializer);
  std::atomic<bool> cancel{false};
  TrainControl control;
  control.cancel = &cancel;
  std::thread canceller([&] {
    while (control.finished.load() == 0 && control.steps.load() < 2000000) std::this_thread::yield();
    cancel = true;
  });
  std::vector<TrialOutcome> outcomes;
  EXPECT_THROW(CpuBackend(1, CpuKernel::vector).train(trials, materializer.evaluation(), outcomes, control),
               TrainingCancelled);
  canceller.join();
  ASSERT_EQ(outcomes.size(), trials.size());
  EXPECT_TRUE(outcomes[0].finished) << "the quick run (c~ 0), stopped in the pack before the cancel";
  EXPECT_EQ(outcomes[0].train.status, TrainStatus::converged);
  EXPECT_FALSE(outcomes[1].finished) << "the slow run (c~ 0.72), cancelled while alone";
  EXPECT_EQ(control.finished.load(), 1);
}

// With many samples a step is costly, so both kernels check for a cancel after a number of steps set by
// the work, not a fixed count: with the flag set before the start, one thread stops after at most 2^26
// parameter-samples (steps_between_cancel_checks), well under a second, having taken some steps.
TEST(CpuKernels, CheckForACancelAfterABoundedAmountOfWork) {
  constexpr std::int64_t kSamples = 1 << 17;
  const Experiment e =
      testing::experiment_from(testing::kExample1Grid + "max_iters = 1000000000\nloss = \"half_mean\"\n[sweep]\nn = [" +
                               std::to_string(kSamples) + "]\nc_tilde = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]\n");
  const Plan plan(e);
  Materializer materializer(plan);
  const std::vector<MaterializedTrial> trials = testing::materialize_all(plan, materializer);
  const std::int64_t work_per_network_step = std::int64_t{trials[0].shape.param_count()} * kSamples;
  for (const CpuKernel kernel : {CpuKernel::vector, CpuKernel::scalar}) {
    SCOPED_TRACE(kernel == CpuKernel::vector ? "vector" : "scalar");
    const std::atomic<bool> cancel{true};
    TrainControl control;
    control.cancel = &cancel;
    std::vector<TrialOutcome> outcomes;
    EXPECT_THROW(CpuBackend(1, kernel).train(trials, materializer.evaluation(), outcomes, control), TrainingCancelled);
    EXPECT_GT(control.steps.load(), 0);
    EXPECT_LE(control.steps.load() * work_per_network_step, std::int64_t{1} << 26);
    EXPECT_EQ(control.finished.load(), 0);
  }
}

// A thread that fails stops the others: a flow trial that cannot resume (a logic error) fails at once
// on one thread, and the other, training long networks in lanes, stops at its next cancel check
// instead of finishing them; the failure, not a cancel, is what train() throws.
TEST(CpuKernels, AFailureOnOneThreadStopsTheOthers) {
  const std::string example1 = testing::kExample1Grid + "max_iters = 50000000\nloss_tol = 0\n";
  const Experiment flow = testing::experiment_from(example1 + "method = \"flow\"\nmax_time = 1e5\n[sweep]\nn = [6]\n");
  const Experiment gd = testing::experiment_from(example1 + "[sweep]\nn = [6]\nc_tilde = [0.1, 0.3, 0.5, 0.7]\n");
  const Plan flow_plan(flow), gd_plan(gd);
  Materializer flow_materializer(flow_plan), gd_materializer(gd_plan);
  std::vector<MaterializedTrial> trials = testing::materialize_all(flow_plan, flow_materializer);
  trials.front().first_iteration = 1;  // gradient flow cannot resume: train_and_evaluate throws
  for (MaterializedTrial& t : testing::materialize_all(gd_plan, gd_materializer)) trials.push_back(std::move(t));
  TrainControl control;
  std::vector<TrialOutcome> outcomes;
  EXPECT_THROW(CpuBackend(2).train(trials, gd_materializer.evaluation(), outcomes, control), std::logic_error);
  EXPECT_EQ(control.finished.load(), 0);
  EXPECT_LT(control.steps.load(), 4 * 50000000 / 10) << "the long networks ran on after the failure";
}

// The rate the GPU's tail helper is told (network_steps_per_second): timed from real steps, for a shape
// with compile-time sizes and one without, on either kernel.
TEST(VectorKernel, TellsTheStepsPerSecondOfANetwork) {
  const Experiment e = testing::experiment_from(testing::kExample1Grid + "[sweep]\nwidth = [2, 3]\n");
  const Plan plan(e);
  Materializer materializer(plan);
  for (const MaterializedTrial& trial : testing::materialize_all(plan, materializer)) {
    SCOPED_TRACE("width " + std::to_string(trial.shape.width));
    for (const CpuKernel kernel : {CpuKernel::vector, CpuKernel::scalar}) {
      const double rate = network_steps_per_second(trial, kernel);
      EXPECT_TRUE(std::isfinite(rate) && rate > 1e3) << rate;  // 2^14 steps take far less than 16 s
    }
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
