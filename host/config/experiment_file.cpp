// The one translation unit that includes toml++ (it costs ~8 s of compile time per unit).
// Each section is read through a SectionReader that remembers which keys it consumed, so any key
// left over is unknown and rejected by name.
#include "experiment_file.h"

#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>

#include "default_experiment.h"
#include "errors.h"
#include "experiment_text.h"
#include "experiment_validation.h"
#include "hdf5_signature.h"
#include "name_suggestions.h"
#include "number_text.h"
#include "override_text.h"
#include "toml_character_guard.h"

namespace perfgen {
namespace {

// "integer", "array", …; a string with its value (`string "0.1"`: quoted by mistake, `string ""`: an
// empty --set value), on one line: control characters and quotes escaped, cut after about 40 bytes at
// the start of a UTF-8 character.
std::string type_name(const toml::node& node) {
  std::ostringstream out;
  out << node.type();
  if (const auto* text = node.as_string()) {
    const std::string& value = text->get();
    const std::size_t end = utf8_cut(value, 40);
    out << " \"";
    for (std::size_t i = 0; i < end; ++i) {
      const auto c = static_cast<unsigned char>(value[i]);
      if (c == '"' || c == '\\') {
        out << '\\' << value[i];
      } else if (c < 0x20 || c == 0x7F) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
        out << escaped;
      } else {
        out << value[i];
      }
    }
    out << (end < value.size() ? "…\"" : "\"");
  }
  return out.str();
}

double as_number(const toml::node& node, const std::string& key) {
  if (auto v = node.as_floating_point()) return v->get();
  if (auto v = node.as_integer()) return static_cast<double>(v->get());
  throw InputError(key, "must be a number, got " + type_name(node));
}

// Settings whose absence has a meaning (NaN inside perfgen) must not be given as NaN.
double as_finite_number(const toml::node& node, const std::string& key) {
  const double value = as_number(node, key);
  if (!std::isfinite(value)) throw InputError(key, "must be a finite number");
  return value;
}

// Integers; a float such as 1e7 is accepted when it is integral.
std::int64_t as_integer(const toml::node& node, const std::string& key) {
  if (auto v = node.as_integer()) return v->get();
  if (auto v = node.as_floating_point()) {
    const double x = v->get();
    if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 9.2e18) return static_cast<std::int64_t>(x);
    throw InputError(key, std::fabs(x) < 9.2e18 || !std::isfinite(x)
                              ? "must be an integer, got " + number_text(x)
                              : "must be an integer of magnitude below 9.2e18 (2^63), got " + number_text(x));
  }
  throw InputError(key, "must be an integer, got " + type_name(node));
}

int as_int(const toml::node& node, const std::string& key) {
  const std::int64_t v = as_integer(node, key);
  if (v < -2147483647 || v > 2147483647) throw InputError(key, "is out of range: " + std::to_string(v));
  return static_cast<int>(v);
}

bool as_bool(const toml::node& node, const std::string& key) {
  if (auto v = node.as_boolean()) return v->get();
  throw InputError(key, "must be true or false, got " + type_name(node));
}

std::string as_string(const toml::node& node, const std::string& key) {
  if (auto v = node.as_string()) return v->get();
  throw InputError(key, "must be a string, got " + type_name(node));
}

const toml::array& as_array(const toml::node& node, const std::string& key) {
  if (auto a = node.as_array()) return *a;
  throw InputError(key, "must be an array, got " + type_name(node));
}

std::vector<double> as_numbers(const toml::node& node, const std::string& key) {
  std::vector<double> values;
  for (const auto& item : as_array(node, key)) values.push_back(as_number(item, key));
  return values;
}

std::string quoted_name(const std::string& name) { return "\"" + name + "\""; }

// The value among `all` whose name(value) the string at `node` is; `what` ("activation") names the
// kind in the message.
template <class Enum, std::size_t N, class Name>
Enum as_enum(const toml::node& node, const std::string& key, const std::string& what, const Enum (&all)[N], Name name) {
  const std::string s = as_string(node, key);
  std::vector<std::string> names, shown;
  for (const Enum value : all) {
    if (s == name(value)) return value;
    names.push_back(name(value));
    shown.push_back(quoted_name(names.back()));
  }
  throw InputError(key, "unknown " + what + " " + quoted_name(s) + " (expected " + listed(shown) + ")" +
                            did_you_mean(s, names, quoted_name));
}

