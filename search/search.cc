#include "search/search.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/paths.h"
#include "base/status_macros.h"
#include "loader/fields.h"
#include "loader/proto_enums.h"
#include "loader/textproto_errors.h"
#include "loader/write.h"
#include "perfmodel/graph.h"
#include "perfmodel/ttft.h"
#include "proto/search.pb.h"
#include "report/svg_plot.h"
#include "workload/prefill_sweep.h"
#include "workload/sweep.h"

namespace perfmodel {
namespace {

using render::Value;

// Decode layouts per thread at least (fewer: one thread), the most threads,
// and the layouts a thread takes at a time (EvaluateDecode()).
constexpr std::size_t kLayoutsPerThread = 16;
constexpr std::size_t kMaxThreads = 8;
constexpr std::size_t kLayoutsPerBlock = 8;

// S() is a spec name as a std::string (absl's StrCat here takes no
// std::string_view).
std::string S(std::string_view v) { return std::string(v); }

// ---------------------------------------------------------------------------
// Loading.

absl::StatusOr<ContextDistribution> ToLengths(const pb::Lengths& l, const Fields& f,
                                              absl::string_view field, std::string& label) {
  absl::StatusOr<ContextDistribution> d = absl::InvalidArgumentError("unset");
  switch (l.law_case()) {
    case pb::Lengths::kFixed:
      d = ContextDistribution::Fixed(l.fixed());
      label = absl::StrCat("fixed:", l.fixed());
      break;
    case pb::Lengths::kUniform:
      d = ContextDistribution::Uniform(l.uniform().lo(), l.uniform().hi());
      label = absl::StrCat("uniform:", l.uniform().lo(), ":", l.uniform().hi());
      break;
    case pb::Lengths::kNormal:
      d = ContextDistribution::Normal(TokenCount(l.normal().mean()),
                                      TokenCount(l.normal().stddev()));
      label = absl::StrCat("normal:", l.normal().mean(), ":", l.normal().stddev());
      break;
    case pb::Lengths::kLognormal:
      d = ContextDistribution::LogNormal(TokenCount(l.lognormal().mean()), l.lognormal().sigma());
      label = absl::StrCat("lognormal:", l.lognormal().mean(), ":", l.lognormal().sigma());
      break;
    case pb::Lengths::kFile:
      d = LoadEmpiricalLengths(ResolveInput(l.file()));
      label = absl::StrCat("file:", l.file());
      break;
    default:
      return f.Error(field, "required: one of fixed, uniform, normal, lognormal, file");
  }
  if (!d.ok()) return f.Error(field, d.status().message());
  return d;
}

// ToDType() and ToOverlap() read one entry of a phase's list (the mapping is
// loader/proto_enums.h's). LoadPhase() reads an unset kv_cache_dtype entry
// as the model's dtype before asking; an unset overlap entry is an error here
// (the deployment loader reads an unset overlap as NONE).
absl::StatusOr<DType> ToDType(int v, const Fields& f, absl::string_view field) {
  const std::optional<DType> d = DTypeFromProto(v);
  if (!d.has_value()) return f.Error(field, absl::StrCat("unknown dtype value ", v));
  return *d;
}

absl::StatusOr<Overlap> ToOverlap(int v, const Fields& f, absl::string_view field) {
  const std::optional<Overlap> o = OverlapFromProto(v);
  if (!o.has_value()) {
    return f.Error(field, absl::StrCat("must be NONE, TWO_MICRO_BATCH or RECV_HOOK, got ", v));
  }
  return *o;
}

// Ints() is a repeated degree field, each >= min, or `fallback` when empty.
absl::StatusOr<std::vector<int64_t>> Ints(const google::protobuf::RepeatedField<int64_t>& v,
                                          int64_t min, int64_t fallback, const Fields& f,
                                          absl::string_view field) {
  std::vector<int64_t> out(v.begin(), v.end());
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] < min || out[i] > kMaxInstanceGpus * 64) {
      return f.Error(
          absl::StrCat(field, "[", i, "]"),
          absl::StrCat("must be in [", min, ", ", kMaxInstanceGpus * 64, "], got ", out[i]));
    }
  }
  if (out.empty()) out.push_back(fallback);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::Status LoadPhase(const pb::PhaseSpace& p, bool decode, const Fields& f, absl::string_view at,
                       PhaseSpace& out) {
  const std::string deployment_default =
      decode ? "deployments/seed_decode.textproto" : "deployments/seed_prefill.textproto";
  out.deployment_path = p.has_deployment() ? p.deployment() : deployment_default;
  absl::StatusOr<LoadedDeployment> d = LoadDeployment(ResolveInput(out.deployment_path));
  if (!d.ok()) return f.Error(absl::StrCat(at, ".deployment"), d.status().message());
  out.deployment = d->spec;
  out.workload_path = p.has_workload() ? p.workload() : d->default_workload;
  if (out.workload_path.empty()) {
    return f.Error(absl::StrCat(at, ".workload"),
                   absl::StrCat("required: ", out.deployment_path, " names no default_workload"));
  }
  absl::StatusOr<LoadedWorkload> w = LoadWorkload(ResolveInput(out.workload_path));
  if (!w.ok()) return f.Error(absl::StrCat(at, ".workload"), w.status().message());
  out.workload = w->spec;
  const Parallelism& t = out.deployment.parallel;
  PM_ASSIGN_OR_RETURN(out.attention_tp, Ints(p.attention_tp(), 1, t.attention_tp, f,
                                             absl::StrCat(at, ".attention_tp")));
  PM_ASSIGN_OR_RETURN(out.dense_tp,
                      Ints(p.dense_tp(), 0, t.dense_tp, f, absl::StrCat(at, ".dense_tp")));
  PM_ASSIGN_OR_RETURN(out.moe_tp, Ints(p.moe_tp(), 1, t.moe_tp, f, absl::StrCat(at, ".moe_tp")));
  PM_ASSIGN_OR_RETURN(out.redundant_experts, Ints(p.redundant_experts(), 0, t.redundant_experts, f,
                                                  absl::StrCat(at, ".redundant_experts")));
  for (int i = 0; i < p.overlap_size(); ++i) {
    PM_ASSIGN_OR_RETURN(const Overlap o,
                        ToOverlap(p.overlap(i), f, absl::StrCat(at, ".overlap[", i, "]")));
    if (std::find(out.overlap.begin(), out.overlap.end(), o) == out.overlap.end()) {
      out.overlap.push_back(o);
    }
  }
  if (out.overlap.empty()) out.overlap.push_back(out.deployment.overlap);
  for (int i = 0; i < p.kv_cache_dtype_size(); ++i) {
    std::optional<DType> t;
    if (p.kv_cache_dtype(i) != pb::DTYPE_UNSPECIFIED) {
      PM_ASSIGN_OR_RETURN(
          t, ToDType(p.kv_cache_dtype(i), f, absl::StrCat(at, ".kv_cache_dtype[", i, "]")));
    }
    if (std::find(out.kv_cache_dtype.begin(), out.kv_cache_dtype.end(), t) ==
        out.kv_cache_dtype.end()) {
      out.kv_cache_dtype.push_back(t);
    }
  }
  if (out.kv_cache_dtype.empty()) out.kv_cache_dtype.push_back(out.deployment.kv_cache_dtype);
  PM_ASSIGN_OR_RETURN(out.mtp_draft_tokens,
                      Ints(p.mtp_draft_tokens(), 0, out.workload.mtp_draft_tokens, f,
                           absl::StrCat(at, ".mtp_draft_tokens")));
  if (!decode && p.mtp_draft_tokens_size() > 0) {
    return f.Error(absl::StrCat(at, ".mtp_draft_tokens"),
                   "is a decode field (a P instance's MTP layer follows its workload file)");
  }
  PM_ASSIGN_OR_RETURN(out.chunk_tokens, Ints(p.chunk_tokens(), 0, out.workload.chunk_tokens, f,
                                             absl::StrCat(at, ".chunk_tokens")));
  return absl::OkStatus();
}

