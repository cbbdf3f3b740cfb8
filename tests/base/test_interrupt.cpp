// InterruptHandling: the first SIGINT or SIGTERM sets the flag training polls and is named in messages,
// whichever of the process's threads the kernel runs the handler on.
#include <gtest/gtest.h>
#include <pthread.h>

#include <csignal>
#include <string>
#include <thread>

#include "interrupt.h"

namespace perfgen {
namespace {

// The handler runs on a thread other than the one that reads the flag and the name (a shard writer,
// say): the reads are atomic, so ThreadSanitizer sees no race (the test runs in the TSan stage).
TEST(Interrupt, ASignalCaughtOnAnotherThreadIsRequestedAndNamed) {
  for (const int signal : {SIGTERM, SIGINT}) {
    InterruptHandling handling;
    EXPECT_FALSE(handling.requested().load());
    std::thread worker([signal] { pthread_kill(pthread_self(), signal); });
    worker.join();
    EXPECT_TRUE(handling.requested().load());
    EXPECT_EQ(std::string(handling.signal_name()), signal == SIGTERM ? "SIGTERM" : "SIGINT");
  }
}

// A handling inside another (perfgen bench's end-to-end run) changes nothing: a signal sets the one flag.
TEST(Interrupt, AnInnerHandlingSharesTheOuterOnesFlag) {
  InterruptHandling outer;
  {
    InterruptHandling inner;
    std::raise(SIGTERM);
    EXPECT_TRUE(inner.requested().load());
  }
  EXPECT_TRUE(outer.requested().load());
  EXPECT_EQ(std::string(outer.signal_name()), "SIGTERM");
}

}  // namespace
}  // namespace perfgen
