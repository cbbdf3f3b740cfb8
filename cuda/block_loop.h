// The block kernel's loop (cuda/block_kernel.cu) as host-device code over a team of threads
// (cuda/team.h): the kernel runs it on a block of Team::kSize threads, the host test on as many
// std::threads. A step runs in phases separated by barriers, each spread over the team
// (cuda/block_network.h): (1) σ and σ' at every (sample, neuron) pair, (2) the residual of every
// sample (a warp sums over the neurons), (3) every gradient entry, summed over the samples in order
// with the shared add_neuron_gradient_term, (4) the step. The loss and ‖∇ℓ‖ are team sums, the same in
// every member, so the team stops as one.
#pragma once

#include "block_network.h"
#include "team.h"

namespace perfgen::cuda {

// Phases 1-3 of a step at net.theta: σ and σ' at every (sample, neuron) pair, the residuals, and the
// gradient entries p ≡ rank (mod the team's size) into net.grad, whose squares this member adds to
// my_grad_sq. Returns ℓ, the same in every member. Phase 3 reads θ and the activations: the caller
// syncs before anything changes them.
template <class Team>
PERFGEN_HD double team_loss_and_gradient(const BlockNetwork& net, Team team, double& my_grad_sq) {
  constexpr int kThreads = Team::kSize, kWarps = kThreads / 32;
  const unsigned rank = team.rank();  // unsigned as threadIdx.x: / 32 and % 32 are a shift and a mask
  for (int q = rank; q < net.n * net.m; q += kThreads) net.activation(q);
  team.sync();
  for (int sample = rank / 32; sample < net.n; sample += kWarps) {
    const double f = team.warp_sum(net.output_part(sample, rank % 32, 32));
    if (rank % 32 == 0) net.set_residual(sample, f);
  }
  team.sync();
  double my_sq = 0.0;
  for (int sample = rank; sample < net.n; sample += kThreads)
    my_sq = fused(net.residual[sample], net.residual[sample], my_sq);
  const double loss = net.scale * team.sum(my_sq);
  for (int p = rank; p < net.count; p += kThreads) {
    const double g = net.gradient_entry(p);
    my_grad_sq = fused(g, g, my_grad_sq);
  }
  return loss;
}

// Trains network i until it stops or `budget` more steps are spent; returns the steps spent.
template <class Team>
PERFGEN_HD std::int64_t train_block_network(const DeviceBatch& b, int i, std::int64_t budget, Team team) {
  constexpr int kThreads = Team::kSize;
  const unsigned rank = team.rank();
  BlockNetwork net = BlockNetwork::of(b, i);
  std::int64_t iteration = b.results[i].train.iterations;
  for (std::int64_t step = 0; step < budget; ++step, ++iteration) {
    double my_grad_sq = 0.0;
    const double loss = team_loss_and_gradient(net, team, my_grad_sq);
    const double grad_norm = sqrt(team.sum(my_grad_sq));  // also the barrier after phase 3
    TrainResult result;
    if (net.stops(loss, grad_norm, iteration, result)) {  // the same decision in every member
      if (rank == 0) record_stop(b, i, result);
      return step;
    }
    for (int p = rank; p < net.count; p += kThreads) net.descend_entry(p);
    team.sync();
  }
  if (rank == 0) b.results[i].train.iterations = iteration;
  return budget;
}

// One launch's work of one team: networks one after another until the queue is empty or `budget`
// steps are spent in all; a network still running then is suspended (its θ is in the batch, its
// iteration count stored) and the next launch resumes it.
template <class Team>
PERFGEN_HD void drain_block_queue(const DeviceBatch& b, std::int64_t budget, Team team) {
  std::int64_t spent = 0;
  while (spent < budget) {  // the budget first: a network claimed is one the team trains
    const int i = claim_for_team(b, team);
    if (i >= b.count) break;
    spent += train_block_network(b, i, budget - spent, team);
  }
  if (team.rank() == 0) add_to(&b.work->steps, spent);
}

}  // namespace perfgen::cuda
