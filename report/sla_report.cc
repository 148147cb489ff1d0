// Flags -> SLA rows -> render::Document for //tools:sla; see report/sla_report.h.

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
#include "loader/load.h"
#include "base/status_macros.h"
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

constexpr absl::string_view kDecodeFlags = "--machine_tps, --user_tps, --tpot_ms or --forward_ms";
constexpr absl::string_view kPrefillFlags = "--ttft_ms or --prefill_forward_ms";

struct Named final {
  absl::string_view flag;
  bool given;
};

// OneOf() checks that at most one of `flags` is given and returns the given one
// ("" for none).
absl::StatusOr<absl::string_view> OneOf(std::initializer_list<Named> flags) {
  absl::string_view first;
  for (const Named& n : flags) {
    if (!n.given) continue;
    if (!first.empty()) {
      std::vector<std::string> all;
      for (const Named& m : flags) all.push_back(absl::StrCat("--", std::string(m.flag)));
      return absl::InvalidArgumentError(absl::StrCat("--", std::string(n.flag),
                                                     ": conflicts with --", std::string(first),
                                                     "; give one of ", absl::StrJoin(all, ", ")));
    }
    first = n.flag;
  }
  return first;
}

absl::Status Positive(absl::string_view flag, double v) {
  if (std::isfinite(v) && v > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", std::string(flag), ": must be a positive finite number, got ", v));
}

absl::Status NonNegative(absl::string_view flag, double v) {
  if (std::isfinite(v) && v >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", std::string(flag), ": must be a finite number >= 0, got ", v));
}

absl::Status Required(absl::string_view flag, bool given, absl::string_view with) {
  if (given) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", std::string(flag), ": required with --", std::string(with)));
}

absl::Status Stray(absl::string_view flag, bool given, absl::string_view applies_to,
                   absl::string_view needs) {
  if (!given) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--", std::string(flag), ": applies to ",
                                                 std::string(applies_to), "; give ",
                                                 std::string(needs), " too"));
}

// AsFlagError() rewrites a ValidateDecodeShape()/ValidatePrefillShape() message
// ("dp: must be >= 1, got 0") to name the tool's flag ("--dp: ...").
absl::Status AsFlagError(const absl::Status& s) {
  if (s.ok()) return s;
  std::string m(s.message());
  constexpr absl::string_view kAccepted = "accepted_tokens_per_step:";
  if (absl::StartsWith(m, kAccepted)) m = absl::StrCat("accept:", m.substr(kAccepted.size()));
  return absl::Status(s.code(), absl::StrCat("--", m));
}

absl::Status NoOverflow(absl::string_view flag, absl::string_view product, int64_t a, int64_t b) {
  if (b <= std::numeric_limits<int64_t>::max() / a) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", std::string(flag), ": ", std::string(product), " overflows int64"));
}

Value Ms(Duration d) { return Value::Number(ToMilliseconds(d), kMsDecimals); }

absl::StatusOr<Record> DecodeFromFlags(const SlaFlags& f, absl::string_view rate) {
  PM_RETURN_IF_ERROR(Required("dp", f.dp.has_value(), rate));
  PM_RETURN_IF_ERROR(Required("batch_per_dp", f.batch_per_dp.has_value(), rate));
  const DecodeShape shape{.dp = *f.dp,
                          .batch_per_dp = *f.batch_per_dp,
                          .accepted_tokens_per_step = f.accept.value_or(1.0)};
  PM_RETURN_IF_ERROR(AsFlagError(ValidateDecodeShape(shape)));
  PM_RETURN_IF_ERROR(Positive("accept", shape.accepted_tokens_per_step));
  PM_RETURN_IF_ERROR(NoOverflow("batch_per_dp", "dp x batch_per_dp", shape.dp, shape.batch_per_dp));
  const double gap_ms = f.host_gap_ms.value_or(0.0);
  PM_RETURN_IF_ERROR(NonNegative("host_gap_ms", gap_ms));
  const Duration gap = Milliseconds(gap_ms);

  if (rate == "forward_ms") {
    PM_RETURN_IF_ERROR(Positive("forward_ms", *f.forward_ms));
    return DecodeRecord(DecodeFromForward(Milliseconds(*f.forward_ms), shape, gap), "measured",
                        "decode", "Decode SLA achieved by a forward time");
  }
  DecodeSla sla;
  if (rate == "machine_tps") {
    PM_RETURN_IF_ERROR(Positive("machine_tps", *f.machine_tps));
    sla = DecodeFromMachineTps(TokensPerSec(*f.machine_tps), shape, gap);
  } else if (rate == "user_tps") {
    PM_RETURN_IF_ERROR(Positive("user_tps", *f.user_tps));
    sla = DecodeFromUserTps(TokensPerSec(*f.user_tps), shape, gap);
  } else {
    PM_RETURN_IF_ERROR(Positive("tpot_ms", *f.tpot_ms));
    sla = DecodeFromTpot(Milliseconds(*f.tpot_ms), shape, gap);
  }
  if (!(sla.forward > Duration::Zero())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--host_gap_ms: ", gap_ms, " ms leaves no forward budget in a step of ",
                     ToMilliseconds(sla.forward + gap), " ms (accepted tokens per step x TPOT)"));
  }
  return DecodeRecord(sla, "target", "decode", "Decode SLA budget for a target");
}

