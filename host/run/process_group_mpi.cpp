// ProcessGroup over MPI (built when CMake finds an MPI). Outside mpirun it stays a single process and
// never initializes MPI, so `perfgen run` behaves the same with or without MPI in the build.
// The C API only: Open MPI and MPICH would otherwise pull in their deprecated C++ bindings.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#include <sched.h>

#include <string>
#include <vector>

#include "cpu_share.h"
#include "mpi_launch.h"
#include "process_group.h"

namespace perfgen {
namespace {

// The CPU masks of every rank of `node` (an empty mask where it cannot be read).
std::vector<cpu_set_t> node_cpu_masks(MPI_Comm node, int node_size) {
  cpu_set_t mine;
  CPU_ZERO(&mine);
  sched_getaffinity(0, sizeof mine, &mine);
  std::vector<cpu_set_t> all(node_size);
  MPI_Allgather(&mine, sizeof mine, MPI_BYTE, all.data(), sizeof mine, MPI_BYTE, node);
  return all;
}

}  // namespace

ProcessGroup::ProcessGroup() {
  if (!mpi_launch().launched) return;
  MPI_Init(nullptr, nullptr);
  joined_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &local_rank_);
  int node_size = 1;
  MPI_Comm_size(node, &node_size);
  local_size_ = node_size;
  // Ranks bound to CPUs of their own keep them; ranks given the same CPUs split them.
  const std::vector<cpu_set_t> masks = node_cpu_masks(node, node_size);
  cpu_sharers_ = 0;
  for (int r = 0; r < node_size; ++r) {
    if (!CPU_EQUAL(&masks[r], &masks[local_rank_])) continue;
    if (r < local_rank_) ++cpu_sharer_index_;
    ++cpu_sharers_;
  }
  MPI_Comm_free(&node);
}

ProcessGroup::~ProcessGroup() {
  if (joined_) MPI_Finalize();
}

int ProcessGroup::default_threads() const { return share_of_cpus(usable_cpus(), cpu_sharer_index_, cpu_sharers_); }

int ProcessGroup::max_over_ranks(int value) const {
  if (!joined_) return value;
  int result = value;
  MPI_Allreduce(&value, &result, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return result;
}

std::int64_t ProcessGroup::sum_over_ranks(std::int64_t value) const {
  if (!joined_) return value;
  std::int64_t result = value;
  MPI_Allreduce(&value, &result, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  return result;
}

std::string ProcessGroup::text_of_rank_zero(const std::string& text) const {
  if (!joined_) return text;
  long long length = static_cast<long long>(text.size());
  MPI_Bcast(&length, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  std::string result = rank_ == 0 ? text : std::string(static_cast<std::size_t>(length), '\0');
  if (length > 0) MPI_Bcast(result.data(), static_cast<int>(length), MPI_CHAR, 0, MPI_COMM_WORLD);
  return result;
}

}  // namespace perfgen
