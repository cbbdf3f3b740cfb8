// Bad input: one message naming the key, exit code 2, before any work and without touching an
// existing output file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "commands.h"
#include "device_probe.h"
#include "errors.h"
#include "resource_check.h"
#include "test_support.h"

namespace perfgen {
namespace {

struct BadInput {
  std::string toml;                    // experiment file text
  std::vector<std::string> overrides;  // --set
  std::string expected;                // must appear in the message: the key, and the value where it matters
};

const char* kValid = "name = \"valid\"\n[train]\nmax_iters = 10\n";

void PrintTo(const BadInput& bad, std::ostream* os) { *os << "expects " << bad.expected; }

// An experiment whose sweep axis `axis` is a list of `count` copies of `value`.
std::string list_of_values(const std::string& axis, const std::string& value, int count) {
  std::string text = "[train]\nmax_iters = 10\n[sweep]\n" + axis + " = [" + value;
  for (int i = 1; i < count; ++i) text += ", " + value;
  return text + "]\n";
}

class ConfigErrorTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(ConfigErrorTest, ExitsTwoNamingTheKeyAndWritesNothing) {
  testing::TempDir dir;
  const BadInput& bad = GetParam();
  const std::string experiment = dir.file("experiment.toml");
  std::ofstream(experiment) << bad.toml;
  RunOptions options;
  options.experiment_path = experiment;
  options.output_path = dir.file("out.h5");
  options.overrides = bad.overrides;
  options.backend = BackendChoice::cpu;
  std::ostringstream out, err;
  EXPECT_EQ(run_command(options, out, err), kExitBadInput) << err.str();
  const std::string message = err.str();
  EXPECT_NE(message.find(bad.expected), std::string::npos) << "message: " << message;
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 1) << "one message: " << message;
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
  EXPECT_FALSE(std::filesystem::exists(options.output_path + ".shards"));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigErrorTest,
    ::testing::Values(
        BadInput{"[train]\nlrr = 0.1\n", {}, "train.lrr"}, BadInput{"[fancy]\nx = 1\n", {}, "fancy"},
        BadInput{"[train]\nlr = \"fast\"\n", {}, "train.lr: must be a number, got string \"fast\""},
        BadInput{kValid, {"train.lr="}, "train.lr: must be a number, got string \"\""},
        // 2^63 - 1 reads as the double 2^63, which no int64 holds (it came out as -2^63).
        BadInput{kValid,
                 {"sweep.data_seed=[9223372036854775807]"},
                 "sweep.data_seed: value 9223372036854775808 is out of range (-9223372036854775808 to "
                 "9223372036854775807)"},
        // A bare word is inserted as it is: not UTF-8, it was stored as another character.
        BadInput{kValid, {"name=\xff"}, "name: is not UTF-8 text (byte 1 of the value is 0xFF)"},
        BadInput{kValid, {"name=ok\xed\xa0\x80"}, "name: is not UTF-8 text (byte 3 of the value is 0xED)"},
        // One line, whole UTF-8 characters: a newline and a quote escaped, 20 × 3 bytes cut at 39.
        BadInput{kValid, {"train.lr=\"a\\nb\\\"c\""}, "got string \"a\\x0Ab\\\"c\"\n"},
        BadInput{kValid,
                 {"train.lr=\"日日日日日日日日日日日日日日日日日日日日\""},
                 "got string \"日日日日日日日日日日日日日…\"\n"},
        BadInput{"[train]\nlr = [0.1\n", {}, "experiment.toml:2:"}, BadInput{kValid, {"sweep.n=[0, 3]"}, "sweep.n"},
        BadInput{kValid, {"data.n=0"}, "data.n"}, BadInput{kValid, {"train.lr=0"}, "train.lr"},
        BadInput{kValid, {"sweep.lr=[0.1, -1]"}, "sweep.lr"}, BadInput{kValid, {"train.lr=nan"}, "train.lr"},
        BadInput{kValid, {"init.scale=-1e-3"}, "init.scale"},
        BadInput{kValid, {"model.input_dim=3", "target.w=[1, 1, 1]"}, "data.distribution"},
        BadInput{kValid, {"model.input_dim=3", "data.distribution=gaussian", "target.w=[1.0]"}, "target.w"},
        BadInput{kValid, {"init.c_tilde=1.5"}, "init.c_tilde"},
        BadInput{kValid, {"sweep.c_tilde=[0.5, -0.1]"}, "sweep.c_tilde"},
        BadInput{kValid, {"model.width=3", "init.c_tilde=0.5"}, "init.c_tilde"},
        BadInput{kValid, {"init.direction=[1.0, 2.0, 3.0]"}, "init.direction"},
        BadInput{kValid, {"train.loss=\"l1\""}, "train.loss"},
        BadInput{kValid, {"train.method=\"adam\""}, "train.method"},
        BadInput{kValid, {"train.method=\"flow\"", "sweep.lr=[0.1, 0.2]"}, "sweep.lr"},
        BadInput{kValid, {"train.method=\"flow\"", "model.width=20"}, "model.width"},
        BadInput{kValid,
                 {"train.method=\"flow\"", "model.input_dim=15", "data.distribution=gaussian",
                  "target.w=[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"},
                 "width 2 × (1 + input_dim 15 + bias) = 34"},
        BadInput{kValid, {"train.rtol=1e-16"}, "train.rtol"}, BadInput{kValid, {"train.atol=-1"}, "train.atol"},
        BadInput{kValid, {"train.max_time=0"}, "train.max_time"},
        BadInput{kValid, {"model.activation=relu"}, "model.activation"},
        BadInput{kValid, {"data.distribution=points"}, "data.x"},
        BadInput{kValid, {"data.distribution=points", "data.x=[0.5, 1.0]", "sweep.n=[2, 3]"}, "sweep.n"},
        BadInput{kValid,
                 {"sweep.data_seed={range = [0, 100000]}", "sweep.init_seed={range = [0, 100000]}",
                  "sweep.lr={linspace = [0.1, 1, 1000]}"},
                 "sweep"},
        BadInput{kValid, {"sweep.width=[0]"}, "sweep.width"}, BadInput{kValid, {"nonsense"}, "--set"},
        BadInput{kValid, {".lr=1"}, "--set .lr=1"}, BadInput{kValid, {"train.=1"}, "--set train.=1"},
        BadInput{kValid, {"name=caf\xC3\xA9"}, "--set name=…:1:4: character U+00E9"},
        BadInput{
            kValid, {"sweep.activation=[tanh, rational]"}, "sweep.activation: [tanh, rational] is not a valid TOML"},
        BadInput{
            kValid, {"train.max_iters=99999999999999999999"}, "train.max_iters: 99999999999999999999 is not a valid"},
        BadInput{kValid, {"train.max_iters=1e19"}, "train.max_iters: must be an integer of magnitude below 9.2e18"},
        // A generated value is repeated by its start and its length, not whole (10 KB here).
        BadInput{kValid,
                 {"sweep.n=" + std::string(5000, '[') + std::string(5000, ']')},
                 "sweep.n: " + std::string(80, '[') + "… (10000 bytes) is not a valid TOML value"},
        BadInput{kValid,
                 {"train." + std::string(5000, 'x') + "=1"},
                 "train." + std::string(74, 'x') + "… (5006 bytes): unknown key"},
        BadInput{kValid, {std::string(5000, 'y') + "=1"}, std::string(80, 'y') + "… (5000 bytes): unknown key"},
        BadInput{kValid, {"eval.test_points=0"}, "eval.test_points"},
        BadInput{kValid, {"init.scale=0", "init.c_tilde=0.5"}, "init.scale"},
        BadInput{kValid, {"sweep.lr={logspace = [-3, -1]}"}, "sweep.lr"}));

// A fixed setting is checked also where a sweep axis replaces it.
INSTANTIATE_TEST_SUITE_P(
    FixedSettingsUnderAnAxis, ConfigErrorTest,
    ::testing::Values(BadInput{kValid, {"sweep.data_seed=[0, 1]", "data.seed=-1"}, "data.seed"},
                      BadInput{kValid, {"sweep.init_seed=[0, 1]", "init.seed=-1"}, "init.seed"},
                      BadInput{kValid, {"sweep.n=[2, 3]", "data.n=0"}, "data.n"},
                      BadInput{kValid, {"sweep.n=[2, 3]", "data.n=-3"}, "data.n"},
                      BadInput{kValid,
                               {"data.distribution=points", "data.x=[0.5, 1.0, 1.5]", "sweep.n=[2, 3]", "data.n=99"},
                               "data.n"},
                      BadInput{kValid, {"sweep.width=[2]", "model.width=0"}, "model.width"},
                      BadInput{kValid, {"sweep.init_scale=[1e-3]", "init.scale=-1"}, "init.scale"},
                      BadInput{kValid, {"sweep.c_tilde=[0.5]", "init.c_tilde=2"}, "init.c_tilde"},
                      BadInput{kValid, {"sweep.lr=[0.1]", "train.lr=-1"}, "train.lr"},
                      BadInput{kValid, {"sweep.max_iters=[10]", "train.max_iters=-1"}, "train.max_iters"}));

// An unknown key, section or name gets the known ones close to it (a few edits for its length, or
// the same words with one added or dropped), in its own section or else in the others; a far one gets
// none.
INSTANTIATE_TEST_SUITE_P(
    DidYouMean, ConfigErrorTest,
    ::testing::Values(
        BadInput{
            "[train]\nlr_rate = 0.1\n", {}, "perfgen: error: train.lr_rate: unknown key; did you mean train.lr?\n"},
        BadInput{kValid, {"sweep.c_tild=[0.5]"}, "sweep.c_tild: unknown key; did you mean sweep.c_tilde?\n"},
        BadInput{"[model]\nwidht = 3\n", {}, "model.widht: unknown key; did you mean model.width?\n"},
        BadInput{"[train]\nlrr = 0.1\n", {}, "train.lrr: unknown key; did you mean train.lr?\n"},
        BadInput{"[init]\nSCALE = 1e-3\n", {}, "init.SCALE: unknown key; did you mean init.scale?\n"},
        BadInput{kValid,
                 {"sweep.seed=[0, 1]"},
                 "sweep.seed: unknown key; did you mean sweep.data_seed or sweep.init_seed?\n"},
        BadInput{kValid, {"lr=0.1"}, "perfgen: error: lr: unknown key; did you mean train.lr or sweep.lr?\n"},
        BadInput{kValid, {"train.n=3"}, "train.n: unknown key; did you mean data.n or sweep.n?\n"},
        BadInput{kValid,
                 {"run.threads=1"},
                 "run.threads: unknown key; threads is not a setting of the experiment: give --threads N on perfgen "
                 "run's command line\n"},
        BadInput{"backend = \"cpu\"\n", {}, "backend: unknown key; backend is not a setting of the experiment"},
        // sweep.data_seed, eval.test_seed and sweep.init_seed are equally far from "seed": all shown.
        BadInput{kValid,
                 {"seed=3"},
                 "seed: unknown key; did you mean data.seed, init.seed, eval.test_seed, sweep.data_seed or "
                 "sweep.init_seed?\n"},
        BadInput{"[data]\nlr = 0.1\n", {}, "data.lr: unknown key; did you mean train.lr or sweep.lr?\n"},
        // A whole section would replace the file's: max_iters back at its default, or a sweep of one trial.
        BadInput{kValid,
                 {"train={lr=0.1}"},
                 "--set train={lr=0.1}: train is a section; set its keys one at a time (--set train.KEY=VALUE)\n"},
        BadInput{kValid, {"sweep={}"}, "--set sweep={}: sweep is a section; set its keys one at a time"},
        BadInput{kValid,
                 {"train.lr=0.1 train.max_iters=5"},
                 "--set train.lr=0.1 train.max_iters=5: holds more than one setting; give each its own --set\n"},
        BadInput{"[train]\nlearning_rate = 0.1\n", {}, "train.learning_rate: unknown key\n"},
        BadInput{"[data]\ny = [1.0]\n", {}, "data.y: unknown key\n"},
        BadInput{"[trian]\nlr = 0.1\n", {}, "trian: unknown section; did you mean train?\n"},
        BadInput{kValid, {"swep.n=[2]"}, "swep: unknown section; did you mean sweep?\n"},
        BadInput{"nmae = \"x\"\n", {}, "nmae: unknown key; did you mean name?\n"},
        BadInput{kValid,
                 {"model.activation=tahn"},
                 "model.activation: unknown activation \"tahn\" (expected \"tanh\" or \"rational\"); did you mean "
                 "\"tanh\"?\n"},
        BadInput{kValid, {"sweep.activation=[\"rationl\"]"}, "did you mean \"rational\"?\n"},
        BadInput{kValid,
                 {"model.activation=relu"},
                 "model.activation: unknown activation \"relu\" (expected \"tanh\" or \"rational\")\n"},
        BadInput{kValid,
                 {"data.distribution=gausian"},
                 "data.distribution: unknown distribution \"gausian\" (expected \"grid\", \"gaussian\", \"uniform\" or "
                 "\"points\"); did you mean \"gaussian\"?\n"},
        BadInput{kValid,
                 {"train.loss=half-mean"},
                 "train.loss: unknown loss \"half-mean\" (expected \"half_sum\", \"half_mean\" or \"mse\"); did you "
                 "mean \"half_mean\"?\n"},
        BadInput{
            kValid,
            {"sweep.lr={linspce = [0.1, 1, 3]}"},
            "sweep.lr.linspce: unknown axis form (expected range, linspace or logspace); did you mean linspace?\n"}));

// Numbers in messages are written as they were given (shortest round-trip form), and a number or
// count out of range says what the limit is.
INSTANTIATE_TEST_SUITE_P(
    NumbersInMessages, ConfigErrorTest,
    ::testing::Values(BadInput{kValid, {"init.scale=-1e-30"}, "init.scale: must be >= 0, got -1e-30\n"},
                      BadInput{kValid, {"train.lr=-1e30"}, "train.lr: must be > 0, got -1e+30\n"},
                      BadInput{kValid, {"sweep.c_tilde=[0.5, 1.25]"}, "got 1.25\n"},
                      BadInput{kValid, {"train.max_iters=2.5"}, "must be an integer, got 2.5\n"},
                      BadInput{kValid,
                               {"sweep.data_seed={range = [0, 1000000]}", "sweep.init_seed={range = [0, 1000000]}",
                                "sweep.lr={linspace = [0.1, 1, 25]}"},
                               "the sweep has 25000000000000 trials"},
                      BadInput{kValid, {"train.lr=1e400"}, "train.lr: 1e400 is out of range for a double"},
                      BadInput{kValid,
                               {"sweep.lr={linspace = [0.1, 1, 1000001]}"},
                               "sweep.lr: linspace count 1000001 is above the limit of 10^6 values per axis"},
                      BadInput{kValid,
                               {"sweep.init_scale={logspace = [-3, 0, 0.5]}"},
                               "sweep.init_scale: logspace count must be an integer >= 1, got 0.5"},
                      BadInput{kValid,
                               {"sweep.data_seed={range = [0, 2000000]}"},
                               "sweep.data_seed: range has 2000000 values, above the limit of 10^6 values per axis"},
                      // A list written out is held to the same limit as a range.
                      BadInput{list_of_values("n", "2", 1000001),
                               {},
                               "sweep.n: has 1000001 values, above the limit of 10^6 values per axis\n"}));

// The name names the output file and is stored as a C string: a NUL would cut both (and the stored
// name would no longer match the attributes' checksum).
INSTANTIATE_TEST_SUITE_P(
    Name, ConfigErrorTest,
    ::testing::Values(BadInput{"name = \"ab\\u0000cd\"\n", {}, "name: must not hold control characters\n"},
                      BadInput{"name = \"a\\tb\"\n", {}, "name: must not hold control characters\n"}));

TEST(InputErrors, DirectoryAsExperimentFileIsRefused) {
  testing::TempDir dir;
  RunOptions options;
  options.experiment_path = dir.path().string();
  options.output_path = dir.file("out.h5");
  options.backend = BackendChoice::cpu;
  std::ostringstream out, err;
  EXPECT_EQ(run_command(options, out, err), kExitBadInput);
  EXPECT_EQ(err.str(),
            "perfgen: error: cannot read experiment file " + options.experiment_path + ": it is a directory\n");
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
  std::ostringstream plan_out, plan_err;
  EXPECT_EQ(plan_command(options.experiment_path, {}, plan_out, plan_err), kExitBadInput);
  EXPECT_EQ(plan_err.str(), err.str());
}

// A results file given as the experiment, and an experiment file given as the results file, are named
// as such instead of failing in the other format's parser (a TOML error at a byte of the HDF5 header).
TEST(InputErrors, AResultsFileAndAnExperimentFileAreNotMistakenForEachOther) {
  testing::TempDir dir;
  RunOptions options;
  options.output_path = dir.file("results.h5");
  options.backend = BackendChoice::cpu;
  options.quiet = true;
  options.overrides = {"train.max_iters=1", "sweep.n=[6]", "sweep.c_tilde=[0.5]", "sweep.data_seed=[0]"};
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();

  std::ostringstream plan_out, plan_err;
  EXPECT_EQ(plan_command(options.output_path, {}, plan_out, plan_err), kExitBadInput);
  EXPECT_EQ(plan_err.str(), "perfgen: error: " + options.output_path +
                                " is an HDF5 file (a results file?), not an experiment file; perfgen summary " +
                                options.output_path + " prints its table\n");

  const std::string experiment = dir.file("experiment.toml");
  std::ofstream(experiment) << "[train]\nlr = 0.1\n";
  for (const bool verify : {false, true}) {
    std::ostringstream summary_out, summary_err;
    EXPECT_EQ(verify ? verify_command(experiment, summary_out, summary_err)
                     : summary_command(experiment, false, summary_out, summary_err),
              kExitRuntimeError);
    EXPECT_NE(summary_err.str().find("it has no HDF5 signature (an experiment file? perfgen run " + experiment +
                                     " trains it)"),
              std::string::npos)
        << summary_err.str();
  }
  // A file that is neither (a results file whose first bytes were lost, say) is not called an experiment.
  const std::string binary = dir.file("binary.h5");
  std::ofstream(binary, std::ios::binary) << std::string(64, '\0') << "rest";
  std::ostringstream binary_out, binary_err;
  EXPECT_EQ(summary_command(binary, false, binary_out, binary_err), kExitRuntimeError);
  EXPECT_NE(binary_err.str().find("it has no HDF5 signature: not a results file, or one damaged at its start"),
            std::string::npos)
      << binary_err.str();
}

TEST(OutputErrors, ExistingOutputNeedsForceAndIsLeftUntouched) {
  testing::TempDir dir;
  const std::string output = dir.file("existing.h5");
  std::ofstream(output) << "precious";
  RunOptions options;
  options.output_path = output;
  options.overrides = {"train.max_iters=10", "sweep.n=[2]", "sweep.c_tilde=[0.0]", "sweep.data_seed=[0]"};
  std::ostringstream out, err;
  // With --backend auto the refusal is the one line: which backend auto would take is not said first.
  EXPECT_EQ(run_command(options, out, err), kExitBadInput);
  const std::string refusal = err.str();
  EXPECT_NE(refusal.find("--force"), std::string::npos) << refusal;
  EXPECT_EQ(std::count(refusal.begin(), refusal.end(), '\n'), 1) << refusal;
  options.backend = BackendChoice::cpu;
  std::ifstream in(output);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");

  options.force = true;
  EXPECT_EQ(run_command(options, out, err), kExitOk) << err.str();
}

TEST(OutputErrors, UnwritableOutputFolder) {
  RunOptions options;
  options.output_path = "/nonexistent-folder/out.h5";
  options.backend = BackendChoice::cpu;
  std::ostringstream out, err;
  EXPECT_EQ(run_command(options, out, err), kExitBadInput);
  EXPECT_NE(err.str().find("--output: the folder /nonexistent-folder does not exist"), std::string::npos) << err.str();
}

// The finished file is renamed over the output: a FIFO (or a device: -o /dev/null) would become a
// regular file, a symbolic link would be replaced instead of the file it names. Refused, --force or
// not, before any work; none of them is touched.
TEST(OutputErrors, AnOutputThatIsNotARegularFileIsRefused) {
  testing::TempDir dir;
  const std::string fifo = dir.file("pipe.h5"), link = dir.file("link.h5"), dangling = dir.file("dangling.h5");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::ofstream(dir.file("real.h5")) << "precious";
  std::filesystem::create_symlink(dir.file("real.h5"), link);
  std::filesystem::create_symlink(dir.file("nowhere.h5"), dangling);
  const std::vector<std::pair<std::string, std::string>> refused = {
      {fifo, " is not a regular file (a device, FIFO or socket); results go to a file"},
      {link, " is a symbolic link (to " + dir.file("real.h5") + "); give the file it names"},
      {dangling, " is a symbolic link (to " + dir.file("nowhere.h5") + "); give the file it names"}};
  for (const auto& [output, message] : refused)
    for (const bool force : {false, true}) {
      RunOptions options;
      options.output_path = output;
      options.force = force;
      options.backend = BackendChoice::cpu;
      options.overrides = {"train.max_iters=10", "sweep.n=[2]", "sweep.c_tilde=[0.0]", "sweep.data_seed=[0]"};
      std::ostringstream out, err;
      EXPECT_EQ(run_command(options, out, err), kExitBadInput) << output;
      EXPECT_EQ(err.str(), "perfgen: error: --output: " + output + message + "\n");
      EXPECT_FALSE(std::filesystem::exists(output + ".lock")) << "refused before the lock";
    }
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  std::string content;
  std::ifstream(dir.file("real.h5")) >> content;
  EXPECT_EQ(content, "precious");
}

// A file where the run's shard folder goes is refused with the output's other problems, before any work
// (it failed after the backend line, "cannot create FILE.h5.shards: Not a directory"), and kept.
TEST(OutputErrors, AFileInThePlaceOfTheShardFolderIsRefusedBeforeAnyWork) {
  testing::TempDir dir;
  const std::string output = dir.file("out.h5");
  std::ofstream(output + ".shards") << "precious";
  for (const bool force : {false, true}) {
    RunOptions options;
    options.output_path = output;
    options.force = force;
    options.overrides = {"train.max_iters=10", "sweep.n=[2]", "sweep.c_tilde=[0.0]", "sweep.data_seed=[0]"};
    std::ostringstream out, err;
    EXPECT_EQ(run_command(options, out, err), kExitBadInput);
    EXPECT_EQ(err.str(), "perfgen: error: --output: " + output +
                             ".shards is in the way: perfgen keeps the run's shards in a folder of that name; move "
                             "the file away or choose another output\n");
  }
  std::string content;
  std::ifstream(output + ".shards") >> content;
  EXPECT_EQ(content, "precious");
}

// Names beside the output (OUTPUT.shards.removing, OUTPUT.shard-i-of-K.lock) add up to 40 bytes to its
// name: a name that fits alone but not with them (a run once failed at its end, shards left) and a
// path too long with what goes below it are refused before any work.
TEST(OutputErrors, NamesTooLongForWhatPerfgenWritesBesideThemAreRefused) {
  testing::TempDir dir;
  RunOptions options;
  options.backend = BackendChoice::cpu;
  options.overrides = {"train.max_iters=10", "sweep.n=[2]", "sweep.c_tilde=[0.0]", "sweep.data_seed=[0]"};
  options.output_path = dir.file(std::string(237, 'a') + ".h5");
  std::ostringstream out, err;
  EXPECT_EQ(run_command(options, out, err), kExitBadInput);
  EXPECT_NE(err.str().find("--output: the file name is 240 bytes; perfgen writes files beside it with up to 40 more"),
            std::string::npos)
      << err.str();
  std::string deep = dir.path().string();
  while (deep.size() < 4200) deep += "/b";
  options.output_path = deep + "/x.h5";
  std::ostringstream deep_err;
  EXPECT_EQ(run_command(options, out, deep_err), kExitBadInput);
  EXPECT_NE(deep_err.str().find("--output: the path is "), std::string::npos) << deep_err.str();
  options.output_path = dir.file(std::string(211, 'a') + ".h5");  // 215 bytes: the longest allowed
  std::ostringstream fits;
  EXPECT_EQ(run_command(options, out, fits), kExitOk) << fits.str();
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1)
      << "the finished file alone";
}

