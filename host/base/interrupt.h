// SIGINT and SIGTERM (what Slurm sends before SIGKILL) during a run: the first one sets a flag that
// training polls, so the batch in flight is abandoned within about a second and every finished shard
// stays; the handlers are one-shot, so a second signal ends the process at once.
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
