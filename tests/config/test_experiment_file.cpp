// Reading experiment files: axis forms, overrides, points, and the resolved text, which must load
// back to itself.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "experiment_file.h"
#include "experiment_validation.h"
#include "experiments.h"
#include "temp_dir.h"

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

// Spaces around '=' are allowed, as in a TOML file.
TEST(ExperimentFile, OverridesReplaceSettingsAndBareWordsAreStrings) {
  const Experiment e = testing::experiment_from(
      "[train]\nlr = 0.1\n", {"train.lr = 0.25", "model.activation=rational", "name=2025-01-sweep", "sweep.n=[3, 4]"});
  EXPECT_EQ(e.train.lr, 0.25);
  EXPECT_EQ(e.model.activation, Activation::rational);
  EXPECT_EQ(e.target.activation, Activation::rational);  // follows the model's fixed activation
  EXPECT_EQ(e.name, "2025-01-sweep");                    // a bare word, though it starts with digits
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

// "section.key" → the value text of every `key = value` line of a TOML text (comments dropped);
// with commented_keys, also the keys of commented-out example lines (`# direction = [...]`).
std::map<std::string, std::string> key_lines(const std::string& text, bool commented_keys = false) {
  std::map<std::string, std::string> keys;
  std::istringstream lines(text);
  std::string section;
  const std::regex header(R"(^\[(\w+)\])"), assignment(R"(^(#\s*)?(\w+)\s*=\s*([^#]*[^#\s])?)");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, header)) {
      section = m[1];
    } else if (std::regex_search(line, m, assignment) && (commented_keys || !m[1].matched)) {
      keys[(section.empty() ? "" : section + ".") + std::string(m[2])] = m[3];
    }
  }
  return keys;
}

// Every key of the reference block in docs/EXPERIMENT_FILE.md (commented-out ones included), set to a
// value other than its default, is read, written into the resolved text with that value, and loads
// back to the same text: a key read but not written (which would break --resume's comparison) or
// written with its default fails here. Two experiments, because some keys exclude others.
TEST(ExperimentFile, EveryDocumentedKeyRoundTripsAtANonDefaultValue) {
  const std::string everything = R"(name = "all-keys"
[model]
width = 2
input_dim = 2
bias = false
activation = "rational"
[target]
a = 0.5
w = [0.7, -0.3]
b = 0.25
activation = "tanh"
[data]
distribution = "uniform"
range = [-1.5, 1.25]
n = 7
seed = 3
[init]
scale = 1e-6
seed = 4
c_tilde = 0.5
[train]
lr = 0.03
loss = "mse"
max_iters = 5000
loss_tol = 1e-12
grad_tol = 1e-20
divergence_loss = 1e40
[eval]
test_points = 200
recovery_threshold = 1e-7
test_seed = 5
on_target_tol = 2e-3
silent_tol = 3e-3
[run]
batch_size = 64
[trajectories]
trials = [1, 2]
checkpoints = 8
theta = false
[sweep]
n = [3, 4]
data_seed = { range = [0, 3] }
c_tilde = { linspace = [0.0, 1.0, 3] }
init_scale = { logspace = [-8, -6, 3] }
init_seed = [1, 2]
lr = [0.01, 0.02]
width = [2]
activation = ["tanh", "rational"]
max_iters = [100, 200]
)";
  const std::string exclusive = R"([model]
