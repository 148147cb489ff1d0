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
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "perfmodel/spec.h"
#include "proto/baseline.pb.h"
#include "proto/sla.pb.h"

namespace perfmodel {

// Limits: values no GPU, model, deployment or workload has. The loaders
// reject anything beyond them, naming the file and the field ("hidden_size:
// must be <= 1048576 (no model is that wide), got 4294967296"), so that the
// cost model's integer arithmetic on counts provably fits in int64 and its
// floating-point arithmetic stays finite. Each limit is set one to three
// orders of magnitude above the largest value in use, with the product it
// guards written beside it. The largest int64 products the graph forms are
// (perfmodel/mlp_blocks.h, attention_blocks.h, ops.h):
//   gathered tokens x width     <= kMaxTokensPerForward x kMaxGpus x kMaxWidth   = 2^56
//   tokens x experts_per_token x hidden
//                               <= kMaxTokensPerForward x kMaxExpertsPerToken x kMaxWidth = 2^54
//   tokens x heads x head_dim   <= kMaxTokensPerForward x kMaxHeads x kMaxHeadDim = 2^48
//   GEMM output tiles x batch   <= 2^36 rows x 2^21 columns (1 x 1 tiles)   = 2^57
//   batch x context (Σ KV)      <= kMaxBatchPerDp x kMaxContextTokens        = 2^47
// Weight and KV-cache sizes are products of these in double: at most ~2^80
// bytes, finite.
namespace limits {
// Model widths: hidden size, MLP and expert intermediate sizes, LoRA ranks
// (the largest in use: 53,248; DeepSeek-V3's hidden is 7,168).
inline constexpr int64_t kMaxWidth = int64_t{1} << 20;
inline constexpr int64_t kMaxVocab = int64_t{1} << 24;    // largest in use ~256 K
inline constexpr int64_t kMaxHeads = int64_t{1} << 12;    // query or KV heads; largest 128
inline constexpr int64_t kMaxHeadDim = int64_t{1} << 12;  // largest 256
inline constexpr int64_t kMaxLayers = int64_t{1} << 14;   // decoder layers in all; largest ~126
inline constexpr int64_t kMaxMtpModules = 1024;
inline constexpr int64_t kMaxExperts = int64_t{1} << 16;  // routed (or redundant); largest 384
inline constexpr int64_t kMaxExpertsPerToken = 1024;      // also shared experts; largest 22
// Context and prompt lengths (the longest served: 10 M tokens).
inline constexpr int64_t kMaxContextTokens = int64_t{1} << 27;
// GPUs of one model replica, and in one scale-up domain (NVL72: 72).
inline constexpr int64_t kMaxGpus = int64_t{1} << 12;
inline constexpr int64_t kMaxSms = int64_t{1} << 16;         // per GPU; B200: 148
inline constexpr int64_t kMaxGemmTile = int64_t{1} << 12;    // rows or columns; in use 16 to 256
inline constexpr int64_t kMaxBatchPerDp = int64_t{1} << 20;  // = kMaxBatchPerRank of the sweeps
inline constexpr int64_t kMaxDraftTokens = 1024;             // MTP drafts per step; in use <= 4
// Query tokens one DP rank feeds one forward: decode batch x (1 + drafts),
// prefill the prompts' tokens arriving together (16.7 M: more than any GPU
// holds the KV cache of).
inline constexpr int64_t kMaxTokensPerForward = int64_t{1} << 24;
// Rates and sizes per GPU (B200: 9,000 TFLOP/s FP4, 8 TB/s HBM, 192 GB,
// 900 GB/s NVLink).
inline constexpr double kMaxTflops = 1e6;       // 1 EFLOP/s
inline constexpr double kMaxHbmTbps = 1e3;      // 1 PB/s
inline constexpr double kMaxLinkGbps = 1e6;     // 1 PB/s
inline constexpr double kMaxCapacityGb = 1e6;   // 1 PB (HBM, or a reserve)
inline constexpr double kMaxLatencyUs = 1e6;    // 1 s (link latency, launch, host times)
inline constexpr double kMaxHostGapMs = 1e6;    // 1,000 s between forwards
inline constexpr double kMinTimeFactor = 1e-3;  // a per-op correction: x 1/1000 .. x 1000
inline constexpr double kMaxTimeFactor = 1e3;
}  // namespace limits

// A hardware description and the source of each efficiency factor, which the
// reports print but the cost model does not need.
struct LoadedHardware final {
  HardwareSpec spec;
  std::array<std::string, kOpClassCount> efficiency_source;
  std::string source;
  // Of spec.kernel_launch_overhead, the part inside a kernel's own duration
  // (proto/hardware.proto in_kernel_fixed_us): what a profiler's kernel time
  // holds beyond the roofline, for comparing with one (measure/kernel_check).
  Duration in_kernel_fixed;
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

// CheckTokensPerForward() is InvalidArgument when one DP rank's step feeds
// more than limits::kMaxTokensPerForward query tokens: decode batch_per_dp x
// (1 + mtp_draft_tokens), prefill batch_per_dp x prompt_tokens. The message
// names `origin` (when not empty) and batch_per_dp. `w`'s fields must be
// within their own limits (the loader's, or ApplyOverrides()').
[[nodiscard]] absl::Status CheckTokensPerForward(const WorkloadSpec& w, absl::string_view origin);

// ValidateWorkloadFor() checks what the model and the workload together can
// tell: MTP drafts need MTP modules. Errors name `workload_origin` and the field.
[[nodiscard]] absl::Status ValidateWorkloadFor(const ModelSpec& model, const WorkloadSpec& workload,
                                               absl::string_view workload_origin);

}  // namespace perfmodel

#endif  // LOADER_LOAD_H_
