// File: loader/load.h
// -----------------------------------------------------------------------------
//
// Loads and validates the textprotos in models/, hw/, deployments/,
// workloads/ and baselines/ into the plain structs of perfmodel/spec.h. This is the one
// boundary where input is checked: every error is an absl::Status whose message
// names the file, the field and what was wrong, e.g.
//
//   models/bad.textproto: mla.kv_lora_rank: must be > 0, got 0
//   deployments/x.textproto:7:3: Unknown enumeration value of "FP9" for field "weight_dtype".
//
// Nothing is returned half-filled: a failed load returns only the status.
//
//   absl::StatusOr<ModelSpec> m = LoadModel("models/deepseek_v3.textproto");
//   absl::StatusOr<LoadedHardware> h = LoadHardware("hw/h800_sxm.textproto");
//   absl::StatusOr<LoadedDeployment> d = LoadDeployment("deployments/seed_decode.textproto");
//   absl::Status s = ValidateDeploymentFor(*m, h->spec, d->spec, "deployments/seed_decode.textproto");
//   absl::StatusOr<LoadedWorkload> w = LoadWorkload("workloads/seed_decode.textproto");

#ifndef LOADER_LOAD_H_
#define LOADER_LOAD_H_

#include <array>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "perfmodel/spec.h"
#include "proto/baseline.pb.h"
#include "proto/sla.pb.h"

namespace perfmodel {

// A hardware description and the source of each efficiency factor, which the
// reports print but the cost model does not need.
struct LoadedHardware final {
  HardwareSpec spec;
  std::array<std::string, kOpClassCount> efficiency_source;
  std::string source;
};

// ReadFile() reads a whole file; NotFound names the path.
[[nodiscard]] absl::StatusOr<std::string> ReadFile(absl::string_view path);

// A deployment and the workload it names as its default (a path, may be
// empty), with its source.
struct LoadedDeployment final {
  DeploymentSpec spec;
  std::string default_workload;
  std::string source;
};

// A workload and its source.
struct LoadedWorkload final {
  WorkloadSpec spec;
  std::string source;
};

// Parse*() take the text and the name to report errors against (a path).
[[nodiscard]] absl::StatusOr<ModelSpec> ParseModel(absl::string_view text,
                                                   absl::string_view origin);
[[nodiscard]] absl::StatusOr<LoadedHardware> ParseHardware(absl::string_view text,
                                                           absl::string_view origin);
[[nodiscard]] absl::StatusOr<LoadedDeployment> ParseDeployment(absl::string_view text,
                                                               absl::string_view origin);
[[nodiscard]] absl::StatusOr<LoadedWorkload> ParseWorkload(absl::string_view text,
                                                           absl::string_view origin);
[[nodiscard]] absl::StatusOr<pb::SlaTargets> ParseSlaTargets(absl::string_view text,
                                                             absl::string_view origin);
[[nodiscard]] absl::StatusOr<pb::Baseline> ParseBaseline(absl::string_view text,
                                                         absl::string_view origin);

// Load*() read `path` and parse it.
[[nodiscard]] absl::StatusOr<ModelSpec> LoadModel(absl::string_view path);
[[nodiscard]] absl::StatusOr<LoadedHardware> LoadHardware(absl::string_view path);
[[nodiscard]] absl::StatusOr<LoadedDeployment> LoadDeployment(absl::string_view path);
[[nodiscard]] absl::StatusOr<LoadedWorkload> LoadWorkload(absl::string_view path);
[[nodiscard]] absl::StatusOr<pb::SlaTargets> LoadSlaTargets(absl::string_view path);
[[nodiscard]] absl::StatusOr<pb::Baseline> LoadBaseline(absl::string_view path);

// ValidateDeploymentFor() checks what only the three together can tell: that
// EP ranks divide the routed (plus redundant) experts, that TP degrees divide
// the heads and widths they split, and that a layout spanning nodes fills
// them. Errors name `deployment_origin` and the deployment field.
[[nodiscard]] absl::Status ValidateDeploymentFor(const ModelSpec& model,
                                                 const HardwareSpec& hw,
                                                 const DeploymentSpec& deployment,
                                                 absl::string_view deployment_origin);

// ValidateWorkloadFor() checks what the model and the workload together can
// tell: MTP drafts need MTP modules. Errors name `workload_origin` and the field.
[[nodiscard]] absl::Status ValidateWorkloadFor(const ModelSpec& model, const WorkloadSpec& workload,
                                               absl::string_view workload_origin);

}  // namespace perfmodel

#endif  // LOADER_LOAD_H_
