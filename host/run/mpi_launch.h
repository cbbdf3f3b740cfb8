// Whether mpirun (Open MPI, MPICH's hydra, or a PMIx launcher such as srun) started this process,
// read from the variables those launchers set; both builds of ProcessGroup ask it.
#pragma once

namespace perfgen {

struct MpiLaunch {
  bool launched = false;  // some launcher's variable is set
  bool several = false;   // more than one rank: a launcher's size above 1 is set
};

MpiLaunch mpi_launch();

}  // namespace perfgen
