#include "workload/prefill_sweep.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/paths.h"
#include "loader/load.h"

namespace perfmodel {
namespace {

using render::Record;
using render::Table;
using render::Value;

// Decimals printed: times to 0.01 ms (to 0.001 ms for the KV transfer, a few
// ms), token rates to whole tokens/s, arrival rates to 0.001 requests/s.
constexpr int kMsDecimals = 2;
constexpr int kRateDecimals = 3;
constexpr int kGbDecimals = 2;

// The utilisations the load table shows besides the max and asked rates.
constexpr double kLoadUtilisations[] = {0.25, 0.5, 0.75, 0.9};

absl::Status Prefixed(absl::string_view prefix, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(prefix, s.message()));
}

absl::StatusOr<TtftTarget> TargetFromOptions(const PrefillSweepOptions& o) {
  if (o.ttft_ms.has_value() && !o.sla.empty()) {
    return absl::InvalidArgumentError("sla: conflicts with ttft_ms; give one TTFT target");
  }
  if (o.ttft_ms.has_value()) {
    if (!(*o.ttft_ms > 0.0) || !std::isfinite(*o.ttft_ms)) {
      return absl::InvalidArgumentError(
          absl::StrCat("ttft_ms: must be a positive finite number, got ", *o.ttft_ms));
    }
    return TtftTarget{Milliseconds(*o.ttft_ms), "ttft_ms"};
  }
  const std::string path = o.sla.empty() ? std::string(kSeedSlaFile) : o.sla;
  absl::StatusOr<pb::SlaTargets> t = LoadSlaTargets(ResolveInput(path));
  if (!t.ok()) return Prefixed("sla: ", t.status());
  if (!t->has_ttft_ms()) {
    return absl::InvalidArgumentError(
        absl::StrCat("sla: ", path, ": has no ttft_ms; give ttft_ms or an SLA file with one"));
  }
  if (!(t->ttft_ms() > 0.0) || !std::isfinite(t->ttft_ms())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sla: ", path, ": ttft_ms: must be a positive finite number, got ", t->ttft_ms()));
  }
  return TtftTarget{Milliseconds(t->ttft_ms()), absl::StrCat(path, ": ttft_ms")};
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }

// RowLimit() is what stops one batch: "none", "ttft", "memory" or "ttft+memory".
std::string RowLimit(const PrefillPoint& p) {
  if (p.meets_ttft && p.fits) return "none";
  if (!p.meets_ttft && !p.fits) return "ttft+memory";
  return p.meets_ttft ? "memory" : "ttft";
}

Value Ms(Duration d) { return Value::Number(ToMilliseconds(d), kMsDecimals); }
Value Tps(TokensPerSecond r) { return Value::Number(ToTokensPerSecond(r), 0); }
Value Rps(Frequency f) { return Value::Number(ToHertz(f), kRateDecimals); }
Value Gb(Bytes b) { return Value::Number(ToGigabytes(b), kGbDecimals); }

LoadPoint AtRate(const PrefillLoad& load, const PrefillSweepConfig& config, int64_t dp,
                 Frequency machine_rate, std::string mark) {
  LoadPoint p;
  p.machine_rate = machine_rate;
  p.mark = std::move(mark);
  const Frequency rank = machine_rate / static_cast<double>(dp);
  p.rank = PrefillTtft(load.service, rank, load.extra);
  p.at_percentile = p.rank.stable ? TtftQuantile(load.service, rank, load.extra, config.percentile)
                                  : Duration::Infinite();
  p.meets_ttft = p.rank.stable && p.at_percentile <= config.target.ttft;
  return p;
}

absl::StatusOr<PrefillLoad> RunLoad(const Setup& setup, const PrefillSweepConfig& config,
                                    int64_t dp, PrefillSweeper& sweeper) {
  PrefillLoad load;
  const int64_t n = config.quantiles;
  load.lengths.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    const double p = (static_cast<double>(i) + 0.5) / static_cast<double>(n);
    absl::StatusOr<int64_t> q = config.context.Quantile(p);
    if (!q.ok()) return Prefixed("context: ", q.status());
    load.lengths.push_back(sweeper.Clamp(*q));
  }
  std::sort(load.lengths.begin(), load.lengths.end());
  // Each distinct length is estimated once (a fixed law: one estimate).
  absl::flat_hash_map<int64_t, Duration> seen;
  load.service.reserve(n);
  double sum = 0.0;
  for (int64_t tokens : load.lengths) {
    auto it = seen.find(tokens);
    if (it == seen.end()) it = seen.emplace(tokens, sweeper.Prompt(tokens).prefill.ttft).first;
    load.service.push_back(it->second);
    sum += static_cast<double>(tokens);
  }
  load.longest_memory = sweeper.Prompt(load.lengths.back()).memory;
  load.mean_prompt = TokenCount(sum / static_cast<double>(n));

