#include "workload/sweep.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "loader/load.h"
#include "perfmodel/sla.h"
#include "base/paths.h"
#include "report/svg_plot.h"

namespace perfmodel {
namespace {

using render::Record;
using render::Table;
using render::Value;

absl::Status Prefixed(absl::string_view prefix, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(prefix, s.message()));
}

absl::Status CheckPositiveFinite(absl::string_view flag, double v) {
  if (!(v > 0.0) || !std::isfinite(v)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": must be a positive finite number, got ", v));
  }
  return absl::OkStatus();
}

// SlaFromOptions() picks the one per-user target of the options (see
// MakeSweepConfig()); `dp_per_machine` converts a machine-rate target.
absl::StatusOr<SlaTarget> SlaFromOptions(const SweepOptions& o, const WorkloadSpec& d,
                                         int64_t dp_per_machine) {
  std::vector<std::string> given;
  if (o.user_tps.has_value()) given.push_back("user_tps");
  if (o.tpot_ms.has_value()) given.push_back("tpot_ms");
  if (!o.sla.empty()) given.push_back("sla");
  if (given.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(given[1], ": conflicts with ", given[0], "; give one SLA target"));
  }
  if (o.user_tps.has_value()) {
    if (absl::Status s = CheckPositiveFinite("user_tps", *o.user_tps); !s.ok()) return s;
    return SlaTarget{TokensPerSec(*o.user_tps), "user_tps"};
  }
  if (o.tpot_ms.has_value()) {
    if (absl::Status s = CheckPositiveFinite("tpot_ms", *o.tpot_ms); !s.ok()) return s;
    return SlaTarget{TokenCount(1) / Milliseconds(*o.tpot_ms),
                     absl::StrFormat("tpot_ms %g (1 / TPOT)", *o.tpot_ms)};
  }
  const std::string path = o.sla.empty() ? std::string(kSeedSlaFile) : o.sla;
  absl::StatusOr<pb::SlaTargets> t = LoadSlaTargets(ResolveInput(path));
  if (!t.ok()) return Prefixed("sla: ", t.status());
  switch (t->decode_rate_case()) {
    case pb::SlaTargets::kUserOutputTps:
      return SlaTarget{TokensPerSec(t->user_output_tps()),
                       absl::StrCat(path, ": user_output_tps")};
    case pb::SlaTargets::kTpotMs:
      return SlaTarget{TokenCount(1) / Milliseconds(t->tpot_ms()),
                       absl::StrFormat("%s: tpot_ms %g (1 / TPOT)", path, t->tpot_ms())};
    case pb::SlaTargets::kMachineOutputTps: {
      // A machine rate rises with batch, so it bounds nothing; read it as the
      // per-user rate it means at the workload's own batch.
      const int64_t users = dp_per_machine * d.batch_per_dp;
      return SlaTarget{
          TokensPerSec(t->machine_output_tps() / static_cast<double>(users)),
          absl::StrFormat("%s: machine_output_tps %g / (%d DP ranks x %d requests, the "
                          "workload's batch_per_dp) per user",
                          path, t->machine_output_tps(), dp_per_machine, d.batch_per_dp)};
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "sla: ", path, ": decode_rate: needs user_output_tps, tpot_ms or machine_output_tps"));
  }
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }

// RowLimit() is what stops one batch: "none", "sla", "memory" or "sla+memory".
std::string RowLimit(const BatchPoint& p) {
  if (p.meets_sla && p.fits) return "none";
  if (!p.meets_sla && !p.fits) return "sla+memory";
  return p.meets_sla ? "memory" : "sla";
}

const BatchPoint* FindBatch(const std::vector<BatchPoint>& rows, int64_t batch) {
  for (const BatchPoint& p : rows) {
    if (p.batch == batch) return &p;
  }
  return nullptr;
}

}  // namespace

absl::string_view ImbalanceModelName(ImbalanceModel m) {
  return m == ImbalanceModel::kAnalytic ? "analytic" : "montecarlo";
}

absl::string_view SlaSearchName(SlaSearch s) {
  return s == SlaSearch::kScan ? "scan" : "bisection";
}


