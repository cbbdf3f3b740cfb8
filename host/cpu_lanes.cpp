// Lane bookkeeping around the shared math: the per-step work is loss_and_gradient<Pack> and
// descend<Pack>; per lane, the stopping rule reached_stop and the evaluation are those of the
// scalar path, so a lane computes what train_network computes for one network (up to libmvec's
// tanh, which differs from the scalar tanh by ~1 ulp).
#include "cpu_lanes.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "cpu_backend.h"
#include "simd_pack.h"

namespace perfgen {
namespace {

using simd::kLanes;
using simd::Pack;

constexpr std::size_t kIdle = static_cast<std::size_t>(-1);

template <class Shape>
class LaneSet {
 public:
  LaneSet(const Shape& shape, const MaterializedTrial& first)
      : shape_(shape),
        n_(first.data().count),
        theta_(shape_.param_count(), Pack(0.0)),
        grad_(shape_.param_count(), Pack(0.0)),
        inputs_(static_cast<std::size_t>(n_) * shape_.input_dim, Pack(0.0)),
        targets_(n_, Pack(0.0)),
        workspace_(gradient_workspace_size(shape_, n_), Pack(0.0)),
        lr_(0.0),
        loss_tol_(0.0),
        divergence_(1.0) {
    trial_.fill(kIdle);
    deadline_.fill(kNever);
  }

  bool idle(int lane) const { return trial_[lane] == kIdle; }
  std::size_t trial(int lane) const { return trial_[lane]; }
  std::int64_t step() const { return step_; }
  std::int64_t iteration(int lane) const { return step_ - start_[lane]; }
  void advance() { ++step_; }

  // Lanes whose loss is inside [loss_tol, divergence_loss] and whose budget is not spent cannot stop
  // at this step (unless the stationary test is on): one vector comparison skips the per-lane checks.
  bool some_lane_may_stop(Pack loss, bool stationary_test) const {
    return stationary_test || step_ >= next_deadline_ || simd::any_lane_outside(loss, loss_tol_, divergence_);
  }

  // Puts a network into the lane (or, for kIdle, zeros that stay finite and still); its first loss is
  // evaluated at step `first_step`.
  void load(int lane, std::size_t index, const MaterializedTrial* t, std::int64_t first_step) {
    trial_[lane] = index;
    start_[lane] = first_step;
    deadline_[lane] = t ? start_[lane] + t->train.max_iters : kNever;
    loss_tol_.v[lane] = t ? t->train.loss_tol : 0.0;
    divergence_.v[lane] = t ? t->train.divergence_loss : 1.0;
    next_deadline_ = *std::min_element(deadline_.begin(), deadline_.end());
    for (std::size_t p = 0; p < theta_.size(); ++p) theta_[p].v[lane] = t ? t->theta0[p] : 0.0;
    for (std::size_t i = 0; i < inputs_.size(); ++i) inputs_[i].v[lane] = t ? t->inputs[i] : 0.0;
    for (std::size_t i = 0; i < targets_.size(); ++i) targets_[i].v[lane] = t ? t->targets[i] : 0.0;
    for (Pack& g : grad_) g.v[lane] = 0.0;  // the step that follows leaves the new θ0 in place
    lr_.v[lane] = t ? t->train.lr : 0.0;
  }

  Pack loss_and_gradient(LossKind loss) {
    return perfgen::loss_and_gradient(shape_, theta_.data(), DataOf<Pack>{inputs_.data(), targets_.data(), n_}, loss,
                                      grad_.data(), workspace_.data());
  }
  Pack squared_gradient_norm() const {
    Pack sum(0.0);
    for (const Pack& g : grad_) sum += g * g;
    return sum;
  }
  void descend() { perfgen::descend(shape_.param_count(), lr_, grad_.data(), theta_.data()); }

  std::vector<double> lane_values(const std::vector<Pack>& packs, int lane) const {
    std::vector<double> values(packs.size());
    for (std::size_t p = 0; p < packs.size(); ++p) values[p] = packs[p][lane];
    return values;
  }
  std::vector<double> theta(int lane) const { return lane_values(theta_, lane); }
  std::vector<double> grad(int lane) const { return lane_values(grad_, lane); }

