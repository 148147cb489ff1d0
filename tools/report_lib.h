// File: tools/report_lib.h
// -----------------------------------------------------------------------------
//
// What `bazel run //tools:report` prints: a decode step op by op, shaped like
// the seed analysis's section 3 (per part: each op's FLOPs, bytes, bound and
// time; one layer's total x layer count; MTP; LM head; forward time; host
// gap), then the SLA the step achieves and the memory per GPU.
//
//   absl::StatusOr<Setup> s = LoadSetup({.model = "models/deepseek_v3.textproto",
//                                        .hardware = "hw/h200_sxm.textproto",
//                                        .deployment = "deployments/seed_decode.textproto"});
//   StepResult r = EstimateDecode(s->model, s->hardware.spec, s->deployment);
//   render::Document doc = StepDocument(*s, r);
//   render::Render(doc, render::Format::kMarkdown);
//
// JSON (--format=json) is an object with sections "setup", "ops", "parts",
// "sla" and "memory"; README.md documents every key.

#ifndef TOOLS_REPORT_LIB_H_
#define TOOLS_REPORT_LIB_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loader/load.h"
#include "perfmodel/graph.h"
#include "tools/render.h"

namespace perfmodel {

// The three files a step needs (repo-relative or absolute paths).
struct SetupPaths final {
  std::string model = "models/deepseek_v3.textproto";
  std::string hardware = "hw/h200_sxm.textproto";
  std::string deployment = "deployments/seed_decode.textproto";
};

struct Setup final {
  SetupPaths paths;
  ModelSpec model;
  LoadedHardware hardware;
  DeploymentSpec deployment;
};

// LoadSetup() loads and cross-validates the three files (paths are resolved
// with ResolveInput()).
[[nodiscard]] absl::StatusOr<Setup> LoadSetup(const SetupPaths& paths);

// ApplyOverrides() replaces the deployment's batch per DP rank and context
// length when positive; zero keeps the file's value, negative is an error
// naming the flag.
[[nodiscard]] absl::Status ApplyOverrides(int64_t batch_per_dp, int64_t context_tokens,
                                          DeploymentSpec& d);

// ApplyHostGapOverride() replaces the deployment's host gap between forwards
// when `host_gap_ms` >= 0 (-1 keeps the file's; other negatives are an error
// naming --host_gap_ms). With 0 the SLA is the forward alone, as the seed's
// own simulator counted it.
[[nodiscard]] absl::Status ApplyHostGapOverride(double host_gap_ms, DeploymentSpec& d);

// CheckMemory() is OK when the step's memory fits the GPU, else
// ResourceExhausted saying by how much, e.g. "deployment 'x' on H100-SXM5:
// needs 91.2 GB per GPU (weights 70.1, KV cache 13.1, reserve 8.0) of 80.0 GB:
// over by 11.2 GB".
[[nodiscard]] absl::Status CheckMemory(const Setup& setup, const StepResult& r);

// StepDocument() renders a step result; sections: setup, ops, parts, sla, memory.
render::Document StepDocument(const Setup& setup, const StepResult& r);

}  // namespace perfmodel

#endif  // TOOLS_REPORT_LIB_H_
