#include "run_output.h"

#include <unistd.h>

#include <climits>
#include <filesystem>
#include <optional>

#include "command_support.h"
#include "errors.h"
#include "file_check.h"
#include "fingerprint.h"
#include "hdf5_io.h"
#include "hdf5_signature.h"
#include "output_protocol.h"
#include "results_schema.h"

namespace fs = std::filesystem;

namespace perfgen {

void check_output_location(const std::string& output, const std::string& key) {
  // Beside the output go OUTPUT.lock, OUTPUT.shard-i-of-K.lock, OUTPUT.shards(.removing) and
  // temporaries, and inside the shard folder names of up to ~60 bytes: each must fit the system's
  // limits, or a run would fail after its work (a name that fit but not with .shards.removing did).
  constexpr std::size_t kLongestSuffix = 40, kLongestInside = 64;
  const std::size_t name = fs::path(output).filename().string().size();
  if (name + kLongestSuffix > NAME_MAX)
    throw InputError(key, "the file name is " + std::to_string(name) +
                              " bytes; perfgen writes files beside it with up to " + std::to_string(kLongestSuffix) +
                              " more, and a name may have " + std::to_string(NAME_MAX) + ": give one of at most " +
                              std::to_string(NAME_MAX - kLongestSuffix));
  if (output.size() + kLongestSuffix + kLongestInside >= PATH_MAX)
    throw InputError(key, "the path is " + std::to_string(output.size()) +
                              " bytes; with the files perfgen writes beside "
                              "and below it, a path may have at most " +
                              std::to_string(PATH_MAX - 1 - kLongestSuffix - kLongestInside));
  if (fs::is_directory(output)) throw InputError(key, output + " is a directory");
  // The run's shards go in the folder OUTPUT.shards: anything else of that name is in the way. (A link
  // to a folder is refused with the store's other foreign contents, after this check.)
  const std::string store = output + ".shards";
  if (std::error_code error; fs::exists(fs::symlink_status(store, error)) && !fs::is_directory(store))
    throw InputError(key, store +
                              " is in the way: perfgen keeps the run's shards in a folder of that name; move the "
                              "file away or choose another output");
  // The finished file is renamed over the output: a link would be replaced, not its target, and a
  // device or FIFO (-o /dev/null --force) by a regular file.
  std::error_code ignored;
  const fs::file_status status = fs::symlink_status(output, ignored);
  if (fs::is_symlink(status))
    throw InputError(key, output + " is a symbolic link (to " + fs::read_symlink(output, ignored).string() +
                              "); give the file it names");
  if (fs::exists(status) && !fs::is_regular_file(status))
    throw InputError(key, output + " is not a regular file (a device, FIFO or socket); results go to a file");
  const fs::path folder = fs::absolute(output).parent_path();
  if (!fs::exists(folder))
    throw InputError(key, "the folder " + folder.string() + " does not exist (perfgen creates no folders)");
  if (!fs::is_directory(folder)) throw InputError(key, folder.string() + " is not a folder");
  if (::access(folder.c_str(), W_OK) != 0) throw InputError(key, "cannot write to the folder " + folder.string());
}

std::string results_config_in_child(const std::string& path) {
  return read_in_child([&] { return stored_results_config(path); }, path);
}

bool prepare_output(const std::string& output, const ShardStore& store, const Experiment& e, const RunOptions& options,
                    const ShardSpec& shard) {
  OutputFacts facts;
  facts.output_exists = fs::exists(output);
  // A store folder with nothing of a run in it (one stopped between making it and writing config.toml)
  // is no unfinished run: a run trains into it, with or without --resume.
  facts.store_exists = store.exists() && !store.holds_no_run();
  facts.store_has_config = store.has_config();
  facts.store_difference = [&] {
    if (!store.has_config())  // a folder made by hand, or a run stopped before writing it
      return std::string("it has no config.toml to compare with (--force starts over, removing the folder)");
    return first_difference(store.stored_config(), e.resolved_toml);
  };
  std::optional<std::string> output_config;  // the existing output's stored config, "" if it has none
  auto stored_output_config = [&]() -> const std::string& {
    if (!output_config) output_config = results_config_in_child(output);
    return *output_config;
  };
  facts.output_foreign = [&] {
    if (!stored_output_config().empty()) return std::string();
    return has_hdf5_signature(output) ? output +
                                            " is an HDF5 file perfgen cannot read as results (damaged? perfgen "
                                            "verify " +
                                            shell_word(output) + " checks it; --force replaces it)"
                                      : output + " is not a perfgen results file (--force replaces it)";
  };
  facts.output_difference = [&] { return first_difference(stored_output_config(), e.resolved_toml); };
  facts.store_foreign = [&] { return store.foreign_entry(); };
  const OutputDecision decision =
      decide_output(facts, {shard.worker, options.resume, options.force}, output, store.directory());
  if (decision.step != OutputStep::refuse) {  // a refused run touches nothing
    store.remove_leftover();
    if (!shard.worker) remove_stale_temporaries(output);  // this run holds the output's lock exclusively
  }
  switch (decision.step) {
    case OutputStep::refuse:
      throw InputError(decision.key, decision.reason);
    case OutputStep::finished:
      return true;
    case OutputStep::train_after_removing_store:
      store.remove();
      return false;
    case OutputStep::train:
      return false;
  }
  return false;
}

void set_aside_damaged_shards(const ShardStore& store, std::ostream& err, const std::atomic<bool>& stop) {
  for (const FileVerdict& damaged : store.set_aside_damaged(&stop))
    err << "perfgen: warning: " << damaged.path << " is damaged (" << damaged.problem << "); renamed to "
        << fs::path(damaged.path).filename().string() << ".damaged, its trials will be trained again\n";
}

void refuse_shards_of_another_run(const ShardStore& store, const char* key) {
  const std::string run_hash = fingerprint(store.stored_config());
  for (const std::string& file : store.result_files()) {
    const FileAttributes attributes = read_hdf5_attributes(file);
    for (const auto& [name, version] : attributes.integers)
      if (name == "schema_version" && version != kSchemaVersion)
        throw InputError(key, file + " has file schema " + std::to_string(version) + ", this perfgen writes " +
                                  std::to_string(kSchemaVersion) +
                                  ": finish the run with the perfgen that started it, or start over with --force");
    if (const auto hash = attributes.text_of("config_hash"); hash && *hash != run_hash)
      throw InputError(key, file + " was trained for another experiment (config_hash " + *hash + ", the run's " +
                                run_hash + " from its config.toml): start over with --force");
  }
}

}  // namespace perfgen
