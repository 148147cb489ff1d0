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
// ApplyOverrides() changes a loaded workload; its errors name the field.

#ifndef LOADER_SETUP_H_
#define LOADER_SETUP_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loader/load.h"
#include "perfmodel/spec.h"
#include "perfmodel/units.h"

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

// What a tool may change in a loaded workload; an empty optional keeps the
// file's value.
struct WorkloadOverrides final {
  std::optional<int64_t> batch_per_dp = std::nullopt;    // requests per DP rank, >= 1
  std::optional<int64_t> context_tokens = std::nullopt;  // context per request, >= 1
  std::optional<Duration> host_gap = std::nullopt;  // between forwards, >= 0 (0: the forward alone,
                                                    // as the seed's own simulator counted it)
  // The phase: turning a decode workload into a prefill one makes its
  // context the prompt (unless prompt_tokens says), and back.
  std::optional<Phase> phase = std::nullopt;
  std::optional<int64_t> prompt_tokens = std::nullopt;    // prefill, >= 1
  std::optional<int64_t> chunk_tokens = std::nullopt;     // prefill, >= 1
  std::optional<double> prefix_cache_hit = std::nullopt;  // prefill, [0, 1)
};

// ApplyOverrides() sets the values `o` gives in `w`, or none of them when one
// is out of range. Errors (InvalidArgument) name the field: "batch_per_dp:
// must be >= 1, got -3", "context_tokens: must be >= 1, got 0", "host_gap:
// must be a finite duration >= 0, got -5 ms", "chunk_tokens: is a prefill
// field: set phase to prefill"; values above the loader's limits (load.h
// limits::) and a result feeding a DP rank more than
// limits::kMaxTokensPerForward tokens are rejected too.
[[nodiscard]] absl::Status ApplyOverrides(const WorkloadOverrides& o, WorkloadSpec& w);

}  // namespace perfmodel

#endif  // LOADER_SETUP_H_