absl::StatusOr<Record> PrefillFromFlags(const SlaFlags& f, absl::string_view time) {
  PM_RETURN_IF_ERROR(Required("prompt_tokens", f.prompt_tokens.has_value(), time));
  PM_RETURN_IF_ERROR(Required("dp", f.dp.has_value(), time));
  PM_RETURN_IF_ERROR(Required("batch_per_dp", f.batch_per_dp.has_value(), time));
  const PrefillShape shape{
      .dp = *f.dp, .batch_per_dp = *f.batch_per_dp, .prompt_tokens = *f.prompt_tokens};
  PM_RETURN_IF_ERROR(AsFlagError(ValidatePrefillShape(shape)));
  PM_RETURN_IF_ERROR(NoOverflow("prompt_tokens", "batch_per_dp x prompt_tokens", shape.batch_per_dp,
                                shape.prompt_tokens));
  PM_RETURN_IF_ERROR(NoOverflow("dp", "dp x batch_per_dp x prompt_tokens", shape.dp,
                                shape.batch_per_dp * shape.prompt_tokens));
  const double gap_ms = f.prefill_host_gap_ms.value_or(0.0);
  PM_RETURN_IF_ERROR(NonNegative("prefill_host_gap_ms", gap_ms));
  const Duration gap = Milliseconds(gap_ms);

  if (time == "prefill_forward_ms") {
    PM_RETURN_IF_ERROR(Positive("prefill_forward_ms", *f.prefill_forward_ms));
    return PrefillRecord(PrefillFromForward(Milliseconds(*f.prefill_forward_ms), shape, gap),
                         "measured", "prefill", "Prefill SLA achieved by a forward time");
  }
  PM_RETURN_IF_ERROR(Positive("ttft_ms", *f.ttft_ms));
  if (!(gap_ms < *f.ttft_ms)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--prefill_host_gap_ms: ", gap_ms,
                     " ms leaves no forward budget within --ttft_ms=", *f.ttft_ms));
  }
  return PrefillRecord(PrefillFromTtft(Milliseconds(*f.ttft_ms), shape, gap), "target", "prefill",
                       "Prefill SLA budget for a TTFT target");
}

}  // namespace

