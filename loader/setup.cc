#include "loader/setup.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/paths.h"
#include "base/status_macros.h"
#include "loader/fields.h"

namespace perfmodel {

absl::StatusOr<Setup> LoadSetup(const SetupPaths& paths) {
  Setup s;
  s.paths = paths;
  const std::string model = ResolveInput(paths.model);
  const std::string hardware = ResolveInput(paths.hardware);
  const std::string deployment = ResolveInput(paths.deployment);
  PM_ASSIGN_OR_RETURN(s.model, LoadModel(model));
  PM_ASSIGN_OR_RETURN(s.hardware, LoadHardware(hardware));
  PM_ASSIGN_OR_RETURN(const LoadedDeployment d, LoadDeployment(deployment));
  PM_RETURN_IF_ERROR(ValidateDeploymentFor(s.model, s.hardware.spec, d.spec, deployment));
  if (s.paths.workload.empty()) {
    if (d.default_workload.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          deployment, ": default_workload: not set, and no workload file was given"));
    }
    s.paths.workload = d.default_workload;
  }
  const std::string workload = ResolveInput(s.paths.workload);
  PM_ASSIGN_OR_RETURN(const LoadedWorkload w, LoadWorkload(workload));
  PM_RETURN_IF_ERROR(ValidateWorkloadFor(s.model, w.spec, workload));
  s.deployment = d.spec;
  s.workload = w.spec;
  return s;
}

namespace {

// AtMost() is InvalidArgument "field: must be <= most (what), got v" when an
// override is above the loader's limit (loader/load.h limits::): the
// loader's check, with no file to name (the tool names the flag).
absl::Status AtMost(absl::string_view field, const std::optional<int64_t>& v, int64_t most,
                    absl::string_view what) {
  if (!v.has_value()) return absl::OkStatus();
  return Fields("").AtMost(field, *v, most, what);
}

}  // namespace

absl::Status ApplyOverrides(const WorkloadOverrides& o, WorkloadSpec& out) {
  if (o.batch_per_dp.has_value() && *o.batch_per_dp < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_per_dp: must be >= 1, got ", *o.batch_per_dp));
  }
  if (o.context_tokens.has_value() && *o.context_tokens < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("context_tokens: must be >= 1, got ", *o.context_tokens));
  }
  if (o.host_gap.has_value()) {
    const double ms = ToMilliseconds(*o.host_gap);
    if (!(ms >= 0) || !std::isfinite(ms)) {
      return absl::InvalidArgumentError(
          absl::StrCat("host_gap: must be a finite duration >= 0, got ", ms, " ms"));
    }
    if (ms > limits::kMaxHostGapMs) {
      return absl::InvalidArgumentError(absl::StrCat("host_gap: must be <= ", limits::kMaxHostGapMs,
                                                     " ms (1000 s between forwards), got ", ms,
                                                     " ms"));
    }
  }
  PM_RETURN_IF_ERROR(AtMost("batch_per_dp", o.batch_per_dp, limits::kMaxBatchPerDp,
                            "no GPU serves so many requests at once"));
  PM_RETURN_IF_ERROR(AtMost("context_tokens", o.context_tokens, limits::kMaxContextTokens,
                            "no model serves a context that long"));
  PM_RETURN_IF_ERROR(AtMost("prompt_tokens", o.prompt_tokens, limits::kMaxContextTokens,
                            "no model serves a context that long"));
  PM_RETURN_IF_ERROR(AtMost("chunk_tokens", o.chunk_tokens, limits::kMaxTokensPerForward,
                            "no forward holds so many tokens per rank"));
  const Phase phase = o.phase.value_or(out.phase);
  if (o.prompt_tokens.has_value() && *o.prompt_tokens < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("prompt_tokens: must be >= 1, got ", *o.prompt_tokens));
  }
  if (o.chunk_tokens.has_value() && *o.chunk_tokens < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("chunk_tokens: must be >= 1, got ", *o.chunk_tokens));
  }
  if (o.prefix_cache_hit.has_value() &&
      !(*o.prefix_cache_hit >= 0.0 && *o.prefix_cache_hit < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("prefix_cache_hit: must be in [0, 1), got ", *o.prefix_cache_hit));
  }
  if (phase == Phase::kDecode) {
    for (const auto& [field, has] :
         {std::pair{"prompt_tokens", o.prompt_tokens.has_value()},
          std::pair{"chunk_tokens", o.chunk_tokens.has_value()},
          std::pair{"prefix_cache_hit", o.prefix_cache_hit.has_value()}}) {
      if (has) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": is a prefill field: set phase to prefill"));
      }
    }
  } else if (o.context_tokens.has_value() && out.phase == Phase::kPrefill) {
    return absl::InvalidArgumentError(
        "context_tokens: is a decode field; a prefill workload has prompt_tokens");
  }
  // The fields are set on a copy: nothing changes when the result feeds a
  // rank too many tokens.
  WorkloadSpec w = out;
  if (o.batch_per_dp.has_value()) w.batch_per_dp = *o.batch_per_dp;
  if (o.context_tokens.has_value()) w.context_tokens = *o.context_tokens;
  if (o.host_gap.has_value()) w.host_gap = *o.host_gap;
  if (phase != w.phase) {
    if (phase == Phase::kPrefill) {
      w.prompt_tokens = w.context_tokens;
      w.context_tokens = 0;
    } else {
      w.context_tokens = w.prompt_tokens;
      w.prompt_tokens = 0;
      w.chunk_tokens = 0;
      w.prefix_cache_hit = 0.0;
    }
    w.phase = phase;
  }
  if (o.prompt_tokens.has_value()) w.prompt_tokens = *o.prompt_tokens;
  if (o.chunk_tokens.has_value()) w.chunk_tokens = *o.chunk_tokens;
  if (o.prefix_cache_hit.has_value()) w.prefix_cache_hit = *o.prefix_cache_hit;
  PM_RETURN_IF_ERROR(CheckTokensPerForward(w, ""));
  out = w;
  return absl::OkStatus();
}

}  // namespace perfmodel