int64_t SynchronisedRanks(const ModelSpec& model, const DeploymentSpec& deployment) {
  const Parallelism& p = deployment.parallel;
  if (p.attention_dp <= 1) return 1;
  if (model.HasLayerKind(LayerKind::kMoe)) return p.attention_dp;
  if (p.attention_tp > 0 && p.dense_tp > p.attention_tp && p.dense_tp % p.attention_tp == 0) {
    return std::min(p.dense_tp / p.attention_tp, p.attention_dp);
  }
  return 1;
}

Part AttentionPart(const ModelSpec& model) {
  return model.HasLayerKind(LayerKind::kMoe) ? Part::kMoe : Part::kDense;
}

absl::StatusOr<SweepConfig> MakeSweepConfig(const SweepOptions& o, const Setup& setup) {
  if (o.batch_min < 1) {
    return absl::InvalidArgumentError(absl::StrCat("batch_min: must be >= 1, got ", o.batch_min));
  }
  if (o.batch_max > kMaxBatchPerRank) {
    return absl::InvalidArgumentError(absl::StrCat("batch_max: must be <= ", kMaxBatchPerRank,
                                                   " requests per DP rank, got ", o.batch_max));
  }
  if (o.batch_min > o.batch_max) {
    return absl::InvalidArgumentError(absl::StrCat("batch_min: ", o.batch_min,
                                                   " is above batch_max (", o.batch_max, ")"));
  }
  const int64_t step = o.batch_step.value_or(0);
  if (o.batch_step.has_value() && step < 1) {
    return absl::InvalidArgumentError(absl::StrCat("batch_step: must be >= 1, got ", step));
  }
  if (step > 0 && (o.batch_max - o.batch_min) / step + 1 > kMaxSweepRows) {
    return absl::InvalidArgumentError(absl::StrCat(
        "batch_step: ", step, " gives ", (o.batch_max - o.batch_min) / step + 1,
        " rows from batch_min to batch_max; at most ", kMaxSweepRows));
  }
  // The largest batch's tokens per rank stay within the loader's limit
  // (loader/load.h limits::), which keeps the estimate's counts in int64.
  if (o.batch_max * setup.workload.TokensPerRequestPerStep() > limits::kMaxTokensPerForward) {
    return absl::InvalidArgumentError(absl::StrCat(
        "batch_max: ", o.batch_max, " requests x ", setup.workload.TokensPerRequestPerStep(),
        " tokens is above ", limits::kMaxTokensPerForward, " tokens per DP rank per forward"));
  }

  const StepResult at_file =
      EstimateDecode(setup.model, setup.hardware.spec, setup.deployment, setup.workload);
  absl::StatusOr<SlaTarget> sla = SlaFromOptions(o, setup.workload, at_file.dp_per_machine);
  if (!sla.ok()) return sla.status();

  absl::StatusOr<ContextDistribution> context =
      o.context.has_value() ? *o.context : ContextDistribution::Fixed(setup.workload.context_tokens);
  if (!context.ok()) return context.status();
  std::string context_spec =
      o.context.has_value()
          ? o.context_label
          : absl::StrCat("fixed:", setup.workload.context_tokens, " (workload)");
  if (o.decode_growth < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("decode_growth: must be >= 0 (0: none), got ", o.decode_growth));
  }
  if (o.decode_growth > 0) {
    context = context->WithDecodeGrowth(o.decode_growth);
    if (!context.ok()) return Prefixed("decode_growth: ", context.status());
    absl::StrAppend(&context_spec, " + U(0,", o.decode_growth, ") decoded");
  }
  if (o.cap.has_value()) {
    if (*o.cap < 1) {
      return absl::InvalidArgumentError(absl::StrCat("cap: must be >= 1, got ", *o.cap));
    }
    context = context->WithCap(*o.cap);
    if (!context.ok()) return Prefixed("cap: ", context.status());
    absl::StrAppend(&context_spec, ", cap ", *o.cap);
  }

  SweepConfig c{.context = *std::move(context),
                .context_spec = std::move(context_spec),
                .batch_min = o.batch_min,
                .batch_max = o.batch_max,
                .batch_step = step,
                .sla = *std::move(sla),
                .imbalance = o.imbalance,
                .trials = o.trials,
                .seed = o.seed,
                .search = o.search};
  const int64_t ranks = SynchronisedRanks(setup.model, setup.deployment);
  if (o.imbalance == ImbalanceModel::kAnalytic && ranks > kMaxAnalyticDp) {
    return absl::InvalidArgumentError(absl::StrCat(
        "imbalance: analytic covers at most ", kMaxAnalyticDp, " synchronised ranks, the "
        "deployment has ", ranks, "; use montecarlo"));
  }
  if (o.imbalance == ImbalanceModel::kMonteCarlo && o.trials < 2) {
    return absl::InvalidArgumentError(absl::StrCat("trials: must be >= 2, got ", o.trials));
  }
  return c;
}