  const ModelSpec& model = setup.model;
  const HardwareSpec& hw = setup.hardware.spec;
  load.kv_bytes_per_token = KvBytesPerToken(model, setup.deployment);
  const KvFootprint kv = KvCache(model, setup.deployment);
  Bytes kv_sum;
  for (int64_t tokens : load.lengths) kv_sum += kv.Of(1.0, static_cast<double>(tokens));
  load.kv_bytes_per_prompt = kv_sum / static_cast<double>(load.lengths.size());
  if (config.disaggregated) {
    load.kv_transfer = KvTransfer(hw, KvCache(model, setup.deployment), ToTokens(load.mean_prompt));
    load.kv_transfer_longest =
        KvTransfer(hw, KvCache(model, setup.deployment), static_cast<double>(load.lengths.back()));
    load.extra = load.kv_transfer;
  }
  if (absl::Status s = ValidateTtftInput(load.service, Hertz(0), load.extra); !s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("prefill time under load: ", s.message()));
  }
  load.rank_saturation = 1.0 / PrefillTtft(load.service, Hertz(0), load.extra).mean_service;
  load.max_rate = MaxArrivalRate(load.service, config.target.ttft, config.percentile, load.extra);

  const double ranks = static_cast<double>(dp);
  for (double rho : kLoadUtilisations) {
    load.rows.push_back(AtRate(load, config, dp, load.rank_saturation * rho * ranks,
                               absl::StrFormat("rho=%.2f", rho)));
  }
  if (load.max_rate.reachable && load.max_rate.rate > Hertz(0)) {
    LoadPoint at = AtRate(load, config, dp, load.max_rate.rate * ranks, "max");
    // MaxArrivalRate() holds P(TTFT <= target) >= percentile at this rate;
    // its quantile, bisected from above, may read a hair over the target.
    at.at_percentile = load.max_rate.ttft_at_rate;
    at.meets_ttft = true;
    load.rows.push_back(std::move(at));
  }
  if (config.arrival_rate.has_value()) {
    load.asked = AtRate(load, config, dp, *config.arrival_rate, "asked");
    load.rows.push_back(*load.asked);
  }
  std::stable_sort(load.rows.begin(), load.rows.end(), [](const LoadPoint& a, const LoadPoint& b) {
    return a.machine_rate < b.machine_rate;
  });
  return load;
}

const PrefillPoint* FindBatch(const std::vector<PrefillPoint>& rows, int64_t batch) {
  for (const PrefillPoint& p : rows) {
    if (p.batch == batch) return &p;
  }
  return nullptr;
}

}  // namespace

absl::string_view PrefillBindingLimitName(BindingLimit b) {
  switch (b) {
    case BindingLimit::kNone:
      return "";
    case BindingLimit::kSla:
      return "ttft";
    case BindingLimit::kMemory:
      return "memory";
    case BindingLimit::kBoth:
      return "ttft+memory";
    case BindingLimit::kBatchMax:
      return "batch_max";
  }
  return "";
}