 private:
  Shape shape_;
  int n_;
  std::vector<Pack> theta_, grad_, inputs_, targets_, workspace_;
  Pack lr_, loss_tol_, divergence_;
  static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
  std::int64_t step_ = 0;  // steps this lane set has taken; a lane's iteration is step_ − start_
  std::int64_t next_deadline_ = kNever;
  std::array<std::size_t, kLanes> trial_;
  std::array<std::int64_t, kLanes> start_{}, deadline_{};
};

// The generalization error of one network with the test points in lanes: the shared forward pass on
// θ broadcast to every lane, eight test points at a time (a tail chunk repeats its last point and
// leaves the repeats out of the sums).
GeneralizationError lane_generalization_error(const NetShape& shape, const std::vector<double>& theta,
                                              const EvaluationContext& context) {
  const int d = shape.input_dim;
  const int count = static_cast<int>(context.test_targets.size());
  const std::vector<Pack> broadcast(theta.begin(), theta.end());
  std::vector<Pack> x(d);
  GeneralizationError e;
  for (int start = 0; start < count; start += kLanes) {
    Pack target(0.0);
    for (int lane = 0; lane < kLanes; ++lane) {
      const int point = std::min(start + lane, count - 1);
      for (int j = 0; j < d; ++j) x[j].v[lane] = context.test_inputs[static_cast<std::size_t>(point) * d + j];
      target.v[lane] = context.test_targets[point];
    }
    const Pack diff = forward(shape, broadcast.data(), x.data()) - target;
    for (int lane = 0; lane < kLanes && start + lane < count; ++lane) {
      e.mean_squared += diff[lane] * diff[lane];
      e.max_abs = std::fmax(e.max_abs, std::fabs(diff[lane]));
    }
  }
  e.mean_squared /= count;
  return e;
}

template <class Shape>
void run_lanes(const Shape& shape, const std::vector<MaterializedTrial>& trials,
               const std::vector<std::size_t>& members, std::atomic<std::size_t>& next_member,
               const EvaluationContext& context, std::vector<TrialOutcome>& outcomes, TrainControl& control) {
  const MaterializedTrial& first = trials[members.front()];
  const LossKind loss = first.train.loss;
  const bool needs_grad_norm = first.train.grad_tol > 0.0;
  LaneSet<Shape> lanes(shape, first);
  int active = 0;
  auto refill = [&](int lane, std::int64_t first_step) {
    const std::size_t k = next_member++;
    if (k < members.size()) {
      lanes.load(lane, members[k], &trials[members[k]], first_step);
      return true;
    }
    lanes.load(lane, kIdle, nullptr, first_step);
    return false;
  };
  for (int lane = 0; lane < kLanes; ++lane) active += refill(lane, 0);

  constexpr std::int64_t kCancelCheckSteps = 1 << 12;  // a few milliseconds of work
  while (active > 0) {
    if (lanes.step() % kCancelCheckSteps == 0 && control.cancelled()) throw TrainingCancelled();
    const Pack loss_values = lanes.loss_and_gradient(loss);
    if (!lanes.some_lane_may_stop(loss_values, needs_grad_norm)) {
      lanes.descend();
      lanes.advance();
      continue;
    }
    const Pack grad_sq = needs_grad_norm ? lanes.squared_gradient_norm() : Pack(0.0);
    for (int lane = 0; lane < kLanes; ++lane) {
      if (lanes.idle(lane)) continue;
      const MaterializedTrial& trial = trials[lanes.trial(lane)];
      TrainResult result;
      if (!reached_stop(loss_values[lane], std::sqrt(grad_sq[lane]), lanes.iteration(lane), trial.train, result.status))
        continue;
      const std::vector<double> grad = lanes.grad(lane);
      result.iterations = lanes.iteration(lane);
      result.final_loss = loss_values[lane];
      result.grad_norm = euclidean_norm(grad.data(), static_cast<int>(grad.size()));
      std::vector<double> theta = lanes.theta(lane);
      const GeneralizationError generalization = lane_generalization_error(trial.shape, theta, context);
      outcomes[lanes.trial(lane)] = evaluate_trained(trial, std::move(theta), result, generalization, context);
      ++control.finished;
      if (!refill(lane, lanes.step() + 1)) --active;
    }
    lanes.descend();
    lanes.advance();
  }
}

}  // namespace

int simd_lanes() { return kLanes; }
const char* simd_instruction_set() { return simd::kInstructionSet; }

// The paper's two-neuron shapes get compile-time sizes; every other shape runs the same math with
// sizes known at run time.
void train_in_lanes(const std::vector<MaterializedTrial>& trials, const std::vector<std::size_t>& members,
                    std::atomic<std::size_t>& next_member, const EvaluationContext& context,
                    std::vector<TrialOutcome>& outcomes, TrainControl& control) {
  if (members.empty()) return;
  const NetShape& shape = trials[members.front()].shape;
  using Example1 = FixedShape<2, 1, true>;
  using AppendixB = FixedShape<2, 3, true>;
  if (Example1::matches(shape))
    run_lanes(Example1{shape.activation}, trials, members, next_member, context, outcomes, control);
  else if (AppendixB::matches(shape))
    run_lanes(AppendixB{shape.activation}, trials, members, next_member, context, outcomes, control);
  else
    run_lanes(shape, trials, members, next_member, context, outcomes, control);
}

}  // namespace perfgen
