// The lane-group kernel's loop (cuda/group_kernel.cu) as host-device code over a team of lanes
// (cuda/team.h): the kernel runs it on Lanes lanes of a warp, the host test on Lanes std::threads.
// Member l holds samples [l·kSamplesPerLane, (l + 1)·kSamplesPerLane) of the network in a
// RegisterNetwork and runs the shared loss_and_gradient_scaled on them (with the whole sample's loss
// scale); the team's sum leaves the same bits in every member, so every member takes the same stop
// decision and the same step.
#pragma once

#include "kernels.h"
#include "register_network.h"
#include "team.h"

namespace perfgen::cuda {

// One launch's work of one team: at most `budget` steps; a network still running then is suspended
// (member 0 stores θ and iteration) and the next launch resumes it. Member 0 stores over what every
// member loaded, so the team syncs first: CUDA orders memory among a warp's lanes at __syncwarp, not
// at a shuffle (once per network; the loop's steps need no sync).
template <class Shape, class Team>
PERFGEN_HD void drain_group_queue(const DeviceBatch& b, std::int64_t budget, Team team) {
  RegisterNetwork<Shape, kSamplesPerLane> net;
  const int lane = team.rank();
  int i = claim_for_team(b, team);
  std::int64_t loaded_at = 0;  // the network's step count when this team took it up
  auto load = [&] {
    if (i >= b.count) return;
    loaded_at = b.results[i].train.iterations;
    net.load(b, i, lane);
  };
  load();
  for (std::int64_t step = 0; i < b.count; ++step) {
    if (step == budget) {
      team.sync();
      if (lane == 0) {
        net.store(b, i);
        add_to(&b.work->steps, b.results[i].train.iterations - loaded_at);
      }
      return;
    }
    const double loss = team.sum(net.partial());
    PERFGEN_UNROLL
    for (int p = 0; p < Shape::param_count(); ++p) net.grad[p] = team.sum(net.grad[p]);
    TrainResult result;
    if (net.finish(loss, result)) {
      team.sync();
      if (lane == 0) {
        net.store(b, i);
        record_stop(b, i, result);
        add_to(&b.work->steps, b.results[i].train.iterations - loaded_at);
      }
      i = claim_for_team(b, team);
      load();
    }
  }
}

}  // namespace perfgen::cuda
