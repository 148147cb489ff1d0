#include "profile/calibrate.h"

#include <array>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/text_format.h"
#include "perfmodel/graph.h"
#include "proto/hardware.pb.h"
#include "profile/baseline_match.h"
#include "base/paths.h"
#include "base/status_macros.h"

namespace perfmodel {
namespace {

struct Pair final {
  std::string op, part;
  double baseline_s = 0, weight = 0;
};

// The ops both sides have, with their weights (share of the baseline's time).
std::vector<Pair> Pairs(const pb::Baseline& b, const StepResult& step) {
  std::vector<Pair> out;
  double total = 0;
  for (const OpMatch& m : MatchBaseline(b, step)) {
    if (!m.has_baseline || !m.has_simulated || !(ToSeconds(m.baseline) > 0)) continue;
    Pair p{m.op, m.part, ToSeconds(m.baseline), ToSeconds(m.baseline) * static_cast<double>(m.count)};
    total += p.weight;
    out.push_back(p);
  }
  for (Pair& p : out) p.weight /= total;
  return out;
}

// Simulated time of one pair in `step` (the matcher's notion).
double Simulated(const pb::Baseline& b, const StepResult& step, const Pair& p) {
  for (const OpMatch& m : MatchBaseline(b, step)) {
    if (m.op == p.op && m.part == p.part && m.has_simulated) return ToSeconds(m.simulated);
  }
  return 0;
}

struct Evaluator final {
  const DiffInputs& in;
  std::vector<Pair> pairs;
  // The forward time's weight: the share of it the listed ops do not explain
  // (a baseline listing every op leaves the forward little to add).
  double forward_weight = 0;

