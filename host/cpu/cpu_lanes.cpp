// Lane bookkeeping around the shared math: the per-step work is loss_and_gradient<Pack> and
// descend<Pack>; per lane, the stopping rule reached_stop and the evaluation are those of the
// scalar path, so a lane computes the bits train_network computes for one network.
#include "cpu_lanes.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>

#include "compile_time_shapes.h"
#include "cpu_backend.h"
#include "hot_code.h"
#include "simd_pack.h"

namespace perfgen {
namespace {

using simd::fused;
using simd::kLanes;
using simd::Pack;

constexpr std::size_t kIdle = static_cast<std::size_t>(-1);

// The per-step work of a pack, the kernel's hot code (hot_code.h).
template <class Shape>
PERFGEN_CPU_HOT Pack pack_loss_and_gradient(const Shape& shape, const Pack* theta, DataOf<Pack> data, LossKind loss,
                                            Pack* grad, Pack* workspace) {
  return loss_and_gradient(shape, theta, data, loss, grad, workspace);
}
PERFGEN_CPU_HOT void pack_descend(int count, Pack lr, const Pack* grad, Pack* theta) {
  descend(count, lr, grad, theta);
}
PERFGEN_CPU_HOT Pack pack_squared_norm(const Pack* values, int count) { return squared_norm(values, count); }

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
  // evaluated at step `first_step`, as the loss of its iteration first_iteration.
  void load(int lane, std::size_t index, const MaterializedTrial* t, std::int64_t first_step) {
    trial_[lane] = index;
    start_[lane] = first_step - (t ? t->first_iteration : 0);
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
    return pack_loss_and_gradient(shape_, theta_.data(), DataOf<Pack>{inputs_.data(), targets_.data(), n_}, loss,
                                  grad_.data(), workspace_.data());
  }
  Pack squared_gradient_norm() const { return pack_squared_norm(grad_.data(), static_cast<int>(grad_.size())); }
  void descend() { pack_descend(shape_.param_count(), lr_, grad_.data(), theta_.data()); }

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

// A network that has stopped, waiting for its test-set pass beside kLanes − 1 others.
struct StoppedNetwork {
  std::size_t trial;
  std::vector<double> theta;
  TrainResult result;
};

// The generalization errors of up to kLanes stopped networks of one shape, a network per lane (the
// last one repeated in unused lanes). Each lane runs the scalar kernel's sums over the test points in
// order (fused rounds as that loop does), with the lanes' forward pass, so a network gets the
// same bits whichever others share its pack, and the sums need no work across lanes.
template <class Shape>
PERFGEN_CPU_HOT std::array<GeneralizationError, kLanes> lanes_generalization_error(
    const Shape& shape, const std::vector<StoppedNetwork>& networks, const EvaluationContext& context) {
  const int params = shape.param_count(), d = shape.input_dim;
  std::vector<Pack> theta(params);
  for (int p = 0; p < params; ++p)
    for (int lane = 0; lane < kLanes; ++lane)
      theta[p].v[lane] = networks[std::min<std::size_t>(lane, networks.size() - 1)].theta[p];
  const int count = static_cast<int>(context.test_targets.size());
  std::vector<Pack> x(d);
  Pack sum(0.0), max_abs(0.0);
  for (int i = 0; i < count; ++i) {
    for (int j = 0; j < d; ++j) x[j] = Pack(context.test_inputs[static_cast<std::size_t>(i) * d + j]);
    const Pack diff = forward(shape, theta.data(), x.data()) - Pack(context.test_targets[i]);
    sum = fused(diff, diff, sum);
    const Pack size = simd::magnitude(diff);
    max_abs = Pack(size.v > max_abs.v ? size.v : max_abs.v);  // as fmax: a NaN is passed over
  }
  std::array<GeneralizationError, kLanes> errors{};
  for (int lane = 0; lane < kLanes; ++lane) {
    errors[lane].mean_squared = sum[lane] / count;
    errors[lane].max_abs = max_abs[lane];
  }
  return errors;
}

// One thread's share of a group's training: a pack of lanes drains the members (next_member is shared
// with the other threads), a lane taking the next network as soon as its own stops; stopped networks
// are evaluated kLanes at a time, and the last network of the pack goes on alone.
template <class Shape>
class LaneRunner {
 public:
  LaneRunner(const Shape& shape, const std::vector<MaterializedTrial>& trials, const std::vector<std::size_t>& members,
             std::atomic<std::size_t>& next_member, const EvaluationContext& context,
             std::vector<TrialOutcome>& outcomes, TrainControl& control)
      : shape_(shape),
        trials_(trials),
        members_(members),
        next_member_(next_member),
        context_(context),
        outcomes_(outcomes),
        control_(control),
        first_(trials[members.front()]),
        needs_grad_norm_(first_.train.grad_tol > 0.0),
        lanes_(shape, first_),
        cancel_check_steps_(
            steps_between_cancel_checks(std::int64_t{shape.param_count()} * first_.data().count * kLanes, 1 << 12)) {}