absl::string_view BindingLimitName(BindingLimit b) {
  switch (b) {
    case BindingLimit::kNone: return "";
    case BindingLimit::kSla: return "sla";
    case BindingLimit::kMemory: return "memory";
    case BindingLimit::kBoth: return "sla+memory";
    case BindingLimit::kBatchMax: return "batch_max";
  }
  return "";
}

std::vector<int64_t> SweepBatches(int64_t batch_min, int64_t batch_max, int64_t step,
                                  const std::vector<int64_t>& extra) {
  std::vector<int64_t> b;
  if (batch_min > batch_max) return b;
  b.push_back(batch_min);
  if (step <= 0) {
    for (int64_t p = 1; p > 0 && p < batch_max; p *= 2) {
      if (p > batch_min) b.push_back(p);
    }
  } else {
    for (int64_t v = batch_min + step; v < batch_max; v += step) b.push_back(v);
  }
  b.push_back(batch_max);
  for (int64_t e : extra) {
    if (e >= batch_min && e <= batch_max) b.push_back(e);
  }
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return b;
}

int64_t LargestTrue(int64_t lo, int64_t hi, absl::FunctionRef<bool(int64_t)> pred) {
  if (hi < lo || !pred(lo)) return lo - 1;
  if (pred(hi)) return hi;
  // pred(a) holds, pred(b) does not.
  int64_t a = lo, b = hi;
  while (b - a > 1) {
    const int64_t m = a + (b - a) / 2;
    if (pred(m)) {
      a = m;
    } else {
      b = m;
    }
  }
  return a;
}

Sweeper::Sweeper(const Setup& setup, const SweepConfig& config)
    : setup_(setup),
      config_(config),
      workload_(setup.workload),
      plan_(PlanStep(setup.model, setup.hardware.spec, setup.deployment, setup.workload)),
      ranks_(SynchronisedRanks(setup.model, setup.deployment)),
      part_(AttentionPart(setup.model)) {}

absl::Status Sweeper::Imbalance(int64_t batch, RankImbalance& out) {
  const ContextDistribution& d = config_.context;
  if (ranks_ == 1 || d.Variance() <= TokensSquared::Zero()) {
    const Tokens balanced = d.Mean() * static_cast<double>(batch);
    out = RankImbalance{balanced, balanced, Tokens::Zero()};
    return absl::OkStatus();
  }
  if (auto it = imbalance_.find(batch); it != imbalance_.end()) {
    out = it->second;
    return absl::OkStatus();
  }
  absl::StatusOr<RankImbalance> r;
  if (config_.imbalance == ImbalanceModel::kAnalytic) {
    r = AnalyticImbalance(d, ranks_, batch);
  } else {
    // One curve of common random numbers for every batch (seeded by the
    // seed alone): a batch's figure does not depend on which other batches
    // were evaluated before it, and the slowest rank never falls as the
    // batch grows.
    if (!curve_.has_value()) {
      std::seed_seq seq{static_cast<uint32_t>(config_.seed),
                        static_cast<uint32_t>(config_.seed >> 32)};
      absl::StatusOr<MonteCarloImbalanceCurve> c =
          MonteCarloImbalanceCurve::Create(d, ranks_, config_.trials, std::mt19937_64(seq));
      if (!c.ok()) return c.status();
      curve_.emplace(*std::move(c));
    }
    r = curve_->At(batch);
  }
  if (!r.ok()) return r.status();
  out = *r;
  imbalance_.emplace(batch, out);
  return absl::OkStatus();
}