Activation as_activation(const toml::node& node, const std::string& key) {
  const Activation all[] = {Activation::tanh, Activation::rational};
  return as_enum(node, key, "activation", all, activation_name);
}

// The sections of an experiment file, in setting_keys()'s order.
std::vector<std::string> section_names() {
  std::vector<std::string> names;
  for (const std::string& key : setting_keys())
    if (const std::size_t dot = key.find('.'); dot != std::string::npos) {
      const std::string section = key.substr(0, dot);
      if (std::find(names.begin(), names.end(), section) == names.end()) names.push_back(section);
    }
  return names;
}

// "; did you mean train.lr or sweep.lr?": the keys outside `section` whose own part (after the dot) is
// `key` or close to it, each shown whole; empty when none is.
std::string in_other_sections(const std::string& key, const std::string& section) {
  std::vector<std::string> parts;                        // each key's own part, once
  std::map<std::string, std::vector<std::string>> keys;  // own part → the keys that have it
  for (const std::string& full : setting_keys()) {
    const auto dot = full.find('.');
    if (dot == std::string::npos || full.substr(0, dot) == section) continue;
    const std::string part = full.substr(dot + 1);
    if (keys[part].empty()) parts.push_back(part);
    keys[part].push_back(full);
  }
  std::vector<std::string> shown;
  for (const std::string& part : closest_names(key, parts))
    shown.insert(shown.end(), keys[part].begin(), keys[part].end());
  return suggesting(shown);
}

// How a run is carried out is not part of the experiment (the same experiment gives the same file
// with any of these): a key named like one of them points to the command-line option.
std::string as_command_line_option(const std::string& key) {
  static const std::map<std::string, std::string> options{
      {"threads", "--threads N"},     {"backend", "--backend auto|cpu|cuda"},
      {"cpu_kernel", "--cpu-kernel"}, {"save_interval", "--save-interval SECONDS"},
      {"output", "-o FILE"},          {"resume", "--resume"},
      {"force", "--force"},           {"quiet", "--quiet"},
      {"shard", "--shard i/K"}};
  const auto option = options.find(key);
  return option == options.end() ? ""
                                 : "; " + key + " is not a setting of the experiment: give " + option->second +
                                       " on perfgen run's command line";
}

class SectionReader {
 public:
  SectionReader(const toml::table& root, const std::string& section) : section_(section) {
    if (const toml::node* node = root.get(section)) {
      table_ = node->as_table();
      if (!table_) throw InputError(section, "must be a table ([" + section + "]), got " + type_name(*node));
    }
  }
  // By now every key the section knows has been asked for, whether the file has it or not: a key
  // never asked for is unknown, and the asked ones are what it may have been meant as.
  ~SectionReader() noexcept(false) {
    if (!table_ || std::uncaught_exceptions()) return;
    for (const auto& [name, value] : *table_) {
      const std::string k(name.str());
      if (std::find(asked_.begin(), asked_.end(), k) == asked_.end()) {
        const std::string here = did_you_mean(k, asked_, [&](const std::string& known) { return key(known); });
        const std::string option = as_command_line_option(k);
        throw InputError(shown_value(key(k)), "unknown key" + (!option.empty() ? option
                                                               : here.empty()  ? in_other_sections(k, section_)
                                                                               : here));
      }
    }
  }
  std::string key(const std::string& k) const { return section_ + "." + k; }
  const toml::node* get(const std::string& k) {
    if (std::find(asked_.begin(), asked_.end(), k) == asked_.end()) asked_.push_back(k);
    return table_ ? table_->get(k) : nullptr;
  }
  template <class T, class Convert>
  void read(const std::string& k, T& target, Convert convert) {
    if (const toml::node* node = get(k)) target = convert(*node, key(k));
  }
  const toml::table* table() const { return table_; }

 private:
  std::string section_;
  const toml::table* table_ = nullptr;
  std::vector<std::string> asked_;  // the keys read, in the order the reader asks for them
};

