// File: cli/flags.h
// -----------------------------------------------------------------------------
//
// Typed flags for perfmodel's tools: Abseil flag support (AbslParseFlag /
// AbslUnparseFlag, in namespace perfmodel where argument-dependent lookup
// finds them) for the core's quantities and enums, the context-distribution
// spec, and the checks that concern how flags combine. A tool declares
//
//   ABSL_FLAG(std::optional<perfmodel::Duration>, host_gap, std::nullopt, "...");
//   ABSL_FLAG(perfmodel::DType, dtype, perfmodel::DType::kFp8, "...");
//   ABSL_FLAG(std::optional<perfmodel::ContextSpec>, context, std::nullopt, "...");
//
// and the command line is checked (cli/cli.h) against these parsers:
//
//   --host_gap=1.3ms              Milliseconds(1.3)  (units: ns, us, ms, s)
//   --bytes=80GiB                 Gibibytes(80)      (B, kB or KB, MB, GB, TB, KiB, MiB, GiB, TiB)
//   --dtype=bf16                  DType::kBf16       (the names of DTypeName())
//   --context=lognormal:4096:1.0  ContextSpec{.kind = kLogNormal, .mean = 4096, .spread = 1}
//   --dtype=fp9      "--dtype: unknown dtype 'fp9'; expected one of fp32, bf16, fp16, fp8, fp4"
//   --host_gap=1.3   "--host_gap: '1.3' has no unit; expected a number and one of ns, us, ms,
//                    s (e.g. 1.3ms)"
//
// An optional flag given an empty value (`--host_gap=`) is not given.
// Durations and byte sizes are never negative: "-1ms" is rejected when parsed.
// Parse errors name the value and what was wrong, never the flag: the
// command-line check puts "--<flag>: " in front.

#ifndef CLI_FLAGS_H_
#define CLI_FLAGS_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "perfmodel/context.h"
#include "perfmodel/ops.h"
#include "perfmodel/spec.h"
#include "perfmodel/units.h"