  StepResult Step(const HardwareSpec& hw) const {
    return EstimateDecode(in.setup.model, hw, in.setup.deployment, in.setup.workload);
  }
  // Objective: time-weighted squared log error per op, plus the forward's.
  double Loss(const HardwareSpec& hw) const {
    const StepResult step = Step(hw);
    double loss = 0;
    for (const OpMatch& m : MatchBaseline(in.baseline, step)) {
      for (const Pair& p : pairs) {
        if (p.op == m.op && p.part == m.part) {
          const double s = std::max(ToSeconds(m.simulated), 1e-9);
          const double e = std::log(s / p.baseline_s);
          loss += p.weight * e * e;
        }
      }
    }
    if (in.baseline.forward_ms() > 0 && forward_weight > 0) {
      const double e = std::log(ToMilliseconds(step.forward) / in.baseline.forward_ms());
      loss += forward_weight * e * e;
    }
    return loss;
  }
  void Errors(const HardwareSpec& hw, double* mape, double* forward_error) const {
    const StepResult step = Step(hw);
    double sum = 0;
    for (const Pair& p : pairs) sum += std::abs(Simulated(in.baseline, step, p) / p.baseline_s - 1);
    *mape = pairs.empty() ? 0 : sum / static_cast<double>(pairs.size());
    *forward_error = in.baseline.forward_ms() > 0
                         ? ToMilliseconds(step.forward) / in.baseline.forward_ms() - 1
                         : 0;
  }
};

// One fitted parameter: a field of the hardware spec with its range.
struct Param final {
  std::string name;
  std::function<double(const HardwareSpec&)> get;
  std::function<void(HardwareSpec&, double)> set;
  double lo, hi;
  bool efficiency;  // bounded by 1 (the peak)
  OpClass op_class;
  int resource;  // 0 compute, 1 memory, 2 link, -1 launch overhead
};

std::vector<Param> Params() {
  std::vector<Param> ps;
  for (OpClass c : {OpClass::kGemm, OpClass::kGroupedGemm, OpClass::kAttention,
                    OpClass::kElementwise}) {
    const std::size_t i = static_cast<std::size_t>(c);
    ps.push_back({absl::StrCat(std::string(OpClassName(c)), " compute"),
                  [i](const HardwareSpec& h) { return h.efficiency[i].compute; },
                  [i](HardwareSpec& h, double v) { h.efficiency[i].compute = v; }, 0.02, 1.0, true,
                  c, 0});
    ps.push_back({absl::StrCat(std::string(OpClassName(c)), " memory"),
                  [i](const HardwareSpec& h) { return h.efficiency[i].memory; },
                  [i](HardwareSpec& h, double v) { h.efficiency[i].memory = v; }, 0.02, 1.0, true,
                  c, 1});
  }
  for (OpClass c : {OpClass::kScaleUp, OpClass::kScaleOut, OpClass::kScaleUpLowLatency}) {
    const std::size_t i = static_cast<std::size_t>(c);
    ps.push_back({absl::StrCat(std::string(OpClassName(c)), " link"),
                  [i](const HardwareSpec& h) { return h.efficiency[i].link; },
                  [i](HardwareSpec& h, double v) { h.efficiency[i].link = v; }, 0.02, 1.0, true, c,
                  2});
  }
  // The per-kernel launch overhead, searched in microseconds.
  ps.push_back({"kernel launch overhead (us)",
                [](const HardwareSpec& h) { return ToMicroseconds(h.kernel_launch_overhead); },
                [](HardwareSpec& h, double v) { h.kernel_launch_overhead = Microseconds(v); }, 0.0,
                10.0, false, OpClass::kGemm, -1});
  return ps;
}

// Golden-section search for the minimum of f on [lo, hi].
double GoldenMin(const std::function<double(double)>& f, double lo, double hi) {
  const double g = (std::sqrt(5.0) - 1) / 2;
  double a = lo, b = hi, c = b - g * (b - a), d = a + g * (b - a);
  double fc = f(c), fd = f(d);
  for (int i = 0; i < 40; ++i) {
    if (fc < fd) {
      b = d, d = c, fd = fc, c = b - g * (b - a), fc = f(c);
    } else {
      a = c, c = d, fc = fd, d = a + g * (b - a), fd = f(d);
    }
  }
  return (a + b) / 2;
}

// The fastest an op could run: its roofline at every peak with efficiency 1.
Duration IdealTime(const OpCost& c, const HardwareSpec& hw) {
  const FlopsPerSecond peak = Max(Max(hw.bf16_dense, hw.fp8_dense), Max(hw.fp4_dense, hw.fp32));
  Duration t = Max(c.flops / peak, c.bytes / hw.hbm_bandwidth);
  if (c.link_bytes > Bytes::Zero()) {
    t = Max(t, c.link_bytes / Max(hw.scale_up_bandwidth, hw.scale_out_bandwidth));
  }
  return t;
}

}  // namespace

absl::StatusOr<CalibrateResult> Calibrate(const DiffInputs& in, const CalibrateOptions& options) {
  CalibrateResult r;
  r.hardware = in.setup.hardware;
  HardwareSpec& hw = r.hardware.spec;
  Evaluator eval{in, Pairs(in.baseline, EstimateDecode(in.setup.model, hw, in.setup.deployment, in.setup.workload))};
  if (in.baseline.forward_ms() > 0) {
    double listed_ms = 0;
    for (const pb::OpTime& o : in.baseline.ops()) listed_ms += o.time_us() * 1e-3 * o.count();
    eval.forward_weight = std::max(0.0, 1.0 - listed_ms / in.baseline.forward_ms());
  }
  if (eval.pairs.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        in.baseline_path, ": no op of the baseline matches an op of the simulated step"));
  }
  eval.Errors(hw, &r.mape_before, &r.forward_error_before);
  std::vector<double> before_ops;
  {
    const StepResult step = eval.Step(hw);
    for (const Pair& p : eval.pairs) before_ops.push_back(Simulated(in.baseline, step, p));
  }

  // 1. Op-class factors and launch overhead, by coordinate descent.
  std::vector<Param> params = Params();
  // The launch overhead cannot exceed what the quickest measured op took per
  // kernel: bound its search there.
  {
    const StepResult step = eval.Step(hw);
    double bound_us = params.back().hi;
    for (const Pair& p : eval.pairs) {
      for (std::size_t i = 0; i < step.row_count; ++i) {
        const OpRow& row = step.rows[i];
        if (row.op == p.op && PartName(row.part) == p.part && row.cost.kernels > 0) {
          bound_us = std::min(bound_us, p.baseline_s * 1e6 / static_cast<double>(row.cost.kernels));
        }
      }
    }
    params.back().hi = std::max(0.0, 0.9 * bound_us);
    if (ToMicroseconds(hw.kernel_launch_overhead) > params.back().hi) {
      params.back().set(hw, params.back().hi);
    }
  }
  const HardwareSpec original = in.setup.hardware.spec;
  for (int round = 0; round < options.rounds; ++round) {
    for (const Param& p : params) {
      const double x0 = p.get(hw);
      auto loss_at = [&](double v) {
        p.set(hw, v);
        return eval.Loss(hw);
      };
      const double l0 = loss_at(x0);
      const double probe = loss_at(std::min(p.hi, x0 * 1.1 + 1e-9));
      if (std::abs(probe - l0) < 1e-15) {  // this factor touches no measured op
        p.set(hw, x0);
        continue;
      }
      const double best = GoldenMin(loss_at, p.lo, p.hi);
      p.set(hw, loss_at(best) < l0 ? best : x0);
    }
  }
  // A class's source says "calibrated to ..." once, however many of its
  // factors moved.
  std::array<bool, kOpClassCount> recalibrated{};
  for (const Param& p : params) {
    const double before = p.get(original);
    const double after = p.get(hw);
    if (p.efficiency && after > p.hi - 1e-3) {
      // At the peak, the fit would go higher: impossible. Keep the old value.
      r.rejected.push_back(absl::StrFormat(
          "%s: the fit wants %.3f or more (at or above peak); kept %.3f", p.name, after, before));
      p.set(hw, before);
      continue;
    }
    if (std::abs(after - before) > 1e-9) {
      r.changes.push_back(absl::StrFormat("%s: %.3f -> %.3f", p.name, before, after));
      const auto cls = static_cast<std::size_t>(p.op_class);
      if (p.resource >= 0 && !recalibrated[cls]) {
        recalibrated[cls] = true;
        r.hardware.efficiency_source[cls] = absl::StrCat(
            "calibrated to ", in.baseline_path, " (was: ", r.hardware.efficiency_source[cls], ")");
      }
    }
  }

  // 2. Per-op corrections where the class fit leaves an op off by more than
  // the threshold.
  if (options.per_op_threshold > 0) {
    for (const Pair& p : eval.pairs) {
      const StepResult step = eval.Step(hw);
      const double sim = Simulated(in.baseline, step, p);
      if (std::abs(sim / p.baseline_s - 1) <= options.per_op_threshold) continue;
      if (hw.correction_count + 2 > HardwareSpec::kMaxCorrections) break;
      const bool whole_part = p.op == "mtp";
      const std::size_t slot = hw.correction_count;
      hw.corrections[slot] = OpCorrection{Name(whole_part ? "*" : p.op), Name(p.part), 1.0};
      hw.correction_count = slot + 1;
      // The seed-style MTP figure also holds the head: correct both parts.
      bool with_head = false;
      if (whole_part && step.PartCount(Part::kHead) > 0) {
        const StepResult probe = eval.Step(hw);
        with_head = Simulated(in.baseline, probe, p) >
                    ToSeconds(probe.PartTotal(Part::kMtp)) * (1 + 1e-12);
        if (with_head) {
          hw.corrections[slot + 1] = OpCorrection{Name("*"), Name("head"), 1.0};
          hw.correction_count = slot + 2;
        }
      }
      auto sim_at = [&](double f) {
        hw.corrections[slot].time_factor = f;
        if (with_head) hw.corrections[slot + 1].time_factor = f;
        return Simulated(in.baseline, eval.Step(hw), p);
      };
      double lo = 0.02, hi = 50;
      if (sim_at(lo) > p.baseline_s || sim_at(hi) < p.baseline_s) {
        r.rejected.push_back(absl::StrFormat(
            "%s/%s: no time factor in [%.2f, %.0f] reaches %.2f us (hidden behind overlap?)", p.part,
            p.op, lo, hi, p.baseline_s * 1e6));
        hw.correction_count = slot;
        continue;
      }
      for (int i = 0; i < 60; ++i) {
        const double mid = std::sqrt(lo * hi);
        (sim_at(mid) < p.baseline_s ? lo : hi) = mid;
      }
      const double f = std::sqrt(lo * hi);
      (void)sim_at(f);
      // Faster than the roofline at 100 % efficiency is impossible.
      const StepResult check = eval.Step(hw);
      bool impossible = false;
      for (std::size_t i = 0; i < check.row_count; ++i) {
        const OpRow& row = check.rows[i];
        // The rows the new factor scales (a sliding layer's attention too,
        // for a correction of `attention`: HardwareSpec::TimeFactor()).
        const bool applies = hw.Corrects(slot, row.op, PartName(row.part)) ||
                             (with_head && hw.Corrects(slot + 1, row.op, PartName(row.part)));
        if (applies && row.cost.kernel_time < IdealTime(row.cost, hw) * (1 - 1e-9)) impossible = true;
      }
      if (impossible) {
        r.rejected.push_back(absl::StrFormat(
            "%s/%s: a time factor of %.3f would run it faster than its roofline at peak; not "
            "written",
            p.part, p.op, f));
        hw.correction_count = slot;
        continue;
      }
      r.corrections.push_back(absl::StrFormat("%s/%s x %.3f", p.part, whole_part ? "*" : p.op, f));
    }
  }

  eval.Errors(hw, &r.mape_after, &r.forward_error_after);
  const StepResult step = eval.Step(hw);
  for (std::size_t i = 0; i < eval.pairs.size(); ++i) {
    const Pair& p = eval.pairs[i];
    r.ops.push_back(OpFit{p.op, p.part, Seconds(p.baseline_s), Seconds(before_ops[i]),
                          Seconds(Simulated(in.baseline, step, p))});
  }
  return r;
}

