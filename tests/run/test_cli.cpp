// The command line as a user types it, through cli_main: option parsing, --version, bare perfgen,
// a directory given as the experiment file, and the words of `perfgen info`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "cpu_backend.h"
#include "errors.h"
#include "test_support.h"

namespace perfgen {
namespace {

struct CliResult {
  int code;
  std::string out, err;
};

// cli_main with std::cout and std::cerr captured, and `input` as std::cin.
CliResult run_cli(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), "perfgen");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  std::istringstream in(input);
  std::streambuf* const cout_buffer = std::cout.rdbuf(out.rdbuf());
  std::streambuf* const cerr_buffer = std::cerr.rdbuf(err.rdbuf());
  std::streambuf* const cin_buffer = std::cin.rdbuf(in.rdbuf());
  const int code = cli_main(static_cast<int>(argv.size()), argv.data());
  std::cout.rdbuf(cout_buffer);
  std::cerr.rdbuf(cerr_buffer);
  std::cin.rdbuf(cin_buffer);
  return {code, out.str(), err.str()};
}

// Runs the test body in `dir` as the working directory, and returns to the one before.
class WorkingDirectory {
 public:
  explicit WorkingDirectory(const std::filesystem::path& dir) : previous_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~WorkingDirectory() { std::filesystem::current_path(previous_); }

 private:
  std::filesystem::path previous_;
};

// A sweep of two tiny trials, named so that a test can see the file was read.
std::string tiny_experiment(const testing::TempDir& dir) {
  const std::string path = dir.file("tiny.toml");
  std::ofstream(path) << "name = \"from-file\"\n[train]\nmax_iters = 10\n[sweep]\nn = [2]\nc_tilde = [0.0, 1.0]\n";
  return path;
}

std::size_t lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

TEST(CommandLine, PlanTakesTheExperimentFileAfterSet) {
  testing::TempDir dir;
  const CliResult r = run_cli({"plan", "--set", "train.lr=0.125", "--set", "train.max_iters=7", tiny_experiment(dir)});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("experiment   from-file"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lr = 0.125\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("max_iters = 7\n"), std::string::npos) << r.out;
}

TEST(CommandLine, RunTakesTheExperimentFileAfterSet) {
  testing::TempDir dir;
  const std::string output = dir.file("out.h5");
  const CliResult r =
      run_cli({"run", "--set", "train.max_iters=5", tiny_experiment(dir), "-o", output, "--backend", "cpu", "--quiet"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_TRUE(std::filesystem::exists(output));
}

TEST(CommandLine, DirectoryAsExperimentFileIsRefused) {
  testing::TempDir dir;
  const std::string folder = dir.path().string() + "/";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"plan", folder}, {"run", folder, "-o", dir.file("out.h5"), "--backend", "cpu"}}) {
    SCOPED_TRACE(args[0]);
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.code, kExitBadInput) << r.err;
    EXPECT_NE(r.err.find("experiment file " + folder + ": it is a directory"), std::string::npos) << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_EQ(r.out, "");
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.h5")));
}

