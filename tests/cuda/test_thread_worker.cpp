// The per-thread CUDA worker (cuda/thread_worker.h) run on the host: the batch laid out as for the
// device, drained by "launches" of a few workers with a small step budget, so networks are suspended
// and resumed many times. Every network must end where the CPU's train_network ends, bit for bit:
// the same code, and no compiler fuses a multiply-add the code does not write (CMakeLists.txt).
#include <gtest/gtest.h>

#include <algorithm>

#include "batch_layout.h"
#include "cpu_backend.h"
#include "experiments.h"
#include "host_batch.h"
#include "temp_dir.h"
#include "thread_worker.h"
#include "training.h"
#include "trials.h"

namespace perfgen {
namespace {

std::vector<MaterializedTrial> example1_trials(const std::string& extra,
                                               const std::vector<std::string>& overrides = {}) {
  return testing::trials_of(testing::kExample1Grid + "max_iters = 20000\n" + extra, overrides);
}

// Launches of `workers` workers with `budget` steps each until every network has stopped; returns
// the number of launches.
template <class Network>
int drain_on_host(testing::HostBatch& batch, int workers, std::int64_t budget) {
  return batch.drain([&](const cuda::DeviceBatch& b) {
    for (int w = 0; w < workers; ++w) cuda::drain_queue<Network>(b, budget);
  });
}

template <class Network>
void expect_worker_matches_train_network(const std::vector<MaterializedTrial>& trials) {
  testing::HostBatch batch(trials);
  EXPECT_GT(drain_on_host<Network>(batch, 3, 700), 10);  // networks were suspended and resumed
  batch.expect_work_counted();
  const auto same_steps_and_bits = [](const TrainResult& got, const TrainResult& want, const double* got_theta,
                                      const std::vector<double>& want_theta) {
    EXPECT_EQ(got.iterations, want.iterations);
    EXPECT_TRUE(testing::same_bits(got.final_loss, want.final_loss));
    for (std::size_t p = 0; p < want_theta.size(); ++p)
      EXPECT_TRUE(testing::same_bits(got_theta[p], want_theta[p])) << "parameter " << p;
  };
  testing::expect_each_like_train_alone(batch, trials, same_steps_and_bits);
}

TEST(ThreadWorker, RegisterNetworkMatchesTrainNetworkAcrossSuspensions) {
  expect_worker_matches_train_network<cuda::RegisterNetwork<FixedShape<2, 1, true>, 8>>(
      example1_trials("[sweep]\nn = [2, 4, 6]\nc_tilde = [0.0, 0.5, 1.0]\ninit_seed = [0, 1]\n"));
}

// The kernel holds the fewest samples that fit (cuda/kernels.h): each count gives the same bits.
TEST(ThreadWorker, RegisterNetworksOfFewerSamplesMatchTrainNetwork) {
  expect_worker_matches_train_network<cuda::RegisterNetwork<FixedShape<2, 1, true>, 6>>(
      example1_trials("[sweep]\nn = [2, 5, 6]\nc_tilde = [0.0, 0.5, 1.0]\n"));
  expect_worker_matches_train_network<cuda::RegisterNetwork<FixedShape<2, 1, true>, 4>>(
      example1_trials("[sweep]\nn = [1, 3, 4]\nc_tilde = [0.0, 0.5, 1.0]\n"));
  const std::string appendix_b = testing::appendix_b_experiment(20000) + "[sweep]\nc_tilde = [0.0, 1.0]\n";
  expect_worker_matches_train_network<cuda::RegisterNetwork<FixedShape<2, 3, true>, 6>>(
      testing::trials_of(appendix_b + "n = [5, 6]\n"));
  expect_worker_matches_train_network<cuda::RegisterNetwork<FixedShape<2, 3, true>, 4>>(
      testing::trials_of(appendix_b + "n = [3, 4]\n"));
}

TEST(ThreadWorker, RegisterNetworkOfAppendixBMatchesTrainNetworkAcrossSuspensions) {
  expect_worker_matches_train_network<cuda::RegisterNetwork<FixedShape<2, 3, true>, 8>>(
      testing::trials_of(testing::appendix_b_experiment(20000) + "[sweep]\nn = [5, 8]\nc_tilde = [0.0, 0.5, 1.0]\n"));
}

TEST(ThreadWorker, GlobalNetworkMatchesTrainNetworkAcrossSuspensions) {
  expect_worker_matches_train_network<cuda::GlobalNetwork>(
      example1_trials("[sweep]\nn = [3, 6]\ninit_seed = [0, 1, 2]\n", {"model.width=3"}));
}

// The CUDA flow worker against the CPU backend's flow (integrate_flow in chunks of 4096 steps): the
// worker takes one step per call and is suspended every 50 steps, and must take the same steps, bit for bit.
TEST(ThreadWorker, FlowNetworkMatchesTheCpuFlowAcrossSuspensions) {
  const Experiment e = testing::experiment_from(
      testing::kExample1Grid + "method = \"flow\"\nmax_time = 1e5\n[sweep]\nn = [3, 6]\ninit_seed = [0, 1]\n",
      {"model.width=3"});
  const Plan plan(e);
  const Materializer materializer(plan);
  const auto trials = testing::materialize_all(plan, materializer);
  testing::HostBatch batch(trials);
  EXPECT_GT(drain_on_host<cuda::FlowNetwork>(batch, 2, 50), 10);
  batch.expect_work_counted();
  for (std::size_t i = 0; i < trials.size(); ++i) {
    SCOPED_TRACE("trial " + std::to_string(i));
    const TrialOutcome want = train_and_evaluate(trials[i], materializer.evaluation());
    const TrainResult& got = batch.results[i].train;
    EXPECT_EQ(batch.results[i].done, 1);
    EXPECT_EQ(got.status, want.train.status);
    EXPECT_EQ(got.iterations, want.train.iterations);
    EXPECT_TRUE(testing::same_bits(got.time, want.train.time));
    for (std::size_t p = 0; p < want.theta.size(); ++p)
      EXPECT_TRUE(testing::same_bits(batch.theta(i)[p], want.theta[p])) << "parameter " << p;
  }
}

// The tail hand-over without a GPU: the per-thread workers drain a batch for some launches, then the
// networks still running go to the CPU backend as unfinished_networks makes them (θ where the worker
// left it, first_iteration its step count). Every network ends with the bits of an uninterrupted CPU
// run: status, steps, θ, loss, evaluation.
template <class Network>
void expect_hand_over_changes_nothing(const std::vector<MaterializedTrial>& trials, const EvaluationContext& context) {
  testing::HostBatch batch(trials);
  while (batch.finished < batch.count() / 4) {  // launches of 4 workers × 3000 steps until a quarter has stopped
    batch.next = 0;
    for (int w = 0; w < 4; ++w) cuda::drain_queue<Network>(batch.view(), 3000);
  }
  batch.expect_work_counted();
  std::vector<std::size_t> members(trials.size());
  for (std::size_t i = 0; i < members.size(); ++i) members[i] = i;
  std::vector<std::size_t> handed;
  const std::vector<MaterializedTrial> rest =
      cuda::unfinished_networks(trials, members, batch.layout, batch.results, batch.layout.theta, handed);
  ASSERT_GT(rest.size(), 0u);
  ASSERT_LT(rest.size(), trials.size());  // some stopped on the "device", some were handed over
  EXPECT_TRUE(std::any_of(rest.begin(), rest.end(), [](const MaterializedTrial& t) { return t.first_iteration > 0; }))
      << "no network was handed over mid-run";  // (networks the queue had not reached yet start at 0)
  std::vector<TrialOutcome> resumed, whole;
  TrainControl control;
  CpuBackend(2).train(rest, context, resumed, control);
  CpuBackend(2).train(trials, context, whole, control);
  for (std::size_t j = 0; j < rest.size(); ++j) {
    SCOPED_TRACE("trial " + std::to_string(handed[j]));
    testing::expect_same_outcome_bits(resumed[j], whole[handed[j]]);
  }
}

TEST(ThreadWorker, HandedOverNetworksEndAsOnTheCpuAlone) {
  const std::string sweep = "[sweep]\nn = [3, 6]\nc_tilde = [0.0, 0.3, 0.72, 1.0]\ninit_seed = [0, 1]\n";
  const Experiment e = testing::experiment_from(testing::kExample1Grid + "max_iters = 200000\n" + sweep);
  const Plan plan(e);
  const Materializer materializer(plan);
  const auto trials = testing::materialize_all(plan, materializer);
  expect_hand_over_changes_nothing<cuda::RegisterNetwork<FixedShape<2, 1, true>, 8>>(trials, materializer.evaluation());
  const Experiment wide = testing::experiment_from(
      testing::kExample1Grid + "max_iters = 200000\n[sweep]\nn = [3, 6]\ninit_seed = { range = [0, 8] }\n",
      {"model.width=3"});
  const Plan wide_plan(wide);
  const Materializer wide_materializer(wide_plan);
  expect_hand_over_changes_nothing<cuda::GlobalNetwork>(testing::materialize_all(wide_plan, wide_materializer),
                                                        wide_materializer.evaluation());
}

TEST(ThreadWorker, SharesOneCopyOfEachDataset) {
  const std::vector<MaterializedTrial> trials =
      example1_trials("[sweep]\nn = [2, 6]\nc_tilde = [0.0, 0.5, 1.0]\ninit_seed = [0, 1]\n");
  std::vector<std::size_t> members(trials.size());
  for (std::size_t i = 0; i < members.size(); ++i) members[i] = i;
  const cuda::BatchLayout layout = cuda::lay_out(trials, members);
  EXPECT_EQ(layout.targets.size(), 2u + 6u);  // one grid per n, shared by 6 trials each
  for (std::size_t i = 0; i < trials.size(); ++i)
    for (int q = 0; q < trials[i].data().count; ++q)
      EXPECT_EQ(layout.targets[layout.records[i].targets + q], trials[i].targets[q]);
}

}  // namespace
}  // namespace perfgen
