// mpi_launch (host/run/mpi_launch.h): which launcher variables mean "started by mpirun" and "several
// ranks", the question both builds of ProcessGroup ask.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "mpi_launch.h"

namespace perfgen {
namespace {

const std::vector<std::string> kLauncherVariables{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK",
                                                  "MPI_LOCALNRANKS"};

// Sets these launcher variables and unsets the others (the suite is a process of its own: no other
// test sees them).
void launched_with(const std::vector<std::pair<std::string, std::string>>& set) {
  for (const std::string& name : kLauncherVariables) ::unsetenv(name.c_str());
  for (const auto& [name, value] : set) ::setenv(name.c_str(), value.c_str(), 1);
}

TEST(MpiLaunch, NoLauncherVariableIsNoLaunch) {
  launched_with({});
  EXPECT_FALSE(mpi_launch().launched);
  EXPECT_FALSE(mpi_launch().several);
}

TEST(MpiLaunch, OneRankIsALaunchOfOne) {
  for (const auto& variable :
       {std::pair<std::string, std::string>{"OMPI_COMM_WORLD_SIZE", "1"}, {"PMI_SIZE", "1"}, {"PMIX_RANK", "0"}}) {
    launched_with({variable});
    EXPECT_TRUE(mpi_launch().launched) << variable.first;
    EXPECT_FALSE(mpi_launch().several) << variable.first;
  }
}

// Open MPI and MPICH give the size, and a size above 1 is several ranks, which the build without MPI
// refuses. A PMIx launcher (srun --mpi=pmix) may give only the rank: launched, but not known to be
// several (its tasks may be --shard workers).
TEST(MpiLaunch, ASizeAboveOneIsSeveral) {
  for (const auto& variable : {std::pair<std::string, std::string>{"OMPI_COMM_WORLD_SIZE", "4"},
                               {"PMI_SIZE", "2"},
                               {"MPI_LOCALNRANKS", "2"}}) {
    launched_with({variable});
    EXPECT_TRUE(mpi_launch().launched) << variable.first;
    EXPECT_TRUE(mpi_launch().several) << variable.first;
  }
  for (const auto& variable : {std::pair<std::string, std::string>{"PMIX_RANK", "3"}, {"PMI_RANK", "1"}}) {
    launched_with({variable});
    EXPECT_TRUE(mpi_launch().launched) << variable.first;
    EXPECT_FALSE(mpi_launch().several) << variable.first;
  }
}

}  // namespace
}  // namespace perfgen
