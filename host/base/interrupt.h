// SIGINT and SIGTERM (what Slurm sends before SIGKILL) during a run: the first one sets a flag that
// training polls, so the batch in flight is abandoned within about a second and every finished shard
// stays; the handlers are one-shot, so a second signal ends the process at once. One handling may live
// inside another (a run of perfgen bench's end-to-end rows): the inner one starts with what the outer
// one caught, so a signal between the two is not lost.
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
