// search: the deployments that give the most output tokens/s per GPU under a
// TTFT and a TPOT target, the Pareto front of tokens/s per GPU against
// tokens/s per user, and the P:D split of disaggregated serving.
//
//   bazel run //tools:search                  # searches/default.textproto: DeepSeek-V3 on
//                                             # 8-64 H200, ISL 1K / OSL 2K, TTFT 5 s, TPOT 100 ms
//   bazel run //tools:search -- --svg=front.svg --pareto=front.csv --out_dir=winners
//   bazel run //tools:search -- --tpot_ms=50 --isl=lognormal:2048:1 --osl=fixed:1024
//       --hw=hw/h200_sxm.textproto,hw/h20.textproto --gpus=8,16 --mode=disaggregated
//   bazel run //tools:search -- --explain=deployments/seed_decode.textproto
//
// Flags override the search file's fields (proto/search.proto); lists are
// comma-separated. --pareto writes the front as CSV, or JSON when the path
// ends in .json; --out_dir writes the best configuration as deployment and
// workload textprotos that //tools:report and //tools:sweep load as they are
// (best.textproto, best.workload.textproto, and for disaggregated serving
// best.prefill.textproto and best.prefill.workload.textproto). See
// search/search.h for what is modelled.
//
// A search longer than a second prints progress lines on stderr when stderr
// is a terminal ("search: 40 % of layouts"); redirected, stderr stays empty. Exit codes
// (cli/cli.h): 0; 2 for bad flags or input (one line on stderr naming the flag, or the file and
// field); 3 when no configuration meets the constraints (the line names the binding constraint and
// the nearest miss, by how much); nothing on stdout and no file written on 2 and 3.

#include "search/search.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/paths.h"
#include "base/status_macros.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "loader/load.h"
#include "report/render.h"

ABSL_FLAG(std::string, search, std::string(perfmodel::kDefaultSearchFile),
          "the search textproto (proto/search.proto)");
ABSL_FLAG(std::vector<std::string>, hw, {}, "GPU kinds: hardware textprotos, comma-separated");
ABSL_FLAG(std::vector<std::string>, gpus, {}, "GPUs per instance to try, comma-separated");
ABSL_FLAG(std::optional<int64_t>, max_gpus, std::nullopt, "the system's GPU budget (P + D)");
ABSL_FLAG(std::string, mode, "", "aggregated, disaggregated or both (default: the file's)");
ABSL_FLAG(std::optional<perfmodel::ContextSpec>, isl, std::nullopt,
          "input length law: fixed:N, uniform:LO:HI, normal:MEAN:STD, lognormal:MEAN:SIGMA, "
          "file:PATH");
ABSL_FLAG(std::optional<perfmodel::ContextSpec>, osl, std::nullopt, "output length law, as --isl");
ABSL_FLAG(std::optional<double>, prefix_cache_hit, std::nullopt, "share of a prompt cached");
ABSL_FLAG(std::optional<double>, ttft_ms, std::nullopt, "TTFT target, ms");
ABSL_FLAG(std::optional<double>, ttft_percentile, std::nullopt, "TTFT percentile, (0, 1)");
ABSL_FLAG(std::optional<double>, tpot_ms, std::nullopt, "TPOT target (mean), ms");
ABSL_FLAG(std::optional<double>, min_user_tps, std::nullopt, "output tokens/s per user, at least");
ABSL_FLAG(std::optional<double>, arrival_rate, std::nullopt,
          "requests/s the system must take (P:D sizing); unset: as many as the SLA allows");
ABSL_FLAG(std::optional<int64_t>, batch_max, std::nullopt, "requests per DP rank, at most");
ABSL_FLAG(std::optional<int64_t>, top, std::nullopt, "configurations listed");
ABSL_FLAG(int64_t, threads, 0, "threads evaluating layouts; 0: one per core (at most 8)");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");
ABSL_FLAG(std::string, svg, "", "write the Pareto plot to this SVG file");
ABSL_FLAG(std::string, pareto, "", "write the Pareto front to this file (.csv, or .json)");
ABSL_FLAG(std::string, out_dir, "",
          "write the best configuration's deployment and workload textprotos here");