// Five cells of 10^9 trials: the merge, which holds a cell's trials for its exact quantiles, needs
// ~56 GiB. A whole run is refused naming it; a --shard worker, which never merges, is not asked for
// it (here the disk for 5·10^9 rows refuses it instead). Memory is checked first, so on a machine of
// more than ~62 GiB both are refused for the disk.
TEST(OutputErrors, AShardWorkerIsNotAskedForTheMergesMemory) {
  testing::TempDir dir;
  RunOptions options;
  options.output_path = dir.file("big.h5");
  options.backend = BackendChoice::cpu;
  options.overrides = {"sweep.data_seed={range = [0, 1000000]}", "sweep.init_seed={range = [0, 1000]}", "sweep.n=[6]",
                       "train.max_iters=1"};
  std::ostringstream out, whole;
  EXPECT_EQ(run_command(options, out, whole), kExitBadInput);
  const bool memory_refused = whole.str().find("of memory") != std::string::npos;
  if (memory_refused) EXPECT_NE(whole.str().find("the merge"), std::string::npos) << whole.str();
  options.shard = parse_shard("0/64");
  std::ostringstream worker;
  EXPECT_EQ(run_command(options, out, worker), kExitBadInput);
  EXPECT_EQ(worker.str().find("of memory"), std::string::npos) << worker.str();
  EXPECT_NE(worker.str().find("of disk"), std::string::npos) << worker.str();
  EXPECT_FALSE(std::filesystem::exists(options.output_path + ".shards"));
}

