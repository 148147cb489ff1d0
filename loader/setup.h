// File: loader/setup.h
// -----------------------------------------------------------------------------
//
// The scenario every tool starts from: a model, a GPU, a deployment (the
// layout) and a workload (what a step serves), loaded from their textprotos
// and validated against each other.
//
//   absl::StatusOr<Setup> s = LoadSetup({});   // the seed's files
//   s->workload.batch_per_dp                    // == 24
//   s->paths.workload                           // "workloads/seed_decode.textproto"
//
// The override helpers name the flag they stand for in their errors.

#ifndef LOADER_SETUP_H_
#define LOADER_SETUP_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loader/load.h"
#include "perfmodel/spec.h"

namespace perfmodel {

// The four files a step needs (repo-relative or absolute paths). An empty
// workload is the one the deployment names as its default_workload.
struct SetupPaths final {
  std::string model = "models/deepseek_v3.textproto";
  std::string hardware = "hw/h200_sxm.textproto";
  std::string deployment = "deployments/seed_decode.textproto";
  std::string workload = {};
};

struct Setup final {
  SetupPaths paths;  // as loaded: `workload` is never empty
  ModelSpec model;
  LoadedHardware hardware;
  DeploymentSpec deployment;
  WorkloadSpec workload;
};

// LoadSetup() loads and cross-validates the four files (paths are resolved
// with ResolveInput()). With no workload path, the deployment must name a
// default_workload; the error says so and names the deployment file.
[[nodiscard]] absl::StatusOr<Setup> LoadSetup(const SetupPaths& paths);

// ApplyOverrides() replaces the workload's batch per DP rank and context
// length when positive; zero keeps the file's value, negative is an error
// naming the flag.
[[nodiscard]] absl::Status ApplyOverrides(int64_t batch_per_dp, int64_t context_tokens,
                                          WorkloadSpec& w);

// ApplyHostGapOverride() replaces the workload's host gap between forwards
// when `host_gap_ms` >= 0 (-1 keeps the file's; other negatives are an error
// naming --host_gap_ms). With 0 the SLA is the forward alone, as the seed's
// own simulator counted it.
[[nodiscard]] absl::Status ApplyHostGapOverride(double host_gap_ms, WorkloadSpec& w);

}  // namespace perfmodel

#endif  // LOADER_SETUP_H_
