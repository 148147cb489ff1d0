// File: fuzz/lengths_fuzzer.cc
// -----------------------------------------------------------------------------
//
// A context-lengths file (`--context=file:PATH`, one length per line)
// through ParseEmpiricalLengths(): any bytes give a distribution or an
// error naming the input; a parsed one has its mean and quantiles within
// [1, Largest()], a finite non-negative variance, and with decode growth
// still a mean within its (grown) range.
//
// Seeds: fuzz/corpus/lengths_fuzzer/ (tests/golden/lengths.txt and
// hand-written ones with comments, blanks, CRLF and bad tokens).

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "fuzz/check.h"
#include "perfmodel/context_distribution.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  constexpr char kOrigin[] = "fuzz/lengths.txt";
  const absl::StatusOr<ContextDistribution> d = ParseEmpiricalLengths(AsText(data, size), kOrigin);
  CheckErrorNames(d.status(), kOrigin);
  if (!d.ok()) return 0;
  const double largest = static_cast<double>(d->Largest());
  const double mean = ToTokens(d->Mean());
  // The mean of lengths in [1, largest], up to its rounding.
  Check(mean >= 1.0 - 1e-9 && mean <= largest * (1 + 1e-12),
        "lengths: mean outside [1, Largest()]");
  Check(std::isfinite(d->Variance().base()) && d->Variance().base() >= 0.0,
        "lengths: variance not finite and >= 0");
  for (const double p : {1e-9, 0.5, 0.99, 1 - 1e-9}) {
    const absl::StatusOr<int64_t> q = d->Quantile(p);
    Check(q.ok() && *q >= 1 && *q <= d->Largest(), "lengths: a quantile outside [1, Largest()]");
  }
  const absl::StatusOr<ContextDistribution> grown = d->WithDecodeGrowth(512);
  Check(grown.ok(), "lengths: WithDecodeGrowth(512) failed on a valid distribution");
  const double grown_mean = ToTokens(grown->Mean());
  Check(grown_mean >= mean - 1e-6 * mean &&
            grown_mean <= static_cast<double>(grown->Largest()) * (1 + 1e-12),
        "lengths: decode growth lowered the mean or left its range");
  return 0;
}
