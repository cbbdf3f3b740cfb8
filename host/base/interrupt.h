// SIGINT and SIGTERM (what Slurm sends before SIGKILL) during a run: the first one sets a flag that
// training polls, so the batch in flight is abandoned within about a second and every finished shard
// stays; the handlers are one-shot, so a second signal ends the process at once. One handling may live
// inside another (a run of perfgen bench's end-to-end rows): the inner one changes nothing, so a signal
// caught by the outer one stops the inner run too, and a second one ends the process.
#pragma once

#include <atomic>
#include <csignal>

namespace perfgen {

class InterruptHandling {
 public:
  InterruptHandling();
  ~InterruptHandling();
  InterruptHandling(const InterruptHandling&) = delete;
  InterruptHandling& operator=(const InterruptHandling&) = delete;

  const std::atomic<bool>& requested() const;
  const char* signal_name() const;  // "SIGINT" or "SIGTERM" once requested

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

}  // namespace perfgen
