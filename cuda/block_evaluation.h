// The evaluation of a network the block kernel trained, spread over the same team (cuda/team.h): the
// test-set error and the sharpness cost as much as hundreds of training steps of a wide network, far
// too much for one thread. Each member takes the test points and gradient entries ≡ its rank; the
// sums are team sums, so the results differ from the one-thread functions (perfgen/evaluation.h,
// perfgen/sharpness.h) in the order of summation only. The block kernel's launch is in
// cuda/block_kernel.cu; the host test runs the same code on std::threads.
#pragma once

#include "block_loop.h"
#include "perfgen/sharpness.h"

namespace perfgen::cuda {

// Σ over the team of each member's own entries p ≡ rank of v·w (v = w: the squared norm).
template <class Team>
PERFGEN_HD double team_dot(const double* v, const double* w, int count, Team team) {
  double mine = 0.0;
  for (int p = team.rank(); p < count; p += Team::kSize) mine = fused(v[p], w[p], mine);
  return team.sum(mine);
}

// power_iteration_sharpness on a team: the same iterations, from the same start, each Hessian-vector
// product the same central difference of two gradients, computed by the team's phases.
// v, shifted, minus: count doubles each; the gradient at θ + step·v goes to net.grad.
template <class Team>
PERFGEN_HD double team_power_iteration_sharpness(const BlockNetwork& net, double* v, double* shifted, double* minus,
                                                 Team team, int iterations = kPowerIterations) {
  const int count = net.count;
  const unsigned rank = team.rank();
  BlockNetwork plus_at = net, minus_at = net;  // the network at θ ± step·v
  plus_at.theta = minus_at.theta = shifted;
  minus_at.grad = minus;
  for (int p = rank; p < count; p += Team::kSize) v[p] = power_iteration_start(p, count);
  const double step = power_iteration_step(sqrt(team_dot(net.theta, net.theta, count, team)));
  double norm = sqrt(team_dot(v, v, count, team)), rayleigh = 0.0, unused = 0.0;
  for (int it = 0; it < iterations; ++it) {
    for (int p = rank; p < count; p += Team::kSize) {
      v[p] /= norm;
      shifted[p] = net.theta[p] + step * v[p];
    }
    team.sync();
    team_loss_and_gradient(plus_at, team, unused);
    team.sync();  // phase 3 has read `shifted` and the activations
    for (int p = rank; p < count; p += Team::kSize) shifted[p] = net.theta[p] - step * v[p];
    team.sync();
    team_loss_and_gradient(minus_at, team, unused);
    double mine = 0.0;
    for (int p = rank; p < count; p += Team::kSize) {  // each member reads only the entries it wrote
      const double hv = (plus_at.grad[p] - minus[p]) / (2.0 * step);
      mine += v[p] * hv;
      v[p] = hv;
    }
    rayleigh = team.sum(mine);  // also the barrier before the next iteration changes `shifted`
    norm = sqrt(team_dot(v, v, count, team));
    if (norm == 0.0) return 0.0;
  }
  return rayleigh;
}

// Evaluates network i of the batch (stopped) on the team: DeviceResult's generalization, branch and
// sharpness, and the per-neuron outputs. Its scratch slot holds what training used (∇ℓ, then the
// activations) and three vectors of count doubles after them (cuda/batch_layout.cpp sizes it).
template <class Team>
PERFGEN_HD void evaluate_block_network(const DeviceBatch& b, int i, const DeviceEvaluation& e, Team team) {
  const BlockNetwork net = BlockNetwork::of(b, i);
  const unsigned rank = team.rank();
  DeviceResult& r = b.results[i];

  double my_squared = 0.0, my_max = 0.0;
  for (int point = rank; point < e.test.count; point += Team::kSize) {
    const double diff = forward(net.s, net.theta, e.test.inputs + point * net.d) - e.test.targets[point];
    my_squared = fused(diff, diff, my_squared);
    my_max = fmax(my_max, fabs(diff));
  }
  const double squared = team.sum(my_squared), max_abs = team.max(my_max);

  double sharpness = 0.0;
  if (net.count > kExactHessianMaxParams) {
    double* v = net.residual + net.n;
    sharpness = team_power_iteration_sharpness(net, v, v + net.count, v + 2 * net.count, team);
  } else if (rank == 0) {  // the exact Hessian of a few parameters: one member, the one-thread function
    sharpness = loss_sharpness(net.s, net.theta, DataView{net.x, net.y, net.n}, net.settings.loss, net.grad);
  }
  if (rank == 0) {
    const DeviceTrial& t = b.trials[i];
    r.generalization = {squared / e.test.count, max_abs};
    r.branch = classify_branch(net.s, net.theta, e.target_weights, e.tolerances, e.final_a + t.neurons,
                               e.distance + t.neurons);
    r.sharpness = sharpness;
  }
}

// Evaluates the stopped networks first, first + stride, … (a network cancelled while training, or
// finished by a tail helper, is left alone).
template <class Team>
PERFGEN_HD void evaluate_block_networks(const DeviceBatch& b, const DeviceEvaluation& e, int first, int stride,
                                        Team team) {
  for (int i = first; i < b.count; i += stride)
    if (b.results[i].done) evaluate_block_network(b, i, e, team);
}

}  // namespace perfgen::cuda
