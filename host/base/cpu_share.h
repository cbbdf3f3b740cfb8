// How many CPUs a process may use: its affinity mask, and its share of that mask when other processes
// of the same job (MPI ranks on one node) were given the same CPUs.
#pragma once

namespace perfgen {

// The CPUs this process may run on: its affinity mask (set by taskset, Slurm, a cgroup cpuset or
// mpirun's binding), or every online CPU where the mask cannot be read. At least 1.
int usable_cpus();

// The threads of process `index` of `sharers` processes that run at once on the same `cpus` CPUs: an
// equal share, the first cpus % sharers processes one more, at least 1.
int share_of_cpus(int cpus, int index, int sharers);

}  // namespace perfgen
