#include "admission.h"

#include <cstdint>
#include <vector>

#include "deployments/seed_decode_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hw/h200_sxm_spec.h"
#include "models/deepseek_v3_spec.h"
#include "perfmodel/sla.h"
#include "perfmodel/testing/matchers.h"
#include "workloads/seed_decode_spec.h"

namespace example {
namespace {

using perfmodel::Milliseconds;
using perfmodel::testing::MeetsTpotOf;

perfmodel::StepPredictor Seed() {
  return perfmodel::StepPredictor(perfmodel::specs::kDeepSeekV3, perfmodel::specs::kH200Sxm,
                                  perfmodel::specs::kSeedDecode,
                                  perfmodel::specs::kSeedDecodeWorkload);
}

// The rank fills up to the SLA and no further: after admission the predicted
// step meets the 16.6 ms TPOT (the seed's target), one more would not.
TEST(Admission, FillsTheRankUpToTheTpotTarget) {
  perfmodel::StepPredictor p = Seed();
  perfmodel::RankLoad load{.requests = 0};
  const std::vector<int64_t> waiting(200, 4096);
  const int64_t n = Admit(p, load, waiting, Milliseconds(16.6));
  ASSERT_GT(n, 0);
  ASSERT_LT(n, 200);
  EXPECT_THAT(p.Estimate(load).sla, MeetsTpotOf(Milliseconds(16.6)));
  perfmodel::RankLoad more = load;
  EXPECT_FALSE(p.CanAdmit(more, perfmodel::TokenCount(4096), Milliseconds(16.6)));
}

// A looser SLA admits more.
TEST(Admission, ALooserTargetAdmitsMore) {
  perfmodel::StepPredictor p = Seed();
  const std::vector<int64_t> waiting(400, 4096);
  perfmodel::RankLoad tight{.requests = 0};
  perfmodel::RankLoad loose{.requests = 0};
  EXPECT_LT(Admit(p, tight, waiting, Milliseconds(16.6)),
            Admit(p, loose, waiting, Milliseconds(30)));
}

}  // namespace
}  // namespace example
