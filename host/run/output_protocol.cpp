#include "output_protocol.h"

namespace perfgen {
namespace {

OutputDecision refuse(const std::string& key, const std::string& reason) { return {OutputStep::refuse, key, reason}; }

OutputDecision step(OutputStep s) { return {s, "", ""}; }

}  // namespace

std::string foreign_store_reason(const std::string& store, const std::string& entry) {
  return store + " holds " + entry +
         ", which perfgen does not write; this folder is a run's, trained into and deleted at its end: move that "
         "away first";
}

OutputDecision decide_output(const OutputFacts& facts, const OutputRequest& request, const std::string& output,
                             const std::string& store) {
  auto store_differs = [&](const char* key, OutputDecision* refusal) {
    const std::string diff = facts.store_difference();
    if (diff.empty()) return false;
    *refusal = refuse(key, "the experiment differs from the unfinished run's in " + store + ": " + diff);
    return true;
  };
  OutputDecision refusal;
  if (facts.store_exists)
    if (const std::string entry = facts.store_foreign(); !entry.empty())
      return refuse("--output", foreign_store_reason(store, entry));
  if (request.worker) {  // workers of one sweep share the store; the first one creates it
    if (facts.output_exists && !request.force)
      return refuse("--output", output + " exists (this sweep was merged already?); --force lets the merge replace it");
    if (facts.store_has_config && store_differs("--shard", &refusal)) return refusal;
    return step(OutputStep::train);
  }
  if (request.resume) {
    // Only a perfgen results file is ever replaced without --force.
    if (facts.output_exists)
      if (const std::string why = facts.output_foreign(); !why.empty()) return refuse("--resume", why);
    if (facts.store_exists) {
      if (store_differs("--resume", &refusal)) return refusal;
      // The store is continued and merged, and its file replaces any finished one: the finished file
      // may be older than the store (a --force run that was interrupted), so the store is never taken
      // for a leftover (a run killed between its final rename and removing the store merges again).
      return step(OutputStep::train);
    }
    if (!facts.output_exists) return step(OutputStep::train);  // nothing to resume: a fresh run
    if (const std::string diff = facts.output_difference(); !diff.empty())
      return refuse("--resume", output + " holds another experiment: " + diff);
    return step(OutputStep::finished);
  }
  if (facts.output_exists && !request.force) {
    if (!facts.store_exists) {  // --resume keeps only a perfgen results file
      if (const std::string why = facts.output_foreign(); !why.empty()) return refuse("--output", why);
      return refuse("--output", output + " exists; pass --force to replace it or --resume to keep it");
    }
    if (const std::string why = facts.output_foreign(); !why.empty())
      return refuse("--output", why + "; an unfinished run is in " + store + " beside it");
    if (const std::string diff = facts.store_difference(); !diff.empty())
      return refuse("--output", output + " exists, and the unfinished run in " + store + " is not this experiment's (" +
                                    diff + "); pass --force to start over");
    return refuse("--output", output + " exists and an unfinished run is in " + store +
                                  "; pass --resume to continue that run (its file then replaces " + output +
                                  ") or --force to start over");
  }
  if (!facts.store_exists) return step(OutputStep::train);
  if (!request.force)
    return refuse("--output",
                  "an unfinished run is in " + store + "; pass --resume to continue it or --force to start over");
  return step(OutputStep::train_after_removing_store);
}

}  // namespace perfgen
