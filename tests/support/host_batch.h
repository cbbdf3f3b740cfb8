// A batch laid out as for the CUDA kernels (cuda/batch_layout.h) in host memory, with the work
// queue's counters and the scratch slots: the host tests run the kernels' loops over it in
// "launches", as the CUDA backend does on the device, and hold the result to the shared loop's
// (parts cuda, trials and cpu).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "batch_layout.h"
#include "materialize.h"
#include "training.h"

namespace perfgen::testing {

struct HostBatch {
  cuda::BatchLayout layout;
  std::vector<cuda::DeviceResult> results;
  std::vector<double> scratch;
  int next = 0, finished = 0;
  cuda::DeviceWork work{};

  explicit HostBatch(const std::vector<MaterializedTrial>& trials)
      : layout(cuda::lay_out(trials, every_index(trials.size()))),
        results(trials.size(), cuda::DeviceResult{}),
        scratch(static_cast<std::size_t>(layout.scratch)) {}
  HostBatch(const HostBatch&) = delete;  // view() points into it
  HostBatch& operator=(const HostBatch&) = delete;

  int count() const { return static_cast<int>(results.size()); }
  cuda::DeviceBatch view() {
    return {layout.records.data(), count(),        results.data(), layout.theta.data(), layout.inputs.data(),
            layout.targets.data(), scratch.data(), &next,          &finished,           &work};
  }
  // Calls launch(view()), the queue's position reset before each, until every network has stopped;
  // returns the launches.
  template <class Launch>
  int drain(Launch launch) {
    int launches = 0;
    for (; finished < count(); ++launches) {
      next = 0;
      launch(view());
    }
    return launches;
  }
  const double* theta(int i) const { return layout.theta.data() + layout.records[i].theta; }
  // The workers' own count of their work (DeviceWork) against the networks' step counts: every step
  // counted once, every network started once.
  void expect_work_counted() const {
    long long steps = 0, finished_steps = 0, started = 0;
    for (const cuda::DeviceResult& r : results) {
      steps += r.train.iterations;
      if (r.done) finished_steps += r.train.iterations;
      started += r.started;
    }
    EXPECT_EQ(work.steps, steps);
    EXPECT_EQ(work.finished_steps, finished_steps);
    EXPECT_EQ(work.started, started);
  }

 private:
  static std::vector<std::size_t> every_index(std::size_t count) {
    std::vector<std::size_t> members(count);
    for (std::size_t i = 0; i < count; ++i) members[i] = i;
    return members;
  }
};

// Each network of a drained batch against its trial trained alone by the shared loop (train_alone):
// finished, with the same status; `compare(got, want, got_theta, want_theta)` checks the rest at the
// tolerance of the loop under test.
template <class Compare>
void expect_each_like_train_alone(const HostBatch& batch, const std::vector<MaterializedTrial>& trials,
                                  Compare compare) {
  for (int i = 0; i < batch.count(); ++i) {
    SCOPED_TRACE("trial " + std::to_string(i));
    const auto [want, want_theta] = train_alone(trials[static_cast<std::size_t>(i)]);
    const TrainResult& got = batch.results[i].train;
    EXPECT_EQ(batch.results[i].done, 1);
    EXPECT_EQ(got.status, want.status);
    compare(got, want, batch.theta(i), want_theta);
  }
}

// θ within `relative`·max(1, |θ|) of the trial trained alone, parameter by parameter.
inline void expect_theta_near(const double* got, const std::vector<double>& want, double relative) {
  for (std::size_t p = 0; p < want.size(); ++p)
    EXPECT_NEAR(got[p], want[p], relative * std::max(1.0, std::abs(want[p]))) << "parameter " << p;
}

// A batch drained in several launches (networks suspended and resumed) ends at the bits of the same
// batch drained in one: status, iterations, final loss, ‖∇ℓ‖ and θ of every network; and both
// counted their work exactly.
inline void expect_same_end(const std::vector<MaterializedTrial>& trials, const HostBatch& whole,
                            const HostBatch& split) {
  whole.expect_work_counted();
  split.expect_work_counted();
  for (int i = 0; i < whole.count(); ++i) {
    SCOPED_TRACE("trial " + std::to_string(i));
    const TrainResult &want = whole.results[i].train, &got = split.results[i].train;
    EXPECT_EQ(split.results[i].done, 1);
    EXPECT_EQ(got.status, want.status);
    EXPECT_EQ(got.iterations, want.iterations);
    EXPECT_EQ(got.final_loss, want.final_loss);
    EXPECT_EQ(got.grad_norm, want.grad_norm);
    for (int p = 0; p < trials[i].shape.param_count(); ++p) EXPECT_EQ(split.theta(i)[p], whole.theta(i)[p]);
  }
}

}  // namespace perfgen::testing
