// `perfgen rank`: the model rank at the target and the sample sizes the theory predicts, for the
// model and target of an experiment (host/theory/rank_report.h does the work).
#include <ostream>
#include <string>
#include <vector>

#include "command_support.h"
#include "commands.h"
#include "errors.h"
#include "rank_report.h"

namespace perfgen {

int rank_command(const std::string& experiment_path, const std::vector<std::string>& overrides, std::ostream& out,
                 std::ostream& err) {
  return with_exit_codes(err, [&] {
    const Experiment e = load_experiment_or_default(experiment_path, overrides);
    // The target has one activation, and the rank needs the model's to be the same: no activation axis.
    if (e.sweep.activation.size() > 1)
      throw InputError("sweep.activation",
                       "rank compares the model with a target of the same activation; run it "
                       "once per activation (--set model.activation=A --set target.activation=A)");
    // One report per width of the sweep; every model is checked before any is analysed.
    const std::vector<int> widths = e.sweep.width.empty() ? std::vector<int>{e.model.width} : e.sweep.width;
    std::vector<NetShape> shapes;
    for (int width : widths) {
      NetShape s = e.model;
      s.width = width;
      if (!e.sweep.activation.empty()) s.activation = e.sweep.activation.front();
      check_rank_input(s, e.target, e.sweep.width.empty() ? "model.width" : "sweep.width");
      shapes.push_back(s);
    }
    print_experiment_warnings(e, err);  // after the checks: a refusal is the one message
    out << "experiment " << e.name << '\n';
    bool agree = true;
    std::string by_width;  // each report's last lines do not name its width: a recap that does
    for (const NetShape& s : shapes) {
      const RankReport report = analyse_rank(s, e.target, e.data);
      out << '\n';
      print_rank_report(report, out);
      agree = agree && report.checks_agree();
      by_width += (by_width.empty() ? "" : ", ") + ("m = " + std::to_string(s.width)) + ": " +
                  std::to_string(report.optimistic);
    }
    if (shapes.size() > 1) out << "\noptimistic sample size by width: " << by_width << '\n';
    if (!agree) {
      err << "perfgen: error: a rank check disagrees with the floating-point rank (DISAGREES above); "
             "the numbers are not to be trusted\n";
      return int(kExitRuntimeError);
    }
    return int(kExitOk);
  });
}

}  // namespace perfgen