absl::StatusOr<std::string> CalibratedTextproto(const DiffInputs& in, const CalibrateResult& r) {
  const std::string path = ResolveInput(in.setup.paths.hardware);
  PM_ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  pb::Hardware p;
  if (!google::protobuf::TextFormat::ParseFromString(text, &p)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": does not parse"));
  }
  const HardwareSpec& h = r.hardware.spec;
  p.set_name(absl::StrCat(p.name(), " calibrated").substr(0, Name::kCapacity - 1));
  // The fixed cost's part inside a kernel keeps its share of the refitted
  // whole (below it, as the loader requires).
  if (p.has_in_kernel_fixed_us() && p.kernel_launch_overhead_us() > 0) {
    p.set_in_kernel_fixed_us(p.in_kernel_fixed_us() * ToMicroseconds(h.kernel_launch_overhead) /
                             p.kernel_launch_overhead_us());
  }
  p.set_kernel_launch_overhead_us(ToMicroseconds(h.kernel_launch_overhead));
  for (pb::Efficiency& e : *p.mutable_efficiency()) {
    const std::size_t c = static_cast<std::size_t>(e.op_class() - pb::GEMM);
    const Efficiency& v = h.efficiency[c];
    if (IsLinkClass(static_cast<OpClass>(c))) {
      e.set_link(v.link);
    } else {
      e.set_compute(v.compute);
      e.set_memory(v.memory);
    }
    e.set_source(r.hardware.efficiency_source[c]);
  }
  p.clear_op_correction();
  for (std::size_t i = 0; i < h.correction_count; ++i) {
    pb::OpCorrection* c = p.add_op_correction();
    c->set_op(std::string(h.corrections[i].op.view()));
    c->set_part(std::string(h.corrections[i].part.view()));
    c->set_time_factor(h.corrections[i].time_factor);
    c->set_source(absl::StrCat("calibrated to ", in.baseline_path,
                               ": what no op-class efficiency explains"));
  }
  p.set_source(absl::StrCat("calibrated by //tools:calibrate from ", in.setup.paths.hardware,
                            " to ", in.baseline_path, "; original source: ", p.source()));
  std::string body;
  google::protobuf::TextFormat::PrintToString(p, &body);
  std::string header = absl::StrFormat(
      "# Calibrated by //tools:calibrate from %s to the baseline %s\n"
      "# (model %s, deployment %s). Do not edit by hand: re-run the tool.\n"
      "# Per-op MAPE %.1f %% -> %.1f %%; forward error %+.2f %% -> %+.2f %%.\n",
      in.setup.paths.hardware, in.baseline_path, in.setup.paths.model, in.setup.paths.deployment,
      100 * r.mape_before, 100 * r.mape_after, 100 * r.forward_error_before,
      100 * r.forward_error_after);
  for (const std::string& s : r.changes) absl::StrAppend(&header, "#   changed: ", s, "\n");
  for (const std::string& s : r.corrections) absl::StrAppend(&header, "#   per-op: ", s, "\n");
  for (const std::string& s : r.rejected) absl::StrAppend(&header, "#   NOT WRITTEN: ", s, "\n");
  return absl::StrCat(header, body);
}

