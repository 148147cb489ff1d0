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
  absl::StatusOr<ModelSpec> m = LoadModel(model);
  if (!m.ok()) return m.status();
  absl::StatusOr<LoadedHardware> h = LoadHardware(hardware);
  if (!h.ok()) return h.status();
  absl::StatusOr<LoadedDeployment> d = LoadDeployment(deployment);
  if (!d.ok()) return d.status();
  PM_RETURN_IF_ERROR(ValidateDeploymentFor(*m, h->spec, d->spec, deployment));
  if (s.paths.workload.empty()) {
    if (d->default_workload.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          deployment, ": default_workload: not set, and no workload file was given"));
    }
    s.paths.workload = d->default_workload;
  }
  const std::string workload = ResolveInput(s.paths.workload);
  absl::StatusOr<LoadedWorkload> w = LoadWorkload(workload);
  if (!w.ok()) return w.status();
  PM_RETURN_IF_ERROR(ValidateWorkloadFor(*m, w->spec, workload));
  s.model = *m;
  s.hardware = *std::move(h);
  s.deployment = d->spec;
  s.workload = w->spec;
  return s;
}

absl::Status ApplyOverrides(int64_t batch_per_dp, int64_t context_tokens, WorkloadSpec& d) {
  if (batch_per_dp < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--batch_per_dp: must be >= 1 (or 0 for the workload's), got ",
                     batch_per_dp));
  }
  if (context_tokens < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--context_tokens: must be >= 1 (or 0 for the workload's), got ",
                     context_tokens));
  }
  if (batch_per_dp > 0) d.batch_per_dp = batch_per_dp;
  if (context_tokens > 0) d.context_tokens = context_tokens;
  return absl::OkStatus();
}

absl::Status ApplyHostGapOverride(double host_gap_ms, WorkloadSpec& d) {
  if (host_gap_ms == -1) return absl::OkStatus();
  if (!(host_gap_ms >= 0) || !std::isfinite(host_gap_ms)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--host_gap_ms: must be >= 0 (or -1 for the workload's), got ", host_gap_ms));
  }
  d.host_gap = Milliseconds(host_gap_ms);
  return absl::OkStatus();
}

}  // namespace perfmodel
