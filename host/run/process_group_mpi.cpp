// ProcessGroup over MPI (built when CMake finds an MPI). Outside mpirun it stays a single process and
// never initializes MPI, so `perfgen run` behaves the same with or without MPI in the build.
// The C API only: Open MPI and MPICH would otherwise pull in their deprecated C++ bindings.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <cstdlib>
#include <initializer_list>

#include "process_group.h"

namespace perfgen {
namespace {

bool launched_by_mpirun() {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(variable)) return true;
  return false;
}

}  // namespace

ProcessGroup::ProcessGroup() {
  if (!launched_by_mpirun()) return;
  MPI_Init(nullptr, nullptr);
  joined_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &local_rank_);
  MPI_Comm_free(&node);
}

ProcessGroup::~ProcessGroup() {
  if (joined_) MPI_Finalize();
}

int ProcessGroup::max_over_ranks(int value) const {
  if (!joined_) return value;
  int result = value;
  MPI_Allreduce(&value, &result, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return result;
}

}  // namespace perfgen
