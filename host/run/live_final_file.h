// The final file written while the run trains. A fresh run of the whole sweep in one process stores
// its batches in trial order: each batch's /trials rows go into STORE/final.h5.partial as well as into
// its shard, on a thread of their own, and /cells follows as each cell's trials pass. At the end only
// the last /cells rows, the attributes and a rename are left, instead of reading every shard back and
// encoding the whole file after training (on a GPU machine the host's cores are idle while the device
// trains). A batch out of order (a resumed run with shards or a gap) or a failed write, in add() or in
// finish(), abandons it; the run then merges from the shards as before, which the shards always allow.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "background_queue.h"
#include "hdf5_io.h"
#include "merge.h"
#include "plan.h"
#include "shard_store.h"
#include "stage_times.h"

namespace perfgen {

class LiveFinalFile {
 public:
  // serial: each batch written at once on the caller's thread (the serial pipeline).
  LiveFinalFile(const Plan& plan, const ShardStore& store, StageTimes& times, bool serial = false);
  LiveFinalFile(Plan&&, const ShardStore&, StageTimes&, bool = false) = delete;  // it keeps a reference
  ~LiveFinalFile();  // removes the file unless finish() renamed it into place

  // The /trials rows of a batch as it is stored (after those of every batch before it).
  void add(ColumnGroup trials);
  // When every trial has come: the rest of the file (close_file writes the attributes and closes
  // it), renamed to `output`. Empty when it was abandoned, or did not get every trial.
  std::optional<MergeReport> finish(const std::string& output,
                                    const std::function<void(Hdf5Writer&, const MergeReport&)>& close_file);

 private:
  void abandon();  // on the queue's thread, or on the caller's after queue_.finish()
  const Plan& plan_;
  const ShardStore& store_;
  StageTimes& times_;
  std::string path_;
  std::unique_ptr<Hdf5Writer> file_;
  std::unique_ptr<TrialMerger> merger_;
  bool abandoned_ = false;  // read on the caller's thread only after queue_.finish()
  BackgroundQueue queue_;   // last: destroyed first, so its jobs end before the file does
};

}  // namespace perfgen