ABSL_FLAG(std::string, explain, "",
          "a deployment textproto (its default workload gives batch and drafts) to place "
          "against the constraints and the front");

namespace perfmodel {
namespace {

absl::Status ApplyFlags(SearchSpace& s) {
  if (const std::vector<std::string> hw = absl::GetFlag(FLAGS_hw); !hw.empty()) {
    s.gpus.clear();
    for (const std::string& path : hw) {
      absl::StatusOr<LoadedHardware> h = LoadHardware(ResolveInput(path));
      if (!h.ok()) return WithFlag("hw", h.status());
      s.gpus.push_back(SearchGpu{path, *std::move(h)});
    }
  }
  if (const std::vector<std::string> g = absl::GetFlag(FLAGS_gpus); !g.empty()) {
    s.instance_gpus.clear();
    for (const std::string& v : g) {
      int64_t n = 0;
      if (!absl::SimpleAtoi(v, &n) || n < 1 || n > kMaxInstanceGpus) {
        return absl::InvalidArgumentError(
            absl::StrCat("--gpus: '", v, "' is not a GPU count in [1, ", kMaxInstanceGpus, "]"));
      }
      s.instance_gpus.push_back(n);
    }
    std::sort(s.instance_gpus.begin(), s.instance_gpus.end());
    s.instance_gpus.erase(std::unique(s.instance_gpus.begin(), s.instance_gpus.end()),
                          s.instance_gpus.end());
    if (!absl::GetFlag(FLAGS_max_gpus).has_value()) {
      s.max_gpus = std::max(s.max_gpus, s.instance_gpus.back());
    }
  }
  if (const std::optional<int64_t> m = absl::GetFlag(FLAGS_max_gpus)) s.max_gpus = *m;
  if (const std::string mode = absl::GetFlag(FLAGS_mode); !mode.empty()) {
    if (mode == "aggregated") {
      s.modes = {ServingMode::kAggregated};
    } else if (mode == "disaggregated") {
      s.modes = {ServingMode::kDisaggregated};
    } else if (mode == "both") {
      s.modes = {kServingModes.begin(), kServingModes.end()};
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--mode: '", mode, "' is not one of aggregated, disaggregated, both"));
    }
  }
  for (auto [flag, law, label] : {std::tuple{"isl", &s.input_tokens, &s.input_label},
                                  std::tuple{"osl", &s.output_tokens, &s.output_label}}) {
    const std::optional<ContextSpec> spec =
        absl::GetFlag(std::string_view(flag) == "isl" ? FLAGS_isl : FLAGS_osl);
    if (!spec.has_value()) continue;
    absl::StatusOr<ContextDistribution> d = ContextFromSpec(*spec);
    if (!d.ok()) return WithFlag(flag, d.status());
    *law = *std::move(d);
    *label = AbslUnparseFlag(*spec);
  }
  if (const auto v = absl::GetFlag(FLAGS_prefix_cache_hit)) s.prefix_cache_hit = *v;
  if (const auto v = absl::GetFlag(FLAGS_ttft_ms)) s.constraints.ttft = Milliseconds(*v);
  if (const auto v = absl::GetFlag(FLAGS_ttft_percentile)) s.constraints.ttft_percentile = *v;
  if (const auto v = absl::GetFlag(FLAGS_tpot_ms)) s.constraints.tpot = Milliseconds(*v);
  if (const auto v = absl::GetFlag(FLAGS_min_user_tps)) {
    s.constraints.min_user_tps = TokensPerSec(*v);
  }
  if (const auto v = absl::GetFlag(FLAGS_arrival_rate)) s.arrival_rate = Hertz(*v);
  if (const auto v = absl::GetFlag(FLAGS_batch_max)) s.batch_max = *v;
  if (const auto v = absl::GetFlag(FLAGS_top)) s.top = *v;
  s.threads = absl::GetFlag(FLAGS_threads);
  return ValidateSearch(s, "");
}

}  // namespace

absl::Status Run(const ToolContext&, ToolOutput& out) {
  const std::string path = absl::GetFlag(FLAGS_search);
  PM_ASSIGN_OR_RETURN(SearchSpace space, LoadSearch(ResolveInput(path)));
  space.path = path;
  PM_RETURN_IF_ERROR(ApplyFlags(space));
  bool printed = false;
  auto progress = [&](double share) {
    absl::FPrintF(stderr, "search: %.0f %% of layouts\n", 100.0 * share);
    printed = true;
  };
  // Progress only for a person watching: a script's stderr stays empty on
  // success, as every tool promises (cli/cli.h).
  absl::StatusOr<SearchResult> r =
      isatty(STDERR_FILENO) ? RunSearch(space, progress) : RunSearch(space);
  if (!r.ok()) return r.status();
  if (printed) absl::FPrintF(stderr, "search: done in %.1f s\n", ToSeconds(r->wall));
  if (const std::string explain = absl::GetFlag(FLAGS_explain); !explain.empty()) {
    const std::string file = ResolveInput(explain);
    absl::StatusOr<LoadedDeployment> d = LoadDeployment(file);
    if (!d.ok()) return WithFlag("explain", d.status());
    if (d->default_workload.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--explain: ", explain, ": default_workload: required (its batch and drafts)"));
    }
    absl::StatusOr<LoadedWorkload> w = LoadWorkload(ResolveInput(d->default_workload));
    if (!w.ok()) return WithFlag("explain", w.status());
    absl::StatusOr<render::Document> doc = ExplainDeployment(space, *r, d->spec, w->spec, explain);
    if (!doc.ok()) return WithFlag("explain", doc.status());
    out.Print(render::Render(*doc, absl::GetFlag(FLAGS_format)));
    return absl::OkStatus();
  }
  if (const std::string svg = absl::GetFlag(FLAGS_svg); !svg.empty()) {
    out.WriteFile("svg", ResolveOutput(svg), ParetoSvg(space, *r));
  }
  if (const std::string pareto = absl::GetFlag(FLAGS_pareto); !pareto.empty()) {
    out.WriteFile("pareto", ResolveOutput(pareto),
                  absl::EndsWith(pareto, ".json") ? ParetoJson(space, *r) : ParetoCsv(space, *r));
  }
  if (const std::string dir = absl::GetFlag(FLAGS_out_dir); !dir.empty()) {
    PM_ASSIGN_OR_RETURN(const WinnerFiles files,
                        WinnerTextprotos(space, *r, r->top.front(), ResolveOutput(dir) + "/best"));
    for (const auto& [file, contents] : files.files) out.WriteFile("out_dir", file, contents);
  }
  out.Print(render::Render(SearchDocument(space, *r), absl::GetFlag(FLAGS_format)));
  return absl::OkStatus();
}

}  // namespace perfmodel

PERFMODEL_TOOL_MAIN(
    perfmodel::Run,
    {.name = "search",
     .usage = "search: the best deployments under TTFT and TPOT, the Pareto front and the P:D "
              "split. Flags override the search file (--search).",
     .field_flags = {{"workload.input_tokens", "isl"},
                     {"workload.output_tokens", "osl"},
                     {"workload.prefix_cache_hit", "prefix_cache_hit"},
                     {"workload.arrival_rate", "arrival_rate"},
                     {"constraints.ttft_ms", "ttft_ms"},
                     {"constraints.ttft_percentile", "ttft_percentile"},
                     {"constraints.tpot_ms", "tpot_ms"},
                     {"constraints.min_user_tps", "min_user_tps"},
                     {"instance_gpus", "gpus"},
                     {"hardware", "hw"}}})
