// The output protocol of `perfgen run` as a decision table: every row is a state of the disk and a
// request, with the step the run must take; and over all 1024 combinations, the rules that keep data.
#include <gtest/gtest.h>

#include <string>

#include "output_protocol.h"

namespace perfgen {
namespace {

struct Row {
  // disk: finished file, store, its config, store's experiment same, file's experiment same
  bool output, store, config, store_same, output_same;
  // request
  bool worker, resume, force;
  OutputStep expected;
  const char* refusal_mentions;  // for refusals: a word of the message
  bool output_results = true;    // the finished file is a perfgen results file (else: foreign or damaged)
  bool store_ours = true;        // the store's folder holds only files perfgen writes there
};

constexpr bool T = true, F = false;
using S = OutputStep;

// clang-format off
const Row kTable[] = {
  // a plain run
  {F, F, F, F, F,   F, F, F,   S::train, ""},
  {T, F, F, F, T,   F, F, F,   S::refuse, "--force to replace it"},
  {T, F, F, F, T,   F, F, T,   S::train, ""},
  {F, T, T, T, F,   F, F, F,   S::refuse, "pass --resume to continue it"},
  {F, T, T, T, F,   F, F, T,   S::train_after_removing_store, ""},
  {T, T, T, F, F,   F, F, T,   S::train_after_removing_store, ""},
  {T, T, T, T, T,   F, F, F,   S::refuse, "pass --resume to continue that run"},
  {T, T, T, F, T,   F, F, F,   S::refuse, "is not this experiment's"},
  {T, T, F, F, T,   F, F, F,   S::refuse, "is not this experiment's"},      // a store without config
  // --resume
  {F, F, F, F, F,   F, T, F,   S::train, ""},                           // nothing to resume: fresh
  {T, F, F, F, T,   F, T, F,   S::finished, ""},                        // done: print the table
  {T, F, F, F, F,   F, T, F,   S::refuse, "holds another experiment"},
  {F, T, T, T, F,   F, T, F,   S::train, ""},                           // continue
  {F, T, T, F, F,   F, T, F,   S::refuse, "differs from the unfinished run"},
  {F, T, F, F, F,   F, T, F,   S::refuse, "differs from the unfinished run"},  // no config: unknown run
  {T, T, T, T, T,   F, T, F,   S::train, ""},                           // merged again: the file may be older
  {T, T, T, T, F,   F, T, F,   S::train, ""},                           // an older file is replaced at the end
  {T, T, T, T, T,   F, T, F,   S::refuse, "not a perfgen results file", false},  // never replaced unasked
  {T, F, F, F, T,   F, T, F,   S::refuse, "not a perfgen results file", false},
  {T, T, T, T, T,   F, F, F,   S::refuse, "not a perfgen results file", false},  // no --resume hint then
  {T, F, F, F, T,   F, F, F,   S::refuse, "not a perfgen results file", false},  // nor here: --resume refuses it
  // a folder of the store's name holding a user's files: never adopted or deleted, --force or not
  {F, T, F, F, F,   T, F, F,   S::refuse, "which perfgen does not write", true, false},
  {F, T, F, F, F,   F, F, T,   S::refuse, "which perfgen does not write", true, false},
  {T, T, T, T, T,   F, T, F,   S::refuse, "which perfgen does not write", true, false},
  // a worker of --shard i/K
  {F, F, F, F, F,   T, F, F,   S::train, ""},
  {F, T, F, F, F,   T, F, F,   S::train, ""},                           // another worker is creating it
  {F, T, T, T, F,   T, F, F,   S::train, ""},
  {F, T, T, F, F,   T, F, F,   S::refuse, "differs from the unfinished run"},
  {T, T, T, T, T,   T, F, F,   S::refuse, "merged already"},
  {T, T, T, T, T,   T, F, T,   S::train, ""},
};
// clang-format on

OutputFacts facts_of(bool output, bool store, bool config, bool store_same, bool output_same,
                     bool output_results = true, bool store_ours = true) {
  OutputFacts facts;
  facts.output_exists = output;
  facts.store_exists = store;
  facts.store_has_config = config;
  facts.store_difference = [=] { return store_same && config ? std::string() : std::string("line 1: lr"); };
  facts.output_difference = [=] {
    if (!output || !output_results) ADD_FAILURE() << "the difference asked of a file that is not results";
    return output_same ? std::string() : std::string("line 2: n");
  };
  facts.store_foreign = [=] {
    if (!store) ADD_FAILURE() << "asked of a store that does not exist";
    return store_ours ? std::string() : std::string("notes.txt");
  };
  facts.output_foreign = [=] {
    if (!output) ADD_FAILURE() << "asked of a file that does not exist";
    return output_results ? std::string() : std::string("out.h5 is not a perfgen results file");
  };
  return facts;
}

TEST(OutputProtocol, EveryRowOfTheTable) {
  for (const Row& r : kTable) {
    SCOPED_TRACE(::testing::Message() << "output " << r.output << " store " << r.store << " config " << r.config
                                      << " store_same " << r.store_same << " output_same " << r.output_same
                                      << " worker " << r.worker << " resume " << r.resume << " force " << r.force);
    const OutputDecision d = decide_output(
        facts_of(r.output, r.store, r.config, r.store_same, r.output_same, r.output_results, r.store_ours),
        {r.worker, r.resume, r.force}, "out.h5", "out.h5.shards");
    EXPECT_EQ(static_cast<int>(d.step), static_cast<int>(r.expected)) << d.reason;
    if (r.expected == S::refuse) EXPECT_NE(d.reason.find(r.refusal_mentions), std::string::npos) << d.reason;
  }
}

// Over every combination: no data is removed or replaced unless asked (--force), except a perfgen
// results file beside a store that --resume continues (the merge replaces it: that store was made by
// a run asked to write there, with --force when the file existed).
TEST(OutputProtocol, NothingIsLostThatWasNotAskedFor) {
  int combinations = 0;
  for (int bits = 0; bits < 1024; ++bits) {
    auto bit = [&](int k) { return ((bits >> k) & 1) != 0; };
    const bool output = bit(0), store = bit(1), config = bit(2) && store, store_same = bit(3), output_same = bit(4);
    const bool output_results = bit(8), store_ours = bit(9);
    const OutputRequest request{bit(5), bit(6), bit(7)};
    const OutputDecision d =
        decide_output(facts_of(output, store, config, store_same, output_same, output_results, store_ours), request,
                      "out.h5", "out.h5.shards");
    ++combinations;
    SCOPED_TRACE(bits);
    if (d.step == S::train_after_removing_store) EXPECT_TRUE(request.force);
    if (d.step == S::finished) EXPECT_TRUE(request.resume && !request.worker);
    // A store beside a finished file is continued or refused, never taken for a leftover of that file:
    // it may be newer work (a --force run that was interrupted).
    if (d.step == S::finished) EXPECT_FALSE(store);
    // Training that will write over an existing finished file: forced, or resuming the same experiment.
    if (output && (d.step == S::train || d.step == S::train_after_removing_store))
      EXPECT_TRUE(request.force || (request.resume && store && config && store_same));
    // Training into an existing store of another experiment never happens.
    if (store && config && !store_same && d.step == S::train) ADD_FAILURE() << "trains into another experiment's store";
    // A file that is not a perfgen results file (foreign, damaged) is replaced only when forced.
    if (output && !output_results && (d.step == S::train || d.step == S::train_after_removing_store))
      EXPECT_TRUE(request.force);
    if (d.step == S::finished) EXPECT_TRUE(output_results && output_same);
    // A folder of the store's name with a user's files in it is neither trained into nor removed.
    if (store && !store_ours) EXPECT_EQ(d.step, S::refuse);
    if (d.step == S::refuse) EXPECT_FALSE(d.key.empty() || d.reason.empty());
  }
  EXPECT_EQ(combinations, 1024);
}

}  // namespace
}  // namespace perfgen