void read_model(const toml::table& root, Experiment& e) {
  SectionReader r(root, "model");
  r.read("width", e.model.width, as_int);
  r.read("input_dim", e.model.input_dim, as_int);
  r.read("bias", e.model.bias, as_bool);
  r.read("activation", e.model.activation, as_activation);
}

void read_target(const toml::table& root, Experiment& e) {
  SectionReader r(root, "target");
  e.target.w.assign(e.model.input_dim, 1.0);
  e.target.activation = e.model.activation;
  r.read("a", e.target.a, as_number);
  r.read("w", e.target.w, as_numbers);
  r.read("b", e.target.b, as_number);
  r.read("activation", e.target.activation, as_activation);
}

// data.x: a flat list when d = 1, else a list of points of d coordinates each.
std::vector<double> read_points(const toml::node& node, const std::string& key, int d) {
  std::vector<double> flat;
  for (const auto& item : as_array(node, key)) {
    if (item.is_array()) {
      const auto coords = as_numbers(item, key);
      if (static_cast<int>(coords.size()) != d)
        throw InputError(key, "each point needs model.input_dim = " + std::to_string(d) + " coordinates, one has " +
                                  std::to_string(coords.size()));
      flat.insert(flat.end(), coords.begin(), coords.end());
    } else {
      if (d != 1) throw InputError(key, "with model.input_dim > 1 each point must be a list of coordinates");
      flat.push_back(as_number(item, key));
    }
  }
  return flat;
}

void read_data(const toml::table& root, Experiment& e) {
  SectionReader r(root, "data");
  r.read("distribution", e.data.distribution, [](const toml::node& n, const std::string& key) {
    const Distribution all[] = {Distribution::grid, Distribution::gaussian, Distribution::uniform,
                                Distribution::points};
    return as_enum(n, key, "distribution", all, distribution_name);
  });
  if (const toml::node* range = r.get("range")) {
    const auto values = as_numbers(*range, r.key("range"));
    if (values.size() != 2) throw InputError(r.key("range"), "must be [lo, hi]");
    e.data.lo = values[0];
    e.data.hi = values[1];
  }
  r.read("n", e.data.n, as_int);
  r.read("seed", e.data.seed, as_integer);
  if (const toml::node* x = r.get("x")) {
    if (e.data.distribution != Distribution::points)
      throw InputError(r.key("x"), "is only used with distribution = \"points\"");
    e.data.points = read_points(*x, r.key("x"), e.model.input_dim);
  } else if (e.data.distribution == Distribution::points) {
    throw InputError(r.key("x"), "is required with distribution = \"points\"");
  }
  if (!r.table() || !r.table()->get("n")) {
    if (e.data.distribution == Distribution::points)
      e.data.n = static_cast<int>(e.data.points.size()) / e.model.input_dim;
  }
}

void read_init(const toml::table& root, Experiment& e) {
  SectionReader r(root, "init");
  r.read("scale", e.init.scale, as_number);
  r.read("seed", e.init.seed, as_integer);
  r.read("direction", e.init.direction, as_numbers);
  r.read("c_tilde", e.init.c_tilde, as_finite_number);
  r.read("ratio_start", e.init.ratio_start, as_finite_number);
  r.read("ratio_step", e.init.ratio_step, as_finite_number);
}

void read_train(const toml::table& root, Experiment& e) {
  SectionReader r(root, "train");
  r.read("method", e.train.method, [](const toml::node& n, const std::string& key) {
    const TrainMethod all[] = {TrainMethod::gd, TrainMethod::flow};
    return as_enum(n, key, "method", all, train_method_name);
  });
  r.read("lr", e.train.lr, as_number);
  r.read("loss", e.train.loss, [](const toml::node& n, const std::string& key) {
    const LossKind all[] = {LossKind::half_sum, LossKind::half_mean, LossKind::mse};
    return as_enum(n, key, "loss", all, loss_name);
  });
  r.read("max_iters", e.train.max_iters, as_integer);
  r.read("loss_tol", e.train.loss_tol, as_number);
  r.read("grad_tol", e.train.grad_tol, as_number);
  r.read("divergence_loss", e.train.divergence_loss, as_number);
  r.read("rtol", e.train.rtol, as_number);
  r.read("atol", e.train.atol, as_number);
  r.read("max_time", e.train.max_time, as_number);
}