absl::StatusOr<PrefillSweepConfig> MakePrefillSweepConfig(const PrefillSweepOptions& o,
                                                          const Setup& setup) {
  if (setup.workload.phase != Phase::kPrefill) {
    return absl::InvalidArgumentError(
        absl::StrCat("phase: the prefill sweep needs a prefill workload; ", setup.paths.workload,
                     " is a decode one (set phase to prefill)"));
  }
  if (o.batch_min < 1) {
    return absl::InvalidArgumentError(absl::StrCat("batch_min: must be >= 1, got ", o.batch_min));
  }
  if (o.batch_max > kMaxBatchPerRank) {
    return absl::InvalidArgumentError(absl::StrCat("batch_max: must be <= ", kMaxBatchPerRank,
                                                   " prompts per DP rank, got ", o.batch_max));
  }
  if (o.batch_min > o.batch_max) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_min: ", o.batch_min, " is above batch_max (", o.batch_max, ")"));
  }
  const int64_t step = o.batch_step.value_or(0);
  if (o.batch_step.has_value() && step < 1) {
    return absl::InvalidArgumentError(absl::StrCat("batch_step: must be >= 1, got ", step));
  }
  if (step > 0 && (o.batch_max - o.batch_min) / step + 1 > kMaxSweepRows) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_step: ", step, " gives ", (o.batch_max - o.batch_min) / step + 1,
                     " rows from batch_min to batch_max; at most ", kMaxSweepRows));
  }
  const int64_t most = setup.model.max_context_tokens;
  if (most > 0 && setup.workload.prompt_tokens > most) {
    return absl::InvalidArgumentError(absl::StrCat("prompt_tokens: ", setup.workload.prompt_tokens,
                                                   " is above the model's max_context_tokens (",
                                                   most, ")"));
  }
  // The largest batch's tokens per rank stay within the loader's limit
  // (loader/load.h limits::), which keeps the estimate's counts in int64.
  if (o.batch_max * setup.workload.prompt_tokens > limits::kMaxTokensPerForward) {
    return absl::InvalidArgumentError(absl::StrCat(
        "batch_max: ", o.batch_max, " prompts x ", setup.workload.prompt_tokens,
        " tokens is above ", limits::kMaxTokensPerForward, " tokens per DP rank per forward"));
  }
  absl::StatusOr<TtftTarget> target = TargetFromOptions(o);
  if (!target.ok()) return target.status();

  absl::StatusOr<ContextDistribution> context =
      o.context.has_value() ? *o.context : ContextDistribution::Fixed(setup.workload.prompt_tokens);
  if (!context.ok()) return Prefixed("prompt_tokens: ", context.status());
  if (context->output_tokens() > 0) {
    return absl::InvalidArgumentError(
        "context: a prompt-length law has no decode growth; give the prompts' lengths");
  }
  std::string context_spec =
      o.context.has_value()
          ? o.context_label
          : absl::StrCat("fixed:", setup.workload.prompt_tokens, " (workload prompt_tokens)");
  if (o.quantiles < 1 || o.quantiles > kMaxTtftQuantiles) {
    return absl::InvalidArgumentError(
        absl::StrCat("quantiles: must be in [1, ", kMaxTtftQuantiles, "], got ", o.quantiles));
  }
  std::optional<Frequency> rate;
  if (o.arrival_rate.has_value()) {
    if (!(*o.arrival_rate >= 0.0) || !std::isfinite(*o.arrival_rate)) {
      return absl::InvalidArgumentError(
          absl::StrCat("arrival_rate: must be a finite number >= 0 (requests/s per machine), got ",
                       *o.arrival_rate));
    }
    rate = Hertz(*o.arrival_rate);
  }
  if (!(o.ttft_percentile > 0.0 && o.ttft_percentile < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ttft_percentile: must be in (0, 1), got ", o.ttft_percentile));
  }
  if (o.disaggregated && !(setup.hardware.spec.scale_out_bandwidth > BytesPerSecond::Zero())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "disaggregated: ", setup.paths.hardware,
        " has no scale_out_bandwidth for the KV-cache transfer; give disaggregated=false"));
  }
  return PrefillSweepConfig{.batch_min = o.batch_min,
                            .batch_max = o.batch_max,
                            .batch_step = step,
                            .target = *std::move(target),
                            .context = *std::move(context),
                            .context_spec = std::move(context_spec),
                            .quantiles = o.quantiles,
                            .arrival_rate = rate,
                            .percentile = o.ttft_percentile,
                            .disaggregated = o.disaggregated,
                            .search = o.search};
}