  void run(int sharing_threads) {
    start(sharing_threads);
    while (active_ > 0) {
      if (active_ == 1 && next_member_.load() >= members_.size()) {
        finish_alone();
        break;
      }
      if (lanes_.step() > 0 && lanes_.step() % cancel_check_steps_ == 0) check_for_cancel();
      const Pack loss_values = lanes_.loss_and_gradient(first_.train.loss);
      if (lanes_.some_lane_may_stop(loss_values, needs_grad_norm_)) stop_lanes_that_reached_a_rule(loss_values);
      lanes_.descend();
      lanes_.advance();
    }
    evaluate_stopped();
  }

 private:
  // A thread starts with its share of the members, so that few networks spread over the threads (each
  // then alone) rather than fill one thread's pack; lanes left idle here stay idle.
  void start(int sharing_threads) {
    const std::size_t share = (members_.size() + sharing_threads - 1) / sharing_threads;
    for (int lane = 0; lane < kLanes; ++lane) {
      if (static_cast<std::size_t>(lane) < share)
        active_ += refill(lane, 0);
      else
        lanes_.load(lane, kIdle, nullptr, 0);
    }
  }

  // The next member into the lane, its first loss at step first_step; false (the lane idle) when none is left.
  bool refill(int lane, std::int64_t first_step) {
    const std::size_t k = next_member_++;
    counted_[lane] = 0;
    if (k < members_.size()) {
      lanes_.load(lane, members_[k], &trials_[members_[k]], first_step);
      counted_[lane] = trials_[members_[k]].first_iteration;  // steps another backend took are not counted here
      ++control_.started;
      return true;
    }
    lanes_.load(lane, kIdle, nullptr, first_step);
    return false;
  }

  void count_steps(int lane) {
    control_.steps += lanes_.iteration(lane) - counted_[lane];
    counted_[lane] = lanes_.iteration(lane);
  }

  void check_for_cancel() {
    for (int lane = 0; lane < kLanes; ++lane)
      if (!lanes_.idle(lane)) count_steps(lane);
    if (control_.cancelled()) {
      evaluate_stopped();  // kept in the run's checkpoint
      throw TrainingCancelled();
    }
  }

  // Each lane's stopping rule, as the scalar path applies it; a lane that stops takes the next member.
  void stop_lanes_that_reached_a_rule(Pack loss_values) {
    const Pack grad_sq = needs_grad_norm_ ? lanes_.squared_gradient_norm() : Pack(0.0);
    for (int lane = 0; lane < kLanes; ++lane) {
      if (lanes_.idle(lane)) continue;
      const MaterializedTrial& trial = trials_[lanes_.trial(lane)];
      TrainResult result;
      if (!reached_stop(loss_values[lane], std::sqrt(grad_sq[lane]), lanes_.iteration(lane), trial.train,
                        result.status))
        continue;
      const std::vector<double> grad = lanes_.grad(lane);
      result.iterations = lanes_.iteration(lane);
      result.final_loss = loss_values[lane];
      result.grad_norm = euclidean_norm(grad.data(), static_cast<int>(grad.size()));
      count_steps(lane);
      stopped_.push_back({lanes_.trial(lane), lanes_.theta(lane), result});
      control_.record_finished(result.iterations);
      if (stopped_.size() == kLanes) evaluate_stopped();
      if (!refill(lane, lanes_.step() + 1)) --active_;
    }
  }