void read_eval(const toml::table& root, Experiment& e) {
  SectionReader r(root, "eval");
  r.read("test_points", e.eval.test_points, as_int);
  r.read("recovery_threshold", e.eval.recovery_threshold, as_number);
  r.read("test_seed", e.eval.test_seed, as_integer);
  r.read("on_target_tol", e.eval.on_target_tol, as_number);
  r.read("silent_tol", e.eval.silent_tol, as_number);
}

// trials = "all" or a list of trial indices; checkpoints = how many log-spaced iterations; theta = whether
// θ is recorded with the loss.
void read_trajectories(const toml::table& root, Experiment& e) {
  SectionReader r(root, "trajectories");
  if (const toml::node* trials = r.get("trials")) {
    if (trials->is_string()) {
      if (as_string(*trials, r.key("trials")) != "all")
        throw InputError(r.key("trials"), "must be \"all\" or a list of trial indices");
      e.trajectories.all = true;
    } else {
      for (const auto& item : as_array(*trials, r.key("trials")))
        e.trajectories.trials.push_back(as_integer(item, r.key("trials")));
    }
  }
  r.read("checkpoints", e.trajectories.checkpoints, as_int);
  r.read("theta", e.trajectories.theta, as_bool);
}

void read_run(const toml::table& root, Experiment& e) {
  SectionReader r(root, "run");
  r.read("batch_size", e.run.batch_size, as_int);
}

constexpr double kMaxAxisValues = 1e6;

// An axis is a list, or one of { range = [start, stop(, step)] } (integers, stop excluded),
// { linspace = [a, b, count] }, { logspace = [a, b, count] } (10^a … 10^b); a spec is also recorded
// in `written`, so that the resolved config shows it as written.
std::vector<double> numeric_axis(const toml::node& node, const std::string& key, bool integral, AxisSpec& written) {
  if (node.is_array()) {
    std::vector<double> values;
    for (const auto& item : *node.as_array())
      values.push_back(integral ? static_cast<double>(as_integer(item, key)) : as_number(item, key));
    if (values.empty()) throw InputError(key, "must not be empty");
    if (static_cast<double>(values.size()) > kMaxAxisValues)
      throw InputError(key,
                       "has " + std::to_string(values.size()) + " values, above the limit of 10^6 values per axis");
    return values;
  }
  const toml::table* spec = node.as_table();
  if (!spec || spec->size() != 1)
    throw InputError(key, "must be a list or one of {range = [...]}, {linspace = [...]}, {logspace = [...]}");
  const auto entry = *spec->begin();
  const std::string form(entry.first.str());
  const toml::node& form_node = entry.second;
  const std::vector<double> args = as_numbers(form_node, key + "." + form);
  std::vector<double> values;
  if (form == "range") {
    if (args.size() < 2 || args.size() > 3) throw InputError(key, "range needs [start, stop] or [start, stop, step]");
    const double step = args.size() == 3 ? args[2] : 1.0;
    for (double a : args)
      if (a != std::floor(a)) throw InputError(key, "range takes integers");
    if (step <= 0) throw InputError(key, "range step must be > 0");
    if (std::fabs(args[0]) > 9e15 || std::fabs(args[1]) > 9e15 || step > 9e15)
      throw InputError(key, "range bounds must stay below 9·10^15");
    const double count = std::ceil((args[1] - args[0]) / step);
    if (count > kMaxAxisValues)
      throw InputError(key, "range has " + number_text(count) + " values, above the limit of 10^6 values per axis");
    for (int i = 0; i < count; ++i) values.push_back(args[0] + i * step);  // exact: integers below 2^53
  } else if (form == "linspace" || form == "logspace") {
    if (integral) throw InputError(key, form + " is for real-valued axes; use a list or range");
    if (args.size() != 3) throw InputError(key, form + " needs [first, last, count]");
    if (args[2] != std::floor(args[2]) || args[2] < 1)
      throw InputError(key, form + " count must be an integer >= 1, got " + number_text(args[2]));
    if (args[2] > kMaxAxisValues)
      throw InputError(key, form + " count " + number_text(args[2]) + " is above the limit of 10^6 values per axis");
    const int count = static_cast<int>(args[2]);
    for (int i = 0; i < count; ++i) {
      const double t = count == 1 ? args[0] : args[0] + (args[1] - args[0]) * i / (count - 1);
      values.push_back(form == "logspace" ? std::pow(10.0, t) : t);
    }
  } else {
    throw InputError(key + "." + form, "unknown axis form (expected range, linspace or logspace)" +
                                           did_you_mean(form, {"range", "linspace", "logspace"}));
  }
  if (values.empty()) throw InputError(key, "the axis has no values");
  written = {form, args};
  return values;
}

