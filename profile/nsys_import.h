// File: profile/nsys_import.h
// -----------------------------------------------------------------------------
//
// Turns an Nsight Systems profile of decode steps into a measured baseline
// (proto/baseline.proto): the CSV that `nsys stats --format csv` writes for the
// CUDA GPU kernel summary (`cuda_gpu_kern_sum`, formerly `gpukernsum`) or the
// CUDA GPU trace (`cuda_gpu_trace`, formerly `gputrace`), plus a rules file
// (proto/nsys_rules.proto) that maps kernel names to canonical ops, give each
// op's time per layer and the number of layers it runs in.
//
// How times are worked out:
//   - A kernel belongs to the first rule whose regex (RE2 syntax) is found
//     anywhere in its name (RE2::PartialMatch), and to every other rule
//     with the very same regex text: such a "group" shares the kernel's
//     launches between ops. Kernel names that match one group pool their
//     launches.
//   - The profile holds `steps` identical decode steps (a flag: count them
//     when capturing, e.g. with --capture-range=cudaProfilerApi). A group must
//     have exactly steps x sum(occurrences_per_step) launches; otherwise the
//     rules or the step count are wrong, and Import() says so.
//   - A rule's share of its group's time: with a trace and `first` selectors,
//     the launches it selects by position within each step; otherwise its
//     launch-count share (occurrences_per_step / sum), i.e. every launch of a
//     shared kernel is assumed to take the same time.
//   - time_us of an op = its rules' time / steps / layer count of its kind.
//   - Kernels no rule matches are never dropped: Import() returns them, the
//     tool prints them, and the baseline's `source` and header comment list
//     them.
//
//   absl::StatusOr<KernelTable> t = ParseKernSum(csv_text, "prof_cuda_gpu_kern_sum.csv");
//   absl::StatusOr<Rules> r = LoadRules("baselines/rules/deepseek_v3_decode.textproto");
//   ImportOptions o;  o.steps = 4;  o.header.set_name("my-run");
//   absl::StatusOr<ImportResult> b = Import(*t, *r, o);
//   // With tests/testdata/nsys/deepseek_decode_cuda_gpu_kern_sum.csv:
//   // b->baseline.ops(0): attn_norm, dense, time_us 4.188 (the mean RMSNorm
//   //   launch: a summary cannot tell the 8 us attn_norm from the 4 us
//   //   q_kv_norm launches of the same kernel; a trace can), count 3
//   // b->unmapped[0]: "ncclDevKernel_AllGather_RING_LL(...)", 21 us per step

#ifndef PROFILE_NSYS_IMPORT_H_
#define PROFILE_NSYS_IMPORT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/csv.h"
#include "base/paths.h"
#include "perfmodel/units.h"
#include "proto/baseline.pb.h"
#include "proto/nsys_rules.pb.h"
#include "re2/re2.h"