  // The last network of a pack goes on alone, from where it stands, with the same bits: with AVX-512 a
  // pack's step of the paper's shapes costs about two steps of one network (bench/NOTES.md).
  void finish_alone() {
    int lane = 0;
    while (lanes_.idle(lane)) ++lane;
    count_steps(lane);
    std::vector<double> theta = lanes_.theta(lane);
    try {
      const TrainResult result =
          descend_alone(trials_[lanes_.trial(lane)], lanes_.iteration(lane), theta.data(), &control_);
      stopped_.push_back({lanes_.trial(lane), std::move(theta), result});
      control_.record_finished(result.iterations);
    } catch (const TrainingCancelled&) {
      evaluate_stopped();  // kept in the run's checkpoint
      throw;
    }
  }

  void evaluate_stopped() {
    if (stopped_.empty()) return;
    const auto generalization = lanes_generalization_error(shape_, stopped_, context_);
    for (std::size_t k = 0; k < stopped_.size(); ++k) {
      StoppedNetwork& s = stopped_[k];
      outcomes_[s.trial] =
          evaluate_trained(trials_[s.trial], std::move(s.theta), s.result, generalization[k], context_);
    }
    stopped_.clear();
  }

  const Shape shape_;
  const std::vector<MaterializedTrial>& trials_;
  const std::vector<std::size_t>& members_;
  std::atomic<std::size_t>& next_member_;
  const EvaluationContext& context_;
  std::vector<TrialOutcome>& outcomes_;
  TrainControl& control_;
  const MaterializedTrial& first_;  // the group's loss, stopping-rule kind and sample count
  const bool needs_grad_norm_;
  LaneSet<Shape> lanes_;
  const std::int64_t cancel_check_steps_;
  std::vector<StoppedNetwork> stopped_;         // counted as finished at once, evaluated kLanes at a time
  std::array<std::int64_t, kLanes> counted_{};  // each lane's steps added to control.steps so far
  int active_ = 0;                              // lanes holding a network
};

template <class Shape>
double pack_steps_per_second(const Shape& shape, const MaterializedTrial& example) {
  constexpr std::int64_t kSteps = 1 << 14;
  LaneSet<Shape> lanes(shape, example);
  for (int lane = 0; lane < kLanes; ++lane) lanes.load(lane, 0, &example, 0);
  const auto start = std::chrono::steady_clock::now();
  Pack loss(0.0);
  for (std::int64_t step = 0; step < kSteps; ++step) {
    loss += lanes.loss_and_gradient(example.train.loss);
    lanes.descend();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  volatile double keep = loss[0];  // the steps are not optimized away
  (void)keep;
  return static_cast<double>(kSteps) / std::max(seconds, 1e-9);
}

}  // namespace

int simd_lanes() { return kLanes; }
const char* simd_instruction_set() { return simd::kInstructionSet; }

double lane_steps_per_second(const MaterializedTrial& example) {
  return with_shape_type(example.shape, [&](const auto& shape) { return pack_steps_per_second(shape, example); });
}

void train_in_lanes(const std::vector<MaterializedTrial>& trials, const std::vector<std::size_t>& members,
                    std::atomic<std::size_t>& next_member, int sharing_threads, const EvaluationContext& context,
                    std::vector<TrialOutcome>& outcomes, TrainControl& control) {
  if (members.empty()) return;
  with_shape_type(trials[members.front()].shape, [&](const auto& shape) {
    LaneRunner(shape, trials, members, next_member, context, outcomes, control).run(std::max(sharing_threads, 1));
  });
}

}  // namespace perfgen
