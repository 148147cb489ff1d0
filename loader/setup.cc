#include "loader/setup.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/paths.h"
#include "base/status_macros.h"

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

absl::Status ApplyOverrides(const WorkloadOverrides& o, WorkloadSpec& w) {
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
  }
  if (o.batch_per_dp.has_value()) w.batch_per_dp = *o.batch_per_dp;
  if (o.context_tokens.has_value()) w.context_tokens = *o.context_tokens;
  if (o.host_gap.has_value()) w.host_gap = *o.host_gap;
  return absl::OkStatus();
}

}  // namespace perfmodel
