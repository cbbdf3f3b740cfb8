#include "interrupt.h"

namespace perfgen {
namespace {

// Atomics, not volatile sig_atomic_t: the handler runs on whichever thread the kernel picks (a writer
// thread, say), and only an atomic orders its store with the main thread's read (ThreadSanitizer caught
// the race in perfgen bench's interrupted run). Lock-free, so safe to set from a signal handler.
std::atomic<bool> g_requested{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);
std::atomic<int> g_depth{0};  // handlings alive (a run inside perfgen bench is the second)

extern "C" void on_stop_signal(int signal) {
  g_signal.store(signal);
  g_requested.store(true);
}

}  // namespace

InterruptHandling::InterruptHandling() {
  // A handling inside another (a run of perfgen bench) leaves the outer one's handlers and flag as they
  // are: a first signal then stops both, and a second one still ends the process at once.
  if (g_depth++ > 0) return;
  g_requested.store(false);
  g_signal.store(0);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // one-shot: the second signal takes the default action
  sigaction(SIGINT, &action, &previous_int_);
  sigaction(SIGTERM, &action, &previous_term_);
}

InterruptHandling::~InterruptHandling() {
  if (--g_depth > 0) return;
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
}

const std::atomic<bool>& InterruptHandling::requested() const { return g_requested; }

const char* InterruptHandling::signal_name() const { return g_signal.load() == SIGTERM ? "SIGTERM" : "SIGINT"; }

}  // namespace perfgen