absl::StatusOr<SearchSpace> ToSpace(const pb::Search& p, absl::string_view origin) {
  const Fields f(origin);
  // The laws are set below; a ContextDistribution has no empty state.
  SearchSpace s{.input_tokens = *ContextDistribution::Fixed(1),
                .output_tokens = *ContextDistribution::Fixed(1)};
  s.path = std::string(origin);
  s.name = p.has_name() ? p.name() : "search";
  s.model_path = p.has_model() ? p.model() : "models/deepseek_v3.textproto";
  absl::StatusOr<ModelSpec> m = LoadModel(ResolveInput(s.model_path));
  if (!m.ok()) return f.Error("model", m.status().message());
  s.model = *m;
  std::vector<std::string> hw(p.hardware().begin(), p.hardware().end());
  if (hw.empty()) hw.push_back("hw/h200_sxm.textproto");
  for (const std::string& path : hw) {
    absl::StatusOr<LoadedHardware> h = LoadHardware(ResolveInput(path));
    if (!h.ok()) return f.Error("hardware", h.status().message());
    s.gpus.push_back(SearchGpu{path, *std::move(h)});
  }
  PM_ASSIGN_OR_RETURN(s.instance_gpus, Ints(p.instance_gpus(), 1, 8, f, "instance_gpus"));
  s.max_gpus = p.has_max_gpus() ? p.max_gpus() : s.instance_gpus.back();
  for (int i = 0; i < p.mode_size(); ++i) {
    switch (p.mode(i)) {
      case pb::AGGREGATED:
        s.modes.push_back(ServingMode::kAggregated);
        break;
      case pb::DISAGGREGATED:
        s.modes.push_back(ServingMode::kDisaggregated);
        break;
      default:
        return f.Error(absl::StrCat("mode[", i, "]"),
                       absl::StrCat("must be AGGREGATED or DISAGGREGATED, got ", p.mode(i)));
    }
  }
  if (s.modes.empty()) s.modes = {kServingModes.begin(), kServingModes.end()};
  PM_RETURN_IF_ERROR(LoadPhase(p.decode(), true, f, "decode", s.decode));
  PM_RETURN_IF_ERROR(LoadPhase(p.prefill(), false, f, "prefill", s.prefill));
  const pb::SearchWorkload& w = p.workload();
  if (!w.has_input_tokens()) return f.Missing("workload.input_tokens");
  if (!w.has_output_tokens()) return f.Missing("workload.output_tokens");
  PM_ASSIGN_OR_RETURN(s.input_tokens,
                      ToLengths(w.input_tokens(), f, "workload.input_tokens", s.input_label));
  PM_ASSIGN_OR_RETURN(s.output_tokens,
                      ToLengths(w.output_tokens(), f, "workload.output_tokens", s.output_label));
  s.prefix_cache_hit = w.prefix_cache_hit();
  if (w.has_arrival_rate()) s.arrival_rate = Hertz(w.arrival_rate());
  const pb::Constraints& c = p.constraints();
  if (!c.has_ttft_ms()) return f.Missing("constraints.ttft_ms");
  if (!c.has_tpot_ms()) return f.Missing("constraints.tpot_ms");
  s.constraints.ttft = Milliseconds(c.ttft_ms());
  s.constraints.tpot = Milliseconds(c.tpot_ms());
  s.constraints.ttft_percentile = c.has_ttft_percentile() ? c.ttft_percentile() : 0.9;
  if (c.has_min_user_tps()) s.constraints.min_user_tps = TokensPerSec(c.min_user_tps());
  const pb::Acceptance& a = p.acceptance();
  if (a.per_position_size() > static_cast<int>(MtpAcceptance::kMaxPositions)) {
    return f.Error("acceptance.per_position",
                   absl::StrCat("at most ", MtpAcceptance::kMaxPositions, " positions, got ",
                                a.per_position_size()));
  }
  for (const double rate : a.per_position()) {
    s.acceptance.per_position[s.acceptance.positions++] = rate;
  }
  s.acceptance_source = a.source();
  s.batch_max = p.has_batch_max() ? p.batch_max() : 512;
  s.top = p.has_top() ? p.top() : 10;
  PM_RETURN_IF_ERROR(ValidateSearch(s, origin));
  return s;
}

// ---------------------------------------------------------------------------
// Evaluation.

Duration Step(const StepResult& r) { return r.forward + r.host_gap; }

bool FiniteTime(Duration d) {
  const double s = ToSeconds(d);
  return std::isfinite(s) && s > 0.0;
}

// The field a ValidateDeploymentFor() message names ("layout: field: why").
std::string FieldOf(const absl::Status& s) {
  std::vector<absl::string_view> parts = absl::StrSplit(s.message(), absl::MaxSplits(": ", 2));
  return parts.size() >= 2 ? std::string(parts[1]) : std::string("?");
}

// A layout of one phase on one GPU kind and instance size.
struct Layout final {
  int64_t gpu = 0;
  DeploymentSpec deployment;
};

