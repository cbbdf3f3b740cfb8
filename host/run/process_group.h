// The processes of one run: this process alone, or the ranks of an MPI job when perfgen was built with
// MPI and started by mpirun. Ranks split the batches like `--shard rank/size` workers and rank 0
// merges once every rank is done (docs/CLI.md, "Beyond one machine"): no scheduler of our own.
#pragma once

#include <cstdint>
#include <string>

namespace perfgen {

class ProcessGroup {
 public:
  ProcessGroup();   // joins the MPI job when launched by mpirun
  ~ProcessGroup();  // leaves it
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_rank() const { return local_rank_; }  // rank among the processes of this node (its GPU)
  int local_size() const { return local_size_; }  // processes of this node
  // The threads this process uses when --threads is not given: the CPUs it may run on, shared with the
  // ranks of this node that may run on the same CPUs (an unbound mpirun would otherwise start one
  // thread per CPU in every rank).
  int default_threads() const;
  // Collective: the largest value over all ranks (every rank must call it).
  int max_over_ranks(int value) const;
  // Collective: the sum over all ranks.
  std::int64_t sum_over_ranks(std::int64_t value) const;
  // Collective: rank 0's text, on every rank.
  std::string text_of_rank_zero(const std::string& text) const;

 private:
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  int cpu_sharers_ = 1, cpu_sharer_index_ = 0;  // ranks of this node with this one's CPU mask; its place among them
  bool joined_ = false;
};

}  // namespace perfgen
