// Reading experiment files: axis forms, overrides, points, and the resolved text, which must load
// back to itself.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "experiment_file.h"
#include "experiment_validation.h"
#include "test_support.h"

namespace perfgen {
namespace {

TEST(ExperimentFile, AxisForms) {
  const Experiment e = testing::experiment_from(R"(
[sweep]
n = { range = [2, 11, 3] }
data_seed = { range = [0, 4] }
c_tilde = { linspace = [0.0, 1.0, 5] }
init_scale = { logspace = [-20, 0, 3] }
activation = ["tanh", "rational"]
max_iters = [1e3, 2000]
)");
  EXPECT_EQ(e.sweep.n, (std::vector<int>{2, 5, 8}));
  EXPECT_EQ(e.sweep.data_seed, (std::vector<std::int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(e.sweep.c_tilde, (std::vector<double>{0.0, 0.25, 0.5, 0.75, 1.0}));
  ASSERT_EQ(e.sweep.init_scale.size(), 3u);
  EXPECT_DOUBLE_EQ(e.sweep.init_scale[0], 1e-20);
  EXPECT_DOUBLE_EQ(e.sweep.init_scale[1], 1e-10);
  EXPECT_DOUBLE_EQ(e.sweep.init_scale[2], 1.0);
  EXPECT_EQ(e.sweep.activation, (std::vector<Activation>{Activation::tanh, Activation::rational}));
  EXPECT_EQ(e.sweep.max_iters, (std::vector<std::int64_t>{1000, 2000}));
}

TEST(ExperimentFile, OverridesReplaceSettingsAndBareWordsAreStrings) {
  const Experiment e = testing::experiment_from(
      "[train]\nlr = 0.1\n", {"train.lr=0.25", "model.activation=rational", "name=renamed", "sweep.n=[3, 4]"});
  EXPECT_EQ(e.train.lr, 0.25);
  EXPECT_EQ(e.model.activation, Activation::rational);
  EXPECT_EQ(e.target.activation, Activation::rational);  // follows the model's fixed activation
  EXPECT_EQ(e.name, "renamed");
  EXPECT_EQ(e.sweep.n, (std::vector<int>{3, 4}));
}

TEST(ExperimentFile, PointsFlatOrNested) {
  const Experiment flat = testing::experiment_from("[data]\ndistribution = \"points\"\nx = [0.5, -1.0, 2]\n");
  EXPECT_EQ(flat.data.points, (std::vector<double>{0.5, -1.0, 2.0}));
  EXPECT_EQ(flat.data.n, 3);  // all the points by default
  const Experiment nested = testing::experiment_from(
      "[model]\ninput_dim = 2\n[target]\nw = [1.0, -1.0]\n[data]\ndistribution = \"points\"\n"
      "x = [[0.5, 1.0], [2.0, 3.0]]\n");
  EXPECT_EQ(nested.data.points, (std::vector<double>{0.5, 1.0, 2.0, 3.0}));
  EXPECT_EQ(nested.data.n, 2);
}

TEST(ExperimentFile, ResolvedTextLoadsBackToItself) {
  for (const std::string& text :
       {default_experiment_text(),
        std::string("name = \"quote \\\" and \\\\ back, caf\\u00e9 \\u65e5\\U0001F600\"\n[model]\nwidth = 5\nbias = "
                    "false\n[init]\nratio_start = 1.5\n"
                    "ratio_step = 0.0015\nscale = 3e-7\n[data]\ndistribution = \"points\"\nx = [0.1, 0.2, 0.3]\n"
                    "[sweep]\nlr = [0.05, 0.1]\nactivation = [\"rational\"]\n")}) {
    const Experiment first = load_experiment(text, "<first>", {});
    const Experiment second = load_experiment(first.resolved_toml, "<resolved>", {});
    EXPECT_EQ(first.resolved_toml, second.resolved_toml);
    EXPECT_EQ(second.name, first.name);
    EXPECT_EQ(second.init.scale, first.init.scale);
    EXPECT_EQ(second.sweep.lr, first.sweep.lr);
  }
}

// Axes given as range/linspace/logspace stay so in the resolved config (with their size), which
// loads back to the same values: a 10^5-value axis costs a line, not megabytes in every file.
TEST(ExperimentFile, AxesWrittenAsSpecsStaySpecsInTheResolvedText) {
  const Experiment first = load_experiment(
      "[sweep]\nc_tilde = { linspace = [0, 1, 100000] }\nlr = { logspace = [-3, -1, 3] }\n"
      "data_seed = { range = [4, 40, 3] }\ninit_seed = [7, 9]\n",
      "<first>", {"sweep.init_scale={logspace=[-20, -2, 10]}"});
  EXPECT_LT(first.resolved_toml.size(), 2000u) << first.resolved_toml.substr(0, 2000);
  EXPECT_NE(first.resolved_toml.find("c_tilde = { linspace = [0.0, 1.0, 100000] }  # 100000 values"), std::string::npos)
      << first.resolved_toml;
  EXPECT_NE(first.resolved_toml.find("data_seed = { range = [4, 40, 3] }  # 12 values"), std::string::npos);
  EXPECT_NE(first.resolved_toml.find("init_seed = [7, 9]\n"), std::string::npos) << "lists stay lists";
  const Experiment second = load_experiment(first.resolved_toml, "<resolved>", {});
  EXPECT_EQ(second.resolved_toml, first.resolved_toml);
  EXPECT_EQ(second.sweep.c_tilde, first.sweep.c_tilde);
  EXPECT_EQ(second.sweep.lr, first.sweep.lr);
  EXPECT_EQ(second.sweep.init_scale, first.sweep.init_scale);
  EXPECT_EQ(second.sweep.data_seed, first.sweep.data_seed);
  // An override with a list replaces the spec, and the text says so.
  const Experiment listed = load_experiment(first.resolved_toml, "<resolved>", {"sweep.c_tilde=[0.25, 0.5]"});
  EXPECT_NE(listed.resolved_toml.find("c_tilde = [0.25, 0.5]\n"), std::string::npos) << listed.resolved_toml;
}

// A file's name defaults to its stem; a name in the file, or --set name, wins.
TEST(ExperimentFile, NameDefaultsToTheFileStem) {
  testing::TempDir dir;
  const std::string unnamed = dir.file("lr_scan.toml"), named = dir.file("named.toml");
  std::ofstream(unnamed) << "[train]\nlr = 0.1\n";
  std::ofstream(named) << "name = \"mine\"\n";
  const Experiment e = load_experiment_file(unnamed, {});
  EXPECT_EQ(e.name, "lr_scan");
  EXPECT_EQ(e.resolved_toml.rfind("name = \"lr_scan\"\n", 0), 0u) << e.resolved_toml;
  EXPECT_EQ(load_experiment(e.resolved_toml, "<resolved>", {}).resolved_toml, e.resolved_toml);
  EXPECT_EQ(load_experiment_file(named, {}).name, "mine");
  EXPECT_EQ(load_experiment_file(unnamed, {"name=other"}).name, "other");
  EXPECT_EQ(testing::experiment_from("[train]\nlr = 0.1\n").name, "experiment") << "text without a file";
}

// Seed axes that change nothing are warned about, with the number of identical trials; seeds that
// draw something are not.
TEST(ExperimentWarnings, SeedAxesThatDrawNothing) {
  auto warnings = [](const std::vector<std::string>& overrides) {
    return experiment_warnings(testing::experiment_from("[sweep]\nn = [2, 3]\n", overrides));
  };
  EXPECT_EQ(warnings({"data.distribution=grid", "sweep.data_seed={range=[0, 20]}"}),
            std::vector<std::string>{"sweep.data_seed has 20 values but data.distribution = \"grid\" draws no "
                                     "random numbers: the 20 trials of each cell are identical, and the recovery "
                                     "interval counts them as 20 independent trials"});
  EXPECT_EQ(warnings({"data.distribution=points", "data.x=[0.5, 1.0, 1.5]", "sweep.data_seed=[0, 1]",
                      "sweep.init_seed=[0, 1, 2]"}),
            std::vector<std::string>{"sweep.data_seed has 2 values but data.distribution = \"points\" draws no "
                                     "random numbers: the 6 trials of each cell are at most 3 distinct ones, and the "
                                     "recovery interval counts them as 6 independent trials"});
  EXPECT_EQ(warnings({"data.distribution=gaussian", "init.direction=[1, 2, 3, 4, 5, 6]", "sweep.init_seed=[0, 1]"}),
            std::vector<std::string>{"sweep.init_seed has 2 values but init.direction is given, so θ0 draws no random "
                                     "numbers: the 2 trials of each cell are identical, and the recovery interval "
                                     "counts them as 2 independent trials"});
  EXPECT_EQ(warnings({"data.distribution=gaussian", "init.scale=0", "sweep.init_seed=[0, 1]"}),
            std::vector<std::string>{"sweep.init_seed has 2 values but init.scale = 0 makes θ0 = 0 whatever the seed: "
                                     "the 2 trials of each cell are identical, and the recovery interval counts them "
                                     "as 2 independent trials"});
  EXPECT_EQ(
      warnings({"data.distribution=grid", "sweep.init_scale=[0, 1e-3]", "sweep.init_seed=[0, 1]",
                "sweep.data_seed=[0, 1, 2]"}),
      (std::vector<std::string>{
          "sweep.data_seed has 3 values but data.distribution = \"grid\" draws no random numbers: the 6 trials "
          "of each cell are at most 2 distinct ones, and the recovery interval counts them as 6 independent trials",
          "sweep.init_seed has 2 values but sweep.init_scale = 0 makes θ0 = 0 whatever the seed: the 6 trials of "
          "each cell with init_scale = 0 are identical, and the recovery interval counts them as 6 independent "
          "trials"}));
  // Seeds that draw: gaussian and uniform data, a drawn θ0 of scale > 0; a single seed is no axis to warn about.
  EXPECT_EQ(warnings({"data.distribution=gaussian", "sweep.data_seed=[0, 1]", "sweep.init_seed=[0, 1]"}),
            std::vector<std::string>{});
  EXPECT_EQ(warnings({"data.distribution=uniform", "sweep.data_seed=[0, 1]"}), std::vector<std::string>{});
  EXPECT_EQ(warnings({"data.distribution=grid", "sweep.data_seed=[4]", "sweep.init_seed=[0, 1]"}),
            std::vector<std::string>{});
}

}  // namespace
}  // namespace perfgen
