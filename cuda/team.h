// What the lane-group and block loops (cuda/group_loop.h, cuda/block_loop.h) ask of the threads that
// train one network together, a team. A team type, passed by value, provides:
//   rank()            this member's index from 0, unsigned as threadIdx.x
//   sum(v)            Σ of every member's v, the same bits in every member, in the kernel's order
//   broadcast(v)      member 0's int v, in every member
//   sync()            a barrier that also orders memory: every member's accesses before it happen
//                     before every member's after it (the lane group's sum and broadcast, shuffles,
//                     promise no such order; the block's sum, max and broadcast are __syncthreads
//                     barriers, and cuda/block_loop.h counts on that)
// and for the block loop also
//   kSize             the members, a compile-time constant
//   warp_sum(v)       Σ of v over this member's warp (32 members), in the kernel's order
//   max(v)            the largest of the members' v (fmax: NaNs are passed over), in every member
// Every member calls them at the same points of the loop. The kernels' teams are warp lanes and
// thread blocks (shuffles, shared memory, __syncthreads); the host tests' are std::threads
// (tests/support/host_team.h), so the tests run the kernels' own loops.
#pragma once

#include "device_batch.h"

namespace perfgen::cuda {

// The team's next network: member 0 claims it from the queue, every member gets the index.
template <class Team>
PERFGEN_HD int claim_for_team(const DeviceBatch& b, Team team) {
  return team.broadcast(team.rank() == 0 ? claim_network(b) : 0);
}

}  // namespace perfgen::cuda
