#include "mpi_launch.h"

#include <cstdlib>
#include <initializer_list>

namespace perfgen {

MpiLaunch mpi_launch() {
  MpiLaunch launch;
  const auto above = [](const char* variable, int bound) {
    const char* value = std::getenv(variable);
    return value && std::atoi(value) > bound;
  };
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK", "MPI_LOCALNRANKS"})
    launch.launched = launch.launched || std::getenv(variable) != nullptr;
  // A PMIx launcher may set no size; a rank other than 0 still proves there are several.
  launch.several = above("OMPI_COMM_WORLD_SIZE", 1) || above("PMI_SIZE", 1) || above("MPI_LOCALNRANKS", 1) ||
                   above("PMIX_RANK", 0) || above("PMI_RANK", 0);
  return launch;
}

}  // namespace perfgen