absl::Status Sweeper::Evaluate(int64_t batch, bool attention_balanced, BatchPoint& p) {
  RankImbalance imbalance;
  if (absl::Status s = Imbalance(batch, imbalance); !s.ok()) return s;
  const double balanced = ToTokens(imbalance.balanced);
  const double slowest = ToTokens(imbalance.slowest);
  workload_.batch_per_dp = batch;
  const ModelSpec& m = setup_.model;
  const HardwareSpec& hw = setup_.hardware.spec;
  EstimateStepInto(plan_, m, hw, setup_.deployment, workload_,
                   StepShape::Decode(workload_, batch, balanced, slowest), step_);
  p.batch = batch;
  p.concurrency = step_.sla.concurrency;
  p.balanced = imbalance.balanced;
  p.slowest = imbalance.slowest;
  p.slowest_stderr = imbalance.slowest_stderr;
  p.forward = step_.forward;
  p.tpot = step_.sla.tpot;
  p.user_output_tps = step_.sla.user_output_tps;
  p.machine_output_tps = step_.sla.machine_output_tps;
  const OpRow* row = step_.Find("attention", part_);
  p.attention_actual = row != nullptr ? row->visible : Duration::Zero();
  const StepShape slowest_rank = StepShape::Decode(workload_, batch, slowest, slowest);
  p.memory = EstimateMemory(plan_, m, hw, setup_.deployment, workload_, slowest_rank);
  p.fits = p.memory.Fits();
  p.meets_sla = MeetsUserTps(step_.sla, config_.sla.user_output_tps);
  p.attention_balanced = slowest == balanced ? p.attention_actual : Duration::Zero();
  if (attention_balanced && slowest != balanced) {
    // A second estimate, whose step then stays in last_step().
    EstimateStepInto(plan_, m, hw, setup_.deployment, workload_,
                     StepShape::Decode(workload_, batch, balanced, balanced), step_);
    row = step_.Find("attention", part_);
    p.attention_balanced = row != nullptr ? row->visible : Duration::Zero();
  }
  return absl::OkStatus();
}

absl::Status Sweeper::Memory(int64_t batch, MemoryUse& memory) {
  RankImbalance imbalance;
  if (absl::Status s = Imbalance(batch, imbalance); !s.ok()) return s;
  const double slowest = ToTokens(imbalance.slowest);
  workload_.batch_per_dp = batch;
  const StepShape shape = StepShape::Decode(workload_, batch, slowest, slowest);
  const ModelSpec& m = setup_.model;
  memory = EstimateMemory(plan_, m, setup_.hardware.spec, setup_.deployment, workload_, shape);
  return absl::OkStatus();
}

