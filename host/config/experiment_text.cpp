// A small TOML writer for the one structure it has to write. (toml++'s formatter is not used: its
// line-width estimate converts negative logarithms to size_t, undefined behaviour that UBSan reports.)
#include "experiment_text.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>

namespace perfgen {
namespace {

std::string number(double v) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);  // shortest round-trip form
  std::string text(buffer, result.ptr);
  if (std::isfinite(v) && text.find_first_of(".eE") == std::string::npos) text += ".0";  // keep it a float
  return text;
}

std::string number(std::int64_t v) { return std::to_string(v); }
std::string number(int v) { return std::to_string(v); }

// A TOML basic string in pure ASCII: quotes, backslashes, control characters and every non-ASCII
// code point (decoded from UTF-8; toml++ has already validated it) are escaped.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const auto byte = static_cast<unsigned char>(s[i]);
    const std::size_t length = byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4;
    std::uint32_t code = length == 1 ? byte : byte & (0xFFu >> (length + 1));
    for (std::size_t k = 1; k < length && i + k < s.size(); ++k)
      code = (code << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    i += length;
    if (code == '"' || code == '\\') {
      out += '\\';
      out += static_cast<char>(code);
    } else if (code >= 0x20 && code < 0x7f) {
      out += static_cast<char>(code);
    } else {
      char escape[16];
      std::snprintf(escape, sizeof escape, code > 0xFFFF ? "\\U%08X" : "\\u%04X", static_cast<unsigned>(code));
      out += escape;
    }
  }
  return out + "\"";
}

template <class T, class Format>
std::string list(const std::vector<T>& values, Format format) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + format(values[i]);
  return out + "]";
}

std::string numbers(const std::vector<double>& v) {
  return list(v, [](double x) { return number(x); });
}
template <class T>
std::string integers(const std::vector<T>& v) {
  return list(v, [](T x) { return std::to_string(x); });
}

}  // namespace

std::string experiment_to_toml(const Experiment& e) {
  std::ostringstream t;
  auto line = [&](const char* key, const std::string& value) { t << key << " = " << value << '\n'; };
  line("name", quoted(e.name));
  t << "\n[model]\n";
  line("width", number(e.model.width));
  line("input_dim", number(e.model.input_dim));
  line("bias", e.model.bias ? "true" : "false");
  line("activation", quoted(activation_name(e.model.activation)));
  t << "\n[target]\n";
  line("a", number(e.target.a));
  line("w", numbers(e.target.w));
  line("b", number(e.target.b));
  line("activation", quoted(activation_name(e.target.activation)));
  t << "\n[data]\n";
  line("distribution", quoted(distribution_name(e.data.distribution)));
  line("range", numbers({e.data.lo, e.data.hi}));
  line("n", number(e.data.n));
  line("seed", number(e.data.seed));
  if (!e.data.points.empty()) line("x", numbers(e.data.points));
  t << "\n[init]\n";
  line("scale", number(e.init.scale));
  line("seed", number(e.init.seed));
  if (!e.init.direction.empty()) line("direction", numbers(e.init.direction));
  if (!std::isnan(e.init.c_tilde)) line("c_tilde", number(e.init.c_tilde));
  if (!std::isnan(e.init.ratio_start)) line("ratio_start", number(e.init.ratio_start));
  if (!std::isnan(e.init.ratio_step)) line("ratio_step", number(e.init.ratio_step));
  t << "\n[train]\n";
  // Gradient flow's keys only under flow: the resolved text of a gradient-descent run stays what it was
  // before flow existed, so --resume and merge accept shards written by an earlier perfgen.
  const bool flow = e.train.method == TrainMethod::flow;
  if (flow) line("method", quoted(train_method_name(e.train.method)));
  line("lr", number(e.train.lr));
  line("loss", quoted(loss_name(e.train.loss)));
  line("max_iters", number(e.train.max_iters));
  line("loss_tol", number(e.train.loss_tol));
  line("grad_tol", number(e.train.grad_tol));
  line("divergence_loss", number(e.train.divergence_loss));
  if (flow) {
    line("rtol", number(e.train.rtol));
    line("atol", number(e.train.atol));
    line("max_time", number(e.train.max_time));
  }
  t << "\n[eval]\n";
  line("test_points", number(e.eval.test_points));
  line("recovery_threshold", number(e.eval.recovery_threshold));
  line("test_seed", number(e.eval.test_seed));
  line("on_target_tol", number(e.eval.on_target_tol));
  line("silent_tol", number(e.eval.silent_tol));
  t << "\n[run]\n";
  line("batch_size", number(e.run.batch_size));
  if (e.trajectories.all || !e.trajectories.trials.empty()) {
    t << "\n[trajectories]\n";
    line("trials", e.trajectories.all ? quoted("all") : integers(e.trajectories.trials));
    line("checkpoints", number(e.trajectories.checkpoints));
    // Only when off: the resolved text (and --resume's hash) of runs that record θ stays as it was.
    if (!e.trajectories.theta) line("theta", "false");
  }
  t << "\n[sweep]\n";
  const SweepAxes& s = e.sweep;
  // An axis given as a spec stays one (its values follow from it), with its size beside it: a
  // 10^5-value linspace is one short line, not 2 MB of numbers in every file and message.
  auto axis = [&](const char* key, std::size_t size, auto as_list) {
    if (size == 0) return;
    const auto spec = s.written.find(key);
    if (spec == s.written.end()) return line(key, as_list());
    const bool integral = spec->second.form == "range";
    std::string args;
    for (std::size_t i = 0; i < spec->second.args.size(); ++i) {
      const double a = spec->second.args[i];
      const bool whole = integral || i == 2;  // range bounds and step, a space's count
      args += (i ? ", " : "") + (whole ? number(static_cast<std::int64_t>(a)) : number(a));
    }
    line(key, "{ " + spec->second.form + " = [" + args + "] }  # " + std::to_string(size) +
                  (size == 1 ? " value" : " values"));
  };
  axis("n", s.n.size(), [&] { return integers(s.n); });
  axis("width", s.width.size(), [&] { return integers(s.width); });
  if (!s.activation.empty())
    line("activation", list(s.activation, [](Activation a) { return quoted(activation_name(a)); }));
  axis("init_scale", s.init_scale.size(), [&] { return numbers(s.init_scale); });
  axis("c_tilde", s.c_tilde.size(), [&] { return numbers(s.c_tilde); });
  axis("lr", s.lr.size(), [&] { return numbers(s.lr); });
  axis("max_iters", s.max_iters.size(), [&] { return integers(s.max_iters); });
  axis("data_seed", s.data_seed.size(), [&] { return integers(s.data_seed); });
  axis("init_seed", s.init_seed.size(), [&] { return integers(s.init_seed); });
  return t.str();
}

}  // namespace perfgen
