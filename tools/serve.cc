// serve: a request-level serving simulation (sim/sim.h) on the embedding
// API: requests arrive (Poisson, gamma-bursty, or a trace), are routed to a
// DP rank, prefilled and decoded with continuous batching, in one pool
// (aggregated), a P and a D pool (disaggregated), or a D pool alone (decode);
// every forward's time is the cost model's for the batch of that moment.
//
//   bazel run //tools:serve     # the seed's decode node (DeepSeek-V3, 64 H200, DP64/EP64, MTP 2)
//                               # under Poisson load at the concurrency the sweep found
//   bazel run //tools:serve -- --mode=aggregated --deployment=deployments/seed_prefill.textproto
//       --rate=4 --isl=lognormal:4096:1 --osl=fixed:1024 --cdf_svg=cdf.svg
//   bazel run //tools:serve -- --arrival=trace --trace=AzureLLMInferenceTrace_conv.csv
//   bazel run //tools:serve -- --concurrency=256 --requests=5000   # closed loop
//
// Default load: with no --rate, --concurrency or trace, the arrival rate is
// Little's law at the decode sweep's answer: the largest batch per DP rank
// meeting the TPOT target (//tools:sweep at context ISL + OSL/2), times the
// ranks, over one request's decode time (OSL x that batch's TPOT).
//
// Exit codes (cli/cli.h): 0; 2 for bad flags or input (one line on stderr
// naming the flag, or the trace's file, line and field); 3 when a request's
// KV cache cannot fit a rank. Nothing on stdout and no file written on 2 and 3.
// Progress lines on stderr only when stderr is a terminal and the run passes
// a second.

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "base/paths.h"
#include "base/status_macros.h"
#include "cli/cli.h"
#include "cli/enum_flag.h"
#include "cli/flags.h"
#include "loader/setup.h"
#include "perfmodel/perfmodel.h"
#include "report/render.h"
#include "sim/arrivals.h"
#include "sim/sim.h"
#include "sim/sim_report.h"
#include "workload/sweep.h"

// --mode and --routing by sim.h's name tables (found by argument-dependent
// lookup in the enums' namespace).
namespace perfmodel::sim {
bool AbslParseFlag(absl::string_view text, Mode* m, std::string* error) {
  return ParseEnumFlag(text, kModes, ModeName, "mode", m, error);
}
std::string AbslUnparseFlag(Mode m) { return UnparseEnumFlag(m, ModeName); }
bool AbslParseFlag(absl::string_view text, Routing* r, std::string* error) {
  return ParseEnumFlag(text, kRoutings, RoutingName, "routing", r, error);
}
std::string AbslUnparseFlag(Routing r) { return UnparseEnumFlag(r, RoutingName); }
}  // namespace perfmodel::sim

ABSL_FLAG(std::string, model, "models/deepseek_v3.textproto", "model textproto");
ABSL_FLAG(std::string, hw, "hw/h200_sxm.textproto", "hardware textproto");
ABSL_FLAG(std::string, deployment, "deployments/seed_decode.textproto",
          "the decode (or aggregated) pool's deployment textproto");
ABSL_FLAG(std::string, workload, "",
          "its workload textproto (MTP drafts, host gap); default: the deployment's");
ABSL_FLAG(int64_t, instances, 1, "instances of --deployment in the pool");
ABSL_FLAG(perfmodel::sim::Mode, mode, perfmodel::sim::Mode::kDecodeOnly,
          "decode (a D pool; requests arrive prefilled), aggregated, or disaggregated");
ABSL_FLAG(std::string, prefill_deployment, "deployments/seed_prefill.textproto",
          "disaggregated: the P pool's deployment");
ABSL_FLAG(std::string, prefill_workload, "", "disaggregated: the P pool's workload");
ABSL_FLAG(int64_t, prefill_instances, 1, "disaggregated: instances in the P pool");
ABSL_FLAG(std::string, arrival, "poisson", "poisson, gamma (bursty, --cv) or trace (--trace)");
ABSL_FLAG(std::optional<double>, rate, std::nullopt,
          "requests/s into the system; default: Little's law at the sweep's batch");
ABSL_FLAG(double, cv, 2.0, "gamma: coefficient of variation of the inter-arrival time");
ABSL_FLAG(std::string, trace, "",
          "trace CSV: TIMESTAMP,ContextTokens,GeneratedTokens (Azure) or "
          "arrival_s,input_tokens,output_tokens");