// Layouts() enumerates a phase's layouts, counting the pruned ones.
std::vector<Layout> Layouts(const SearchSpace& space, const PhaseSpace& phase,
                            absl::string_view tag, SearchResult& r) {
  std::vector<Layout> out;
  for (std::size_t gi = 0; gi < space.gpus.size(); ++gi) {
    const HardwareSpec& hw = space.gpus[gi].hardware.spec;
    for (const int64_t g : space.instance_gpus) {
      for (const int64_t tp : phase.attention_tp) {
        for (const int64_t dtp_in : phase.dense_tp) {
          for (const int64_t mtp : phase.moe_tp) {
            for (const int64_t red : phase.redundant_experts) {
              for (const Overlap ov : phase.overlap) {
                for (const std::optional<DType>& kv : phase.kv_cache_dtype) {
                  ++r.layouts;
                  const int64_t dtp = dtp_in == 0 ? g : dtp_in;
                  if (g % tp != 0 || g % dtp != 0 || g % mtp != 0) {
                    ++r.pruned[absl::StrCat(tag, ":tp_not_dividing_gpus")];
                    continue;
                  }
                  DeploymentSpec d = phase.deployment;
                  d.gpus = g;
                  d.parallel = Parallelism{g / tp, tp, dtp, g / mtp, mtp, red};
                  d.overlap = ov;
                  d.kv_cache_dtype = kv;
                  d.name = Name(absl::StrCat(tag, "-g", g, "-tp", tp, "-dtp", dtp, "-ep", g / mtp,
                                             "-", S(OverlapName(ov))));
                  if (absl::Status s = ValidateDeploymentFor(space.model, hw, d, "layout");
                      !s.ok()) {
                    ++r.pruned[absl::StrCat(tag, ":invalid:", FieldOf(s))];
                    continue;
                  }
                  out.push_back(Layout{static_cast<int64_t>(gi), d});
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

// Tracks the configuration that came closest to qualifying.
class Misses final {
 public:
  void Add(std::string constraint, double ratio, std::string detail) {
    if (!best_.has_value() || ratio < best_->ratio) {
      best_ = NearestMiss{std::move(constraint), ratio, std::move(detail)};
    }
  }
  void Add(const NearestMiss& m) { Add(m.constraint, m.ratio, m.detail); }
  const std::optional<NearestMiss>& best() const { return best_; }

 private:
  std::optional<NearestMiss> best_;
};

// The decode side of one layout at drafts d (and, aggregated, chunk c).
class DecodeEvaluator final {
 public:
  // Workload() is the decode workload of `space` at `drafts` (`accepted`
  // tokens per step), every request at the mean context.
  static WorkloadSpec Workload(const SearchSpace& space, int64_t drafts, double accepted) {
    WorkloadSpec w = space.decode.workload;
    w.phase = Phase::kDecode;
    w.mtp_draft_tokens = drafts;
    w.accepted_tokens_per_step = accepted;
    w.prompt_tokens = 0;
    w.chunk_tokens = 0;
    w.prefix_cache_hit = 0.0;
    const double context =
        ToTokens(space.input_tokens.Mean()) + 0.5 * ToTokens(space.output_tokens.Mean());
    w.context_tokens = std::max<int64_t>(1, std::llround(context));
    return w;
  }
  // Plan() is what every evaluator of `layout` shares: its routing, memory
  // and the GEMMs its decode steps run at `drafts` (the most the layout
  // evaluates: the MTP layer's GEMMs run only with drafts, and a plan of
  // more drafts holds every GEMM of fewer). A prompt's prefill (aggregated)
  // works its few prefill GEMMs out.
  static StepPlan Plan(const SearchSpace& space, const Layout& layout, int64_t drafts) {
    const HardwareSpec& hw = space.gpus[static_cast<std::size_t>(layout.gpu)].hardware.spec;
    return PlanStep(
        space.model, hw, layout.deployment, Workload(space, drafts, 1.0),
        StepPlan::kRouting | StepPlan::kMemory | StepPlan::kFactors | StepPlan::kDecodeGemms);
  }

  // `plan` is Plan() of `layout` at `drafts` or more; `scratch` the
  // StepResult every estimate writes (its storage reused across layouts: a
  // StepResult is large to clear).
  DecodeEvaluator(const SearchSpace& space, const Layout& layout, const StepPlan& plan,
                  int64_t drafts, double accepted, SearchResult& r, StepResult& scratch)
      : space_(space),
        hw_(space.gpus[static_cast<std::size_t>(layout.gpu)].hardware.spec),
        d_(layout.deployment),
        r_(r),
        w_(Workload(space, drafts, accepted)),
        plan_(plan),
        result_(scratch) {
    mean_in_ = ToTokens(space.input_tokens.Mean());
    mean_out_ = ToTokens(space.output_tokens.Mean());
    context_ = mean_in_ + 0.5 * mean_out_;
    longest_ = mean_in_ + mean_out_;
  }

  const WorkloadSpec& workload() const { return w_; }

  // Step() is the decode step at batch b (forward + host gap), memoised.
  Duration Step(int64_t b) {
    for (const auto& [batch, t] : steps_) {
      if (batch == b) return t;
    }
    w_.batch_per_dp = b;
    const double sum = context_ * static_cast<double>(b);
    // Time only: the memory is Memory()'s, at the longest context.
    EstimateTimeInto(plan_, space_.model, hw_, d_, w_, StepShape::Decode(w_, b, sum, sum), result_);
    ++r_.estimates;
    ++r_.configurations;
    const Duration t = perfmodel::Step(result_);
    steps_.emplace_back(b, t);
    return t;
  }

  // Memory() is the memory per GPU at batch b, every request at its longest.
  MemoryUse Memory(int64_t b) {
    for (const auto& [batch, m] : memory_) {
      if (batch == b) return m;
    }
    w_.batch_per_dp = b;
    const double sum = longest_ * static_cast<double>(b);
    const MemoryUse m =
        EstimateMemory(plan_, space_.model, hw_, d_, w_, StepShape::Decode(w_, b, sum, sum));
    memory_.emplace_back(b, m);
    return m;
  }

  // PromptPrefill() is one mean prompt's whole prefill on this layout at chunk
  // c (aggregated serving), host gaps included.
  Duration PromptPrefill(int64_t chunk) {
    WorkloadSpec p = w_;
    p.phase = Phase::kPrefill;
    p.batch_per_dp = 1;
    p.context_tokens = 0;
    p.prompt_tokens = std::max<int64_t>(1, std::llround(mean_in_));
    p.chunk_tokens = chunk;
    p.prefix_cache_hit = space_.prefix_cache_hit;
    const StepResult s = EstimatePrefill(plan_, space_.model, hw_, d_, p);
    ++r_.estimates;
    return s.prefill.ttft;
  }

  double mean_in() const { return mean_in_; }
  double mean_out() const { return mean_out_; }

 private:
  const SearchSpace& space_;
  const HardwareSpec& hw_;
  const DeploymentSpec& d_;
  SearchResult& r_;
  WorkloadSpec w_;
  const StepPlan& plan_;  // the layout's (Plan()), shared by its every estimate
  double mean_in_ = 0.0;
  double mean_out_ = 0.0;
  double context_ = 0.0;
  double longest_ = 0.0;
  std::vector<std::pair<int64_t, Duration>> steps_;
  std::vector<std::pair<int64_t, MemoryUse>> memory_;
  StepResult& result_;
};

// The batches a layout reports: 1, 2, 4, ... below `max`, and `max`.
std::vector<int64_t> Ladder(int64_t max) {
  std::vector<int64_t> out;
  for (int64_t b = 1; b < max; b *= 2) out.push_back(b);
  out.push_back(max);
  return out;
}

// EvaluatePrefill() fills r.prefill with the P layouts meeting the TTFT
// percentile target, best (fewest GPU-seconds per prompt) first.
absl::Status EvaluatePrefill(const SearchSpace& space, SearchResult& r, Misses& misses) {
  const std::vector<Layout> layouts = Layouts(space, space.prefill, "prefill", r);
  // The input law's quantiles, as workload/prefill_sweep.h takes them.
  std::vector<int64_t> lengths;
  for (int64_t i = 0; i < kPromptQuantiles; ++i) {
    PM_ASSIGN_OR_RETURN(
        int64_t q, space.input_tokens.Quantile((static_cast<double>(i) + 0.5) / kPromptQuantiles));
    if (space.model.max_context_tokens > 0) q = std::min(q, space.model.max_context_tokens);
    lengths.push_back(std::max<int64_t>(1, q));
  }
  const double mean_in = ToTokens(space.input_tokens.Mean());
  std::vector<Duration> service(lengths.size());
  for (const Layout& layout : layouts) {
    const HardwareSpec& hw = space.gpus[static_cast<std::size_t>(layout.gpu)].hardware.spec;
    const DeploymentSpec& d = layout.deployment;
    const StepPlan plan = PlanStep(space.model, hw, d, space.prefill.workload.routing);
    for (const int64_t chunk : space.prefill.chunk_tokens) {
      WorkloadSpec w = space.prefill.workload;
      w.phase = Phase::kPrefill;
      w.batch_per_dp = 1;
      w.chunk_tokens = chunk;
      w.prefix_cache_hit = space.prefix_cache_hit;
      if (absl::Status s = ValidateWorkloadFor(space.model, w, "prefill"); !s.ok()) {
        ++r.pruned[absl::StrCat("prefill:invalid:", FieldOf(s))];
        continue;
      }
      bool fits = true;
      for (std::size_t i = 0; i < lengths.size(); ++i) {
        if (i > 0 && lengths[i] == lengths[i - 1]) {
          service[i] = service[i - 1];
          continue;
        }
        w.prompt_tokens = lengths[i];
        const StepResult s = EstimatePrefill(plan, space.model, hw, d, w);
        ++r.estimates;
        if (!FiniteTime(s.prefill.ttft)) {
          return absl::InternalError(absl::StrCat("prefill layout ", S(d.name.view()),
                                                  ": prefill time not finite and positive"));
        }
        service[i] = s.prefill.ttft;
        if (i + 1 == lengths.size() && !s.memory.Fits()) fits = false;
      }
      if (!fits) {
        ++r.pruned["prefill:memory"];
        continue;
      }
      const Duration extra = KvTransfer(hw, KvCache(space.model, d), mean_in);
      const MaxRate max =
          MaxArrivalRate(service, space.constraints.ttft, space.constraints.ttft_percentile, extra);
      if (!max.reachable || !(ToHertz(max.rate) > 0.0)) {
        ++r.pruned["prefill:ttft"];
        misses.Add(
            "ttft", ToSeconds(max.ttft_at_rate) / ToSeconds(space.constraints.ttft),
            absl::StrFormat(
                "p%g TTFT %.1f ms with no queueing > %.1f ms (%s, %s)",
                100.0 * space.constraints.ttft_percentile, ToMilliseconds(max.ttft_at_rate),
                ToMilliseconds(space.constraints.ttft),
                S(space.gpus[static_cast<std::size_t>(layout.gpu)].hardware.spec.name.view()),
                S(d.name.view())));
        continue;
      }
      PrefillCandidate c;
      c.gpu = layout.gpu;
      c.deployment = d;
      c.chunk = chunk;
      c.rank_rate = max.rate;
      c.instance_rate = max.rate * static_cast<double>(d.parallel.attention_dp);
      c.ttft = max.ttft_at_rate;
      Duration sum;
      for (const Duration x : service) sum += x;
      c.mean_service = sum / static_cast<double>(service.size());
      c.prompt_tokens_per_gpu =
          TokensPerSec(ToHertz(c.instance_rate) * mean_in / static_cast<double>(d.gpus));
      c.gpu_seconds_per_request = static_cast<double>(d.gpus) / ToHertz(c.instance_rate);
      r.prefill.push_back(c);
    }
  }
  std::stable_sort(r.prefill.begin(), r.prefill.end(),
                   [](const PrefillCandidate& a, const PrefillCandidate& b) {
                     return a.gpu_seconds_per_request < b.gpu_seconds_per_request;
                   });
  return absl::OkStatus();
}

// BestPrefill() is the index of GPU kind `gpu`'s best P layout, if any.
std::optional<std::size_t> BestPrefill(const SearchResult& r, int64_t gpu) {
  for (std::size_t i = 0; i < r.prefill.size(); ++i) {
    if (r.prefill[i].gpu == gpu) return i;
  }
  return std::nullopt;
}

// Why batch b of a decode configuration misses (empty: it qualifies), and by
// how much (achieved / target, > 1).
struct Check final {
  std::string constraint;
  double ratio = 0.0;
  Duration cycle;
  Duration ttft;
};

// EvaluateLayouts() evaluates `layouts` into `points`, counting into `r`
// (its own, when run on a thread); `shared` holds the P layouts.
void EvaluateLayouts(const SearchSpace& space, const SearchResult& shared,
                     std::span<const Layout> layouts, SearchResult& r, Misses& misses,
                     std::vector<Candidate>& points,
                     std::optional<absl::FunctionRef<void(double)>> progress) {
  auto scratch = std::make_unique<StepResult>();
  const bool aggregated = std::find(space.modes.begin(), space.modes.end(),
                                    ServingMode::kAggregated) != space.modes.end();
  const bool disaggregated = std::find(space.modes.begin(), space.modes.end(),
                                       ServingMode::kDisaggregated) != space.modes.end();
  auto last_report = std::chrono::steady_clock::now();
  for (std::size_t li = 0; li < layouts.size(); ++li) {
    if (progress.has_value()) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_report > std::chrono::seconds(1)) {
        (*progress)(static_cast<double>(li) / static_cast<double>(layouts.size()));
        last_report = now;
      }
    }
    const Layout& layout = layouts[li];
    const HardwareSpec& hw = space.gpus[static_cast<std::size_t>(layout.gpu)].hardware.spec;
    const DeploymentSpec& d = layout.deployment;
    const double dp = static_cast<double>(d.parallel.attention_dp);
    const double gpus = static_cast<double>(d.gpus);
    // One mean prompt's prefill per (chunk, MTP or not): a prefill runs the
    // MTP layer once whatever the drafts (perfmodel/layers.h Mtp).
    std::vector<std::tuple<int64_t, bool, Duration>> prompts;
    // The drafts whose workloads are valid, and one plan for them all (at
    // the most of them).
    std::vector<int64_t> valid;
    for (const int64_t drafts : space.decode.mtp_draft_tokens) {
      const WorkloadSpec w =
          DecodeEvaluator::Workload(space, drafts, space.acceptance.ExpectedTokens(drafts));
      if (absl::Status s = ValidateWorkloadFor(space.model, w, "decode"); !s.ok()) {
        ++r.pruned[absl::StrCat("decode:invalid:", FieldOf(s))];
        continue;
      }
      valid.push_back(drafts);
    }
    if (valid.empty()) continue;
    const StepPlan plan =
        DecodeEvaluator::Plan(space, layout, *std::max_element(valid.begin(), valid.end()));
    for (const int64_t drafts : valid) {
      const double a = space.acceptance.ExpectedTokens(drafts);
      DecodeEvaluator ev(space, layout, plan, drafts, a, r, *scratch);
      if (!ev.Memory(1).Fits()) {
        ++r.pruned["decode:weights"];
        continue;
      }
      const double new_tokens = ev.mean_in() * (1.0 - space.prefix_cache_hit);
      struct Mode final {
        ServingMode mode;
        int64_t chunk;
      };
      std::vector<Mode> modes;
      if (disaggregated) modes.push_back({ServingMode::kDisaggregated, 0});
      if (aggregated) {
        for (const int64_t c : space.decode.chunk_tokens) {
          modes.push_back({ServingMode::kAggregated, c});
        }
      }
      for (const Mode& mode : modes) {
        const bool agg = mode.mode == ServingMode::kAggregated;
        Duration prompt;
        if (agg) {
          const bool mtp = drafts > 0;
          auto it = std::find_if(prompts.begin(), prompts.end(), [&](const auto& p) {
            return std::get<0>(p) == mode.chunk && std::get<1>(p) == mtp;
          });
          if (it == prompts.end()) {
            prompts.emplace_back(mode.chunk, mtp, ev.PromptPrefill(mode.chunk));
            it = prompts.end() - 1;
          }
          prompt = std::get<2>(*it);
        }
        const double chunks =
            mode.chunk > 0 ? std::ceil(new_tokens / static_cast<double>(mode.chunk)) : 1.0;
        auto check = [&](int64_t b) {
          Check c;
          const Duration step = ev.Step(b);
          const double finishing = static_cast<double>(b) * a / ev.mean_out();
          c.cycle = step + prompt * finishing;
          c.ttft = agg ? c.cycle * (chunks + 0.5) : Duration::Zero();
          const Duration tpot = c.cycle / a;
          const TokensPerSecond user = TokensPerSec(a / ToSeconds(c.cycle));
          if (tpot > space.constraints.tpot) {
            c.constraint = "tpot";
            c.ratio = ToSeconds(tpot) / ToSeconds(space.constraints.tpot);
          } else if (space.constraints.min_user_tps.has_value() &&
                     user < *space.constraints.min_user_tps) {
            c.constraint = "min_user_tps";
            c.ratio = ToTokensPerSecond(*space.constraints.min_user_tps) / ToTokensPerSecond(user);
          } else if (agg && mode.chunk > 0 &&
                     finishing * new_tokens > static_cast<double>(mode.chunk)) {
            c.constraint = "prefill_backlog";
            c.ratio = finishing * new_tokens / static_cast<double>(mode.chunk);
          } else if (agg && c.ttft > space.constraints.ttft) {
            c.constraint = "ttft";
            c.ratio = ToSeconds(c.ttft) / ToSeconds(space.constraints.ttft);
          } else if (const MemoryUse m = ev.Memory(b); !m.Fits()) {
            c.constraint = "memory";
            c.ratio = ToBytes(m.Total()) / ToBytes(m.capacity);
          }
          return c;
        };
        const Check first = check(1);
        const std::string tag = agg ? "aggregated" : "disaggregated";
        if (!first.constraint.empty()) {
          ++r.pruned[absl::StrCat(tag, ":", first.constraint)];
          misses.Add(
              first.constraint, first.ratio,
              absl::StrFormat("%s %.3fx its target at batch 1 (%s, %s, mtp %d%s)", first.constraint,
                              first.ratio, S(hw.name.view()), S(d.name.view()), drafts,
                              agg ? absl::StrCat(", chunk ", mode.chunk) : std::string()));
          continue;
        }
        const int64_t max =
            LargestTrue(1, space.batch_max, [&](int64_t b) { return check(b).constraint.empty(); });
        const Check beyond = max < space.batch_max ? check(max + 1) : Check{};
        for (const int64_t b : Ladder(max)) {
          const Check c = check(b);
          Candidate x;
          x.mode = mode.mode;
          x.gpu = layout.gpu;
          x.decode = d;
          x.drafts = drafts;
          x.accepted = a;
          x.chunk = mode.chunk;
          x.batch = b;
          x.step = ev.Step(b);
          x.cycle = c.cycle;
          x.tpot = c.cycle / a;
          x.ttft = c.ttft;
          x.user_tps = TokensPerSec(a / ToSeconds(c.cycle));
          x.request_rate =
              Hertz(static_cast<double>(b) * dp * a / ToSeconds(c.cycle) / ev.mean_out());
          x.tokens_per_gpu =
              TokensPerSec(static_cast<double>(b) * dp * a / ToSeconds(c.cycle) / gpus);
          x.memory_per_gpu = ev.Memory(b).Total();
          x.at_limit = b == max;
          x.binding = b == max ? (max == space.batch_max ? "batch_max" : beyond.constraint) : "";
          if (!agg) {
            const std::optional<std::size_t> p = BestPrefill(shared, layout.gpu);
            if (!p.has_value()) continue;  // counted once below
            const PrefillCandidate& pc = shared.prefill[*p];
            x.prefill = static_cast<int64_t>(*p);
            x.ttft = pc.ttft;
            x.p_per_d = ToHertz(x.request_rate) / ToHertz(pc.instance_rate);
            x.tokens_per_gpu = TokensPerSec(
                ev.mean_out() / (gpus / ToHertz(x.request_rate) + pc.gpu_seconds_per_request));
          }
          points.push_back(std::move(x));
        }
        if (!agg && !BestPrefill(shared, layout.gpu).has_value())
          ++r.pruned["disaggregated:no_p_layout"];
      }
    }
  }
}

// EvaluateDecode() enumerates the decode layouts and evaluates them on up to
// one thread per core. The threads take blocks of kLayoutsPerBlock
// consecutive layouts in turn as they finish (the layouts' costs differ by
// their GPUs, so fixed halves left one thread idle), each block with its own
// counts, misses and points, merged in block order: the result is the one a
// single thread gives, point for point.
void EvaluateDecode(const SearchSpace& space, SearchResult& r, Misses& misses,
                    std::vector<Candidate>& points,
                    std::optional<absl::FunctionRef<void(double)>> progress) {
  const std::vector<Layout> layouts = Layouts(space, space.decode, "decode", r);
  const std::size_t cores = space.threads > 0 ? static_cast<std::size_t>(space.threads)
                                              : std::max(1u, std::thread::hardware_concurrency());
  const std::size_t threads =
      std::clamp<std::size_t>(layouts.size() / kLayoutsPerThread, 1, std::min(cores, kMaxThreads));
  if (threads == 1) {
    EvaluateLayouts(space, r, layouts, r, misses, points, progress);
    return;
  }
  struct Part final {
    SearchResult counts;
    Misses misses;
    std::vector<Candidate> points;
  };
  const std::size_t blocks = (layouts.size() + kLayoutsPerBlock - 1) / kLayoutsPerBlock;
  std::vector<Part> parts(blocks);
  std::atomic<std::size_t> next{0};
  // Work() evaluates blocks until none is left; the caller's thread reports
  // the share of blocks taken.
  auto work = [&](bool reports) {
    auto last_report = std::chrono::steady_clock::now();
    for (std::size_t b = next.fetch_add(1); b < blocks; b = next.fetch_add(1)) {
      if (reports && progress.has_value()) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_report > std::chrono::seconds(1)) {
          (*progress)(static_cast<double>(b) / static_cast<double>(blocks));
          last_report = now;
        }
      }
      const std::size_t first = b * kLayoutsPerBlock;
      const std::size_t end = std::min(layouts.size(), first + kLayoutsPerBlock);
      const std::span<const Layout> span(layouts.data() + first, end - first);
      EvaluateLayouts(space, r, span, parts[b].counts, parts[b].misses, parts[b].points, {});
    }
  };
  {
    std::vector<std::thread> workers;
    for (std::size_t t = 1; t < threads; ++t) workers.emplace_back([&] { work(false); });
    work(true);
    for (std::thread& w : workers) w.join();
  }
  for (Part& part : parts) {
    r.estimates += part.counts.estimates;
    r.configurations += part.counts.configurations;
    for (const auto& [reason, n] : part.counts.pruned) r.pruned[reason] += n;
    if (part.misses.best().has_value()) misses.Add(*part.misses.best());
    points.insert(points.end(), std::make_move_iterator(part.points.begin()),
                  std::make_move_iterator(part.points.end()));
  }
}

}  // namespace

absl::string_view ServingModeName(ServingMode m) {
  return m == ServingMode::kAggregated ? "aggregated" : "disaggregated";
}

absl::Status ValidateSearch(const SearchSpace& s, absl::string_view origin) {
  const Fields f(origin);
  if (s.gpus.empty()) return f.Error("hardware", "at least one GPU kind");
  if (s.instance_gpus.empty()) return f.Error("instance_gpus", "at least one instance size");
  for (const int64_t g : s.instance_gpus) {
    if (g < 1 || g > kMaxInstanceGpus) {
      return f.Error("instance_gpus",
                     absl::StrCat("must be in [1, ", kMaxInstanceGpus, "], got ", g));
    }
  }
  if (s.max_gpus < s.instance_gpus.front()) {
    return f.Error("max_gpus", absl::StrCat("must be >= the smallest instance (",
                                            s.instance_gpus.front(), " GPUs), got ", s.max_gpus));
  }
  PM_RETURN_IF_ERROR(
      f.AtMost("max_gpus", s.max_gpus, kMaxSearchGpus, "no system has so many GPUs"));
  if (s.modes.empty()) return f.Error("mode", "at least one serving mode");
  if (!(s.prefix_cache_hit >= 0.0 && s.prefix_cache_hit < 1.0)) {
    return f.Error("workload.prefix_cache_hit",
                   absl::StrCat("must be in [0, 1), got ", s.prefix_cache_hit));
  }
  if (s.arrival_rate.has_value() &&
      !(ToHertz(*s.arrival_rate) > 0.0 && std::isfinite(ToHertz(*s.arrival_rate)))) {
    return f.Error(
        "workload.arrival_rate",
        absl::StrCat("must be a finite rate > 0 requests/s, got ", ToHertz(*s.arrival_rate)));
  }
  for (const auto& [field, d] : {std::pair{"constraints.ttft_ms", s.constraints.ttft},
                                 std::pair{"constraints.tpot_ms", s.constraints.tpot}}) {
    const double ms = ToMilliseconds(d);
    if (!(ms > 0.0) || !std::isfinite(ms)) {
      return f.Error(field, absl::StrCat("must be a finite time > 0 ms, got ", ms));
    }
  }
  if (!(s.constraints.ttft_percentile > 0.0 && s.constraints.ttft_percentile < 1.0)) {
    return f.Error("constraints.ttft_percentile",
                   absl::StrCat("must be in (0, 1), got ", s.constraints.ttft_percentile));
  }
  if (s.constraints.min_user_tps.has_value()) {
    const double v = ToTokensPerSecond(*s.constraints.min_user_tps);
    if (!(v > 0.0) || !std::isfinite(v)) {
      return f.Error("constraints.min_user_tps", absl::StrCat("must be finite and > 0, got ", v));
    }
  }
  for (std::size_t i = 0; i < s.acceptance.positions; ++i) {
    const double p = s.acceptance.per_position[i];
    if (!(p >= 0.0 && p <= 1.0)) {
      return f.Error(absl::StrCat("acceptance.per_position[", i, "]"),
                     absl::StrCat("must be in [0, 1], got ", p));
    }
  }
  for (const int64_t d : s.decode.mtp_draft_tokens) {
    if (d > static_cast<int64_t>(s.acceptance.positions)) {
      return f.Error("decode.mtp_draft_tokens",
                     absl::StrCat(d,
                                  " drafts need an acceptance rate for each position: "
                                  "acceptance.per_position has ",
                                  s.acceptance.positions));
    }
  }
  const int64_t mean_in = std::llround(ToTokens(s.input_tokens.Mean()));
  const int64_t mean_out = std::llround(ToTokens(s.output_tokens.Mean()));
  if (s.model.max_context_tokens > 0 && mean_in + mean_out > s.model.max_context_tokens) {
    return f.Error("workload", absl::StrCat("mean input + output (", mean_in + mean_out,
                                            " tokens) exceeds the model's max_context_tokens (",
                                            s.model.max_context_tokens, ")"));
  }
  if (s.batch_max < 1 || s.batch_max > kMaxSearchBatch) {
    return f.Error("batch_max",
                   absl::StrCat("must be in [1, ", kMaxSearchBatch, "], got ", s.batch_max));
  }
  if (s.threads < 0 || s.threads > static_cast<int64_t>(kMaxThreads)) {
    return f.Error("threads", absl::StrCat("must be in [0, ", kMaxThreads, "], got ", s.threads));
  }
  if (s.top < 1 || s.top > kMaxSearchTop) {
    return f.Error("top", absl::StrCat("must be in [1, ", kMaxSearchTop, "], got ", s.top));
  }
  return absl::OkStatus();
}

absl::StatusOr<SearchSpace> ParseSearch(absl::string_view text, absl::string_view origin) {
  PM_ASSIGN_OR_RETURN(const pb::Search p, ParseTextproto<pb::Search>(text, origin));
  return ToSpace(p, origin);
}

absl::StatusOr<SearchSpace> LoadSearch(absl::string_view path) {
  PM_ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  return ParseSearch(text, path);
}

PdSizing SizePd(Frequency lambda_p, int64_t gpus_p, Frequency lambda_d, int64_t gpus_d,
                Tokens mean_output, int64_t max_gpus, std::optional<Frequency> arrival_rate) {
  PdSizing best;
  const double lp = ToHertz(lambda_p);
  const double ld = ToHertz(lambda_d);
  auto evaluate = [&](int64_t np, int64_t nd) {
    PdSizing s;
    s.p_instances = np;
    s.d_instances = nd;
    s.gpus = np * gpus_p + nd * gpus_d;
    s.request_rate = Hertz(std::min(static_cast<double>(np) * lp, static_cast<double>(nd) * ld));
    s.tokens_per_gpu =
        TokensPerSec(ToHertz(s.request_rate) * ToTokens(mean_output) / static_cast<double>(s.gpus));
    return s;
  };
  if (arrival_rate.has_value()) {
    const double rate = ToHertz(*arrival_rate);
    // The instances in double first: a rate far above one instance's
    // overflowed the cast to int64_t (arrival_rate: 1e300, UBSan in
    // //fuzz:search_fuzzer); beyond any system, gpus stays 0.
    const double np = std::max(1.0, std::ceil(rate / lp));
    const double nd = std::max(1.0, std::ceil(rate / ld));
    if (np * static_cast<double>(gpus_p) + nd * static_cast<double>(gpus_d) <=
        static_cast<double>(kMaxSearchGpus)) {
      best = evaluate(static_cast<int64_t>(np), static_cast<int64_t>(nd));
    }
    best.basis = absl::StrFormat("arrival_rate %g requests/s", rate);
    return best;
  }
  // For n_P P instances the best n_D is on either side of the balance n_P λ_P
  // / λ_D (see the header): two pairs per n_P (the same one twice changes
  // nothing), in the order of the exhaustive scan over every (n_P, n_D) this
  // replaces, whose (max_gpus / g)^2 pairs did not finish in 30 s at max_gpus
  // 10^8 (a timeout under //fuzz:search_fuzzer).
  for (int64_t np = 1; np * gpus_p + gpus_d <= max_gpus; ++np) {
    const double most = static_cast<double>((max_gpus - np * gpus_p) / gpus_d);
    const double balance = static_cast<double>(np) * lp / ld;
    const auto below = static_cast<int64_t>(std::clamp(std::floor(balance), 1.0, most));
    const auto above = static_cast<int64_t>(std::clamp(std::ceil(balance), 1.0, most));
    for (const int64_t nd : {below, above}) {
      const PdSizing s = evaluate(np, nd);
      if (best.gpus == 0 || s.tokens_per_gpu > best.tokens_per_gpu ||
          (s.tokens_per_gpu == best.tokens_per_gpu && s.request_rate > best.request_rate)) {
        best = s;
      }
    }
  }
  best.basis = absl::StrCat("max_gpus ", max_gpus);
  return best;
}

absl::StatusOr<SearchResult> RunSearch(const SearchSpace& space,
                                       std::optional<absl::FunctionRef<void(double)>> progress) {
  PM_RETURN_IF_ERROR(ValidateSearch(space, space.path));
  const auto start = std::chrono::steady_clock::now();
  SearchResult r;
  Misses misses;
  if (std::find(space.modes.begin(), space.modes.end(), ServingMode::kDisaggregated) !=
      space.modes.end()) {
    PM_RETURN_IF_ERROR(EvaluatePrefill(space, r, misses));
  }
  std::vector<Candidate> points;
  EvaluateDecode(space, r, misses, points, progress);
  for (const Candidate& c : points) {
    if (!FiniteTime(c.cycle)) {
      return absl::InternalError(absl::StrCat("decode layout ", S(c.decode.name.view()),
                                              ": step time not finite and positive"));
    }
  }
  r.wall = Seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (points.empty()) {
    r.nearest_miss = misses.best();
    std::string why = "no configuration meets the constraints";
    if (r.nearest_miss.has_value()) {
      absl::StrAppend(&why, "; binding: ", r.nearest_miss->constraint,
                      ", nearest miss: ", r.nearest_miss->detail);
    } else {
      absl::StrAppend(&why, "; every layout was pruned (see the pruned counts)");
    }
    return absl::ResourceExhaustedError(why);
  }
  // Points are sorted as (key, key, index) triples (a Candidate is large to
  // move, and an indirect comparison reads two of them); the index breaks
  // ties, so the order is the one a stable sort gives.
  struct Key final {
    double first = 0.0, second = 0.0;
    std::size_t index = 0;
  };
  auto sorted = [&](auto first, auto second) {
    std::vector<Key> keys(points.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      keys[i] = Key{first(points[i]), second(points[i]), i};
    }
    std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
      if (a.first != b.first) return a.first > b.first;
      if (a.second != b.second) return a.second > b.second;
      return a.index < b.index;
    });
    return keys;
  };
  const auto user = [](const Candidate& c) { return ToTokensPerSecond(c.user_tps); };
  const auto per_gpu = [](const Candidate& c) { return ToTokensPerSecond(c.tokens_per_gpu); };
  // The front: no other point has both more tokens/s per GPU and per user.
  TokensPerSecond best_gpu = TokensPerSec(-1.0);
  for (const Key& k : sorted(user, per_gpu)) {
    if (points[k.index].tokens_per_gpu > best_gpu) {
      r.pareto.push_back(points[k.index]);
      best_gpu = points[k.index].tokens_per_gpu;
    }
  }
  std::reverse(r.pareto.begin(), r.pareto.end());
  // The top: each (layout, drafts, chunk, mode)'s best point, best first:
  // the most tokens/s per GPU, then per user.
  std::vector<std::size_t> order;
  order.reserve(points.size());
  for (const Key& k : sorted(per_gpu, user)) order.push_back(k.index);
  absl::flat_hash_map<std::string, bool> seen;
  for (const std::size_t i : order) {
    const Candidate& c = points[i];
    const std::string k = absl::StrCat(
        ServingModeName(c.mode), c.gpu, S(c.decode.name.view()),
        c.decode.parallel.redundant_experts,
        c.decode.kv_cache_dtype.has_value() ? S(DTypeName(*c.decode.kv_cache_dtype)) : "model",
        c.drafts, "/", c.chunk);
    if (seen.contains(k)) continue;
    seen[k] = true;
    r.top.push_back(c);
    if (static_cast<int64_t>(r.top.size()) >= space.top) break;
  }
  const Candidate& winner = r.top.front();
  if (winner.mode == ServingMode::kDisaggregated && winner.prefill >= 0) {
    const PrefillCandidate& p = r.prefill[static_cast<std::size_t>(winner.prefill)];
    r.sizing = SizePd(p.instance_rate, p.deployment.gpus, winner.request_rate, winner.decode.gpus,
                      space.output_tokens.Mean(), space.max_gpus, space.arrival_rate);
  }
  r.wall = Seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return r;
}

std::string LayoutName(const SearchSpace& space, const Candidate& c) {
  const DeploymentSpec& d = c.decode;
  std::string s =
      absl::StrCat(S(space.gpus[static_cast<std::size_t>(c.gpu)].hardware.spec.name.view()), " g",
                   d.gpus, " dp", d.parallel.attention_dp, " tp", d.parallel.attention_tp, " dtp",
                   d.parallel.dense_tp, " ep", d.parallel.moe_ep);
  if (d.parallel.moe_tp > 1) absl::StrAppend(&s, " mtp", d.parallel.moe_tp);
  if (d.parallel.redundant_experts > 0) absl::StrAppend(&s, " red", d.parallel.redundant_experts);
  absl::StrAppend(&s, " ", S(OverlapName(d.overlap)),
                  " kv:", S(DTypeName(KvCacheDType(space.model, d))), " mtp", c.drafts);
  if (c.mode == ServingMode::kAggregated) absl::StrAppend(&s, " chunk", c.chunk);
  absl::StrAppend(&s, " b", c.batch);
  return s;
}

namespace {

Value Ms(Duration d, int decimals = 2) { return Value::Number(ToMilliseconds(d), decimals); }
Value Tps(TokensPerSecond t, int decimals = 1) {
  return Value::Number(ToTokensPerSecond(t), decimals);
}

std::string PrefillName(const SearchSpace& space, const PrefillCandidate& p) {
  const DeploymentSpec& d = p.deployment;
  return absl::StrCat(S(space.gpus[static_cast<std::size_t>(p.gpu)].hardware.spec.name.view()),
                      " g", d.gpus, " dp", d.parallel.attention_dp, " tp", d.parallel.attention_tp,
                      " dtp", d.parallel.dense_tp, " ep", d.parallel.moe_ep, " ",
                      S(OverlapName(d.overlap)), " chunk", p.chunk);
}

const std::vector<std::string> kCandidateColumns = {
    "rank",           "mode",     "configuration", "gpus_d",    "batch_per_dp",
    "mtp_drafts",     "accepted", "tpot_ms",       "ttft_ms",   "user_tps",
    "tokens_per_gpu", "p_layout", "p_per_d",       "memory_gb", "binding"};

std::vector<Value> CandidateRow(const SearchSpace& space, const SearchResult& r, const Candidate& c,
                                int64_t rank) {
  std::string p_layout;
  if (c.prefill >= 0) p_layout = PrefillName(space, r.prefill[static_cast<std::size_t>(c.prefill)]);
  return {rank,
          std::string(ServingModeName(c.mode)),
          LayoutName(space, c),
          c.decode.gpus,
          c.batch,
          c.drafts,
          Value::Number(c.accepted, 3),
          Ms(c.tpot),
          Ms(c.ttft, 1),
          Tps(c.user_tps),
          Tps(c.tokens_per_gpu),
          p_layout,
          c.prefill >= 0 ? Value::Number(c.p_per_d, 3) : Value(),
          Value::Number(ToGigabytes(c.memory_per_gpu), 1),
          c.binding};
}

render::Table CandidateTable(const SearchSpace& space, const SearchResult& r,
                             const std::vector<Candidate>& cs, std::string name,
                             std::string title) {
  render::Table t{.name = std::move(name), .title = std::move(title), .columns = kCandidateColumns};
  int64_t rank = 1;
  for (const Candidate& c : cs) t.rows.push_back(CandidateRow(space, r, c, rank++));
  return t;
}

}  // namespace

render::Document SearchDocument(const SearchSpace& space, const SearchResult& r) {
  render::Document doc;
  render::Record q{.name = "search", .title = "Configuration search"};
  std::vector<std::string> gpus;
  for (const SearchGpu& g : space.gpus) gpus.push_back(S(g.hardware.spec.name.view()));
  std::vector<std::string> sizes;
  for (const int64_t g : space.instance_gpus) sizes.push_back(absl::StrCat(g));
  std::vector<std::string> modes;
  for (const ServingMode m : space.modes) modes.push_back(std::string(ServingModeName(m)));
  q.Add("name", space.name)
      .Add("model", S(space.model.name.view()))
      .Add("gpus", absl::StrJoin(gpus, ","))
      .Add("instance_gpus", absl::StrJoin(sizes, ","))
      .Add("max_gpus", space.max_gpus)
      .Add("modes", absl::StrJoin(modes, ","))
      .Add("input_tokens", space.input_label)
      .Add("output_tokens", space.output_label)
      .Add("prefix_cache_hit", Value::Number(space.prefix_cache_hit, 3))
      .Add("ttft_ms", Ms(space.constraints.ttft, 1),
           absl::StrCat("at p", space.constraints.ttft_percentile * 100.0))
      .Add("tpot_ms", Ms(space.constraints.tpot, 1))
      .Add("acceptance", space.acceptance_source)
      .Add("layouts", r.layouts, "decode and prefill layouts enumerated")
      .Add("estimates", r.estimates, "step and prefill estimates run")
      .Add("configurations", r.configurations, "(layout, drafts, batch) points evaluated");
  doc.Add(q);
  render::Table pruned{.name = "pruned", .title = "Pruned", .columns = {"reason", "count"}};
  for (const auto& [reason, n] : r.pruned) pruned.rows.push_back({reason, n});
  doc.Add(pruned);
  doc.Add(CandidateTable(space, r, r.top, "top", "Top configurations (output tokens/s per GPU)"));
  doc.Add(CandidateTable(space, r, r.pareto, "pareto",
                         "Pareto front: tokens/s per GPU against tokens/s per user"));
  render::Table p{.name = "prefill",
                  .title = "P layouts meeting TTFT (disaggregated), best first",
                  .columns = {"configuration", "gpus", "rank_rate_rps", "instance_rate_rps",
                              "ttft_ms", "mean_prefill_ms", "prompt_tokens_per_gpu"}};
  for (std::size_t i = 0; i < r.prefill.size() && static_cast<int64_t>(i) < space.top; ++i) {
    const PrefillCandidate& c = r.prefill[i];
    p.rows.push_back({PrefillName(space, c), c.deployment.gpus,
                      Value::Number(ToHertz(c.rank_rate), 3),
                      Value::Number(ToHertz(c.instance_rate), 3), Ms(c.ttft, 1),
                      Ms(c.mean_service, 1), Tps(c.prompt_tokens_per_gpu, 0)});
  }
  doc.Add(p);
  render::Record s{.name = "pd_sizing", .title = "P:D sizing of the best configuration"};
  if (r.sizing.has_value()) {
    const Candidate& w = r.top.front();
    s.Add("p_per_d", Value::Number(w.p_per_d, 3), "P instances per D instance that balance them")
        .Add("basis", r.sizing->basis)
        .Add("p_instances", r.sizing->p_instances)
        .Add("d_instances", r.sizing->d_instances)
        .Add("gpus", r.sizing->gpus)
        .Add("requests_per_s", Value::Number(ToHertz(r.sizing->request_rate), 2))
        .Add("tokens_per_gpu", Tps(r.sizing->tokens_per_gpu), "in whole instances");
  } else {
    s.Add("p_per_d", Value(), "the best configuration is aggregated");
  }
  doc.Add(s);
  return doc;
}

std::string ParetoCsv(const SearchSpace& space, const SearchResult& r) {
  render::Document d;
  d.Add(CandidateTable(space, r, r.pareto, "pareto", ""));
  return render::Render(d, render::Format::kCsv);
}

std::string ParetoJson(const SearchSpace& space, const SearchResult& r) {
  render::Document d;
  d.Add(CandidateTable(space, r, r.pareto, "pareto", ""));
  return render::Render(d, render::Format::kJson);
}

std::string ParetoSvg(const SearchSpace& space, const SearchResult& r) {
  svg::Figure f{.title = absl::StrCat("Pareto front: ", S(space.model.name.view())),
                .subtitle = absl::StrFormat("ISL %s, OSL %s, TTFT <= %.0f ms, TPOT <= %.0f ms",
                                            space.input_label, space.output_label,
                                            ToMilliseconds(space.constraints.ttft),
                                            ToMilliseconds(space.constraints.tpot)),
                .x_label = "output tokens/s per user"};
  svg::Panel& p = f.panels.emplace_back();
  p.y_label = "output tokens/s per GPU";
  for (const ServingMode m : kServingModes) {
    svg::Series s{.name = absl::StrCat(ServingModeName(m), " (top)"),
                  .css_class = absl::StrCat("points-", ServingModeName(m)),
                  .color = m == ServingMode::kAggregated ? "#ff7f0e" : "#1f77b4",
                  .scatter = true};
    for (const Candidate& c : r.top) {
      if (c.mode == m) {
        s.points.emplace_back(ToTokensPerSecond(c.user_tps), ToTokensPerSecond(c.tokens_per_gpu));
      }
    }
    if (!s.points.empty()) p.series.push_back(std::move(s));
  }
  svg::Series front{.name = "Pareto front", .css_class = "pareto", .color = "#2ca02c"};
  for (const Candidate& c : r.pareto) {
    front.points.emplace_back(ToTokensPerSecond(c.user_tps), ToTokensPerSecond(c.tokens_per_gpu));
  }
  p.series.push_back(std::move(front));
  if (!r.top.empty()) {
    const Candidate& w = r.top.front();
    p.markers.push_back({.name = "best",
                         .css_class = "best",
                         .color = "#000000",
                         .x = ToTokensPerSecond(w.user_tps),
                         .y = ToTokensPerSecond(w.tokens_per_gpu)});
  }
  return svg::Render(f);
}

absl::StatusOr<WinnerFiles> WinnerTextprotos(const SearchSpace& space, const SearchResult& r,
                                             const Candidate& c, const std::string& stem) {
  WinnerFiles out;
  const std::string source =
      absl::StrCat("perfmodel search ", space.path, ": ", LayoutName(space, c));
  WorkloadSpec w = space.decode.workload;
  w.phase = Phase::kDecode;
  w.name = Name(absl::StrCat("search-", ServingModeName(c.mode), "-b", c.batch, "-mtp", c.drafts));
  w.batch_per_dp = c.batch;
  w.mtp_draft_tokens = c.drafts;
  w.accepted_tokens_per_step = c.accepted;
  w.context_tokens = std::max<int64_t>(1, std::llround(ToTokens(space.input_tokens.Mean()) +
                                                       0.5 * ToTokens(space.output_tokens.Mean())));
  w.prompt_tokens = 0;
  w.chunk_tokens = 0;
  w.prefix_cache_hit = 0.0;
  const std::string decode_workload = stem + ".workload.textproto";
  out.files.emplace_back(stem + ".textproto",
                         DeploymentTextproto(c.decode, source, decode_workload));
  out.files.emplace_back(decode_workload, WorkloadTextproto(w, source));
  if (c.prefill >= 0) {
    const PrefillCandidate& p = r.prefill[static_cast<std::size_t>(c.prefill)];
    WorkloadSpec pw = space.prefill.workload;
    pw.phase = Phase::kPrefill;
    pw.name = Name(absl::StrCat("search-prefill-chunk", p.chunk));
    pw.batch_per_dp = 1;
    pw.context_tokens = 0;
    pw.prompt_tokens = std::max<int64_t>(1, std::llround(ToTokens(space.input_tokens.Mean())));
    pw.chunk_tokens = p.chunk;
    pw.prefix_cache_hit = space.prefix_cache_hit;
    const std::string prefill_workload = stem + ".prefill.workload.textproto";
    out.files.emplace_back(stem + ".prefill.textproto",
                           DeploymentTextproto(p.deployment,
                                               absl::StrCat("perfmodel search ", space.path, ": ",
                                                            PrefillName(space, p)),
                                               prefill_workload));
    out.files.emplace_back(prefill_workload, WorkloadTextproto(pw, source));
  }
  return out;
}

absl::StatusOr<render::Document> ExplainDeployment(const SearchSpace& space, const SearchResult& r,
                                                   const DeploymentSpec& deployment,
                                                   const WorkloadSpec& workload,
                                                   absl::string_view origin) {
  const HardwareSpec& hw = space.gpus.front().hardware.spec;
  PM_RETURN_IF_ERROR(ValidateDeploymentFor(space.model, hw, deployment, origin));
  const int64_t drafts = workload.mtp_draft_tokens;
  if (drafts > static_cast<int64_t>(space.acceptance.positions) && drafts > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ": mtp_draft_tokens: ", drafts, " drafts, but the search's acceptance model has ",
        space.acceptance.positions, " positions"));
  }
  SearchResult counts;
  const Layout layout{0, deployment};
  const double a = space.acceptance.ExpectedTokens(drafts);
  PM_RETURN_IF_ERROR(
      ValidateWorkloadFor(space.model, DecodeEvaluator::Workload(space, drafts, a), origin));
  auto scratch = std::make_unique<StepResult>();
  const StepPlan plan = DecodeEvaluator::Plan(space, layout, drafts);
  DecodeEvaluator ev(space, layout, plan, drafts, a, counts, *scratch);
  const int64_t b = workload.batch_per_dp;
  const Duration step = ev.Step(b);
  const Duration tpot = step / a;
  const TokensPerSecond user = TokensPerSec(a / ToSeconds(step));
  const double dp = static_cast<double>(deployment.parallel.attention_dp);
  const double gpus = static_cast<double>(deployment.gpus);
  const double request_rate = static_cast<double>(b) * dp * a / ToSeconds(step) / ev.mean_out();
  // Per GPU of the whole system: with the search's best P layout on this GPU
  // kind, as the disaggregated points are; else the D instance alone.
  const std::optional<std::size_t> p = BestPrefill(r, 0);
  const TokensPerSecond per_gpu =
      p.has_value() ? TokensPerSec(ev.mean_out() /
                                   (gpus / request_rate + r.prefill[*p].gpu_seconds_per_request))
                    : TokensPerSec(request_rate * ev.mean_out() / gpus);
  const MemoryUse memory = ev.Memory(b);
  std::vector<std::string> misses;
  if (tpot > space.constraints.tpot) {
    misses.push_back(absl::StrFormat("tpot %.2f ms > %.2f ms (x%.3f)", ToMilliseconds(tpot),
                                     ToMilliseconds(space.constraints.tpot),
                                     ToSeconds(tpot) / ToSeconds(space.constraints.tpot)));
  }
  if (space.constraints.min_user_tps.has_value() && user < *space.constraints.min_user_tps) {
    misses.push_back(absl::StrFormat("user tokens/s %.1f < %.1f", ToTokensPerSecond(user),
                                     ToTokensPerSecond(*space.constraints.min_user_tps)));
  }
  if (!memory.Fits()) {
    misses.push_back(absl::StrFormat("memory %.1f GB > %.1f GB", ToGigabytes(memory.Total()),
                                     ToGigabytes(memory.capacity)));
  }
  // The front's best tokens/s per GPU at this per-user speed or faster.
  std::optional<Candidate> front;
  for (const Candidate& c : r.pareto) {
    if (c.user_tps >= user && (!front.has_value() || c.tokens_per_gpu > front->tokens_per_gpu)) {
      front = c;
    }
  }
  render::Document doc;
  render::Record rec{.name = "explain", .title = absl::StrCat("Explain ", origin)};
  rec.Add("deployment", S(deployment.name.view()))
      .Add("batch_per_dp", b)
      .Add("mtp_drafts", drafts)
      .Add("accepted", Value::Number(a, 3), "from the search's acceptance model")
      .Add("tpot_ms", Ms(tpot))
      .Add("user_tps", Tps(user))
      .Add("tokens_per_gpu", Tps(per_gpu),
           p.has_value() ? "with the search's best P layout" : "the D instance alone")
      .Add("memory_gb", Value::Number(ToGigabytes(memory.Total()), 1))
      .Add("misses", misses.empty() ? std::string("none") : absl::StrJoin(misses, "; "));
  if (front.has_value()) {
    rec.Add("front_tokens_per_gpu", Tps(front->tokens_per_gpu),
            absl::StrCat("the front at >= this per-user speed: ", LayoutName(space, *front)))
        .Add(
            "share_of_front",
            Value::Number(ToTokensPerSecond(per_gpu) / ToTokensPerSecond(front->tokens_per_gpu), 3),
            "its tokens/s per GPU over the front's; > 1: beyond the searched space's front");
  } else {
    rec.Add("front_tokens_per_gpu", Value(), "no front point is this fast per user");
  }
  doc.Add(rec);
  return doc;
}

}  // namespace perfmodel