absl::StatusOr<SweepResult> RunSweep(const Setup& setup, const SweepConfig& config) {
  Sweeper sweeper(setup, config);
  SweepResult r;
  r.synchronised_ranks = sweeper.synchronised_ranks();
  BatchPoint p;
  absl::Status status;
  // Every batch the SLA search evaluates, for the table to reuse.
  absl::flat_hash_map<int64_t, BatchPoint> seen;
  auto evaluate = [&](int64_t b) {
    status = sweeper.Evaluate(b, false, p);
    if (status.ok()) seen[b] = p;
    return status.ok();
  };

  // The SLA limit. Scan: every batch from batch_min up to the first that misses.
  if (config.search == SlaSearch::kScan) {
    r.sla_batch = config.batch_max;
    for (int64_t b = config.batch_min; b <= config.batch_max; ++b) {
      if (!evaluate(b)) return status;
      if (!p.meets_sla) {
        r.sla_batch = b - 1;
        break;
      }
    }
  } else {
    r.sla_batch = LargestTrue(config.batch_min, config.batch_max, [&](int64_t b) {
      return status.ok() && evaluate(b) && p.meets_sla;
    });
  }
  // The memory limit: monotone by construction (KV grows with the slowest
  // rank's Σcontext, which grows with batch), so bisection.
  MemoryUse memory;
  r.memory_batch = LargestTrue(config.batch_min, config.batch_max, [&](int64_t b) {
    if (status.ok()) status = sweeper.Memory(b, memory);
    return status.ok() && memory.Fits();
  });
  if (!status.ok()) return status;
  r.max_batch = std::min(r.sla_batch, r.memory_batch);
  const bool sla_binds = r.sla_batch < config.batch_max;
  const bool memory_binds = r.memory_batch < config.batch_max;
  if (!sla_binds && !memory_binds) {
    r.binding = BindingLimit::kBatchMax;
  } else if (r.sla_batch == r.memory_batch) {
    r.binding = BindingLimit::kBoth;
  } else {
    r.binding = r.sla_batch < r.memory_batch ? BindingLimit::kSla : BindingLimit::kMemory;
  }

  const std::vector<int64_t> batches =
      SweepBatches(config.batch_min, config.batch_max, config.batch_step,
                   {r.sla_batch, r.sla_batch + 1, r.memory_batch, r.memory_batch + 1});
  r.rows.reserve(batches.size());
  for (int64_t b : batches) {
    auto it = seen.find(b);
    if (it != seen.end() && it->second.slowest == it->second.balanced) {
      r.rows.push_back(it->second);  // balanced attention is the actual one
      continue;
    }
    if (absl::Status s = sweeper.Evaluate(b, true, p); !s.ok()) return s;
    r.rows.push_back(p);
  }
  r.dp_per_machine = r.rows.front().concurrency / r.rows.front().batch;
  if (r.max_batch >= config.batch_min) {
    if (const BatchPoint* at = FindBatch(r.rows, r.max_batch)) r.at_max = *at;
  }

  if (config.curve_points > 0) {
    if (config.imbalance == ImbalanceModel::kMonteCarlo) {
      r.curve = r.rows;
    } else {
      std::vector<int64_t> extra(batches);
      const int64_t n = config.curve_points;
      if (config.batch_max - config.batch_min + 1 <= n) {
        for (int64_t b = config.batch_min; b <= config.batch_max; ++b) extra.push_back(b);
      } else {
        const double lo = std::log(static_cast<double>(config.batch_min));
        const double hi = std::log(static_cast<double>(config.batch_max));
        for (int64_t i = 0; i < n; ++i) {
          extra.push_back(std::llround(std::exp(lo + (hi - lo) * static_cast<double>(i) /
                                                         static_cast<double>(n - 1))));
        }
      }
      const std::vector<int64_t> curve =
          SweepBatches(config.batch_min, config.batch_max, config.batch_max, extra);
      r.curve.reserve(curve.size());
      for (int64_t b : curve) {
        if (const BatchPoint* row = FindBatch(r.rows, b)) {
          r.curve.push_back(*row);
          continue;
        }
        if (absl::Status s = sweeper.Evaluate(b, false, p); !s.ok()) return s;
        r.curve.push_back(p);
      }
    }
  }
  return r;
}