ABSL_FLAG(int64_t, requests, 40000, "requests to simulate (poisson, gamma)");
ABSL_FLAG(int64_t, concurrency, 0, "closed loop: keep this many requests in flight (0: open)");
ABSL_FLAG(perfmodel::ContextSpec, isl, perfmodel::ContextSpec{.tokens = 3072},
          "input length law: fixed:N, uniform:LO:HI, normal:MEAN:STD, lognormal:MEAN:SIGMA");
ABSL_FLAG(perfmodel::ContextSpec, osl, perfmodel::ContextSpec{.tokens = 2048},
          "output length law, as --isl");
ABSL_FLAG(perfmodel::sim::Routing, routing, perfmodel::sim::Routing::kRoundRobin,
          "arrivals to DP ranks: round_robin, least_loaded, shortest_queue");
ABSL_FLAG(int64_t, max_batch, 256, "running requests per DP rank, at most");
ABSL_FLAG(int64_t, token_budget, 8192, "prefill tokens per DP rank per forward (the chunk)");
ABSL_FLAG(double, prefix_cache_hit, 0.0, "share of each prompt found cached, [0, 1)");
ABSL_FLAG(bool, mixed_chunks, false,
          "aggregated: prefill chunks ride in the decode forwards (vLLM's chunked prefill); "
          "false: prefill and decode forwards alternate (SGLang's default)");
ABSL_FLAG(std::vector<std::string>, acceptance, {},
          "MTP acceptance per draft position (p1,p2,...); default: one rate giving the "
          "workload's accepted tokens per step");
ABSL_FLAG(uint64_t, seed, 1, "seed of the arrivals and the acceptance draws");
ABSL_FLAG(std::optional<double>, ttft_ms, std::nullopt, "goodput: TTFT target, ms");
ABSL_FLAG(std::optional<double>, tpot_ms, std::nullopt,
          "goodput: TPOT target, ms; default: the sweep's SLA (deployments/seed_sla.textproto)");
ABSL_FLAG(double, trim, 0.1, "share of requests left out of the statistics at each end");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");
ABSL_FLAG(std::string, cdf_svg, "", "write the latency CDFs to this SVG file");
ABSL_FLAG(std::string, occupancy_svg, "", "write queue and KV occupancy over time to this SVG");
ABSL_FLAG(std::string, occupancy_csv, "", "write queue and KV occupancy over time as CSV");
ABSL_FLAG(std::string, requests_csv, "", "write one row per request as CSV");