namespace perfmodel {

// Durations: a finite number >= 0 and a unit: "1.3ms", "500us", "2s", "0s",
// "1e3ns". Unparsed in the largest unit the value reaches ("1.3ms"), exactly
// (parsing the text gives the same Duration back).
bool AbslParseFlag(absl::string_view text, Duration* d, std::string* error);
std::string AbslUnparseFlag(Duration d);

// Byte sizes: a finite number >= 0 and a unit, decimal (B, kB or KB, MB, GB,
// TB) or binary (KiB, MiB, GiB, TiB): "80GB", "80GiB", "512MB", "1.5TB".
// Unparsed as a whole number of the largest unit that divides it ("80GiB"),
// else in bytes.
bool AbslParseFlag(absl::string_view text, Bytes* b, std::string* error);
std::string AbslUnparseFlag(Bytes b);

// Enums, by the core's name tables: DType (spec.h's kDTypes: fp32, bf16,
// fp16, fp8, fp4), Overlap (OverlapName(): none, two_micro_batch, recv_hook),
// EpKernels (EpKernelsName(): low_latency, normal), Transport
// (TransportName(): auto, nvlink, rdma).
bool AbslParseFlag(absl::string_view text, DType* d, std::string* error);
std::string AbslUnparseFlag(DType d);
bool AbslParseFlag(absl::string_view text, Overlap* o, std::string* error);
std::string AbslUnparseFlag(Overlap o);
bool AbslParseFlag(absl::string_view text, EpKernels* k, std::string* error);
std::string AbslUnparseFlag(EpKernels k);
bool AbslParseFlag(absl::string_view text, Transport* t, std::string* error);
std::string AbslUnparseFlag(Transport t);
// Phase (PhaseName(): decode, prefill).
bool AbslParseFlag(absl::string_view text, Phase* p, std::string* error);
std::string AbslUnparseFlag(Phase p);

// ContextSpec is a context-length distribution as a command line names it:
// "fixed:N", "uniform:LO:HI", "normal:MEAN:STD", "lognormal:MEAN:SIGMA" (mean
// preserved) or "file:PATH" (one length per line). Lengths are whole tokens;
// MEAN, STD and SIGMA may have decimals. Parsing checks the analytic laws'
// parameters as ContextDistribution's factories do; a file is only named here
// and read by ContextFromSpec().
struct ContextSpec final {
  enum class Kind : uint8_t { kFixed, kUniform, kNormal, kLogNormal, kFile };
  Kind kind = Kind::kFixed;
  int64_t tokens = 0;      // fixed
  int64_t lo = 0, hi = 0;  // uniform
  double mean = 0.0;       // normal, lognormal
  double spread = 0.0;     // normal: the standard deviation; lognormal: sigma
  std::string path = {};   // file, as given
  std::string text = {};   // the spec as given, e.g. "lognormal:4096:1.0"
};

// Errors, e.g.: "'lognormal:4096': expected lognormal:MEAN:SIGMA", "'fixed:4k':
// N: '4k' is not a whole number of tokens", "'lognormal:4096:7': sigma: must be
// in (0, 3], got 7", "'gamma:1:2': unknown distribution 'gamma'; expected ...".
// Unparsed as `text` (as given), or rebuilt from the fields when it is empty.
bool AbslParseFlag(absl::string_view text, ContextSpec* spec, std::string* error);
std::string AbslUnparseFlag(const ContextSpec& spec);

// ContextFromSpec() is the distribution `spec` names; "file:PATH" reads PATH
// (resolved with ResolveInput()) with LoadEmpiricalLengths(), whose errors
// name the file ("lengths.txt: cannot open", NotFound).
[[nodiscard]] absl::StatusOr<ContextDistribution> ContextFromSpec(const ContextSpec& spec);

// --- How flags combine. -------------------------------------------------------

// A flag's name (without dashes) and whether the command line gave it.
struct GivenFlag final {
  absl::string_view name = {};
  bool given = false;
};

// AtMostOneFlag() returns the name of the one flag given ("" for none); with
// two or more, InvalidArgument naming the second: "--tpot_ms: conflicts with
// --user_tps; give one of --user_tps, --tpot_ms, --sla".
[[nodiscard]] absl::StatusOr<absl::string_view> AtMostOneFlag(
    std::initializer_list<GivenFlag> flags);

// RequireFlag() is OK when `flag` is given, else InvalidArgument
// "--dp: required with --machine_tps" (`with` names what needs it, without
// dashes when it is a flag: RequireFlag({"dp", false}, "machine_tps")).
[[nodiscard]] absl::Status RequireFlag(GivenFlag flag, absl::string_view with);

// RequiredFlag() is OK when `flag` is given, else InvalidArgument
// "--out: required" followed by `why` when not empty ("--out: required (the
// baseline to write)").
[[nodiscard]] absl::Status RequiredFlag(GivenFlag flag, absl::string_view why = "");

// OnlyWith() is OK when `flag` is not given or `with` is; else
// InvalidArgument "--device: applies to --trace only".
[[nodiscard]] absl::Status OnlyWith(GivenFlag flag, GivenFlag with);

// DurationFlag() merges a unit-typed duration flag (`--host_gap=1.3ms`) with
// its older millisecond spelling (`--host_gap_ms=1.3`): the one given, or
// nullopt. Errors: both given ("--host_gap_ms: conflicts with --host_gap;
// give one"), or a millisecond value below 0 ("--host_gap_ms: must be >= 0,
// got -5") or not finite ("--host_gap_ms: must be finite, got inf").
[[nodiscard]] absl::StatusOr<std::optional<Duration>> DurationFlag(absl::string_view name,
                                                                   std::optional<Duration> value,
                                                                   absl::string_view ms_name,
                                                                   std::optional<double> ms);

// WithFlag() puts "--<flag>: " in front of a non-OK status's message (same
// code); OK stays OK. For errors about a flag's value that the value's
// library words without the flag, e.g. a --context file's
// "lengths.txt: cannot open" -> "--context: lengths.txt: cannot open".
[[nodiscard]] absl::Status WithFlag(absl::string_view flag, const absl::Status& s);

}  // namespace perfmodel

#endif  // CLI_FLAGS_H_
