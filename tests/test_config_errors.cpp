// Bad input: one message naming the key, exit code 2, before any work and without touching an
// existing output file.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "commands.h"
#include "device_probe.h"
#include "errors.h"
#include "test_support.h"

namespace perfgen {
namespace {

struct BadInput {
  std::string toml;                    // experiment file text
  std::vector<std::string> overrides;  // --set
  std::string key;                     // must appear in the message
};

const char* kValid = "name = \"valid\"\n[train]\nmax_iters = 10\n";

void PrintTo(const BadInput& bad, std::ostream* os) { *os << "expects key " << bad.key; }

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
  options.backend = "cpu";
  std::ostringstream out, err;
  EXPECT_EQ(run_command(options, out, err), kExitBadInput) << err.str();
  const std::string message = err.str();
  EXPECT_NE(message.find(bad.key), std::string::npos) << "message: " << message;
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 1) << "one message: " << message;
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
  EXPECT_FALSE(std::filesystem::exists(options.output_path + ".shards"));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigErrorTest,
    ::testing::Values(
        BadInput{"[train]\nlrr = 0.1\n", {}, "train.lrr"}, BadInput{"[fancy]\nx = 1\n", {}, "fancy"},
        BadInput{"[train]\nlr = \"fast\"\n", {}, "train.lr"},
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
        BadInput{kValid, {"model.activation=relu"}, "model.activation"},
        BadInput{kValid, {"data.distribution=points"}, "data.x"},
        BadInput{kValid, {"data.distribution=points", "data.x=[0.5, 1.0]", "sweep.n=[2, 3]"}, "sweep.n"},
        BadInput{kValid,
                 {"sweep.data_seed={range = [0, 100000]}", "sweep.init_seed={range = [0, 100000]}",
                  "sweep.lr={linspace = [0.1, 1, 1000]}"},
                 "sweep"},
        BadInput{kValid, {"sweep.width=[0]"}, "sweep.width"}, BadInput{kValid, {"nonsense"}, "--set"},
        BadInput{kValid, {"eval.test_points=0"}, "eval.test_points"},
        BadInput{kValid, {"init.scale=0", "init.c_tilde=0.5"}, "init.scale"},
        BadInput{kValid, {"sweep.lr={logspace = [-3, -1]}"}, "sweep.lr"}));

TEST(OutputErrors, ExistingOutputNeedsForceAndIsLeftUntouched) {
  testing::TempDir dir;
  const std::string output = dir.file("existing.h5");
  std::ofstream(output) << "precious";
  RunOptions options;
  options.output_path = output;
  options.overrides = {"train.max_iters=10", "sweep.n=[2]", "sweep.c_tilde=[0.0]", "sweep.data_seed=[0]"};
  options.backend = "cpu";
  std::ostringstream out, err;
  EXPECT_EQ(run_command(options, out, err), kExitBadInput);
  EXPECT_NE(err.str().find("--force"), std::string::npos) << err.str();
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
  options.backend = "cpu";
  std::ostringstream out, err;
  EXPECT_EQ(run_command(options, out, err), kExitBadInput);
  EXPECT_NE(err.str().find("--output"), std::string::npos) << err.str();
}

TEST(OutputErrors, CudaBackendWithoutGpuExitsThree) {
  for (const auto& device : cuda::probe_devices().devices)
    if (device.compute_major >= 6) GTEST_SKIP() << "a usable GPU is present: " << device.name;
  testing::TempDir dir;
  RunOptions options;
  options.output_path = dir.file("out.h5");
  options.backend = "cuda";
  std::ostringstream out, err;
  EXPECT_EQ(run_command(options, out, err), kExitBackendUnavailable);
  EXPECT_NE(err.str().find("--backend cuda"), std::string::npos) << err.str();
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
}

TEST(CommandLine, UnknownOptionExitsTwo) {
  const char* argv[] = {"perfgen", "run", "--no-such-option"};
  EXPECT_EQ(cli_main(3, const_cast<char**>(argv)), kExitBadInput);
}

}  // namespace
}  // namespace perfgen