template <class T>
std::vector<T> integer_axis(const toml::node& node, const std::string& key, AxisSpec& written) {
  std::vector<T> out;
  // The values come as doubles: T's largest value may round up to 2^digits, which no T holds.
  const double above = std::ldexp(1.0, std::numeric_limits<T>::digits);
  for (double v : numeric_axis(node, key, true, written)) {
    if (v < static_cast<double>(std::numeric_limits<T>::min()) || v >= above)
      throw InputError(key, "value " + number_text(v) + " is out of range (" +
                                std::to_string(std::numeric_limits<T>::min()) + " to " +
                                std::to_string(std::numeric_limits<T>::max()) + ")");
    out.push_back(static_cast<T>(v));
  }
  return out;
}

void read_sweep(const toml::table& root, Experiment& e) {
  SectionReader r(root, "sweep");
  SweepAxes& s = e.sweep;
  s.written.clear();
  auto spec = [&](const char* key) -> AxisSpec& { return s.written[key]; };
  if (const auto* node = r.get("n")) s.n = integer_axis<int>(*node, r.key("n"), spec("n"));
  if (const auto* node = r.get("width")) s.width = integer_axis<int>(*node, r.key("width"), spec("width"));
  if (const auto* node = r.get("max_iters"))
    s.max_iters = integer_axis<std::int64_t>(*node, r.key("max_iters"), spec("max_iters"));
  if (const auto* node = r.get("data_seed"))
    s.data_seed = integer_axis<std::int64_t>(*node, r.key("data_seed"), spec("data_seed"));
  if (const auto* node = r.get("init_seed"))
    s.init_seed = integer_axis<std::int64_t>(*node, r.key("init_seed"), spec("init_seed"));
  if (const auto* node = r.get("init_scale"))
    s.init_scale = numeric_axis(*node, r.key("init_scale"), false, spec("init_scale"));
  if (const auto* node = r.get("c_tilde")) s.c_tilde = numeric_axis(*node, r.key("c_tilde"), false, spec("c_tilde"));
  if (const auto* node = r.get("lr")) s.lr = numeric_axis(*node, r.key("lr"), false, spec("lr"));
  for (auto entry = s.written.begin(); entry != s.written.end();)  // lists: no spec to keep
    entry = entry->second.form.empty() ? s.written.erase(entry) : std::next(entry);
  if (const auto* node = r.get("activation")) {
    for (const auto& item : as_array(*node, r.key("activation")))
      s.activation.push_back(as_activation(item, r.key("activation")));
    if (s.activation.empty()) throw InputError(r.key("activation"), "must not be empty");
    if (static_cast<double>(s.activation.size()) > kMaxAxisValues)
      throw InputError(r.key("activation"), "has " + std::to_string(s.activation.size()) +
                                                " values, above the limit of 10^6 values per axis");
  }
}

// Whether a setting (the member Field of the section Section of Experiment) is at its default. A
// default of NaN (init.c_tilde: none) compares unequal to any value given, which is always finite.
template <auto Section, auto Field>
bool at_default(const Experiment& e) {
  static const Experiment defaults;
  return e.*Section.*Field == defaults.*Section.*Field;
}

