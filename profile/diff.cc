#include "profile/diff.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "loader/load.h"
#include "profile/baseline_match.h"
#include "base/paths.h"
#include "base/status_macros.h"

namespace perfmodel {

absl::StatusOr<DiffInputs> LoadDiffInputs(const DiffPaths& paths) {
  DiffInputs in;
  if (paths.baseline.empty()) return absl::InvalidArgumentError("baseline: required");
  in.baseline_path = paths.baseline;
  PM_ASSIGN_OR_RETURN(in.baseline, LoadBaseline(ResolveInput(paths.baseline)));
  SetupPaths sp;
  sp.model = !paths.model.empty() ? paths.model : in.baseline.model();
  sp.hardware = !paths.hardware.empty() ? paths.hardware : in.baseline.hardware();
  sp.deployment = !paths.deployment.empty() ? paths.deployment : in.baseline.deployment();
  sp.workload = paths.workload;
  using Named = std::pair<absl::string_view, const std::string*>;
  for (const auto& [field, path] :
       {Named{"model", &sp.model}, Named{"hardware", &sp.hardware},
        Named{"deployment", &sp.deployment}}) {
    if (path->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": required, ", paths.baseline, " names none"));
    }
  }
  PM_ASSIGN_OR_RETURN(in.setup, LoadSetup(sp));
  if (in.baseline.batch_per_dp() > 0) in.setup.workload.batch_per_dp = in.baseline.batch_per_dp();
  if (in.baseline.context_tokens() > 0) {
    in.setup.workload.context_tokens = in.baseline.context_tokens();
  }
  return in;
}

render::Document DiffDocument(const DiffInputs& in, const StepResult& step, double tolerance) {
  using render::Value;
  std::vector<OpMatch> matches = MatchBaseline(in.baseline, step);
  std::stable_sort(matches.begin(), matches.end(), [](const OpMatch& a, const OpMatch& b) {
    const double da = a.has_baseline && a.has_simulated ? std::abs(ToSeconds(a.TotalDifference())) : -1;
    const double db = b.has_baseline && b.has_simulated ? std::abs(ToSeconds(b.TotalDifference())) : -1;
    return da > db;
  });
  const std::string who = in.baseline.simulated() ? "reference" : "measured";
  render::Table t{
      .name = "diff",
      .title = absl::StrCat("Per op, simulated - ", who, " (negative: perfmodel is faster); sorted by "
                            "|total|"),
      .columns = {"op", "part", "count", "simulated_us", absl::StrCat(who, "_us"),
                  "sim_minus_base_us", "total_diff_ms", "error_pct", "flag"}};
  Duration total_listed;
  int flagged = 0;
  for (const OpMatch& m : matches) {
    if (m.has_baseline && m.has_simulated) {
      const double err = ToSeconds(m.baseline) > 0 ? m.simulated / m.baseline - 1.0 : 0.0;
      const bool beyond = std::abs(err) > tolerance;
      flagged += beyond;
      total_listed += m.TotalDifference();
      t.rows.push_back({m.op, m.part, m.count, Value::Number(ToMicroseconds(m.simulated), 2),
                        Value::Number(ToMicroseconds(m.baseline), 2),
                        Value::Number(ToMicroseconds(m.Difference()), 2),
                        Value::Number(ToMilliseconds(m.TotalDifference()), 3),
                        Value::Number(100.0 * err, 1),
                        beyond ? (err > 0 ? "SLOWER" : "FASTER") : ""});
    } else if (m.has_simulated) {
      t.rows.push_back({m.op, m.part, m.count, Value::Number(ToMicroseconds(m.simulated), 2), Value(),
                        Value(), Value::Number(ToMilliseconds(m.simulated * static_cast<double>(m.count)), 3),
                        Value(), absl::StrCat("not ", who)});
    } else {
      t.rows.push_back({m.op, m.part, m.count, Value(), Value::Number(ToMicroseconds(m.baseline), 2),
                        Value(), Value(), Value(), "not simulated"});
    }
  }
  t.footer.push_back({"total (listed ops)", Value(), Value(), Value(), Value(), Value(),
                      Value::Number(ToMilliseconds(total_listed), 3), Value(), Value()});

  render::Record s{.name = "summary", .title = "Simulated vs baseline"};
  const Duration base_forward = Milliseconds(in.baseline.forward_ms());
  s.Add("baseline", in.baseline.name(), in.baseline_path)
      .Add("baseline_kind", who)
      .Add("sign", "simulated - baseline")
      .Add("simulated_forward_ms", Value::Number(ToMilliseconds(step.forward), 3))
      .Add("baseline_forward_ms",
           in.baseline.has_forward_ms() ? Value::Number(in.baseline.forward_ms(), 3) : Value())
      .Add("forward_diff_ms", in.baseline.has_forward_ms()
                                  ? Value::Number(ToMilliseconds(step.forward - base_forward), 3)
                                  : Value())
      .Add("forward_error_pct",
           in.baseline.has_forward_ms()
               ? Value::Number(100.0 * (step.forward / base_forward - 1.0), 2)
               : Value())
      .Add("listed_ops_diff_ms", Value::Number(ToMilliseconds(total_listed), 3),
           "Σ (simulated - baseline) x count over ops in both")
      .Add("ops_flagged", static_cast<int64_t>(flagged))
      .Add("tolerance_pct", Value::Number(100.0 * tolerance, 1));
  render::Document doc;
  doc.Add(std::move(s));
  doc.Add(std::move(t));
  return doc;
}

}  // namespace perfmodel
