// Queries -> SLA rows -> render::Document for //tools:sla; see report/sla_report.h.

#include "report/sla_report.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "loader/load.h"
#include "perfmodel/units.h"

namespace perfmodel {
namespace {

using render::Document;
using render::Record;
using render::Value;

// Decimals printed. Times and the per-user rate to 0.01; whole-machine and
// prefill rates to whole tokens/s. Each figure is rounded once, from unrounded
// values: the seed's measured row says 15496 machine tokens/s because it
// rounded TPOT to 12.39 ms (80.71 tokens/s per user) before multiplying by 192
// users; unrounded, 28.5 ms / 2.3 gives 80.7018 x 192 = 15494.7, printed 15495.
constexpr int kMsDecimals = 2;
constexpr int kUserTpsDecimals = 2;
constexpr int kMachineTpsDecimals = 0;
constexpr int kAcceptDecimals = 2;

absl::Status Positive(absl::string_view flag, double v) {
  if (std::isfinite(v) && v > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(flag, ": must be a positive finite number, got ", v));
}

absl::Status NonNegative(absl::string_view flag, double v) {
  if (std::isfinite(v) && v >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(flag, ": must be a finite number >= 0, got ", v));
}

// AsQueryError() names a ValidateDecodeShape()/ValidatePrefillShape() field
// ("accepted_tokens_per_step: ...") by the query's field ("accept: ...").
absl::Status AsQueryError(const absl::Status& s) {
  if (s.ok()) return s;
  std::string m(s.message());
  constexpr absl::string_view kAccepted = "accepted_tokens_per_step:";
  if (absl::StartsWith(m, kAccepted)) m = absl::StrCat("accept:", m.substr(kAccepted.size()));
  return absl::Status(s.code(), m);
}

absl::Status NoOverflow(absl::string_view flag, absl::string_view product, int64_t a, int64_t b) {
  if (b <= std::numeric_limits<int64_t>::max() / a) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(flag, ": ", product, " overflows int64"));
}

Value Ms(Duration d) { return Value::Number(ToMilliseconds(d), kMsDecimals); }

absl::StatusOr<Record> DecodeRow(const DecodeQuery& q) {
  const DecodeShape shape{
      .dp = q.dp, .batch_per_dp = q.batch_per_dp, .accepted_tokens_per_step = q.accept};
  PM_RETURN_IF_ERROR(AsQueryError(ValidateDecodeShape(shape)));
  PM_RETURN_IF_ERROR(Positive("accept", shape.accepted_tokens_per_step));
  PM_RETURN_IF_ERROR(NoOverflow("batch_per_dp", "dp x batch_per_dp", shape.dp, shape.batch_per_dp));
  PM_RETURN_IF_ERROR(NonNegative("host_gap_ms", q.host_gap_ms));
  const Duration gap = Milliseconds(q.host_gap_ms);
  PM_RETURN_IF_ERROR(Positive(DecodeInputName(q.input), q.value));

  DecodeSla sla;
  switch (q.input) {
    case DecodeInput::kForwardMs:
      return DecodeRecord(DecodeFromForward(Milliseconds(q.value), shape, gap), "measured",
                          "decode", "Decode SLA achieved by a forward time");
    case DecodeInput::kMachineTps:
      sla = DecodeFromMachineTps(TokensPerSec(q.value), shape, gap);
      break;
    case DecodeInput::kUserTps:
      sla = DecodeFromUserTps(TokensPerSec(q.value), shape, gap);
      break;
    case DecodeInput::kTpotMs:
      sla = DecodeFromTpot(Milliseconds(q.value), shape, gap);
      break;
  }
  if (!(sla.forward > Duration::Zero())) {
    return absl::InvalidArgumentError(
        absl::StrCat("host_gap_ms: ", q.host_gap_ms, " ms leaves no forward budget in a step of ",
                     ToMilliseconds(sla.forward + gap), " ms (accepted tokens per step x TPOT)"));
  }
  return DecodeRecord(sla, "target", "decode", "Decode SLA budget for a target");
}

absl::StatusOr<Record> PrefillRow(const PrefillQuery& q) {
  const PrefillShape shape{
      .dp = q.dp, .batch_per_dp = q.batch_per_dp, .prompt_tokens = q.prompt_tokens};
  PM_RETURN_IF_ERROR(AsQueryError(ValidatePrefillShape(shape)));
  PM_RETURN_IF_ERROR(NoOverflow("prompt_tokens", "batch_per_dp x prompt_tokens", shape.batch_per_dp,
                                shape.prompt_tokens));
  PM_RETURN_IF_ERROR(NoOverflow("dp", "dp x batch_per_dp x prompt_tokens", shape.dp,
                                shape.batch_per_dp * shape.prompt_tokens));
  PM_RETURN_IF_ERROR(NonNegative("prefill_host_gap_ms", q.prefill_host_gap_ms));
  const Duration gap = Milliseconds(q.prefill_host_gap_ms);
  PM_RETURN_IF_ERROR(Positive(PrefillInputName(q.input), q.value_ms));

  if (q.input == PrefillInput::kPrefillForwardMs) {
    return PrefillRecord(PrefillFromForward(Milliseconds(q.value_ms), shape, gap), "measured",
                         "prefill", "Prefill SLA achieved by a forward time");
  }
  if (!(q.prefill_host_gap_ms < q.value_ms)) {
    return absl::InvalidArgumentError(absl::StrCat("prefill_host_gap_ms: ", q.prefill_host_gap_ms,
                                                   " ms leaves no forward budget within ttft_ms ",
                                                   q.value_ms));
  }
  return PrefillRecord(PrefillFromTtft(Milliseconds(q.value_ms), shape, gap), "target", "prefill",
                       "Prefill SLA budget for a TTFT target");
}

}  // namespace