// The settings given other than their defaults that an axis of the sweep replaces in every cell. Not
// merely given: the resolved config (stored in every file, read again by merge) writes each setting.
void note_settings_axes_replace(const toml::table& root, Experiment& e) {
  struct Replacement {
    const char *axis, *setting;
    bool (*at_default)(const Experiment&);
    const char* used_unless_given = nullptr;  // a setting that, when absent, takes this one's value
  };
  static const Replacement replacements[] = {
      {"n", "data.n", at_default<&Experiment::data, &DataSettings::n>},
      {"width", "model.width", at_default<&Experiment::model, &NetShape::width>},
      {"activation", "model.activation", at_default<&Experiment::model, &NetShape::activation>, "target.activation"},
      {"init_scale", "init.scale", at_default<&Experiment::init, &InitSettings::scale>},
      {"c_tilde", "init.c_tilde", at_default<&Experiment::init, &InitSettings::c_tilde>},
      {"lr", "train.lr", at_default<&Experiment::train, &TrainSettings::lr>},
      {"max_iters", "train.max_iters", at_default<&Experiment::train, &TrainSettings::max_iters>},
      {"data_seed", "data.seed", at_default<&Experiment::data, &DataSettings::seed>},
      {"init_seed", "init.seed", at_default<&Experiment::init, &InitSettings::seed>},
  };
  e.sweep.replaced.clear();
  for (const Replacement& r : replacements) {
    if (r.used_unless_given && !root.at_path(r.used_unless_given)) continue;  // still used there
    if (root.at_path(std::string("sweep.") + r.axis) && root.at_path(r.setting) && !r.at_default(e))
      e.sweep.replaced.emplace_back(r.setting, std::string("sweep.") + r.axis);
  }
}

// toml++'s description of a parse error, less the name of the library's build setting that some end
// with ("… depth of 256 (TOML_MAX_NESTED_VALUES)"), which means nothing to a user.
std::string toml_problem(const toml::parse_error& err) {
  std::string text(err.description());
  if (const std::size_t setting = text.rfind(" (TOML_"); setting != std::string::npos && text.back() == ')')
    text.erase(setting);
  return text;
}

void apply_override(toml::table& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos) throw InputError("--set " + shown_value(assignment), "expected section.key=value");
  // Spaces around '=' are allowed, as in a TOML file.
  const std::string path = trimmed(assignment.substr(0, eq)), text = trimmed(assignment.substr(eq + 1));
  if (holds_another_setting(text))
    throw InputError("--set " + shown_value(assignment), "holds more than one setting; give each its own --set");
  reject_characters_toml_mishandles(text, "--set " + path + "=…");  // the value meets toml++ below
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + text);
  } catch (const toml::parse_error& err) {
    if (overflows_double(text))
      throw InputError(path, shown_value(text) + " is out of range for a double (at most about 1.8e+308)");
    if (looks_like_a_toml_value(text))
      throw InputError(path, shown_value(text) + " is not a valid TOML value (" + toml_problem(err) +
                                 "; a string is written in quotes)");
    if (const std::size_t bad = first_invalid_utf8(text); bad != std::string::npos) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[bad]));
      throw InputError(path, "is not UTF-8 text (byte " + std::to_string(bad + 1) + " of the value is " + hex + ")");
    }
    parsed.insert("v", text);  // a bare word, e.g. model.activation=rational
  }
  const auto dot = path.find('.');
  if (path.empty() || dot == 0 || dot + 1 == path.size())
    throw InputError("--set " + shown_value(assignment), "expected section.key=value");
  static const std::vector<std::string> sections = section_names();
  // A whole section would replace the file's, every key not given falling back to its default.
  if (std::find(sections.begin(), sections.end(), path) != sections.end())
    throw InputError("--set " + shown_value(assignment),
                     path + " is a section; set its keys one at a time (--set " + path + ".KEY=VALUE)");
  toml::table* target = &root;
  std::string key = path;
  if (dot != std::string::npos) {
    const std::string section = path.substr(0, dot);
    key = path.substr(dot + 1);
    if (!root.get(section)) root.insert(section, toml::table{});
    target = root.get(section)->as_table();
    if (!target) throw InputError("--set " + path, section + " is not a table");
  }
  parsed.get("v")->visit([&](const auto& node) { target->insert_or_assign(key, node); });
}

}  // namespace

