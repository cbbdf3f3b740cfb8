// Which device each MPI rank of a node takes, and how many ranks share it (they split its memory).
#include <gtest/gtest.h>

#include "backend_choice.h"

namespace perfgen {
namespace {

// Ranks take the devices in turn: 5 ranks on 2 GPUs put ranks 0, 2, 4 on the first and 1, 3 on the
// second; each counts the ranks on its own device.
TEST(BackendChoice, RanksThatTakeTheSameDeviceCountEachOther) {
  EXPECT_EQ(ranks_sharing_device(0, 1, 1), 1);
  EXPECT_EQ(ranks_sharing_device(0, 4, 4), 1);
  EXPECT_EQ(ranks_sharing_device(3, 4, 4), 1);
  for (const int rank : {0, 2, 4}) EXPECT_EQ(ranks_sharing_device(rank, 5, 2), 3) << rank;
  for (const int rank : {1, 3}) EXPECT_EQ(ranks_sharing_device(rank, 5, 2), 2) << rank;
  EXPECT_EQ(ranks_sharing_device(1, 2, 8), 1);  // more devices than ranks
}

}  // namespace
}  // namespace perfgen