render::Document CalibrateDocument(const DiffInputs& in, const CalibrateResult& r) {
  using render::Value;
  render::Document doc;
  render::Record fit{.name = "fit", .title = "Calibration"};
  fit.Add("baseline", in.baseline_path)
      .Add("hardware", in.setup.paths.hardware)
      .Add("mape_before_pct", Value::Number(100 * r.mape_before, 2), "per-op mean |error|")
      .Add("mape_after_pct", Value::Number(100 * r.mape_after, 2))
      .Add("forward_error_before_pct", Value::Number(100 * r.forward_error_before, 2))
      .Add("forward_error_after_pct", Value::Number(100 * r.forward_error_after, 2))
      .Add("class_changes", static_cast<int64_t>(r.changes.size()))
      .Add("per_op_corrections", static_cast<int64_t>(r.corrections.size()))
      .Add("rejected", static_cast<int64_t>(r.rejected.size()), "impossible: reported, not written");
  doc.Add(std::move(fit));
  render::Table changes{.name = "changes", .title = "What changed", .columns = {"kind", "what"}};
  for (const std::string& s : r.changes) changes.rows.push_back({"class factor", s});
  for (const std::string& s : r.corrections) changes.rows.push_back({"per-op correction", s});
  for (const std::string& s : r.rejected) changes.rows.push_back({"NOT WRITTEN", s});
  doc.Add(std::move(changes));
  render::Table ops{.name = "ops",
                    .title = "Per op (us per occurrence)",
                    .columns = {"op", "part", "baseline_us", "before_us", "after_us",
                                "error_before_pct", "error_after_pct"}};
  for (const OpFit& o : r.ops) {
    ops.rows.push_back({o.op, o.part, Value::Number(ToMicroseconds(o.baseline), 2),
                        Value::Number(ToMicroseconds(o.before), 2),
                        Value::Number(ToMicroseconds(o.after), 2),
                        Value::Number(100 * (o.before / o.baseline - 1), 1),
                        Value::Number(100 * (o.after / o.baseline - 1), 1)});
  }
  doc.Add(std::move(ops));
  return doc;
}

}  // namespace perfmodel