render::Document SweepDocument(const Setup& setup, const SweepConfig& config,
                               const SweepResult& r) {
  render::Document doc;
  const ContextDistribution& ctx = config.context;
  const std::string part(PartName(AttentionPart(setup.model)));
  Record s{.name = "setup", .title = "Workload sweep"};
  s.Add("model", std::string(setup.model.name.view()), setup.paths.model)
      .Add("hardware", std::string(setup.hardware.spec.name.view()), setup.paths.hardware)
      .Add("deployment", std::string(setup.deployment.name.view()), setup.paths.deployment)
      .Add("context", config.context_spec, "context length of one request")
      .Add("context_mean_tokens", Value::Number(ToTokens(ctx.Mean()), 1))
      .Add("context_stddev_tokens", Value::Number(ToTokens(ctx.StdDev()), 1))
      .Add("synchronised_ranks", r.synchronised_ranks,
           setup.model.HasLayerKind(LayerKind::kMoe)
               ? "every attention DP rank: the MoE all-to-all waits for the slowest"
               : (r.synchronised_ranks > 1 ? "one dense-TP group: its all-gather waits for the "
                                             "slowest"
                                           : "ranks run independently"))
      .Add("imbalance",
           config.imbalance == ImbalanceModel::kAnalytic
               ? std::string("analytic")
               : absl::StrCat("montecarlo (", config.trials, " trials, seed ", config.seed, ")"),
           "E[max over synchronised ranks of Σcontext]")
      .Add("sla_user_output_tps", Value::Number(ToTokensPerSecond(config.sla.user_output_tps), 2),
           config.sla.source)
      .Add("sla_tpot_ms", Value::Number(ToMilliseconds(TokenCount(1) / config.sla.user_output_tps), 2),
           "1 / sla_user_output_tps")
      .Add("dp_per_machine", r.dp_per_machine, "concurrency = dp_per_machine x batch_per_dp")
      .Add("attention_row", absl::StrCat(part, "/attention"),
           "the row attention_*_us report, per layer");
  doc.Add(std::move(s));

  auto limit_note = [&](int64_t largest, absl::string_view what) -> std::pair<Value, std::string> {
    if (largest < config.batch_min) {
      return {Value(), absl::StrCat("even --batch_min ", config.batch_min, " ", what)};
    }
    if (largest >= config.batch_max) {
      return {Value(largest), absl::StrCat("holds up to --batch_max: does not bind")};
    }
    return {Value(largest), absl::StrCat("largest batch; ", largest + 1, " ", what)};
  };
  Record m{.name = "max_concurrency", .title = "Largest batch meeting the SLA and fitting in HBM"};
  const auto [sla_value, sla_note] = limit_note(r.sla_batch, "misses the SLA");
  const auto [mem_value, mem_note] = limit_note(r.memory_batch, "does not fit");
  const BatchPoint* at = r.at_max ? &*r.at_max : nullptr;
  auto num = [&](double v, int decimals) { return at ? Value::Number(v, decimals) : Value(); };
  m.Add("batch_per_dp", at ? Value(at->batch) : Value(), "requests per DP rank")
      .Add("concurrency", at ? Value(at->concurrency) : Value(), "requests per machine")
      .Add("binding_limit", std::string(BindingLimitName(r.binding)))
      .Add("sla_limit_batch", sla_value, sla_note)
      .Add("memory_limit_batch", mem_value, mem_note)
      .Add("user_output_tps", num(at ? ToTokensPerSecond(at->user_output_tps) : 0, 2))
      .Add("machine_output_tps", num(at ? ToTokensPerSecond(at->machine_output_tps) : 0, 0))
      .Add("tpot_ms", num(at ? ToMilliseconds(at->tpot) : 0, 2))
      .Add("forward_ms", num(at ? ToMilliseconds(at->forward) : 0, 3))
      .Add("attention_balanced_us", num(at ? ToMicroseconds(at->attention_balanced) : 0, 2),
           "one layer, every rank at batch x mean context")
      .Add("attention_actual_us", num(at ? ToMicroseconds(at->attention_actual) : 0, 2),
           "one layer, the slowest rank's Σcontext")
      .Add("memory_total_gb", num(at ? ToGigabytes(at->memory.Total()) : 0, 2),
           "per GPU, slowest rank")
      .Add("headroom_gb", num(at ? ToGigabytes(at->memory.Headroom()) : 0, 2));
  doc.Add(std::move(m));

  Table t{.name = "sweep",
          .title = "Sweep (memory on the slowest rank; binding_limit: what the batch fails)",
          .columns = {"batch_per_dp", "concurrency", "ctx_balanced_tokens", "ctx_slowest_tokens",
                      "ctx_slowest_stderr", "forward_ms", "tpot_ms", "user_output_tps",
                      "machine_output_tps", "attention_balanced_us", "attention_actual_us",
                      "memory_total_gb", "headroom_gb", "meets_sla", "fits", "binding_limit",
                      "mark"}};
  for (const BatchPoint& p : r.rows) {
    std::string mark;
    if (p.batch == r.max_batch) mark = "max";
    t.rows.push_back({p.batch, p.concurrency, Value::Number(ToTokens(p.balanced), 0),
                      Value::Number(ToTokens(p.slowest), 0),
                      Value::Number(ToTokens(p.slowest_stderr), 0),
                      Value::Number(ToMilliseconds(p.forward), 3),
                      Value::Number(ToMilliseconds(p.tpot), 2),
                      Value::Number(ToTokensPerSecond(p.user_output_tps), 2),
                      Value::Number(ToTokensPerSecond(p.machine_output_tps), 0),
                      Value::Number(ToMicroseconds(p.attention_balanced), 2),
                      Value::Number(ToMicroseconds(p.attention_actual), 2),
                      Value::Number(ToGigabytes(p.memory.Total()), 2),
                      Value::Number(ToGigabytes(p.memory.Headroom()), 2), YesNo(p.meets_sla),
                      YesNo(p.fits), RowLimit(p), mark});
  }
  doc.Add(std::move(t));
  return doc;
}