PrefillSweeper::PrefillSweeper(const Setup& setup)
    : setup_(setup),
      workload_(setup.workload),
      plan_(PlanStep(setup.model, setup.hardware.spec, setup.deployment, setup.workload)) {}

int64_t PrefillSweeper::Clamp(int64_t tokens) const {
  const int64_t most = setup_.model.max_context_tokens;
  tokens = std::max<int64_t>(tokens, 1);
  return most > 0 ? std::min(tokens, most) : tokens;
}

PrefillPoint PrefillSweeper::Evaluate(int64_t batch, Duration target) {
  WorkloadSpec w = setup_.workload;
  w.batch_per_dp = batch;
  const StepResult r =
      EstimatePrefill(plan_, setup_.model, setup_.hardware.spec, setup_.deployment, w);
  return PrefillPoint{.batch = batch,
                      .prompts_per_machine = r.dp_per_machine * batch,
                      .forwards = r.forwards,
                      .ttft = r.prefill.ttft,
                      .forward = r.prefill.forward,
                      .host_gap = r.prefill.host_gap,
                      .rank_prefill_tps = r.prefill.rank_prefill_tps,
                      .machine_prefill_tps = r.prefill.machine_prefill_tps,
                      .memory = r.memory,
                      .meets_ttft = r.prefill.ttft <= target,
                      .fits = r.memory.Fits()};
}

StepResult PrefillSweeper::Prompt(int64_t tokens) {
  workload_.batch_per_dp = 1;
  workload_.prompt_tokens = Clamp(tokens);
  return EstimatePrefill(plan_, setup_.model, setup_.hardware.spec, setup_.deployment, workload_);
}

absl::StatusOr<PrefillSweepResult> RunPrefillSweep(const Setup& setup,
                                                   const PrefillSweepConfig& config) {
  PrefillSweeper sweeper(setup);
  PrefillSweepResult r;
  absl::flat_hash_map<int64_t, PrefillPoint> seen;
  auto point = [&](int64_t b) -> const PrefillPoint& {
    auto it = seen.find(b);
    if (it == seen.end()) it = seen.emplace(b, sweeper.Evaluate(b, config.target.ttft)).first;
    return it->second;
  };

  // The first batch from batch_min up that is not `ok`, less one (batch_max
  // when every one is): the exact definition of both limits.
  auto scan = [&](bool (*ok)(const PrefillPoint&)) {
    for (int64_t b = config.batch_min; b <= config.batch_max; ++b) {
      if (!ok(point(b))) return b - 1;
    }
    return config.batch_max;
  };
  constexpr auto meets = [](const PrefillPoint& p) { return p.meets_ttft; };
  constexpr auto fits = [](const PrefillPoint& p) { return p.fits; };
  if (config.search == SlaSearch::kScan) {
    r.ttft_batch = scan(meets);
  } else {
    // TTFT is monotone within each parity of the batch, not across it (see
    // the header): "b and b - 1 meet" holds up to the limit and not after.
    r.ttft_batch = LargestTrue(config.batch_min, config.batch_max, [&](int64_t b) {
      return point(b).meets_ttft && (b == config.batch_min || point(b - 1).meets_ttft);
    });
  }
  // Memory is not monotone even within a parity (an odd forward's workspace
  // can exceed the next even one's), so the scan; it ends within
  // (HBM - weights - reserve) / (one prompt's KV) + 1 batches.
  r.memory_batch = scan(fits);
  r.max_batch = std::min(r.ttft_batch, r.memory_batch);
  const bool ttft_binds = r.ttft_batch < config.batch_max;
  const bool memory_binds = r.memory_batch < config.batch_max;
  if (!ttft_binds && !memory_binds) {
    r.binding = BindingLimit::kBatchMax;
  } else if (r.ttft_batch == r.memory_batch) {
    r.binding = BindingLimit::kBoth;
  } else {
    r.binding = r.ttft_batch < r.memory_batch ? BindingLimit::kSla : BindingLimit::kMemory;
  }

  const std::vector<int64_t> batches =
      SweepBatches(config.batch_min, config.batch_max, config.batch_step,
                   {r.ttft_batch, r.ttft_batch + 1, r.memory_batch, r.memory_batch + 1});
  r.rows.reserve(batches.size());
  for (int64_t b : batches) r.rows.push_back(point(b));
  r.dp_per_machine = r.rows.front().prompts_per_machine / r.rows.front().batch;
  if (r.max_batch >= config.batch_min) {
    if (const PrefillPoint* at = FindBatch(r.rows, r.max_batch)) r.at_max = *at;
  }

  absl::StatusOr<PrefillLoad> load = RunLoad(setup, config, r.dp_per_machine, sweeper);
  if (!load.ok()) return load.status();
  r.load = *std::move(load);
  return r;
}

