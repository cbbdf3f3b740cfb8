// The one place that knows the backends: which one a run gets (GPU usability decided by the device
// probe), and which trials must go to the CPU because the chosen backend cannot train them.
#pragma once

#include <memory>
#include <ostream>
#include <vector>

#include "commands.h"
#include "perfgen/backend.h"

namespace perfgen {

// --backend auto, cpu or cuda; the local_size ranks of an MPI job on one node take the usable devices
// in turn, by node-local rank, and ranks that share a device share its memory. BackendUnavailable for
// --backend cuda without a usable device.
std::unique_ptr<Backend> choose_backend(const RunOptions& options, int local_rank, int local_size, std::ostream& err);

// How many of a node's local_size ranks use the device that rank local_rank uses, when they take the
// node's `devices` in turn.
int ranks_sharing_device(int local_rank, int local_size, int devices);

// backend.train(), except for the trials it cannot train (a trajectory it does not record, gradient
// flow it does not integrate): those go to the CPU backend on cpu_threads threads at the same time
// (Backend contract). A failure of either stops the other and is thrown, before a cancel; outcomes[i]
// belongs to trials[i], also after a cancel.
void train_batch(Backend& backend, const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
                 std::vector<TrialOutcome>& outcomes, TrainControl& control, int cpu_threads);

}  // namespace perfgen
