// File: loader/proto_enums.h
// -----------------------------------------------------------------------------
//
// The one mapping between the schema's enums (proto/*.proto) and the core's
// (perfmodel/spec.h), both ways, for every file that reads or writes
// textprotos: the loader (loader/load.cc), the writer (loader/write.cc), the
// search space (search/search.cc) and //tools:import_hf.
//
//   DTypeFromProto(pb::FP8)                // DType::kFp8
//   DTypeFromProto(pb::DTYPE_UNSPECIFIED)  // nullopt: what unset means is the caller's to say
//   DTypeToProto(DType::kBf16)             // pb::BF16
//   OverlapFromProto(7)                    // nullopt: no such value
//
// A *FromProto() is nullopt for the UNSPECIFIED value and for a number the
// schema does not define (a textproto may give either): whether unset is an
// error or a default (the loader reads an unset overlap as NONE, a search's
// overlap list rejects it) and how the error is worded stay with the caller.
// A *ToProto() is the schema value of every core value (pinned by
// loader/proto_enums_test.cc).

#ifndef LOADER_PROTO_ENUMS_H_
#define LOADER_PROTO_ENUMS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "perfmodel/spec.h"
#include "proto/deployment.pb.h"
#include "proto/model.pb.h"
#include "proto/workload.pb.h"

namespace perfmodel {

// The schema's dtype names are the DType table's names (DTypeName()) in
// upper case.
inline std::optional<DType> DTypeFromProto(int v) {
  DType d;
  if (!pb::DType_IsValid(v) ||
      !DTypeFromName(absl::AsciiStrToLower(pb::DType_Name(static_cast<pb::DType>(v))), d)) {
    return std::nullopt;
  }
  return d;
}

// DTypeToProto() is DTYPE_UNSPECIFIED only for a DType the schema lacks (none
// today).
inline pb::DType DTypeToProto(DType d) {
  pb::DType out = pb::DTYPE_UNSPECIFIED;
  const std::string_view name = DTypeName(d);
  if (!pb::DType_Parse(absl::AsciiStrToUpper(absl::string_view(name.data(), name.size())), &out)) {
    return pb::DTYPE_UNSPECIFIED;
  }
  return out;
}

inline std::optional<Overlap> OverlapFromProto(int v) {
  switch (v) {
    case pb::NONE:
      return Overlap::kNone;
    case pb::TWO_MICRO_BATCH:
      return Overlap::kTwoMicroBatch;
    case pb::RECV_HOOK:
      return Overlap::kRecvHook;
    default:
      return std::nullopt;
  }
}

inline pb::Overlap OverlapToProto(Overlap o) {
  switch (o) {
    case Overlap::kNone:
      return pb::NONE;
    case Overlap::kTwoMicroBatch:
      return pb::TWO_MICRO_BATCH;
    case Overlap::kRecvHook:
      return pb::RECV_HOOK;
  }
  return pb::OVERLAP_UNSPECIFIED;
}

inline std::optional<LayerKind> LayerKindFromProto(int v) {
  switch (v) {
    case pb::DENSE:
      return LayerKind::kDense;
    case pb::MOE:
      return LayerKind::kMoe;
    default:
      return std::nullopt;
  }
}

inline std::optional<Phase> PhaseFromProto(int v) {
  switch (v) {
    case pb::DECODE:
      return Phase::kDecode;
    case pb::PREFILL:
      return Phase::kPrefill;
    default:
      return std::nullopt;
  }
}

inline pb::Phase PhaseToProto(Phase p) {
  switch (p) {
    case Phase::kDecode:
      return pb::DECODE;
    case Phase::kPrefill:
      return pb::PREFILL;
  }
  return pb::PHASE_UNSPECIFIED;
}

inline std::optional<RoutingSkew> RoutingSkewFromProto(int v) {
  switch (v) {
    case pb::UNIFORM:
      return RoutingSkew::kUniform;
    case pb::POWER_LAW:
      return RoutingSkew::kPowerLaw;
    default:
      return std::nullopt;
  }
}

inline pb::RoutingSkew RoutingSkewToProto(RoutingSkew s) {
  switch (s) {
    case RoutingSkew::kUniform:
      return pb::UNIFORM;
    case RoutingSkew::kPowerLaw:
      return pb::POWER_LAW;
  }
  return pb::ROUTING_SKEW_UNSPECIFIED;
}

}  // namespace perfmodel

#endif  // LOADER_PROTO_ENUMS_H_