namespace perfmodel {
namespace {

absl::StatusOr<MtpAcceptance> ParseAcceptance(const std::vector<std::string>& v) {
  MtpAcceptance a;
  for (const std::string& s : v) {
    double p = 0.0;
    if (!absl::SimpleAtod(s, &p) || !(p >= 0.0 && p <= 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--acceptance: '", s, "' is not a rate in [0, 1]"));
    }
    if (a.positions == MtpAcceptance::kMaxPositions) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--acceptance: at most ", MtpAcceptance::kMaxPositions, " positions, got ", v.size()));
    }
    a.per_position[a.positions++] = p;
  }
  return a;
}

absl::StatusOr<ContextDistribution> Law(const char* flag, const ContextSpec& spec) {
  absl::StatusOr<ContextDistribution> d = ContextFromSpec(spec);
  if (!d.ok()) return WithFlag(flag, d.status());
  return d;
}

sim::LengthLaw Sampler(ContextDistribution d) {
  return [d = std::move(d)](std::mt19937_64& rng) { return d.Sample(rng); };
}

// The decode sweep at the simulated mean context: its TPOT target (the
// --tpot_ms flag, or its SLA file's) and the largest batch per DP rank
// meeting it, when one does.
struct SweepAnswer final {
  Duration tpot_target;
  std::optional<BatchPoint> at_max;
};

absl::StatusOr<SweepAnswer> RunDecodeSweep(const Setup& setup, double mean_context) {
  SweepOptions o;
  o.tpot_ms = absl::GetFlag(FLAGS_tpot_ms);
  PM_ASSIGN_OR_RETURN(ContextDistribution c,
                      ContextDistribution::Fixed(std::llround(std::max(mean_context, 1.0))));
  o.context = std::move(c);
  PM_ASSIGN_OR_RETURN(const SweepConfig config, MakeSweepConfig(o, setup));
  PM_ASSIGN_OR_RETURN(const SweepResult result, RunSweep(setup, config));
  return SweepAnswer{Seconds(1.0) / ToTokensPerSecond(config.sla.user_output_tps), result.at_max};
}

absl::Status Run(const ToolContext&, ToolOutput& out) {
  const sim::Mode mode = absl::GetFlag(FLAGS_mode);
  const sim::Routing routing = absl::GetFlag(FLAGS_routing);
  PM_ASSIGN_OR_RETURN(const MtpAcceptance acceptance,
                      ParseAcceptance(absl::GetFlag(FLAGS_acceptance)));
  PM_ASSIGN_OR_RETURN(const Setup setup, LoadSetup({.model = absl::GetFlag(FLAGS_model),
                                                    .hardware = absl::GetFlag(FLAGS_hw),
                                                    .deployment = absl::GetFlag(FLAGS_deployment),
                                                    .workload = absl::GetFlag(FLAGS_workload)}));
  if (setup.workload.phase != Phase::kDecode) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--workload: ", setup.paths.workload,
        " is a prefill workload; the pool decodes (its MTP drafts, acceptance and host gap): "
        "give a decode workload"));
  }
  StepPredictor decode(setup.model, setup.hardware.spec, setup.deployment, setup.workload);
  std::optional<Setup> prefill_setup;
  std::optional<StepPredictor> prefill;
  if (mode == sim::Mode::kDisaggregated) {
    absl::StatusOr<Setup> p = LoadSetup({.model = absl::GetFlag(FLAGS_model),
                                         .hardware = absl::GetFlag(FLAGS_hw),
                                         .deployment = absl::GetFlag(FLAGS_prefill_deployment),
                                         .workload = absl::GetFlag(FLAGS_prefill_workload)});
    if (!p.ok()) return WithFlag("prefill_deployment", p.status());
    prefill_setup = *std::move(p);
    prefill.emplace(prefill_setup->model, prefill_setup->hardware.spec,
                    prefill_setup->deployment, prefill_setup->workload);
  }

  const std::string arrival = absl::GetFlag(FLAGS_arrival);
  if (arrival != "poisson" && arrival != "gamma" && arrival != "trace") {
    return absl::InvalidArgumentError(
        absl::StrCat("--arrival: '", arrival, "' is not one of poisson, gamma, trace"));
  }
  const std::string trace = absl::GetFlag(FLAGS_trace);
  if ((arrival == "trace") != !trace.empty()) {
    return absl::InvalidArgumentError(arrival == "trace"
                                          ? "--trace: --arrival=trace needs a trace file"
                                          : "--trace: applies to --arrival=trace only");
  }
  const int64_t concurrency = absl::GetFlag(FLAGS_concurrency);
  const std::optional<double> rate_flag = absl::GetFlag(FLAGS_rate);
  if (rate_flag.has_value() && !(*rate_flag > 0.0 && std::isfinite(*rate_flag))) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rate: must be a positive number of requests/s, got ", *rate_flag));
  }
  if (rate_flag.has_value() && (concurrency > 0 || arrival == "trace")) {
    return absl::InvalidArgumentError(
        "--rate: the trace (or the closed loop of --concurrency) sets the arrivals");
  }
  const double cv = absl::GetFlag(FLAGS_cv);
  if (!(cv > 0.0 && cv <= 100.0)) {
    return absl::InvalidArgumentError(absl::StrCat("--cv: must be in (0, 100], got ", cv));
  }
  const int64_t requests = absl::GetFlag(FLAGS_requests);
  if (requests < 1 || requests > 100'000'000) {
    return absl::InvalidArgumentError(
        absl::StrCat("--requests: must be in [1, 1e8], got ", requests));
  }
  PM_ASSIGN_OR_RETURN(const ContextDistribution isl, Law("isl", absl::GetFlag(FLAGS_isl)));
  PM_ASSIGN_OR_RETURN(const ContextDistribution osl, Law("osl", absl::GetFlag(FLAGS_osl)));
  const std::optional<double> tpot_ms = absl::GetFlag(FLAGS_tpot_ms);
  const std::optional<double> ttft_ms = absl::GetFlag(FLAGS_ttft_ms);
  for (auto [name, v] : {std::pair{"tpot_ms", tpot_ms}, std::pair{"ttft_ms", ttft_ms}}) {
    if (v.has_value() && !(*v > 0.0 && std::isfinite(*v))) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": must be > 0 ms, got ", *v));
    }
  }

  sim::Config config{.mode = mode,
                     .routing = routing,
                     .max_batch = absl::GetFlag(FLAGS_max_batch),
                     .token_budget = absl::GetFlag(FLAGS_token_budget),
                     .prefix_cache_hit = absl::GetFlag(FLAGS_prefix_cache_hit),
                     .mixed_chunks = absl::GetFlag(FLAGS_mixed_chunks),
                     .acceptance = acceptance,
                     .concurrency = concurrency,
                     .seed = absl::GetFlag(FLAGS_seed),
                     .ttft_target = Duration::Zero(),
                     .tpot_target = Duration::Zero(),
                     .trim = absl::GetFlag(FLAGS_trim),
                     .keep_requests = !absl::GetFlag(FLAGS_requests_csv).empty(),
                     .progress = nullptr};
  if (ttft_ms) config.ttft_target = Milliseconds(*ttft_ms);
  const int64_t instances = absl::GetFlag(FLAGS_instances);
  const sim::Pool decode_pool{&decode, instances};
  std::optional<sim::Pool> prefill_pool;
  if (prefill) prefill_pool = sim::Pool{&*prefill, absl::GetFlag(FLAGS_prefill_instances)};
  PM_RETURN_IF_ERROR(sim::Validate(config, decode_pool, prefill_pool));

  render::Record setup_record{.name = "setup", .title = "Serving simulation"};
  setup_record.Add("mode", std::string(sim::ModeName(mode)))
      .Add("model", std::string(setup.model.name.view()), setup.paths.model)
      .Add("hardware", std::string(setup.hardware.spec.name.view()), setup.paths.hardware)
      .Add("deployment", std::string(setup.deployment.name.view()), setup.paths.deployment)
      .Add("instances", instances,
           absl::StrCat(setup.deployment.parallel.attention_dp, " DP ranks and ",
                        setup.deployment.gpus, " GPUs each"));
  if (prefill_setup) {
    setup_record
        .Add("prefill_deployment", std::string(prefill_setup->deployment.name.view()),
             prefill_setup->paths.deployment)
        .Add("prefill_instances", prefill_pool->instances);
  }
  // Goodput's TPOT target: the flag, else the sweep's SLA file's; the
  // default rate: the sweep's largest batch meeting it.
  const double mean_context = ToTokens(isl.Mean()) + ToTokens(osl.Mean()) / 2.0;
  const bool default_rate = !rate_flag && concurrency == 0 && arrival != "trace";
  PM_ASSIGN_OR_RETURN(const SweepAnswer answer, RunDecodeSweep(setup, mean_context));
  if (default_rate && !answer.at_max.has_value()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--rate: no batch of %s meets the TPOT target (%.2f ms) at context %.0f, so the "
        "default rate (Little's law at that batch) has no answer; give --rate",
        setup.paths.deployment, ToMilliseconds(answer.tpot_target), mean_context));
  }
  config.tpot_target = answer.tpot_target;

  std::unique_ptr<sim::RequestSource> source;
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  if (arrival == "trace") {
    absl::StatusOr<std::unique_ptr<sim::TraceSource>> t =
        sim::TraceSource::Open(ResolveInput(trace), setup.model.max_context_tokens);
    if (!t.ok()) return WithFlag("trace", t.status());
    source = *std::move(t);
    setup_record.Add("arrival", "trace", trace);
  } else {
    double rate = rate_flag.value_or(0.0);
    std::string how = "--rate";
    if (default_rate) {
      const double ranks =
          static_cast<double>(setup.deployment.parallel.attention_dp * instances);
      const BatchPoint& at = *answer.at_max;
      const double in_flight = static_cast<double>(at.batch) * ranks;
      const Duration lifetime = at.tpot * ToTokens(osl.Mean());
      rate = in_flight / ToSeconds(lifetime);
      how = absl::StrFormat(
          "Little's law: the sweep's %d requests per DP rank (TPOT %.2f ms at context %.0f) x "
          "%.0f ranks over OSL x TPOT",
          at.batch, ToMilliseconds(at.tpot), mean_context, ranks);
    }
    if (concurrency > 0) {
      // Closed loop: the source's timestamps are ignored; any rate serves.
      rate = 1.0;
      how = absl::StrCat("closed loop, ", concurrency, " requests in flight");
    }
    const double c = arrival == "gamma" ? cv : 1.0;
    source = std::make_unique<sim::GammaSource>(Hertz(rate), c, requests, Sampler(isl),
                                                Sampler(osl), seed);
    setup_record.Add("arrival", arrival == "gamma" ? absl::StrCat("gamma cv ", cv) : arrival)
        .Add("rate", render::Value::Number(concurrency > 0 ? 0.0 : rate, 3), how);
  }
  setup_record.Add("requests", source->Count())
      .Add("isl", AbslUnparseFlag(absl::GetFlag(FLAGS_isl)), "input tokens")
      .Add("osl", AbslUnparseFlag(absl::GetFlag(FLAGS_osl)), "output tokens")
      .Add("routing", std::string(sim::RoutingName(routing)))
      .Add("max_batch", config.max_batch, "running requests per DP rank")
      .Add("token_budget", config.token_budget, "prefill tokens per DP rank per forward")
      .Add("prefix_cache_hit", render::Value::Number(config.prefix_cache_hit, 3))
      .Add("mixed_chunks", config.mixed_chunks ? "yes" : "no",
           config.mixed_chunks ? "chunks ride in decode forwards" : "prefill and decode alternate")
      .Add("mtp_draft_tokens", setup.workload.mtp_draft_tokens)
      .Add("acceptance", acceptance.positions > 0
                             ? absl::StrJoin(absl::GetFlag(FLAGS_acceptance), ",")
                             : absl::StrCat("uniform, ", setup.workload.accepted_tokens_per_step,
                                            " tokens per step"))
      .Add("ttft_target_ms", ttft_ms ? render::Value::Number(*ttft_ms, 2) : render::Value(),
           "goodput")
      .Add("tpot_target_ms", render::Value::Number(ToMilliseconds(config.tpot_target), 2),
           tpot_ms ? "goodput" : "goodput: the sweep's SLA (deployments/seed_sla.textproto)")
      .Add("trim", render::Value::Number(config.trim, 2), "share left out at each end")
      .Add("seed", static_cast<int64_t>(seed));

  const absl::Time start = absl::Now();
  bool printed = false;
  if (isatty(STDERR_FILENO)) {
    config.progress = [&](double share) {
      if (absl::Now() - start < absl::Seconds(1)) return;
      absl::FPrintF(stderr, "serve: %.0f %% of requests\n", 100.0 * share);
      printed = true;
    };
  }
  PM_ASSIGN_OR_RETURN(const sim::Result result,
                      sim::Simulate(config, decode_pool, prefill_pool, *source));
  if (printed) {
    absl::FPrintF(stderr, "serve: done in %.1f s\n", absl::ToDoubleSeconds(absl::Now() - start));
  }
  const std::string title = absl::StrCat(std::string(setup.deployment.name.view()), ", ",
                                         std::string(sim::ModeName(mode)), ", ", arrival);
  if (const std::string f = absl::GetFlag(FLAGS_cdf_svg); !f.empty()) {
    out.WriteFile("cdf_svg", ResolveOutput(f), sim::LatencySvg(title, result));
  }
  if (const std::string f = absl::GetFlag(FLAGS_occupancy_svg); !f.empty()) {
    out.WriteFile("occupancy_svg", ResolveOutput(f), sim::OccupancySvg(title, result));
  }
  if (const std::string f = absl::GetFlag(FLAGS_occupancy_csv); !f.empty()) {
    out.WriteFile("occupancy_csv", ResolveOutput(f), sim::OccupancyCsv(result));
  }
  if (const std::string f = absl::GetFlag(FLAGS_requests_csv); !f.empty()) {
    out.WriteFile("requests_csv", ResolveOutput(f), sim::RequestsCsv(result));
  }
  out.Print(render::Render(sim::SimDocument(setup_record, result), absl::GetFlag(FLAGS_format)));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

PERFMODEL_TOOL_MAIN(
    perfmodel::Run,
    {.name = "serve",
     .usage = "Simulates serving request by request on the cost model: TTFT, TPOT, "
              "inter-token and end-to-end latency distributions, throughput per GPU, goodput, "
              "queue and KV occupancy. With no flags: the seed's decode node under Poisson "
              "load at the concurrency the sweep found.",
     .fuzz_flags = {{"requests", "400"}}})
