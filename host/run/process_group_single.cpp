// ProcessGroup for a build without MPI: always this process alone. Started by mpirun anyway, every
// rank would train the whole sweep into the same files, so that is refused.
#include <string>

#include "cpu_share.h"
#include "errors.h"
#include "mpi_launch.h"
#include "process_group.h"

namespace perfgen {

ProcessGroup::ProcessGroup() {
  if (mpi_launch().several)
    throw InputError("mpirun",
                     "this perfgen was built without MPI (configure with an MPI installed, e.g. "
                     "Debian's libopenmpi-dev); use --shard i/K workers instead");
}

ProcessGroup::~ProcessGroup() = default;

int ProcessGroup::default_threads() const { return usable_cpus(); }

int ProcessGroup::max_over_ranks(int value) const { return value; }

std::int64_t ProcessGroup::sum_over_ranks(std::int64_t value) const { return value; }

std::string ProcessGroup::text_of_rank_zero(const std::string& text) const { return text; }

}  // namespace perfgen