// θ recorded at 10^5 points of 1000 width-1000 trials is ~2.2 TiB of memory (and twice that of disk):
// refused before any work, naming what the run needs without θ: the estimate of the same experiment
// with theta = false. Memory is checked first; a machine with that much room is refused for the disk.
TEST(OutputErrors, RecordedThetaThatDoesNotFitIsRefusedNamingTheRunWithoutIt) {
  testing::TempDir dir;
  std::string experiment =
      "[model]\nwidth = 1000\n[train]\nmax_iters = 1\n[trajectories]\ncheckpoints = 100000\n"
      "trials = [0";
  for (int trial = 1; trial < 1000; ++trial) experiment += ", " + std::to_string(trial);
  experiment += "]\n[sweep]\ninit_seed = {range = [0, 1000]}\n";
  RunOptions options;
  options.experiment_path = dir.file("wide.toml");
  std::ofstream(options.experiment_path) << experiment;
  options.output_path = dir.file("wide.h5");
  options.backend = BackendChoice::cpu;
  std::ostringstream out, err;
  EXPECT_EQ(run_command(options, out, err), kExitBadInput);
  const Experiment loss_only = testing::experiment_from(experiment, {"trajectories.theta=false"});
  const Plan loss_only_plan(loss_only);
  const ResourceEstimate without_theta = estimate_resources(loss_only_plan);
  const bool memory_refused = err.str().find("of memory") != std::string::npos;
  EXPECT_NE(err.str().find("; without θ in the trajectories ([trajectories] theta = false) it needs " +
                           human_bytes(memory_refused ? without_theta.memory_bytes() : without_theta.disk_bytes)),
            std::string::npos)
      << err.str();
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
  EXPECT_FALSE(std::filesystem::exists(options.output_path + ".shards"));
}