TEST(CommandLine, DashReadsTheExperimentFromStandardInput) {
  testing::TempDir dir;
  const std::string tiny = "[train]\nmax_iters = 10\nlr = 0.125\n[sweep]\nn = [2]\nc_tilde = [0.0, 1.0]\n";
  const CliResult plan = run_cli({"plan", "-", "--set", "train.max_iters=7"}, tiny);
  ASSERT_EQ(plan.code, kExitOk) << plan.err;
  EXPECT_NE(plan.out.find("experiment   experiment\n"), std::string::npos) << "stdin keeps the default name";
  EXPECT_NE(plan.out.find("trials       2\n"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("lr = 0.125\n"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("max_iters = 7\n"), std::string::npos) << plan.out;

  const std::string output = dir.file("from-stdin.h5");
  const CliResult run = run_cli({"run", "-", "-o", output, "--backend", "cpu", "--quiet"}, tiny);
  ASSERT_EQ(run.code, kExitOk) << run.err;
  const ColumnGroup trials = read_hdf5_group(output, "trials");
  EXPECT_EQ(trials.at("trial").rows(), 2u);
  EXPECT_EQ(trials.at("max_iters").integer, (std::vector<std::int64_t>{10, 10}));

  const CliResult bad = run_cli({"plan", "-"}, "[train]\nlr = [0.1\n");
  EXPECT_EQ(bad.code, kExitBadInput);
  EXPECT_EQ(bad.err.rfind("perfgen: error: <stdin>:2:", 0), 0u) << bad.err;
  EXPECT_EQ(lines(bad.err), 1u) << bad.err;
}

// Without `name`, an experiment is named after its file: the output is STEM.h5, the resolved
// config stored in it says so, and a --resume of the same file finds the same config.
TEST(CommandLine, AFileWithoutNameIsNamedAfterItsStem) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "sweeps");
  const std::string path = dir.file("sweeps/lr_scan.toml");
  std::ofstream(path) << "[train]\nmax_iters = 10\n[sweep]\nn = [2]\nc_tilde = [0.0, 1.0]\n";
  const CliResult plan = run_cli({"plan", path});
  ASSERT_EQ(plan.code, kExitOk) << plan.err;
  EXPECT_NE(plan.out.find("experiment   lr_scan\n"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("name = \"lr_scan\"\n"), std::string::npos) << plan.out;

  const WorkingDirectory here(dir.path());
  const CliResult run = run_cli({"run", "sweeps/lr_scan.toml", "--backend", "cpu", "--quiet"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  ASSERT_TRUE(std::filesystem::exists("lr_scan.h5"));
  EXPECT_FALSE(std::filesystem::exists("experiment.h5"));
  const FileAttributes attributes = read_hdf5_attributes("lr_scan.h5");
  ASSERT_TRUE(attributes.text_of("config"));
  EXPECT_EQ(attributes.text_of("config")->rfind("name = \"lr_scan\"\n", 0), 0u) << *attributes.text_of("config");
  const CliResult resumed = run_cli({"run", "sweeps/lr_scan.toml", "--resume", "--backend", "cpu", "--quiet"});
  EXPECT_EQ(resumed.code, kExitOk) << resumed.err;

  const CliResult named = run_cli({"plan", "sweeps/lr_scan.toml", "--set", "name=other"});
  EXPECT_NE(named.out.find("experiment   other\n"), std::string::npos) << "--set name wins: " << named.out;

  // A name that is a path gives no default output (it would write outside the working directory).
  const CliResult escaping = run_cli({"run", "sweeps/lr_scan.toml", "--quiet", "--set", "name=../escaped"});
  EXPECT_EQ(escaping.code, kExitBadInput);
  EXPECT_EQ(escaping.err.rfind("perfgen: error: name: \"../escaped\" names no file", 0), 0u) << escaping.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path().parent_path() / "escaped.h5"));
}

// A seed axis whose seed draws nothing repeats identical trials: plan says so on one line of stderr
// and goes on (exit 0); no warning where the seeds matter.
TEST(CommandLine, PlanWarnsAboutASeedAxisThatChangesNothing) {
  testing::TempDir dir;
  const std::string path = dir.file("seeds.toml");
  std::ofstream(path) << "name = \"seeds\"\n[train]\nmax_iters = 10\n[sweep]\nn = [2, 3]\n"
                         "data_seed = { range = [0, 20] }\n";
  const CliResult grid = run_cli({"plan", path, "--set", "data.distribution=grid"});
  EXPECT_EQ(grid.code, kExitOk) << grid.err;
  EXPECT_EQ(grid.err,
            "perfgen: warning: sweep.data_seed has 20 values but data.distribution = \"grid\" draws no random "
            "numbers: the 20 trials of each cell are identical, and the recovery interval counts them as 20 "
            "independent trials\n");
  EXPECT_NE(grid.out.find("trials       40\n"), std::string::npos) << grid.out;
  const CliResult gaussian = run_cli({"plan", path, "--set", "data.distribution=gaussian"});
  EXPECT_EQ(gaussian.code, kExitOk) << gaussian.err;
  EXPECT_EQ(gaussian.err, "");
}

TEST(CommandLine, VersionPrintsTheFirstLineOfInfo) {
  const CliResult version = run_cli({"--version"});
  EXPECT_EQ(version.code, kExitOk) << version.err;
  const CliResult info = run_cli({"info"});
  ASSERT_EQ(info.code, kExitOk);
  EXPECT_EQ(version.out, info.out.substr(0, info.out.find('\n') + 1));
  EXPECT_EQ(version.out.rfind("perfgen ", 0), 0u) << version.out;
}

TEST(CommandLine, BarePerfgenPrintsUsageAndExitsTwo) {
  const CliResult r = run_cli({});
  EXPECT_EQ(r.code, kExitBadInput);
  for (const char* part :
       {"Usage: perfgen [OPTIONS] SUBCOMMAND", "Subcommands:", "run", "plan", "summary", "--version"})
    EXPECT_NE(r.err.find(part), std::string::npos) << part << " in " << r.err;
}

// A mistyped command or option value gets one line in perfgen's words: what is wrong, with what it got.
TEST(CommandLine, MistakesGetOneLineNamingTheProblem) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"summery", "run.h5"}, "perfgen: error: summery: unknown command; did you mean summary?"},
      // Before the command only perfgen's own options go (--help, --version).
      {{"--verison"}, "perfgen: error: --verison: unknown option; did you mean --version? (perfgen --help lists"},
      {{"--verison", "info"}, "perfgen: error: --verison: unknown option; did you mean --version?"},
      {{"--threads", "2", "run"}, "perfgen: error: --threads: an option of run or bench; give it after the command"},
      {{"--quiet=1", "run"}, "perfgen: error: --quiet: an option of run; give it after the command"},
      {{"-q", "run"}, "perfgen: error: -q: an option of run; give it after the command"},
      {{"-", "run"}, "perfgen: error: -: unknown option (perfgen --help lists the commands)"},
      {{"run", "--threads", "-1"},
       "perfgen: error: --threads: must be a whole number from 0 to 1024 (0: one per CPU this process may run on), "
       "got -1"},
      {{"run", "--threads", "100000"}, "perfgen: error: --threads: must be a whole number from 0 to 1024"},
      {{"run", "--threads", "1e3"}, "perfgen: error: --threads: must be a whole number from 0 to 1024"},
      {{"run", "--threads", "2147483648"}, "perfgen: error: --threads: must be a whole number from 0 to 1024"},
      {{"run", "-o", "a.h5", "--output", "b.h5"},
       "perfgen: error: --output: given more than once; give it once (--help lists the options)"},
      {{"bench", "--networks", "0"}, "perfgen: error: --networks: must be a number > 0, got 0"},
      {{"run", "--backend", "gpu"}, "perfgen: error: --backend: must be auto, cpu or cuda, got gpu"},
      {{"run", "--cpu-kernel", "simd"}, "perfgen: error: --cpu-kernel: must be scalar or vector, got simd"},
      {{"run", "--resume", "--force"}, "perfgen: error: --force: cannot go with --resume"},
      {{"run", "--shard", "0/99999999999"}, "perfgen: error: --shard: K must be at most 2147483647"},
      // Only the form perfgen prints: no space, sign or leading zero.
      {{"run", "--shard", " 0/2"}, "perfgen: error: --shard: expected i/K with 0 <= i < K, got \" 0/2\""},
      {{"run", "--shard", "00/2"}, "perfgen: error: --shard: expected i/K with 0 <= i < K, got \"00/2\""},
      {{"run", "--shard", "+1/2"}, "perfgen: error: --shard: expected i/K with 0 <= i < K, got \"+1/2\""},
      {{"run", "--shard", ""}, "perfgen: error: --shard: expected i/K with 0 <= i < K, got \"\""},
      {{"run", "--shard", "2/2"}, "perfgen: error: --shard: expected i/K with 0 <= i < K, got \"2/2\""},
      {{"run", "--shard", "0/99999999999999999999"}, "perfgen: error: --shard: expected i/K with 0 <= i < K"},
      // A number that overflows to infinity (it meant "never save" silently), and an empty list item.
      {{"run", "--save-interval", "1e309"}, "perfgen: error: --save-interval: must be a finite number, got 1e309"},
      {{"run", "--save-interval", "nan"}, "perfgen: error: --save-interval: must be a finite number, got nan"},
      {{"bench", "--end-to-end", "1,,2"},
       "perfgen: error: --end-to-end: expected trial counts separated by commas (e.g. 10000,100000), got \"1,,2\""},
      {{"bench", "--end-to-end", "-5"}, "perfgen: error: --end-to-end: expected trial counts separated by commas"},
      // Refused before the first row (the threads hung it; the others failed late, naming sweep.c_tilde).
      {{"bench", "--threads", "100000"}, "perfgen: error: --threads: must be a whole number from 0 to 1024"},
      {{"bench", "--networks", "2000000"}, "perfgen: error: --networks: must be at most 1000000"},
      {{"bench", "--end-to-end", "10,2000000"}, "perfgen: error: --end-to-end: each row must be at most 1000000"},
      {{"run", "--resum"},
       "perfgen: error: The following argument was not expected: --resum; did you mean --resume? (--help lists"},
      {{"summary", "r.h5", "--al"},
       "perfgen: error: The following argument was not expected: --al; did you mean --all?"}};
  for (const auto& [args, message] : cases) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.code, kExitBadInput) << r.err;
    EXPECT_EQ(r.err.rfind(message, 0), 0u) << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
  }
}

TEST(Info, ThreadCountIsSingularForOneThread) {
  EXPECT_EQ(CpuBackend(1, CpuKernel::scalar).device(), "CPU, 1 thread, scalar");
  EXPECT_EQ(CpuBackend(2, CpuKernel::scalar).device(), "CPU, 2 threads, scalar");
}

}  // namespace
}  // namespace perfgen
