#include "report/step_report.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "report/sla_report.h"

namespace perfmodel {

using render::Record;
using render::Table;
using render::Value;

absl::Status CheckMemory(const Setup& setup, const StepResult& r) {
  if (r.memory.Fits()) return absl::OkStatus();
  const MemoryUse& m = r.memory;
  const std::string activations =
      m.activations > Bytes::Zero()
          ? absl::StrFormat(", prefill workspace %.1f", ToGigabytes(m.activations))
          : "";
  return absl::ResourceExhaustedError(absl::StrFormat(
      "deployment '%s' (%s) on %s: needs %.1f GB per GPU (weights %.1f, KV cache %.1f, reserve "
      "%.1f%s) of %.1f GB: over by %.1f GB",
      std::string(setup.deployment.name.view()), setup.paths.deployment,
      std::string(setup.hardware.spec.name.view()), ToGigabytes(m.Total()), ToGigabytes(m.weights),
      ToGigabytes(m.kv_cache), ToGigabytes(m.reserve), activations, ToGigabytes(m.capacity),
      -ToGigabytes(m.Headroom())));
}

render::Document StepDocument(const Setup& setup, const StepResult& r) {
  render::Document doc;
  const DeploymentSpec& d = setup.deployment;
  const WorkloadSpec& w = setup.workload;
  const bool prefill = r.phase == Phase::kPrefill;
  Record s{.name = "setup", .title = prefill ? "Prefill" : "Decode step"};
  s.Add("model", std::string(setup.model.name.view()), setup.paths.model)
      .Add("hardware", std::string(setup.hardware.spec.name.view()), setup.paths.hardware)
      .Add("deployment", std::string(d.name.view()), setup.paths.deployment)
      .Add("workload", std::string(w.name.view()), setup.paths.workload)
      .Add("phase", std::string(PhaseName(r.phase)));
  if (prefill) {
    const PrefillPlan plan = PlanPrefill(w);
    s.Add("batch_per_dp", w.batch_per_dp, "prompts per attention DP rank, arriving together")
        .Add("prompt_tokens", w.prompt_tokens, "each prompt's length")
        .Add("cached_tokens", plan.cached, "of each prompt, from the prefix cache")
        .Add("chunk_tokens", w.chunk_tokens, "new tokens per forward per rank (0: unchunked)")
        .Add("forwards", r.forwards, "forwards the rows sum over")
        .Add("tokens_per_rank", r.tokens_per_rank, "new tokens per rank, all forwards");
  } else {
    s.Add("batch_per_dp", w.batch_per_dp, "requests per attention DP rank")
        .Add("context_tokens", w.context_tokens, "KV length of every request")
        .Add("tokens_per_rank", r.tokens_per_rank, "query tokens per rank per step (1 + drafts)");
  }
  s.Add("overlap", std::string(OverlapName(d.overlap)));
  if (d.comm_sms > 0) {
    s.Add("comm_sms", d.comm_sms,
          "SMs the all-to-all holds; under two micro-batches compute runs on the rest");
  }
  if (d.host != HostModel{}) {
    s.Add("host_model",
          absl::StrFormat("%.1f us + %.1f us/request%s", ToMicroseconds(d.host.per_step),
                          ToMicroseconds(d.host.per_request),
                          d.host.cuda_graphs
                              ? ""
                              : absl::StrFormat(", no CUDA graphs: %.1f us/kernel launch",
                                                ToMicroseconds(d.host.per_launch))),
          "added to the workload's host gap");
  }
  if (d.kv_cache_dtype.has_value() || d.attention_dtype.has_value()) {
    s.Add("kv_cache_dtype", std::string(DTypeName(KvCacheDType(setup.model, d))))
        .Add("attention_dtype", std::string(DTypeName(AttentionDType(setup.model, d))));
  }
  doc.Add(std::move(s));

  Table ops{.name = "ops",
            .title = prefill ? "Ops (time per occurrence, Σ over the forwards; step_ms = visible "
                               "x count)"
                             : "Ops (time per occurrence; step_ms = visible x count)",
            .columns = {"part", "op", "count", "kernels", "gflop", "hbm_mb", "link_mb", "bound",
                        "op_class", "time_us", "visible_us", "step_ms"}};
  for (std::size_t i = 0; i < r.row_count; ++i) {
    const OpRow& row = r.rows[i];
    const OpCost& c = row.cost;
    ops.rows.push_back({std::string(PartName(row.part)), std::string(row.op), row.count,
                        c.kernels, Value::Number(ToGigaflops(c.flops), 3),
                        Value::Number(ToMegabytes(c.bytes), 2),
                        Value::Number(ToMegabytes(c.link_bytes), 2), std::string(BoundName(c.bound)),
                        std::string(OpClassName(c.op_class)), Value::Number(ToMicroseconds(c.time()), 2),
                        Value::Number(ToMicroseconds(row.visible), 2),
                        Value::Number(ToMilliseconds(row.Total()), 3)});
  }
  doc.Add(std::move(ops));

  // Communication rows split into their terms (perfmodel/step.h OpRow).
  Table comm{.name = "comm",
             .title = "Communication (one occurrence: time = wire + latency + launch; hidden by "
                      "overlap; wait: the slowest sender's lag, inside the forward already)",
             .columns = {"part", "op", "link_mb", "op_class", "wire_us", "latency_us",
                         "launch_us", "time_us", "hidden_us", "visible_us", "wait_us"}};
  for (std::size_t i = 0; i < r.row_count; ++i) {
    const OpRow& row = r.rows[i];
    const OpCost& c = row.cost;
    if (!IsLinkClass(c.op_class) || c.kernels == 0) continue;
    comm.rows.push_back({std::string(PartName(row.part)), std::string(row.op),
                         Value::Number(ToMegabytes(c.link_bytes), 2),
                         std::string(OpClassName(c.op_class)),
                         Value::Number(ToMicroseconds(row.Wire()), 2),
                         Value::Number(ToMicroseconds(c.latency), 2),
                         Value::Number(ToMicroseconds(c.overhead), 2),
                         Value::Number(ToMicroseconds(c.time()), 2),
                         Value::Number(ToMicroseconds(c.time() - row.visible), 2),
                         Value::Number(ToMicroseconds(row.visible), 2),
                         Value::Number(ToMicroseconds(row.wait), 2)});
  }
  if (!comm.rows.empty()) doc.Add(std::move(comm));

  Table parts{.name = "parts",
              .title = "Per part (one layer / pass x count)",
              .columns = {"part", "count", "layer_ms", "step_ms"}};
  for (Part p : {Part::kDense, Part::kMoe, Part::kMtp, Part::kHead}) {
    const int64_t n = r.PartCount(p);
    if (n == 0) continue;
    parts.rows.push_back({std::string(PartName(p)), n,
                          Value::Number(ToMilliseconds(r.PartLayerTime(p)), 3),
                          Value::Number(ToMilliseconds(r.PartTotal(p)), 3)});
  }
  parts.footer.push_back({"forward", Value(), Value(), Value::Number(ToMilliseconds(r.forward), 3)});
  parts.footer.push_back(
      {"host_gap", Value(), Value(), Value::Number(ToMilliseconds(r.host_gap), 3)});
  doc.Add(std::move(parts));

  // MoE routing on the hottest EP rank (perfmodel/routing.h), per MoE part.
  Table routing{.name = "routing",
                .title = "MoE routing per micro-batch (hottest EP rank; the expert GEMMs read "
                         "the active experts only)",
                .columns = {"part", "tokens", "local_experts", "active_experts", "mean_pairs",
                            "hottest_pairs", "imbalance"}};
  for (Part p : {Part::kDense, Part::kMoe, Part::kMtp, Part::kHead}) {
    const PartRouting& part = r.routing[static_cast<std::size_t>(p)];
    const RoutingLoad& pr = part.load;
    if (pr.local_experts == 0) continue;
    routing.rows.push_back(
        {std::string(PartName(p)), Value::Number(part.tokens, 0), pr.local_experts,
         Value::Number(pr.active_experts, 2), Value::Number(pr.mean_pairs, 1),
         Value::Number(pr.hottest_pairs, 1),
         Value::Number(pr.Imbalance(), 3)});
  }
  if (!routing.rows.empty()) doc.Add(std::move(routing));

  if (prefill) {
    doc.Add(PrefillRecord(r.prefill, "simulated", "sla",
                          "SLA (per machine of DP ranks; TTFT of the batch's last prompt, no "
                          "queueing)"));
  } else {
    doc.Add(DecodeRecord(r.sla, "simulated", "sla", "SLA (per machine of DP ranks)"));
  }

  const MemoryUse& m = r.memory;
  Record mem{.name = "memory", .title = "Memory per GPU"};
  mem.Add("weights_gb", Value::Number(ToGigabytes(m.weights), 2))
      .Add("kv_cache_gb", Value::Number(ToGigabytes(m.kv_cache), 2))
      .Add("reserve_gb", Value::Number(ToGigabytes(m.reserve), 2));
  if (prefill) {
    mem.Add("workspace_gb", Value::Number(ToGigabytes(m.activations), 2),
            "the largest forward's activations");
  }
  mem.Add("total_gb", Value::Number(ToGigabytes(m.Total()), 2))
      .Add("capacity_gb", Value::Number(ToGigabytes(m.capacity), 2))
      .Add("headroom_gb", Value::Number(ToGigabytes(m.Headroom()), 2));
  doc.Add(std::move(mem));
  return doc;
}

render::Record PredictedPrefillRecord(const Setup& setup, const StepResult& r) {
  render::Record row = PrefillRecord(
      r.prefill, "simulated", "prefill",
      absl::StrCat("Prefill SLA predicted by the cost model (", setup.paths.deployment, ", ",
                   setup.paths.workload, "; ", r.forwards,
                   r.forwards == 1 ? " forward" : " forwards", ", no queueing)"));
  // PrefillRecord()'s notes are a measured forward's; these are the estimate's
  // (//tools:report keeps PrefillRecord()'s as they were).
  for (render::Field& field : row.fields) {
    if (field.key == "prefill_forward_ms") {
      field.note = "Σ of the prefill's forwards, simulated";
    } else if (field.key == "prefill_host_gap_ms") {
      field.note = "host time before each forward, summed; counts in TTFT";
    }
  }
  return row;
}

}  // namespace perfmodel
