#include "loader/write.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/text_format.h"
#include "loader/proto_enums.h"
#include "perfmodel/units.h"
#include "proto/deployment.pb.h"
#include "proto/workload.pb.h"

namespace perfmodel {
namespace {

// Short() is `v` (a value converted to a file's unit, e.g. seconds to ms) to
// 15 significant digits, so that a value the loader read as "1.3" and
// converted back is written "1.3" again (not 1.3000000000000003) and reads
// back to the same spec.
double Short(double v) { return std::stod(absl::StrFormat("%.15g", v)); }

std::string Print(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::TextFormat::PrintToString(m, &out);
  return out;
}

}  // namespace

std::string DeploymentTextproto(const DeploymentSpec& d, absl::string_view source,
                                absl::string_view default_workload) {
  pb::Deployment p;
  p.set_name(std::string(d.name.view()));
  p.set_gpus(d.gpus);
  pb::Parallelism* q = p.mutable_parallelism();
  q->set_attention_dp(d.parallel.attention_dp);
  q->set_attention_tp(d.parallel.attention_tp);
  q->set_dense_tp(d.parallel.dense_tp);
  q->set_moe_ep(d.parallel.moe_ep);
  q->set_moe_tp(d.parallel.moe_tp);
  q->set_redundant_experts(d.parallel.redundant_experts);
  p.set_overlap(OverlapToProto(d.overlap));
  p.set_memory_reserve_gb(Short(ToGigabytes(d.memory_reserve_per_gpu)));
  if (d.kv_cache_dtype.has_value()) p.set_kv_cache_dtype(DTypeToProto(*d.kv_cache_dtype));
  if (d.attention_dtype.has_value()) p.set_attention_dtype(DTypeToProto(*d.attention_dtype));
  if (d.comm_sms != 0) p.set_comm_sms(d.comm_sms);
  if (d.host != HostModel{}) {
    pb::Host* h = p.mutable_host();
    h->set_step_us(Short(ToMicroseconds(d.host.per_step)));
    h->set_request_us(Short(ToMicroseconds(d.host.per_request)));
    h->set_launch_us(Short(ToMicroseconds(d.host.per_launch)));
    h->set_cuda_graphs(d.host.cuda_graphs);
  }
  p.set_source(std::string(source));
  if (!default_workload.empty()) p.set_default_workload(std::string(default_workload));
  return Print(p);
}

std::string WorkloadTextproto(const WorkloadSpec& w, absl::string_view source) {
  pb::Workload p;
  p.set_name(std::string(w.name.view()));
  p.set_batch_per_dp(w.batch_per_dp);
  p.set_mtp_draft_tokens(w.mtp_draft_tokens);
  p.set_accepted_tokens_per_step(w.accepted_tokens_per_step);
  p.set_host_gap_ms(Short(ToMilliseconds(w.host_gap)));
  if (w.routing.expert_imbalance.has_value()) p.set_expert_imbalance(*w.routing.expert_imbalance);
  if (w.routing.skew == RoutingSkew::kPowerLaw || w.routing.eplb) {
    pb::Routing* r = p.mutable_routing();
    r->set_skew(RoutingSkewToProto(w.routing.skew));
    if (w.routing.skew == RoutingSkew::kPowerLaw) {
      r->set_power_law_exponent(w.routing.power_law_exponent);
    }
    r->set_eplb(w.routing.eplb);
  }
  if (w.phase == Phase::kPrefill) {
    p.set_phase(PhaseToProto(w.phase));
    p.set_prompt_tokens(w.prompt_tokens);
    if (w.chunk_tokens > 0) p.set_chunk_tokens(w.chunk_tokens);
    if (w.prefix_cache_hit > 0.0) p.set_prefix_cache_hit(w.prefix_cache_hit);
  } else {
    p.set_context_tokens(w.context_tokens);
  }
  p.set_source(std::string(source));
  return Print(p);
}

}  // namespace perfmodel