TEST(OutputErrors, CudaBackendWithoutGpuExitsThree) {
  for (const auto& device : cuda::probe_devices().devices)
    if (cuda::unusable_reason(device).empty()) GTEST_SKIP() << "a usable GPU is present: " << device.name;
  testing::TempDir dir;
  RunOptions options;
  options.output_path = dir.file("out.h5");
  options.backend = BackendChoice::cuda;
  std::ostringstream out, err;
  EXPECT_EQ(run_command(options, out, err), kExitBackendUnavailable);
  EXPECT_NE(err.str().find("--backend cuda"), std::string::npos) << err.str();
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
}

TEST(CommandLine, UnknownOptionExitsTwo) {
  const char* argv[] = {"perfgen", "run", "--no-such-option"};
  EXPECT_EQ(cli_main(3, const_cast<char**>(argv)), kExitBadInput);
}

// '' (an unset shell variable) as a path is refused, not read as "the default": `-o "$OUT"` with OUT
// unset wrote NAME.h5, and `perfgen plan ""` ran the embedded experiment.
TEST(CommandLine, AnEmptyPathExitsTwo) {
  const std::vector<std::vector<const char*>> command_lines = {
      {"perfgen", "run", "-o", "", "--set", "train.max_iters=1"},
      {"perfgen", "run", "", "--set", "train.max_iters=1"},
      {"perfgen", "plan", ""},
      {"perfgen", "rank", ""},
      {"perfgen", "summary", ""},
      {"perfgen", "merge", ""},
      {"perfgen", "verify", ""}};
  testing::TempDir dir;
  const std::filesystem::path before = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());  // where `run` would write NAME.h5
  for (const std::vector<const char*>& line : command_lines) {
    std::vector<char*> argv;
    for (const char* word : line) argv.push_back(const_cast<char*>(word));
    EXPECT_EQ(cli_main(static_cast<int>(argv.size()), argv.data()), kExitBadInput) << line[1];
  }
  std::filesystem::current_path(before);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace perfgen
