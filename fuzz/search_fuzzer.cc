// File: fuzz/search_fuzzer.cc
// -----------------------------------------------------------------------------
//
// A search textproto (searches/*.textproto, proto/search.proto) through
// ParseSearch(), which loads the model, GPU, deployment, workload and lengths
// files it names and checks the space with ValidateSearch(); then, on a
// space that loads, RunSearch() on a small slice of it.
//
// Properties: any bytes give a SearchSpace or an InvalidArgument error whose
// message starts with the input's name, never a crash; a loaded space has the shape RunSearch()
// relies on (every list non-empty, degrees sorted and unique, batch_max and top in range) and
// passes ValidateSearch() again, with or without an origin. The slice (the
// first GPU kind, the smallest instance, the first value of each list,
// batch_max <= 8, one thread) passes ValidateSearch(); RunSearch() on it is
// a result or ResourceExhausted (nothing qualifies), never Internal (an
// estimate not finite) nor another error; a result's candidates meet the
// TPOT target, have finite positive times and rates, are ranked best first
// (top) and by ascending tokens/s per user (pareto), and its P:D sizing fits
// max_gpus (without an arrival rate); SearchDocument() renders as JSON.
//
// Files: a path the input names is loaded only when it is relative, has no
// ".." and is not under a bazel-* symlink (the input is skipped otherwise),
// so a run reads the repo's data files and never /dev/zero or a FIFO.
//
// Seeds: fuzz/corpus/search_fuzzer/ (searches/default.textproto, small
// spaces of each mode and length law, and bad values); the inputs of its
// fixed findings: fuzz/regressions/search_fuzzer/ (fuzz/RECORD.md).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fuzz/check.h"
#include "loader/textproto_errors.h"
#include "proto/search.pb.h"
#include "report/render.h"
#include "search/search.h"