render::Document PrefillSweepDocument(const Setup& setup, const PrefillSweepConfig& config,
                                      const PrefillSweepResult& r) {
  render::Document doc;
  const WorkloadSpec& w = setup.workload;
  const std::string target_ms = absl::StrFormat("%g", ToMilliseconds(config.target.ttft));
  Record s{.name = "setup", .title = "Prefill sweep"};
  s.Add("model", std::string(setup.model.name.view()), setup.paths.model)
      .Add("hardware", std::string(setup.hardware.spec.name.view()), setup.paths.hardware)
      .Add("deployment", std::string(setup.deployment.name.view()), setup.paths.deployment)
      .Add("workload", std::string(w.name.view()), setup.paths.workload)
      .Add("prompt_tokens", w.prompt_tokens, "each prompt of a batch")
      .Add("chunk_tokens", w.chunk_tokens,
           w.chunk_tokens > 0 ? "new tokens per forward per rank" : "unchunked")
      .Add("prefix_cache_hit", Value::Number(w.prefix_cache_hit, 2),
           "share of each prompt already cached")
      .Add("host_gap_ms", Ms(w.host_gap), "before each forward; counts in TTFT")
      .Add("dp_per_machine", r.dp_per_machine,
           "prompts_per_machine = dp_per_machine x batch_per_dp")
      .Add("ttft_target_ms", Ms(config.target.ttft), config.target.source)
      .Add("search", std::string(SlaSearchName(config.search)), "how the TTFT limit is found");
  doc.Add(std::move(s));

  auto limit_note = [&](int64_t largest, absl::string_view what) -> std::pair<Value, std::string> {
    if (largest < config.batch_min) {
      return {Value(), absl::StrCat("even --batch_min ", config.batch_min, " ", what)};
    }
    if (largest >= config.batch_max) {
      return {Value(largest), "holds up to --batch_max: does not bind"};
    }
    return {Value(largest), absl::StrCat("largest batch; ", largest + 1, " ", what)};
  };
  Record m{.name = "max_batch",
           .title = absl::StrCat("Largest batch meeting TTFT ", target_ms,
                                 " ms (no queueing) and fitting in HBM")};
  const auto [ttft_value, ttft_note] = limit_note(r.ttft_batch, "misses the TTFT target");
  const auto [mem_value, mem_note] = limit_note(r.memory_batch, "does not fit");
  const PrefillPoint* at = r.at_max ? &*r.at_max : nullptr;
  m.Add("batch_per_dp", at ? Value(at->batch) : Value(), "prompts per DP rank, arriving together")
      .Add("prompts_per_machine", at ? Value(at->prompts_per_machine) : Value())
      .Add("binding_limit", std::string(PrefillBindingLimitName(r.binding)))
      .Add("ttft_limit_batch", ttft_value, ttft_note)
      .Add("memory_limit_batch", mem_value, mem_note)
      .Add("ttft_ms", at ? Ms(at->ttft) : Value(), "the batch's last prompt: forwards + host gaps")
      .Add("prefill_forward_ms", at ? Ms(at->forward) : Value(), "Σ of the batch's forwards")
      .Add("forwards", at ? Value(at->forwards) : Value())
      .Add("rank_prefill_tps", at ? Tps(at->rank_prefill_tps) : Value(),
           "prompt tokens/s one DP rank processes")
      .Add("machine_prefill_tps", at ? Tps(at->machine_prefill_tps) : Value(),
           "prompt tokens/s summed over the machine's DP ranks")
      .Add("memory_total_gb", at ? Gb(at->memory.Total()) : Value(), "per GPU")
      .Add("activations_gb", at ? Gb(at->memory.activations) : Value(),
           "the largest forward's workspace")
      .Add("headroom_gb", at ? Gb(at->memory.Headroom()) : Value());
  doc.Add(std::move(m));

  Table t{
      .name = "prefill_sweep",
      .title = "Prefill sweep (a batch of prompts arriving together; TTFT without queueing)",
      .columns = {"batch_per_dp", "prompts_per_machine", "forwards", "ttft_ms",
                  "prefill_forward_ms", "rank_prefill_tps", "machine_prefill_tps", "activations_gb",
                  "memory_total_gb", "headroom_gb", "meets_ttft", "fits", "binding_limit", "mark"}};
  for (const PrefillPoint& p : r.rows) {
    t.rows.push_back({p.batch, p.prompts_per_machine, p.forwards, Ms(p.ttft), Ms(p.forward),
                      Tps(p.rank_prefill_tps), Tps(p.machine_prefill_tps), Gb(p.memory.activations),
                      Gb(p.memory.Total()), Gb(p.memory.Headroom()), YesNo(p.meets_ttft),
                      YesNo(p.fits), RowLimit(p), p.batch == r.max_batch ? "max" : ""});
  }
  doc.Add(std::move(t));

  const PrefillLoad& load = r.load;
  const double dp = static_cast<double>(r.dp_per_machine);
  const std::string pct = absl::StrFormat("p%g", config.percentile * 100.0);
  const MaxRate& max = load.max_rate;
  const Duration mean_service = PrefillTtft(load.service, Hertz(0), load.extra).mean_service;
  Record u{.name = "under_load",
           .title = absl::StrCat("Under Poisson load (M/G/1 per DP rank, one prompt at a time): ",
                                 pct, " TTFT <= ", target_ms, " ms")};
  u.Add("context", config.context_spec, "prompt length of one request")
      .Add("quantiles", config.quantiles, "prompt lengths at midpoint quantiles stand for the law")
      .Add("mean_prompt_tokens", Value::Number(ToTokens(load.mean_prompt), 1))
      .Add("longest_prompt_tokens", load.lengths.back(), "the last quantile")
      .Add("service_mean_ms", Ms(mean_service),
           "E[prefill of one prompt alone on a rank], host gaps included")
      .Add("service_longest_ms", Ms(load.service.back()))
      .Add("longest_fits", YesNo(load.longest_memory.Fits()),
           absl::StrFormat("%.2f GB per GPU", ToGigabytes(load.longest_memory.Total())))
      .Add("disaggregated", YesNo(config.disaggregated),
           config.disaggregated ? "TTFT includes the KV-cache transfer to a decode node"
                                : "no KV-cache transfer counted")
      .Add("kv_mb_per_prompt", Value::Number(ToMegabytes(load.kv_bytes_per_prompt), 1),
           "per GPU, mean over the prompts (sliding layers: their window)")
      .Add("kv_transfer_ms", Value::Number(ToMilliseconds(load.kv_transfer), 3),
           "mean prompt over scale-out + latency: the fixed extra in TTFT")
      .Add("kv_transfer_longest_ms", Value::Number(ToMilliseconds(load.kv_transfer_longest), 3),
           "the longest quantile's (not counted: the extra is the mean prompt's)")
      .Add("ttft_percentile", Value::Number(config.percentile, 3))
      .Add("rank_saturation_rps", Rps(load.rank_saturation), "1 / service_mean: utilisation 1")
      .Add("machine_saturation_rps", Rps(load.rank_saturation * dp))
      .Add("max_rate_rank_rps", max.reachable ? Rps(max.rate) : Value(),
           max.reachable
               ? absl::StrCat("largest arrival rate with ", pct, " TTFT <= target")
               : absl::StrCat("unreachable: ", pct, " of prefill + transfer alone is ",
                              absl::StrFormat("%.2f", ToMilliseconds(max.ttft_at_rate)), " ms"))
      .Add("max_rate_machine_rps", max.reachable ? Rps(max.rate * dp) : Value(),
           "requests/s per machine, split evenly over its DP ranks")
      .Add("utilisation_at_max",
           max.reachable ? Value::Number(ToHertz(max.rate) * ToSeconds(mean_service), 3) : Value())
      .Add("ttft_at_max_ms", Ms(max.ttft_at_rate),
           max.reachable ? absl::StrCat(pct, " TTFT at the max rate")
                         : absl::StrCat(pct, " TTFT with no queueing: the best the rank can do"))
      .Add("machine_prefill_tps_at_max",
           max.reachable ? Value::Number(ToHertz(max.rate) * dp * ToTokens(load.mean_prompt), 0)
                         : Value(),
           "prompt tokens/s per machine at the max rate");
  const LoadPoint* asked = load.asked ? &*load.asked : nullptr;
  auto a = [&](auto f) { return asked ? f(*asked) : Value(); };
  u.Add("arrival_rate_machine_rps", a([](const LoadPoint& p) { return Rps(p.machine_rate); }),
        asked ? "--arrival_rate" : "not asked (--arrival_rate)")
      .Add("arrival_rate_rank_rps", a([](const LoadPoint& p) { return Rps(p.rank.arrival_rate); }))
      .Add("utilisation",
           a([](const LoadPoint& p) { return Value::Number(p.rank.utilisation, 3); }))
      .Add("stable", a([](const LoadPoint& p) { return Value(YesNo(p.rank.stable)); }),
           asked && !asked->rank.stable ? "utilisation >= 1: the queue grows without bound" : "")
      .Add("mean_wait_ms", a([](const LoadPoint& p) { return Ms(p.rank.mean_wait); }))
      .Add("ttft_mean_ms", a([](const LoadPoint& p) { return Ms(p.rank.mean_ttft); }))
      .Add("ttft_p50_ms", a([](const LoadPoint& p) { return Ms(p.rank.p50); }))
      .Add("ttft_p90_ms", a([](const LoadPoint& p) { return Ms(p.rank.p90); }))
      .Add("ttft_p99_ms", a([](const LoadPoint& p) { return Ms(p.rank.p99); }))
      .Add("ttft_at_percentile_ms", a([](const LoadPoint& p) { return Ms(p.at_percentile); }), pct)
      .Add("meets_ttft", a([](const LoadPoint& p) { return Value(YesNo(p.meets_ttft)); }));
  doc.Add(std::move(u));

  Table l{.name = "load",
          .title = absl::StrCat("TTFT under load (per DP rank; rates per machine split over ",
                                r.dp_per_machine, " ranks)"),
          .columns = {"machine_rate_rps", "rank_rate_rps", "utilisation", "stable", "mean_wait_ms",
                      "ttft_mean_ms", "ttft_p50_ms", "ttft_p90_ms", "ttft_p99_ms",
                      "ttft_at_percentile_ms", "meets_ttft", "mark"}};
  for (const LoadPoint& p : load.rows) {
    l.rows.push_back({Rps(p.machine_rate), Rps(p.rank.arrival_rate),
                      Value::Number(p.rank.utilisation, 3), YesNo(p.rank.stable),
                      Ms(p.rank.mean_wait), Ms(p.rank.mean_ttft), Ms(p.rank.p50), Ms(p.rank.p90),
                      Ms(p.rank.p99), Ms(p.at_percentile), YesNo(p.meets_ttft), p.mark});
  }
  doc.Add(std::move(l));
  return doc;
}

}  // namespace perfmodel