absl::string_view DecodeInputName(DecodeInput input) {
  switch (input) {
    case DecodeInput::kMachineTps:
      return "machine_tps";
    case DecodeInput::kUserTps:
      return "user_tps";
    case DecodeInput::kTpotMs:
      return "tpot_ms";
    case DecodeInput::kForwardMs:
      return "forward_ms";
  }
  return "?";
}

absl::string_view PrefillInputName(PrefillInput input) {
  return input == PrefillInput::kTtftMs ? "ttft_ms" : "prefill_forward_ms";
}

Record DecodeRecord(const DecodeSla& sla, absl::string_view direction, std::string name,
                    std::string title) {
  const bool target = direction == "target";
  Record r{.name = std::move(name), .title = std::move(title)};
  r.Add("direction", direction,
        target ? "budgets that meet a target rate" : "what a forward time achieves")
      .Add("machine_output_tps",
           Value::Number(ToTokensPerSecond(sla.machine_output_tps), kMachineTpsDecimals),
           absl::StrCat("tokens/s summed over the machine's ", sla.concurrency,
                        " users; rounded to whole tokens/s from unrounded values"))
      .Add("user_output_tps",
           Value::Number(ToTokensPerSecond(sla.user_output_tps), kUserTpsDecimals),
           "tokens/s one user sees")
      .Add("tpot_ms", Ms(sla.tpot), "time per output token = (forward + host gap) / accepted")
      .Add("forward_ms", Ms(sla.forward),
           target ? "forward budget = accepted x TPOT - host gap"
                  : absl::StrCat("one forward pass, ",
                                 direction == "simulated" ? "simulated" : "as given"))
      .Add("host_gap_ms", Ms(sla.host_gap), "idle between forwards; counts in TPOT")
      .Add("dp", sla.shape.dp, "attention data-parallel ranks per machine")
      .Add("batch_per_dp", sla.shape.batch_per_dp, "concurrent requests per DP rank")
      .Add("accepted_tokens_per_step",
           Value::Number(sla.shape.accepted_tokens_per_step, kAcceptDecimals),
           "tokens emitted per request per forward (1 without MTP)")
      .Add("concurrency", sla.concurrency, "dp x batch_per_dp");
  return r;
}

Record PrefillRecord(const PrefillSla& sla, absl::string_view direction, std::string name,
                     std::string title) {
  const bool target = direction == "target";
  Record r{.name = std::move(name), .title = std::move(title)};
  r.Add("direction", direction,
        target ? "budgets that meet a TTFT target" : "what a prefill forward time achieves")
      .Add("ttft_ms", Ms(sla.ttft), "time to first token = prefill forward + host gap")
      .Add("prefill_forward_ms", Ms(sla.forward),
           target ? "prefill forward budget = TTFT - host gap" : "one prefill forward, as given")
      .Add("prefill_host_gap_ms", Ms(sla.host_gap), "host time before the forward; counts in TTFT")
      .Add("prompt_tokens", sla.shape.prompt_tokens, "tokens per prompt")
      .Add("dp", sla.shape.dp, "attention data-parallel ranks per machine")
      .Add("batch_per_dp", sla.shape.batch_per_dp, "prompts prefilled together per DP rank")
      .Add("rank_prefill_tps",
           Value::Number(ToTokensPerSecond(sla.rank_prefill_tps), kMachineTpsDecimals),
           "prompt tokens/s one DP rank processes; whole tokens/s")
      .Add("machine_prefill_tps",
           Value::Number(ToTokensPerSecond(sla.machine_prefill_tps), kMachineTpsDecimals),
           "prompt tokens/s summed over the machine's DP ranks; whole tokens/s");
  return r;
}