std::string SweepSvg(const Setup& setup, const SweepConfig& config, const SweepResult& r) {
  const std::vector<BatchPoint>& pts = r.curve.empty() ? r.rows : r.curve;
  svg::Figure f;
  f.title = absl::StrCat("Decode sweep: ", std::string(setup.model.name.view()), " on ",
                         std::string(setup.hardware.spec.name.view()));
  f.subtitle = absl::StrCat(std::string(setup.deployment.name.view()), "; context ",
                            config.context_spec, "; ", r.synchronised_ranks,
                            " synchronised ranks");
  f.x_label = "batch per DP rank (requests)";
  f.x_log2 = config.batch_step == 0 && config.batch_max >= 8 * config.batch_min;

  // Batches that do not fit are drawn apart, in grey, joined to the last one that does.
  auto split = [&](auto value, svg::Series fit, svg::Series beyond, std::vector<svg::Series>& out) {
    for (std::size_t i = 0; i < pts.size(); ++i) {
      const std::pair<double, double> xy{static_cast<double>(pts[i].batch), value(pts[i])};
      if (pts[i].fits) {
        fit.points.push_back(xy);
      } else {
        if (beyond.points.empty() && i > 0 && pts[i - 1].fits) {
          beyond.points.push_back({static_cast<double>(pts[i - 1].batch), value(pts[i - 1])});
        }
        beyond.points.push_back(xy);
      }
    }
    out.push_back(std::move(fit));
    if (!beyond.points.empty()) out.push_back(std::move(beyond));
  };
  const std::string marker_name =
      r.at_max ? absl::StrCat("max concurrency: batch ", r.at_max->batch, " (",
                              BindingLimitName(r.binding), ")")
               : "max concurrency";

  svg::Panel user;
  user.y_label = "output tokens/s per user";
  split([](const BatchPoint& p) { return ToTokensPerSecond(p.user_output_tps); },
        {.name = "per user", .css_class = "series-user", .color = "#1f77b4"},
        {.name = "per user, beyond HBM", .css_class = "series-user-beyond-hbm",
         .color = "#aaaaaa"},
        user.series);
  user.hlines.push_back({.name = absl::StrFormat("SLA %.1f tokens/s per user",
                                                 ToTokensPerSecond(config.sla.user_output_tps)),
                         .css_class = "sla",
                         .color = "#d62728",
                         .y = ToTokensPerSecond(config.sla.user_output_tps)});
  svg::Panel machine;
  machine.y_label = "output tokens/s per machine";
  split([](const BatchPoint& p) { return ToTokensPerSecond(p.machine_output_tps); },
        {.name = "per machine", .css_class = "series-machine", .color = "#2ca02c"},
        {.name = "per machine, beyond HBM", .css_class = "series-machine-beyond-hbm",
         .color = "#aaaaaa"},
        machine.series);
  if (r.at_max) {
    const double x = static_cast<double>(r.at_max->batch);
    user.markers.push_back({.name = marker_name,
                            .css_class = "max-concurrency",
                            .color = "#000000",
                            .x = x,
                            .y = ToTokensPerSecond(r.at_max->user_output_tps)});
    machine.markers.push_back({.name = marker_name,
                               .css_class = "max-concurrency",
                               .color = "#000000",
                               .x = x,
                               .y = ToTokensPerSecond(r.at_max->machine_output_tps)});
  }
  f.panels.push_back(std::move(user));
  f.panels.push_back(std::move(machine));
  return svg::Render(f);
}

}  // namespace perfmodel