width = 3
[target]
activation = "rational"
[data]
distribution = "points"
x = [0.1, 0.5, 0.9]
[init]
direction = [0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8, 0.9]
ratio_start = 1.25
ratio_step = 0.5
[train]
method = "flow"
rtol = 1e-8
atol = 1e-30
max_time = 2500.0
)";
  const std::map<std::string, std::string> defaults = key_lines(load_experiment("", "<defaults>", {}).resolved_toml);
  std::map<std::string, bool> covered;  // key → written with a non-default value in some experiment
  for (const std::string& text : {everything, exclusive}) {
    const Experiment e = load_experiment(text, "<test>", {});
    const std::map<std::string, std::string> resolved = key_lines(e.resolved_toml);
    for (const auto& [key, value] : key_lines(text)) {
      ASSERT_TRUE(resolved.count(key)) << key << " read but not written:\n" << e.resolved_toml;
      covered[key] = covered[key] || !defaults.count(key) || resolved.at(key) != defaults.at(key);
    }
    EXPECT_EQ(load_experiment(e.resolved_toml, "<resolved>", {}).resolved_toml, e.resolved_toml);
  }
  for (const auto& [key, non_default] : covered) EXPECT_TRUE(non_default) << key << " was written with its default";
  // ...and they are the keys the messages suggest from other sections (setting_keys).
  std::set<std::string> keys;
  for (const std::string& text : {everything, exclusive})
    for (const auto& [key, value] : key_lines(text)) keys.insert(key);
  EXPECT_EQ(keys, std::set<std::string>(setting_keys().begin(), setting_keys().end()));
  std::ifstream doc(PERFGEN_SOURCE_DIR "/docs/EXPERIMENT_FILE.md");
  const std::string text((std::istreambuf_iterator<char>(doc)), {});
  const std::size_t begin = text.find("```toml\n"), end = text.find("```\n", begin + 8);
  ASSERT_NE(begin, std::string::npos);
  const std::map<std::string, std::string> documented = key_lines(text.substr(begin + 8, end - begin - 8), true);
  EXPECT_GE(documented.size(), 39u);  // 42 on 2026-12-01
  for (const auto& [key, value] : documented) EXPECT_TRUE(covered.count(key)) << key << " is documented but not tested";
}

// theta = true is the default and is not written: a run that records θ has the resolved text (and the
// --resume hash) it had before the key existed, whether the file gives the key or not.
TEST(ExperimentFile, RecordingThetaLeavesTheResolvedTextAsItWas) {
  const std::string recorded = "[trajectories]\ntrials = [0]\n";
  const std::string without_key = load_experiment(recorded, "<a>", {}).resolved_toml;
  EXPECT_EQ(without_key.find("theta ="), std::string::npos) << without_key;
  EXPECT_EQ(load_experiment(recorded + "theta = true\n", "<b>", {}).resolved_toml, without_key);
  EXPECT_NE(load_experiment(recorded + "theta = false\n", "<c>", {}).resolved_toml.find("\ntheta = false\n"),
            std::string::npos);
}