Experiment load_experiment(const std::string& toml_text, const std::string& source,
                           const std::vector<std::string>& overrides, const std::string& name_if_unset) {
  reject_characters_toml_mishandles(toml_text, source);
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& err) {
    const auto& where = err.source().begin;
    throw InputError("", source + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
                             ": invalid TOML: " + toml_problem(err));
  }
  for (const std::string& assignment : overrides) apply_override(root, assignment);
  static const std::vector<std::string> sections = section_names();
  Experiment e;
  if (!name_if_unset.empty()) e.name = name_if_unset;
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k == "name") {
      e.name = as_string(node, "name");
    } else if (std::find(sections.begin(), sections.end(), k) == sections.end()) {
      if (node.is_table()) throw InputError(shown_value(k), "unknown section" + did_you_mean(k, sections));
      const std::string name = did_you_mean(k, {"name"});  // a key above every [section], or --set lr=0.1
      const std::string option = as_command_line_option(k);
      throw InputError(shown_value(k), "unknown key" + (!option.empty() ? option
                                                        : name.empty()  ? in_other_sections(k, "")
                                                                        : name));
    }
  }
  read_model(root, e);
  read_target(root, e);
  read_data(root, e);
  read_init(root, e);
  read_train(root, e);
  read_eval(root, e);
  read_run(root, e);
  read_trajectories(root, e);
  read_sweep(root, e);
  note_settings_axes_replace(root, e);
  validate_experiment(e);
  e.resolved_toml = experiment_to_toml(e);
  return e;
}

namespace {

// The experiment's text from `in`, read once (a pipe or FIFO cannot be read again) and refused when it
// is an HDF5 file. Its first 8 bytes are looked at before the rest is read, so a results file (which
// may be gigabytes) is refused unread; one with a user block before its signature is read whole first.
// `name` is the path, or <stdin>.
std::string experiment_text(std::istream& in, const std::string& name) {
  std::string text(8, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (!holds_hdf5_signature(text)) {  // also at a user block's end, once the whole text is in
    std::ostringstream rest;
    rest << in.rdbuf();
    text += rest.str();
  }
  if (holds_hdf5_signature(text))
    throw InputError("", name + " is an HDF5 file (a results file?), not an experiment file" +
                             (name == "<stdin>" ? std::string() : "; perfgen summary " + name + " prints its table"));
  return text;
}

}  // namespace

Experiment load_experiment_file(const std::string& path, const std::vector<std::string>& overrides) {
  if (path == "-") {
    // A folder or a closed descriptor as standard input reads nothing, which would pass as an
    // all-defaults experiment.
    struct stat input {};
    if (::fstat(STDIN_FILENO, &input) != 0)
      throw InputError("", std::string("cannot read the experiment from standard input: ") + std::strerror(errno));
    if (S_ISDIR(input.st_mode))
      throw InputError("", "cannot read the experiment from standard input: it is a directory");
    return load_experiment(experiment_text(std::cin, "<stdin>"), "<stdin>", overrides);
  }
  // A directory opens as a stream that reads nothing, which would pass as an all-defaults experiment.
  if (std::filesystem::is_directory(path))
    throw InputError("", "cannot read experiment file " + path + ": it is a directory");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError("",
                     "cannot read experiment file " + path + (errno ? ": " + std::string(std::strerror(errno)) : ""));
  return load_experiment(experiment_text(in, path), path, overrides, std::filesystem::path(path).stem().string());
}

const std::vector<std::string>& setting_keys() {
  static const std::vector<std::string> keys = [] {
    const std::pair<const char*, const char*> sections[] = {
        {"model", "width input_dim bias activation"},
        {"target", "a w b activation"},
        {"data", "distribution range n seed x"},
        {"init", "scale seed direction c_tilde ratio_start ratio_step"},
        {"train", "method lr loss max_iters loss_tol grad_tol divergence_loss rtol atol max_time"},
        {"eval", "test_points recovery_threshold test_seed on_target_tol silent_tol"},
        {"run", "batch_size"},
        {"trajectories", "trials checkpoints theta"},
        {"sweep", "n data_seed c_tilde init_scale init_seed lr width activation max_iters"}};
    std::vector<std::string> all{"name"};
    for (const auto& [section, names] : sections) {
      std::istringstream words(names);
      for (std::string word; words >> word;) all.push_back(std::string(section) + "." + word);
    }
    return all;
  }();
  return keys;
}

const std::string& default_experiment_text() {
  static const std::string text(kDefaultExperiment);
  return text;
}

}  // namespace perfgen
