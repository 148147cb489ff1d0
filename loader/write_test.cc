#include "loader/write.h"

#include <string>

#include "gtest/gtest.h"
#include "loader/load.h"
#include "perfmodel/testing/matchers.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::IsOk;

// Every deployment and workload of the repo, written and read back, is the
// same spec.
TEST(Write, RepoDeploymentsAndWorkloadsRoundTrip) {
  for (const char* path :
       {"deployments/seed_decode.textproto", "deployments/seed_prefill.textproto",
        "deployments/deepseek_v3_tp8_ep4x2.textproto", "deployments/llama3_1_70b_tp8.textproto",
        "deployments/qwen3_235b_dp8_ep8.textproto"}) {
    SCOPED_TRACE(path);
    absl::StatusOr<LoadedDeployment> d = LoadDeployment(path);
    ASSERT_THAT(d.status(), IsOk());
    const std::string text = DeploymentTextproto(d->spec, d->source, d->default_workload);
    absl::StatusOr<LoadedDeployment> back = ParseDeployment(text, "written");
    ASSERT_THAT(back.status(), IsOk()) << text;
    EXPECT_EQ(back->spec, d->spec);
    EXPECT_EQ(back->default_workload, d->default_workload);
    EXPECT_EQ(back->source, d->source);
  }
  for (const char* path :
       {"workloads/seed_decode.textproto", "workloads/seed_prefill.textproto",
        "workloads/deepseek_v3_b1_mtp3.textproto", "workloads/llama3_1_70b_tp8.textproto",
        "workloads/qwen3_235b_dp8_ep8.textproto"}) {
    SCOPED_TRACE(path);
    absl::StatusOr<LoadedWorkload> w = LoadWorkload(path);
    ASSERT_THAT(w.status(), IsOk());
    absl::StatusOr<LoadedWorkload> back =
        ParseWorkload(WorkloadTextproto(w->spec, w->source), "written");
    ASSERT_THAT(back.status(), IsOk());
    EXPECT_EQ(back->spec, w->spec);
  }
}

// Fields a repo file leaves at their defaults: a host model, dtypes, routing.
TEST(Write, EveryDeploymentFieldRoundTrips) {
  DeploymentSpec d;
  d.name = Name("all-fields");
  d.gpus = 16;
  d.parallel = Parallelism{8, 2, 4, 16, 1, 32};
  d.overlap = Overlap::kTwoMicroBatch;
  d.memory_reserve_per_gpu = Gigabytes(7.5);
  d.kv_cache_dtype = DType::kFp8;
  d.attention_dtype = DType::kBf16;
  d.comm_sms = 24;
  d.host = HostModel{Microseconds(150), Microseconds(2.5), Microseconds(4), false};
  absl::StatusOr<LoadedDeployment> back =
      ParseDeployment(DeploymentTextproto(d, "test", ""), "written");
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_EQ(back->spec, d);
  EXPECT_EQ(back->default_workload, "");

  WorkloadSpec w;
  w.name = Name("prefill");
  w.phase = Phase::kPrefill;
  w.batch_per_dp = 3;
  w.prompt_tokens = 8192;
  w.chunk_tokens = 2048;
  w.prefix_cache_hit = 0.25;
  w.mtp_draft_tokens = 1;
  w.accepted_tokens_per_step = 1.85;
  w.host_gap = Milliseconds(1.3);
  w.routing = RoutingSpec{RoutingSkew::kPowerLaw, 1.2, true, 1.5};
  absl::StatusOr<LoadedWorkload> wb = ParseWorkload(WorkloadTextproto(w, "test"), "written");
  ASSERT_THAT(wb.status(), IsOk());
  EXPECT_EQ(wb->spec, w);
}

}  // namespace
}  // namespace perfmodel
