#include "loader/proto_enums.h"

#include <cstddef>
#include <optional>

#include "gtest/gtest.h"

namespace perfmodel {
namespace {

// Every core value has a schema value, and it maps back.
TEST(ProtoEnumsTest, EveryCoreValueRoundTrips) {
  for (std::size_t i = 0; i < kDTypes.size(); ++i) {
    const DType d = static_cast<DType>(i);
    EXPECT_NE(DTypeToProto(d), pb::DTYPE_UNSPECIFIED) << DTypeName(d);
    EXPECT_EQ(DTypeFromProto(DTypeToProto(d)), d) << DTypeName(d);
  }
  for (const Overlap o : kOverlaps) {
    EXPECT_NE(OverlapToProto(o), pb::OVERLAP_UNSPECIFIED) << OverlapName(o);
    EXPECT_EQ(OverlapFromProto(OverlapToProto(o)), o) << OverlapName(o);
  }
  for (const Phase p : kPhases) {
    EXPECT_NE(PhaseToProto(p), pb::PHASE_UNSPECIFIED) << PhaseName(p);
    EXPECT_EQ(PhaseFromProto(PhaseToProto(p)), p) << PhaseName(p);
  }
  for (const RoutingSkew s : {RoutingSkew::kUniform, RoutingSkew::kPowerLaw}) {
    EXPECT_NE(RoutingSkewToProto(s), pb::ROUTING_SKEW_UNSPECIFIED);
    EXPECT_EQ(RoutingSkewFromProto(RoutingSkewToProto(s)), s);
  }
}

// The schema's names: the dtypes by the DType table's names in upper case.
TEST(ProtoEnumsTest, TheSchemaValues) {
  EXPECT_EQ(DTypeToProto(DType::kFp32), pb::FP32);
  EXPECT_EQ(DTypeToProto(DType::kBf16), pb::BF16);
  EXPECT_EQ(DTypeToProto(DType::kFp16), pb::FP16);
  EXPECT_EQ(DTypeToProto(DType::kFp8), pb::FP8);
  EXPECT_EQ(DTypeToProto(DType::kFp4), pb::FP4);
  EXPECT_EQ(OverlapToProto(Overlap::kNone), pb::NONE);
  EXPECT_EQ(OverlapToProto(Overlap::kTwoMicroBatch), pb::TWO_MICRO_BATCH);
  EXPECT_EQ(OverlapToProto(Overlap::kRecvHook), pb::RECV_HOOK);
  EXPECT_EQ(LayerKindFromProto(pb::DENSE), LayerKind::kDense);
  EXPECT_EQ(LayerKindFromProto(pb::MOE), LayerKind::kMoe);
  EXPECT_EQ(PhaseToProto(Phase::kPrefill), pb::PREFILL);
  EXPECT_EQ(RoutingSkewToProto(RoutingSkew::kPowerLaw), pb::POWER_LAW);
}

// Unset and numbers the schema lacks are nullopt: the caller says what they mean.
TEST(ProtoEnumsTest, UnsetAndUnknownValuesAreNone) {
  EXPECT_EQ(DTypeFromProto(pb::DTYPE_UNSPECIFIED), std::nullopt);
  EXPECT_EQ(OverlapFromProto(pb::OVERLAP_UNSPECIFIED), std::nullopt);
  EXPECT_EQ(LayerKindFromProto(pb::LAYER_KIND_UNSPECIFIED), std::nullopt);
  EXPECT_EQ(PhaseFromProto(pb::PHASE_UNSPECIFIED), std::nullopt);
  EXPECT_EQ(RoutingSkewFromProto(pb::ROUTING_SKEW_UNSPECIFIED), std::nullopt);
  for (const int v : {-1, 6, 99}) {
    EXPECT_EQ(DTypeFromProto(v), std::nullopt) << v;
    EXPECT_EQ(OverlapFromProto(v), std::nullopt) << v;
    EXPECT_EQ(LayerKindFromProto(v), std::nullopt) << v;
    EXPECT_EQ(PhaseFromProto(v), std::nullopt) << v;
    EXPECT_EQ(RoutingSkewFromProto(v), std::nullopt) << v;
  }
}

}  // namespace
}  // namespace perfmodel
