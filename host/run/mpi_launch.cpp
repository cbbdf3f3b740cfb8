#include "mpi_launch.h"

#include <cstdlib>
#include <initializer_list>

namespace perfgen {

MpiLaunch mpi_launch() {
  MpiLaunch launch;
  const auto above_one = [](const char* variable) {
    const char* value = std::getenv(variable);
    return value && std::atoi(value) > 1;
  };
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK", "MPI_LOCALNRANKS"})
    launch.launched = launch.launched || std::getenv(variable) != nullptr;
  // The sizes only: a PMIx launcher (srun --mpi=pmix) may set none, and its tasks may be --shard
  // workers, which do not collide (and plain runs would meet at the run lock).
  launch.several = above_one("OMPI_COMM_WORLD_SIZE") || above_one("PMI_SIZE") || above_one("MPI_LOCALNRANKS");
  return launch;
}

}  // namespace perfgen
