// File: sim/arrivals.h
// -----------------------------------------------------------------------------
//
// Where a simulation's requests come from, in arrival order: a Poisson
// process, a gamma renewal process (bursty: its inter-arrival times have a
// coefficient of variation above 1), or a trace file. Each request carries its
// input (prompt) and output lengths; the synthetic sources draw them from
// caller-given laws (the tools pass perfmodel's length distributions).
//
//   PoissonSource src(Hertz(20), 10000, Fixed(1024), Fixed(1024), /*seed=*/1);
//   GammaSource bursty(Hertz(20), /*cv=*/4.0, 10000, Fixed(1024), Fixed(1024), 1);
//   absl::StatusOr<std::unique_ptr<TraceSource>> t = TraceSource::Open("azure.csv", 163840);
//   while (std::optional<Request> r = src.Next()) { ... }
//
// Traces (CSV, a header row naming the columns, any order, extra columns
// ignored): either the public Azure LLM inference traces' layout,
//   TIMESTAMP,ContextTokens,GeneratedTokens
//   2023-11-16 18:15:46.6805900,4808,10
// (TIMESTAMP a date and time, or seconds as a number), or
//   arrival_s,input_tokens,output_tokens
// Arrivals are taken relative to the first request. Open() reads the whole
// file once to validate it (no request kept in memory): an unparsable line, a
// timestamp before the previous one, tokens below 1 (input) or 1 (output), or
// a request longer than `max_context_tokens` is an error naming the file, the
// line and the field; a file without requests too. Then Next() streams it.

#ifndef SIM_ARRIVALS_H_
#define SIM_ARRIVALS_H_

#include <cstdint>
#include <istream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "absl/status/statusor.h"
#include "perfmodel/perfmodel.h"

namespace perfmodel::sim {

// One request as it arrives.
struct Request final {
  Duration arrival;
  int64_t input_tokens = 1;
  int64_t output_tokens = 1;
};

// A source of requests in arrival order (arrival never decreasing).
class RequestSource {
 public:
  virtual ~RequestSource() = default;
  // Next() is the next request, or nullopt after the last.
  virtual std::optional<Request> Next() = 0;
  // Count() is how many requests Next() gives in all.
  virtual int64_t Count() const = 0;
  // MeanInterval() is the mean time between arrivals (zero: unknown).
  virtual Duration MeanInterval() const = 0;
};

// A length law: draws one length (>= 1 tokens) from `rng`.
using LengthLaw = std::function<int64_t(std::mt19937_64&)>;

// Fixed() is the law of always `tokens`.
LengthLaw Fixed(int64_t tokens);

// A renewal process: inter-arrival times drawn i.i.d. from Gamma(k, θ) with
// mean 1/rate and coefficient of variation cv (k = 1/cv², θ = cv²/rate);
// cv = 1 is the Poisson process. Lengths from their laws, all from one seeded
// generator (the same seed gives the same requests).
class GammaSource : public RequestSource {
 public:
  GammaSource(Frequency rate, double cv, int64_t count, LengthLaw input, LengthLaw output,
              uint64_t seed);
  std::optional<Request> Next() override;
  int64_t Count() const override { return count_; }
  Duration MeanInterval() const override { return mean_interval_; }

 private:
  std::mt19937_64 rng_;
  std::gamma_distribution<double> gap_;
  LengthLaw input_, output_;
  int64_t count_ = 0;
  int64_t issued_ = 0;
  Duration now_;
  Duration mean_interval_;
};

class PoissonSource final : public GammaSource {
 public:
  PoissonSource(Frequency rate, int64_t count, LengthLaw input, LengthLaw output, uint64_t seed)
      : GammaSource(rate, 1.0, count, std::move(input), std::move(output), seed) {}
};

// A trace file, validated on Open() and streamed by Next().
class TraceSource final : public RequestSource {
 public:
  static absl::StatusOr<std::unique_ptr<TraceSource>> Open(const std::string& path,
                                                           int64_t max_context_tokens);
  // FromText() is Open() of a trace held in memory; errors name `origin`.
  static absl::StatusOr<std::unique_ptr<TraceSource>> FromText(std::string text,
                                                               const std::string& origin,
                                                               int64_t max_context_tokens);
  std::optional<Request> Next() override;
  int64_t Count() const override { return count_; }
  Duration MeanInterval() const override { return mean_interval_; }

 private:
  TraceSource() = default;
  static absl::StatusOr<std::unique_ptr<TraceSource>> Read(std::unique_ptr<std::istream> in,
                                                           const std::string& origin,
                                                           int64_t max_context_tokens);
  std::string path_;
  std::unique_ptr<std::istream> in_;
  int time_column_ = -1, input_column_ = -1, output_column_ = -1;
  bool datetime_ = false;
  int64_t count_ = 0;
  double first_ = 0.0;
  Duration mean_interval_;
};

}  // namespace perfmodel::sim

#endif  // SIM_ARRIVALS_H_