namespace perfmodel::fuzz {
namespace {

constexpr char kOrigin[] = "fuzz/search_fuzzer.input";
// The slice RunSearch() is run on: batches up to this many per DP rank.
constexpr int64_t kSliceBatchMax = 8;

// A path the target lets ParseSearch() read (see the header comment).
bool SafePath(const std::string& path) {
  return !path.empty() && path.front() != '/' && !absl::StrContains(path, "..") &&
         !absl::StartsWith(path, "bazel-");
}

bool SafePhase(const pb::PhaseSpace& p) {
  return (!p.has_deployment() || SafePath(p.deployment())) &&
         (!p.has_workload() || SafePath(p.workload()));
}

bool SafeLengths(const pb::Lengths& l) {
  return l.law_case() != pb::Lengths::kFile || SafePath(l.file());
}

// SafeFiles() is whether every file the search names may be read.
bool SafeFiles(const pb::Search& p) {
  if (p.has_model() && !SafePath(p.model())) return false;
  for (const std::string& h : p.hardware()) {
    if (!SafePath(h)) return false;
  }
  return SafePhase(p.decode()) && SafePhase(p.prefill()) &&
         SafeLengths(p.workload().input_tokens()) && SafeLengths(p.workload().output_tokens());
}

template <typename T>
bool SortedUnique(const std::vector<T>& v) {
  return std::adjacent_find(v.begin(), v.end(), [](const T& a, const T& b) { return a >= b; }) ==
         v.end();
}

void CheckPhase(const PhaseSpace& p, absl::string_view at) {
  const std::string where(at);
  Check(!p.attention_tp.empty() && !p.dense_tp.empty() && !p.moe_tp.empty() &&
            !p.redundant_experts.empty() && !p.overlap.empty() && !p.kv_cache_dtype.empty() &&
            !p.mtp_draft_tokens.empty() && !p.chunk_tokens.empty(),
        where + ": an empty list in a loaded space");
  for (const std::vector<int64_t>* v :
       {&p.attention_tp, &p.dense_tp, &p.moe_tp, &p.redundant_experts, &p.mtp_draft_tokens,
        &p.chunk_tokens}) {
    Check(SortedUnique(*v), where + ": a list not sorted and unique");
  }
  Check(p.attention_tp.front() >= 1 && p.moe_tp.front() >= 1 && p.dense_tp.front() >= 0 &&
            p.redundant_experts.front() >= 0 && p.mtp_draft_tokens.front() >= 0 &&
            p.chunk_tokens.front() >= 0,
        where + ": a degree below its minimum");
}

void CheckSpace(const SearchSpace& s) {
  Check(!s.gpus.empty() && !s.instance_gpus.empty() && !s.modes.empty(),
        "ParseSearch: a loaded space without GPUs, instance sizes or modes");
  Check(SortedUnique(s.instance_gpus) && s.instance_gpus.front() >= 1 &&
            s.instance_gpus.back() <= kMaxInstanceGpus,
        "ParseSearch: instance_gpus not sorted, unique and in range");
  Check(s.max_gpus >= s.instance_gpus.front(), "ParseSearch: max_gpus below the smallest instance");
  Check(s.batch_max >= 1 && s.batch_max <= kMaxSearchBatch, "ParseSearch: batch_max out of range");
  Check(s.top >= 1 && s.top <= kMaxSearchTop, "ParseSearch: top out of range");
  CheckPhase(s.decode, "decode");
  CheckPhase(s.prefill, "prefill");
  Check(s.decode.mtp_draft_tokens.back() <= static_cast<int64_t>(s.acceptance.positions),
        "ParseSearch: drafts beyond the acceptance positions");
  for (const ContextDistribution* d : {&s.input_tokens, &s.output_tokens}) {
    const double mean = ToTokens(d->Mean());
    Check(std::isfinite(mean) && mean >= 1.0 - 1e-9, "ParseSearch: a length law's mean below 1");
  }
  const absl::Status again = ValidateSearch(s, kOrigin);
  Check(again.ok(), "ValidateSearch rejects a space ParseSearch loaded: " + again.ToString());
  const absl::Status bare = ValidateSearch(s, "");
  Check(bare.ok(), "ValidateSearch without an origin rejects a loaded space: " + bare.ToString());
}

// Slice() keeps the first value of each of a phase's lists.
void Slice(PhaseSpace& p) {
  p.attention_tp.resize(1);
  p.dense_tp.resize(1);
  p.moe_tp.resize(1);
  p.redundant_experts.resize(1);
  p.overlap.resize(1);
  p.kv_cache_dtype.resize(1);
  p.mtp_draft_tokens.resize(1);
  p.chunk_tokens.resize(1);
}

bool Positive(double v) { return std::isfinite(v) && v > 0.0; }

void CheckCandidate(const SearchSpace& s, const Candidate& c) {
  const std::string at = absl::StrCat("RunSearch: candidate ", LayoutName(s, c));
  Check(c.batch >= 1 && c.batch <= s.batch_max, at + ": batch out of [1, batch_max]");
  for (const Duration d : {c.step, c.cycle, c.tpot}) {
    Check(Positive(ToSeconds(d)), at + ": a time not finite and > 0");
  }
  CheckQuantity(c.ttft, at + ": ttft");
  CheckQuantity(c.memory_per_gpu, at + ": memory");
  Check(Positive(ToTokensPerSecond(c.user_tps)) && Positive(ToTokensPerSecond(c.tokens_per_gpu)) &&
            Positive(ToHertz(c.request_rate)),
        at + ": a rate not finite and > 0");
  Check(c.tpot <= s.constraints.tpot * (1 + 1e-12), at + ": tpot above the target");
}

void RunSlice(const SearchSpace& loaded) {
  SearchSpace s = loaded;
  s.gpus.resize(1);
  s.instance_gpus.resize(1);
  Slice(s.decode);
  Slice(s.prefill);
  s.batch_max = std::min(s.batch_max, kSliceBatchMax);
  s.threads = 1;
  const absl::Status valid = ValidateSearch(s, kOrigin);
  Check(valid.ok(), "ValidateSearch rejects a slice of a loaded space: " + valid.ToString());
  const absl::StatusOr<SearchResult> r = RunSearch(s);
  if (!r.ok()) {
    Check(r.status().code() == absl::StatusCode::kResourceExhausted,
          "RunSearch: an error other than 'nothing qualifies': " + r.status().ToString());
    return;
  }
  Check(!r->top.empty() && static_cast<int64_t>(r->top.size()) <= s.top && !r->pareto.empty(),
        "RunSearch: a result without a top or a front, or a top longer than asked");
  for (const Candidate& c : r->top) CheckCandidate(s, c);
  for (const Candidate& c : r->pareto) CheckCandidate(s, c);
  for (std::size_t i = 1; i < r->top.size(); ++i) {
    Check(r->top[i].tokens_per_gpu <= r->top[i - 1].tokens_per_gpu,
          "RunSearch: top not ranked by tokens/s per GPU");
  }
  for (std::size_t i = 1; i < r->pareto.size(); ++i) {
    Check(r->pareto[i].user_tps >= r->pareto[i - 1].user_tps &&
              r->pareto[i].tokens_per_gpu <= r->pareto[i - 1].tokens_per_gpu,
          "RunSearch: the front is not ascending per user and descending per GPU");
  }
  if (r->sizing.has_value()) {
    const PdSizing& z = *r->sizing;
    if (!s.arrival_rate.has_value()) {
      Check(z.gpus <= s.max_gpus, "SizePd: more GPUs than max_gpus");
    }
    Check(z.gpus == 0 || (z.p_instances >= 1 && z.d_instances >= 1),
          "SizePd: a pair without a P or a D instance");
    CheckQuantity(z.request_rate, "SizePd: request rate");
    CheckQuantity(z.tokens_per_gpu, "SizePd: tokens/s per GPU");
  }
  const std::string json = render::Render(SearchDocument(s, *r), render::Format::kJson);
  Check(absl::StartsWith(json, "{"), "SearchDocument: JSON that is not an object");
}

}  // namespace
}  // namespace perfmodel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  const absl::string_view text = AsText(data, size);
  // The files first: ParseSearch() parses the same text again.
  const absl::StatusOr<pb::Search> p = ParseTextproto<pb::Search>(text, kOrigin);
  if (p.ok() && !SafeFiles(*p)) return 0;
  const absl::StatusOr<SearchSpace> s = ParseSearch(text, kOrigin);
  CheckRejected(s.status(), kOrigin);
  if (!s.ok()) return 0;
  CheckSpace(*s);
  RunSlice(*s);
  return 0;
}