bool SlaFlags::empty() const {
  return !machine_tps && !user_tps && !tpot_ms && !forward_ms && !dp && !batch_per_dp && !accept &&
         !host_gap_ms && !ttft_ms && !prefill_forward_ms && !prompt_tokens && !prefill_host_gap_ms;
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

absl::StatusOr<Document> SlaDocument(const SlaFlags& f, const SeedFiles& seed) {
  if (f.empty()) return SeedDocument(seed);
  absl::StatusOr<absl::string_view> rate = OneOf({{"machine_tps", f.machine_tps.has_value()},
                                                  {"user_tps", f.user_tps.has_value()},
                                                  {"tpot_ms", f.tpot_ms.has_value()},
                                                  {"forward_ms", f.forward_ms.has_value()}});
  if (!rate.ok()) return rate.status();
  absl::StatusOr<absl::string_view> time =
      OneOf({{"ttft_ms", f.ttft_ms.has_value()},
             {"prefill_forward_ms", f.prefill_forward_ms.has_value()}});
  if (!time.ok()) return time.status();

  if (rate->empty() && time->empty()) {
    const absl::string_view given = f.dp              ? "dp"
                                    : f.batch_per_dp  ? "batch_per_dp"
                                    : f.accept        ? "accept"
                                    : f.host_gap_ms   ? "host_gap_ms"
                                    : f.prompt_tokens ? "prompt_tokens"
                                                      : "prefill_host_gap_ms";
    return absl::InvalidArgumentError(
        absl::StrCat("--", std::string(given), ": nothing to compute; give a decode rate (",
                     kDecodeFlags, ") or a prefill time (", kPrefillFlags, ")"));
  }
  if (rate->empty()) {
    PM_RETURN_IF_ERROR(Stray("accept", f.accept.has_value(), "decode", kDecodeFlags));
    PM_RETURN_IF_ERROR(Stray("host_gap_ms", f.host_gap_ms.has_value(), "decode", kDecodeFlags));
  }
  if (time->empty()) {
    PM_RETURN_IF_ERROR(
        Stray("prompt_tokens", f.prompt_tokens.has_value(), "prefill", kPrefillFlags));
    PM_RETURN_IF_ERROR(
        Stray("prefill_host_gap_ms", f.prefill_host_gap_ms.has_value(), "prefill", kPrefillFlags));
  }

  Document doc;
  if (!rate->empty()) {
    absl::StatusOr<Record> decode = DecodeFromFlags(f, *rate);
    if (!decode.ok()) return decode.status();
    doc.Add(*std::move(decode));
  }
  if (!time->empty()) {
    absl::StatusOr<Record> prefill = PrefillFromFlags(f, *time);
    if (!prefill.ok()) return prefill.status();
    doc.Add(*std::move(prefill));
  }
  return doc;
}

absl::StatusOr<Document> SeedDocument(const SeedFiles& seed) {
  auto at = [&](const std::string& path) {
    return seed.root.empty() ? path : absl::StrCat(seed.root, "/", path);
  };
  absl::StatusOr<pb::SlaTargets> targets = LoadSlaTargets(at(seed.sla_targets));
  if (!targets.ok()) return targets.status();
  absl::StatusOr<LoadedDeployment> loaded = LoadDeployment(at(seed.deployment));
  if (!loaded.ok()) return loaded.status();
  const DeploymentSpec* deployment = &loaded->spec;
  absl::StatusOr<LoadedWorkload> workload = LoadWorkload(at(seed.workload));
  if (!workload.ok()) return workload.status();
  absl::StatusOr<LoadedHardware> hardware = LoadHardware(at(seed.hardware));
  if (!hardware.ok()) return hardware.status();
  absl::StatusOr<pb::Baseline> baseline = LoadBaseline(at(seed.baseline));
  if (!baseline.ok()) return baseline.status();

  // DP ranks per machine: one machine holds min(gpus, gpus_per_node) GPUs, and
  // each DP rank spans attention_tp of them.
  const int64_t gpus_per_machine = std::min(deployment->gpus, hardware->spec.gpus_per_node);
  const int64_t tp = deployment->parallel.attention_tp;
  if (tp < 1 || gpus_per_machine % tp != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        seed.deployment, ": parallelism.attention_tp: ", tp, " does not divide the ",
        gpus_per_machine, " GPUs of one machine (", seed.hardware, ": gpus_per_node)"));
  }
  const DecodeShape shape{.dp = gpus_per_machine / tp,
                          .batch_per_dp = workload->spec.batch_per_dp,
                          .accepted_tokens_per_step = workload->spec.accepted_tokens_per_step};
  PM_RETURN_IF_ERROR(ValidateDecodeShape(shape));

  DecodeSla target;
  switch (targets->decode_rate_case()) {
    case pb::SlaTargets::kMachineOutputTps:
      target = DecodeFromMachineTps(TokensPerSec(targets->machine_output_tps()), shape);
      break;
    case pb::SlaTargets::kUserOutputTps:
      target = DecodeFromUserTps(TokensPerSec(targets->user_output_tps()), shape);
      break;
    case pb::SlaTargets::kTpotMs:
      target = DecodeFromTpot(Milliseconds(targets->tpot_ms()), shape);
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(seed.sla_targets,
                       ": decode_rate: the seed rows need a decode rate (machine_output_tps, "
                       "user_output_tps or tpot_ms)"));
  }
  if (!baseline->has_forward_ms()) {
    return absl::InvalidArgumentError(
        absl::StrCat(seed.baseline, ": forward_ms: needed for the seed's measured row"));
  }
  const DecodeSla measured = DecodeFromForward(Milliseconds(baseline->forward_ms()), shape);

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
          "not counted, as in the seed; ", seed.baseline, " measured ", baseline->host_gap_ms(),
          " ms: rerun with --host_gap_ms=", baseline->host_gap_ms(), " to count it");
    }
  }
  Document doc;
  doc.Add(std::move(t)).Add(std::move(m));
  return doc;
}

}  // namespace perfmodel
