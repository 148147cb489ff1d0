// File: report/step_report.h
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
//   StepResult r = EstimateDecode(s->model, s->hardware.spec, s->deployment, s->workload);
//   render::Document doc = StepDocument(*s, r);
//   render::Render(doc, render::Format::kMarkdown);
//
// JSON (--format=json) is an object with sections "setup", "ops", "parts",
// "sla" and "memory"; README.md documents every key.

#ifndef REPORT_STEP_REPORT_H_
#define REPORT_STEP_REPORT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loader/setup.h"
#include "perfmodel/graph.h"
#include "report/render.h"

namespace perfmodel {

// CheckMemory() is OK when the step's memory fits the GPU, else
// ResourceExhausted saying by how much, e.g. "deployment 'x' on H100-SXM5:
// needs 91.2 GB per GPU (weights 70.1, KV cache 13.1, reserve 8.0) of 80.0 GB:
// over by 11.2 GB".
[[nodiscard]] absl::Status CheckMemory(const Setup& setup, const StepResult& r);

// StepDocument() renders a step result; sections: setup, ops, parts, sla, memory.
render::Document StepDocument(const Setup& setup, const StepResult& r);

// PredictedPrefillRecord() is the prefill SLA row of `r`, the EstimatePrefill()
// of `setup`'s prefill workload, as //tools:sla prints a measured prefill row
// (PrefillRecord(), direction "simulated", record "prefill"): the batch's
// TTFT without queueing, its forwards and host gaps, and prompt tokens/s per
// rank and per machine.
render::Record PredictedPrefillRecord(const Setup& setup, const StepResult& r);

}  // namespace perfmodel

#endif  // REPORT_STEP_REPORT_H_