namespace perfmodel::nsys {

// ---- CSV -------------------------------------------------------------------

// The CSV reader is base/csv.h's.
using ::perfmodel::CsvRecord;
using ::perfmodel::ParseCsv;

// ---- nsys reports ----------------------------------------------------------

struct Launch {
  Duration start;     // from the trace's Start column; zero from a summary
  Duration duration;
};

// All the launches of one kernel name (memcpy/memset rows of a trace count
// as kernels of their own names, e.g. "[CUDA memcpy Device-to-Host]").
struct KernelStats {
  std::string name;
  Duration total;
  int64_t launches = 0;
  std::vector<Launch> each;  // trace only, in start order; empty from a summary
  int line = 0;              // CSV line of its first row
};

enum class ReportKind { kKernSum, kTrace };

struct KernelTable {
  std::string origin;  // the CSV's path, for messages
  ReportKind kind = ReportKind::kKernSum;
  std::vector<KernelStats> kernels;  // in order of first appearance
};

// ParseKernSum() reads `nsys stats --report cuda_gpu_kern_sum --format csv`
// output (old name gpukernsum). Uses the columns "Total Time (<unit>)",
// "Instances" and "Name", found by header text, so extra or reordered columns
// (Avg/Med/..., the 2022 GridXYZ/BlockXYZ) do not matter. Lines before the
// header (nsys's "Processing [...]" chatter when the CSV went to stdout) are
// skipped; the header is the first line with a "Name" field. Units: ns, us,
// ms, s (nsys --timeunit). Numbers may carry thousands separators. Rows with
// the same name are summed.
// Errors (InvalidArgument naming origin:line and the column): empty file, no
// header, missing column, a row with the wrong number of fields, a value that
// is not a number (or negative, or zero instances), an empty name, a second
// header (two reports in one file), no rows after the header.
[[nodiscard]] absl::StatusOr<KernelTable> ParseKernSum(absl::string_view text,
                                                       absl::string_view origin);

// ParseTrace() reads `nsys stats --report cuda_gpu_trace --format csv`
// output (old name gputrace), columns "Start (<unit>)", "Duration (<unit>)",
// "Name" and, if there, "Device". A trace of several devices needs `device`
// (a Device value exactly as in the CSV, e.g. "NVIDIA H800 (0)") to pick one;
// with one device `device` may be empty. Same errors as ParseKernSum(), plus:
// several devices and no `device`; a `device` that no row has.
[[nodiscard]] absl::StatusOr<KernelTable> ParseTrace(absl::string_view text,
                                                     absl::string_view origin,
                                                     absl::string_view device);

// ---- rules -----------------------------------------------------------------

// A validated rules file with its regexes compiled.
struct Rules {
  std::string origin;
  pb::NsysRules proto;
  std::vector<std::unique_ptr<const RE2>> regex;  // one per proto.rules(i)
  std::vector<int> line;  // line of each rule in `origin` (1-based)
};

// IsCanonicalOp() is true for the op names of the cost model (README, "Op
// names"): attn_norm ... o_proj, the dense MLP and MoE ops, mtp, lm_head,
// sampling.
[[nodiscard]] bool IsCanonicalOp(absl::string_view op);

// ParseRules() parses and checks a rules textproto. Errors name
// "origin:line:col: field: reason": a syntax error; no layers or no rules; a
// layer kind that is not dense/moe/mtp/head/step, repeated, or with count <= 0;
// a rule without regex, with a regex RE2 rejects, an op that is not
// canonical, a layer kind without a layers entry, occurrences_per_step,
// first or stride out of range (1 .. 1e6, 0 .. 1e6 - 1, 1 .. 1e6), stride
// without first; rules sharing a regex that add up to over 1e6 launches per
// step, of which only some have `first`, or whose selected positions overlap
// or leave a gap in 0 .. sum(occurrences_per_step) - 1.
[[nodiscard]] absl::StatusOr<Rules> ParseRules(absl::string_view text, absl::string_view origin);

// LoadRules() reads `path` and parses it; NotFound names the path.
[[nodiscard]] absl::StatusOr<Rules> LoadRules(absl::string_view path);

// ---- import ----------------------------------------------------------------

struct ImportOptions {
  int64_t steps = 0;  // decode steps in the profile, > 0
  // Copied into the result (name, model, hardware, deployment, batch_per_dp,
  // context_tokens, dataset, forward_ms, host_gap_ms); Import() fills ops and
  // source, and sets simulated = false.
  pb::Baseline header;
};

struct UnmappedKernel {
  std::string name;
  Duration total;
  int64_t launches = 0;
  Duration per_step;
};

struct ImportResult {
  pb::Baseline baseline;
  std::vector<UnmappedKernel> unmapped;  // largest per-step time first
  std::vector<std::string> notes;        // rules that matched nothing, count-based splits
  Duration mapped_per_step;              // kernel time per step in baseline.ops
  Duration unmapped_per_step;
};

// Import() maps `table` with `rules` (see the file comment). The baseline has
// one op per (op, layer_kind) that some kernel was attributed to, layer kinds
// in the order of the rules' `layers`, ops in the canonical order; rules that
// matched no kernel add no op (a note says so). `kernels` of each op lists its
// kernels' per-layer times. time_us is rounded to 1 ns.
// Errors (InvalidArgument): steps not in 1 .. 1e9; a group whose launch count
// is not steps x its launches per step (naming the CSV line of the kernel, the
// counts and the rules); no kernel matched at all.
[[nodiscard]] absl::StatusOr<ImportResult> Import(const KernelTable& table, const Rules& rules,
                                                  const ImportOptions& options);

// ShortKernelName() drops a leading "void " and the argument list, and, for
// names longer than 100 characters, the template arguments:
//   "void flash::flash_fwd_splitkv_mla_kernel<T, ...>(Flash_fwd_mla_params)"
//   -> "flash::flash_fwd_splitkv_mla_kernel<T, ...>"
[[nodiscard]] std::string ShortKernelName(absl::string_view name);

// ImportDocument() (profile/nsys_import_report.h) is what the tool prints.

// BaselineTextproto() is the baseline as textproto, led by '#' comment lines:
// `generated_by` (e.g. the command line), the notes and the unmapped kernels.
[[nodiscard]] std::string BaselineTextproto(const ImportResult& result,
                                            absl::string_view generated_by);

// WriteFileAtomically() is base/paths.h's.
using ::perfmodel::WriteFileAtomically;

}  // namespace perfmodel::nsys

#endif  // PROFILE_NSYS_IMPORT_H_
