// File: fuzz/request_trace_fuzzer.cc
// -----------------------------------------------------------------------------
//
// A serving simulator's request trace (//tools:serve --trace: the Azure
// layout TIMESTAMP,ContextTokens,GeneratedTokens or arrival_s,input_tokens,
// output_tokens) through sim::TraceSource: any bytes give a source or an
// error naming the trace; a source streams exactly Count() requests, the
// first at time zero, arrivals never decreasing, every length >= 1 and within
// the context limit. A small valid trace is then simulated (decode-only, the
// Llama-70B TP8 pool): every request completes, and the latencies are finite
// and non-negative.
//
// Seeds: fuzz/corpus/request_trace_fuzzer/ (both layouts, CRLF, blanks,
// unsorted, malformed and too-long lines).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "deployments/llama3_1_70b_tp8_spec.h"
#include "fuzz/check.h"
#include "hw/h200_sxm_spec.h"
#include "models/llama3_1_70b_spec.h"
#include "perfmodel/perfmodel.h"
#include "sim/arrivals.h"
#include "sim/sim.h"
#include "workloads/llama3_1_70b_tp8_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  constexpr char kOrigin[] = "fuzz/trace.csv";
  constexpr int64_t kLimit = 8192;
  absl::StatusOr<std::unique_ptr<sim::TraceSource>> t =
      sim::TraceSource::FromText(std::string(AsText(data, size)), kOrigin, kLimit);
  CheckErrorNames(t.status(), kOrigin);
  if (!t.ok()) return 0;
  const int64_t count = (*t)->Count();
  Check(count >= 1, "trace: a valid trace with no requests");
  int64_t seen = 0, longest = 0;
  Duration previous;
  while (std::optional<sim::Request> r = (*t)->Next()) {
    Check(seen > 0 || r->arrival == Duration::Zero(), "trace: the first arrival is not at zero");
    Check(r->arrival >= previous, "trace: arrivals decrease");
    Check(r->input_tokens >= 1 && r->output_tokens >= 1, "trace: a length below 1");
    Check(r->input_tokens + r->output_tokens <= kLimit, "trace: a request past the limit");
    previous = r->arrival;
    longest = std::max(longest, r->input_tokens + r->output_tokens);
    ++seen;
  }
  Check(seen == count, "trace: Next() gave a different number of requests than Count()");
  // Simulate a small one end to end (bounded work per input).
  if (count > 16 || longest > 1024 || ToSeconds(previous) > 1e6) return 0;
  absl::StatusOr<std::unique_ptr<sim::TraceSource>> again =
      sim::TraceSource::FromText(std::string(AsText(data, size)), kOrigin, kLimit);
  Check(again.ok(), "trace: parsing the same bytes twice disagreed");
  StepPredictor p(specs::kLlama31_70b, specs::kH200Sxm, specs::kLlama70bTp8,
                  specs::kLlama70bTp8Workload);
  sim::Config c{.mode = sim::Mode::kDecodeOnly, .trim = 0.0};
  const absl::StatusOr<sim::Result> r = sim::Simulate(c, sim::Pool{&p, 1}, std::nullopt, **again);
  Check(r.ok(), "trace: a valid small trace failed to simulate");
  Check(r->requests == count, "trace: not every request completed");
  for (const sim::Histogram* h : {&r->ttft, &r->e2e, &r->itl, &r->tpot}) {
    const double s = ToSeconds(h->Max());
    Check(std::isfinite(s) && s >= 0.0, "trace: a latency not finite and >= 0");
  }
  return 0;
}