// The reference block of docs/EXPERIMENT_FILE.md gives every setting at its default: as an experiment
// file it resolves as an empty one does, but for its example name, [trajectories] and [sweep].
TEST(ExperimentFile, TheDocumentedBlockShowsTheDefaults) {
  std::ifstream doc(PERFGEN_SOURCE_DIR "/docs/EXPERIMENT_FILE.md");
  const std::string text((std::istreambuf_iterator<char>(doc)), {});
  const std::size_t begin = text.find("```toml\n"), end = text.find("```\n", begin + 8);
  ASSERT_NE(begin, std::string::npos);
  auto settings = [](const std::string& toml) {
    std::map<std::string, std::string> keys;
    for (const auto& [key, value] : key_lines(load_experiment(toml, "<doc>", {}).resolved_toml))
      if (key != "name" && key.rfind("trajectories.", 0) != 0 && key.rfind("sweep.", 0) != 0) keys[key] = value;
    return keys;
  };
  const std::map<std::string, std::string> documented = settings(text.substr(begin + 8, end - begin - 8)),
                                           defaults = settings("");
  EXPECT_GE(defaults.size(), 25u);  // 26 on 2026-12-01
  for (const auto& [key, value] : defaults) {
    ASSERT_TRUE(documented.count(key)) << key;
    EXPECT_EQ(documented.at(key), value) << key << " is documented with another value than its default";
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

// A seed listed twice trains the same trials twice, which the interval would count as independent.
TEST(ExperimentWarnings, RepeatedSeeds) {
  auto warnings = [](const std::vector<std::string>& overrides) {
    return experiment_warnings(testing::experiment_from("[data]\ndistribution = \"gaussian\"\n", overrides));
  };
  EXPECT_EQ(
      warnings({"sweep.data_seed=[1, 1, 1]"}),
      std::vector<std::string>{"sweep.data_seed lists 3 values but 1 distinct ones (1 more than once): a repeated "
                               "seed trains the same trials again, and the recovery interval counts the copies "
                               "as independent trials"});
  EXPECT_EQ(
      warnings({"sweep.init_seed=[7, 4, 9, 4]", "sweep.data_seed=[0, 1]"}),
      std::vector<std::string>{"sweep.init_seed lists 4 values but 3 distinct ones (4 more than once): a repeated "
                               "seed trains the same trials again, and the recovery interval counts the copies "
                               "as independent trials"});
  EXPECT_EQ(warnings({"sweep.init_seed={range=[0, 1000]}", "sweep.data_seed=[3, 2, 1]"}), std::vector<std::string>{});
}

// Init seeds under imbalance control at a small scale are near-copies (Theorem 1): warned about, with the
// axis that gives independent trials; a larger scale, or no control of c~, draws distinct trials.
TEST(ExperimentWarnings, InitSeedsThatNearlyCoincide) {
  auto warnings = [](const std::vector<std::string>& overrides) {
    return experiment_warnings(testing::experiment_from("[sweep]\nn = [2, 3]\n", overrides));
  };
  const std::vector<std::string> near_copies =
      warnings({"data.distribution=gaussian", "init.scale=1e-8", "sweep.c_tilde=[0.5, 1]", "sweep.init_seed=[0, 1]"});
  ASSERT_EQ(near_copies.size(), 1u);
  EXPECT_EQ(near_copies[0].rfind("sweep.init_seed has 2 values but sweep.c_tilde fixes the imbalance and init.scale "
                                 "≤ 1e-6: a trial then follows C/‖C‖ (Theorem 1)",
                                 0),
            0u)
      << near_copies[0];
  EXPECT_NE(near_copies[0].find("; sweep.data_seed gives independent ones"), std::string::npos);
  // On grid data the data seed draws nothing either: the advice names random data.
  const std::vector<std::string> on_grid =
      warnings({"data.distribution=grid", "init.scale=1e-8", "sweep.c_tilde=[0.5]", "sweep.init_seed=[0, 1]"});
  ASSERT_EQ(on_grid.size(), 1u);
  EXPECT_NE(on_grid[0].find("; random data (gaussian or uniform) over sweep.data_seed gives independent ones"),
            std::string::npos)
      << on_grid[0];
  EXPECT_EQ(
      warnings({"data.distribution=gaussian", "init.scale=1e-8", "init.c_tilde=0.5", "sweep.init_seed=[0, 1]"}).size(),
      1u);
  EXPECT_EQ(warnings({"data.distribution=gaussian", "sweep.init_scale=[1e-8, 1e-3]", "init.c_tilde=0.5",
                      "sweep.init_seed=[0, 1]"}),
            std::vector<std::string>{});
  EXPECT_EQ(warnings({"data.distribution=gaussian", "init.scale=1e-8", "sweep.init_seed=[0, 1]"}),
            std::vector<std::string>{});
}

// A setting that an axis of the sweep replaces in every cell is said to be unused, from the file or
// --set; a setting with no axis, one given at its default, and the resolved config (which writes every
// setting, at its default where the experiment gave none) say nothing.
TEST(ExperimentWarnings, SettingsThatAnAxisReplaces) {
  auto warnings = [](const std::string& text, const std::vector<std::string>& overrides) {
    return experiment_warnings(testing::experiment_from(text, overrides));
  };
  EXPECT_EQ(warnings("[sweep]\nc_tilde = [0.5, 0.9]\n", {"init.c_tilde=0.71"}),
            std::vector<std::string>{"init.c_tilde is set but not used: sweep.c_tilde gives every cell its own value"});
  EXPECT_EQ(
      warnings("[model]\nwidth = 3\n[data]\ndistribution = \"gaussian\"\nseed = 4\n",
               {"sweep.width=[2, 5]", "sweep.data_seed=[0, 1]"}),
      (std::vector<std::string>{"model.width is set but not used: sweep.width gives every cell its own value",
                                "data.seed is set but not used: sweep.data_seed gives every cell its own value"}));
  EXPECT_EQ(warnings("[init]\nc_tilde = 0.71\n[sweep]\nn = [2, 3]\n", {}), std::vector<std::string>{});
  // model.activation is the target's too, unless [target] gives one.
  EXPECT_EQ(warnings("[model]\nactivation = \"rational\"\n[sweep]\nactivation = [\"tanh\", \"rational\"]\n", {}),
            std::vector<std::string>{});
  EXPECT_EQ(warnings("[model]\nactivation = \"rational\"\n[target]\nactivation = \"tanh\"\n"
                     "[sweep]\nactivation = [\"tanh\", \"rational\"]\n",
                     {}),
            std::vector<std::string>{
                "model.activation is set but not used: sweep.activation gives every cell its own value"});
  EXPECT_EQ(warnings("[train]\nlr = 0.05\n[sweep]\nlr = [0.1, 0.2]\n", {}), std::vector<std::string>{})
      << "lr 0.05 is the default";
  const Experiment swept = testing::experiment_from("[sweep]\nc_tilde = [0.5, 0.9]\nlr = [0.1, 0.2]\n");
  EXPECT_EQ(experiment_warnings(load_experiment(swept.resolved_toml, "resolved", {})), std::vector<std::string>{});
}

// Gradient flow's settings under gradient descent do nothing: said once; under flow, nothing to say.
TEST(ExperimentWarnings, FlowSettingsUnderGradientDescent) {
  auto warnings = [](const std::vector<std::string>& overrides) {
    return experiment_warnings(testing::experiment_from("", overrides));
  };
  EXPECT_EQ(warnings({"train.max_time=50", "train.rtol=1e-8"}),
            std::vector<std::string>{"train.rtol, train.atol and train.max_time apply to train.method = \"flow\"; "
                                     "gradient descent ignores them (it stops at train.max_iters)"});
  EXPECT_EQ(warnings({"train.method=\"flow\"", "train.max_time=50", "train.rtol=1e-8"}), std::vector<std::string>{});
  EXPECT_EQ(warnings({"train.method=\"flow\"", "train.lr=0.1"}),
            std::vector<std::string>{"train.lr is gradient descent's step; train.method = \"flow\" ignores it (its "
                                     "steps are adaptive, within train.rtol and train.atol)"});
  EXPECT_EQ(warnings({}), std::vector<std::string>{});
}

// Without biases the network cannot equal a target with b0 != 0 (the default target.b is 1): said,
// since no trial can recover; a target without bias, or a model with biases, says nothing.
TEST(ExperimentWarnings, TargetBiasTheModelCannotHave) {
  auto warnings = [](const std::vector<std::string>& overrides) {
    return experiment_warnings(testing::experiment_from("", overrides));
  };
  EXPECT_EQ(warnings({"model.bias=false"}),
            std::vector<std::string>{"target.b = 1 but model.bias = false: no network of this model equals the "
                                     "target a0 σ(w0·x + b0), so no trial can recover it (target.b = 0 gives the "
                                     "target without bias)"});
  EXPECT_EQ(warnings({"model.bias=false", "target.b=0"}), std::vector<std::string>{});
  EXPECT_EQ(warnings({"target.b=0.5"}), std::vector<std::string>{});
}

}  // namespace
}  // namespace perfgen