absl::StatusOr<Document> SlaDocument(const SlaQuery& q) {
  if (!q.decode.has_value() && !q.prefill.has_value()) {
    return absl::InvalidArgumentError(
        "query: nothing to compute; ask for a decode or a prefill row");
  }
  Document doc;
  if (q.decode.has_value()) {
    PM_ASSIGN_OR_RETURN(Record decode, DecodeRow(*q.decode));
    doc.Add(std::move(decode));
  }
  if (q.prefill.has_value()) {
    PM_ASSIGN_OR_RETURN(Record prefill, PrefillRow(*q.prefill));
    doc.Add(std::move(prefill));
  }
  return doc;
}

absl::StatusOr<Document> SeedDocument(const SeedFiles& seed) {
  auto at = [&](const std::string& path) {
    return seed.root.empty() ? path : absl::StrCat(seed.root, "/", path);
  };
  PM_ASSIGN_OR_RETURN(const pb::SlaTargets targets, LoadSlaTargets(at(seed.sla_targets)));
  PM_ASSIGN_OR_RETURN(const LoadedDeployment loaded, LoadDeployment(at(seed.deployment)));
  const DeploymentSpec& deployment = loaded.spec;
  PM_ASSIGN_OR_RETURN(const LoadedWorkload workload, LoadWorkload(at(seed.workload)));
  PM_ASSIGN_OR_RETURN(const LoadedHardware hardware, LoadHardware(at(seed.hardware)));
  PM_ASSIGN_OR_RETURN(const pb::Baseline baseline, LoadBaseline(at(seed.baseline)));

  // DP ranks per machine: one machine holds min(gpus, gpus_per_node) GPUs, and
  // each DP rank spans attention_tp of them.
  const int64_t gpus_per_machine = std::min(deployment.gpus, hardware.spec.gpus_per_node);
  const int64_t tp = deployment.parallel.attention_tp;
  if (tp < 1 || gpus_per_machine % tp != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        seed.deployment, ": parallelism.attention_tp: ", tp, " does not divide the ",
        gpus_per_machine, " GPUs of one machine (", seed.hardware, ": gpus_per_node)"));
  }
  const DecodeShape shape{.dp = gpus_per_machine / tp,
                          .batch_per_dp = workload.spec.batch_per_dp,
                          .accepted_tokens_per_step = workload.spec.accepted_tokens_per_step};
  PM_RETURN_IF_ERROR(ValidateDecodeShape(shape));

  DecodeSla target;
  switch (targets.decode_rate_case()) {
    case pb::SlaTargets::kMachineOutputTps:
      target = DecodeFromMachineTps(TokensPerSec(targets.machine_output_tps()), shape);
      break;
    case pb::SlaTargets::kUserOutputTps:
      target = DecodeFromUserTps(TokensPerSec(targets.user_output_tps()), shape);
      break;
    case pb::SlaTargets::kTpotMs:
      target = DecodeFromTpot(Milliseconds(targets.tpot_ms()), shape);
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(seed.sla_targets,
                       ": decode_rate: the seed rows need a decode rate (machine_output_tps, "
                       "user_output_tps or tpot_ms)"));
  }
  if (!baseline.has_forward_ms()) {
    return absl::InvalidArgumentError(
        absl::StrCat(seed.baseline, ": forward_ms: needed for the seed's measured row"));
  }
  const DecodeSla measured = DecodeFromForward(Milliseconds(baseline.forward_ms()), shape);

  Record t =
      DecodeRecord(target, "target", "target",
                   absl::StrCat("Seed target row (", seed.sla_targets, ", ", seed.deployment, ")"));
  Record m = DecodeRecord(measured, "measured", "measured",
                          absl::StrCat("Seed measured row (", seed.baseline, ")"));
  // Like the seed, neither row counts the host gap; say what it would be.
  for (Record* r : {&t, &m}) {
    for (render::Field& field : r->fields) {
      if (field.key != "host_gap_ms") continue;
      field.note = absl::StrCat(
          "not counted, as in the seed; ", seed.baseline, " measured ", baseline.host_gap_ms(),
          " ms: rerun with --host_gap_ms=", baseline.host_gap_ms(), " to count it");
    }
  }
  Document doc;
  doc.Add(std::move(t)).Add(std::move(m));
  return doc;
}

}  // namespace perfmodel
