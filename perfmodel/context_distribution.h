// File: perfmodel/context_distribution.h
// -----------------------------------------------------------------------------
//
// The context length of one request: Fixed, Uniform, Normal, LogNormal or an
// Empirical set, optionally grown through decode and capped, with its exact
// moments and deterministic seeded sampling; ParseEmpiricalLengths() reads one
// from a lengths file's text, LoadEmpiricalLengths() from the file.
// perfmodel/context.h says what is modelled and how.
//
//   absl::StatusOr<ContextDistribution> d =
//       ContextDistribution::LogNormal(TokenCount(4096), /*sigma=*/1.0);
//   ToTokens(d->Mean())   // == 4096

#ifndef PERFMODEL_CONTEXT_DISTRIBUTION_H_
#define PERFMODEL_CONTEXT_DISTRIBUTION_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <numbers>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "perfmodel/constexpr_math.h"
#include "perfmodel/order_statistics.h"
#include "perfmodel/units.h"

namespace perfmodel {

// Tokens squared: the unit of a context-length variance.
using TokensSquared = decltype(Tokens() * Tokens());

// The longest context any distribution produces (2^40 tokens), and the default
// cap. It keeps every per-rank sum far inside int64_t.
inline constexpr int64_t kMaxContextTokens = int64_t{1} << 40;
// The most decode tokens WithDecodeGrowth() accepts (2^18).
inline constexpr int64_t kMaxOutputTokens = int64_t{1} << 18;
// The largest LogNormal tail parameter: sigma = 3 already puts p99 at ~100x the
// median; beyond it the law says little about any real dataset.
inline constexpr double kMaxLogNormalSigma = 3.0;

namespace context_internal {

// PowerSums holds E[X^k ; X <= b] for k = 0..3 (k = 0 is the probability).
using PowerSums = std::array<long double, 4>;

// Partial moments of a length X below a bound b, and the mass above it
// computed directly (1 - P(X <= b) would lose the tail to rounding).
struct Partial {
  PowerSums below = {0, 0, 0, 0};
  long double above = 0;
};

// SumOfPowers() is sum_{k=0}^{n} k^j for j = 0..3 (zero for n < 0).
inline PowerSums SumOfPowers(long double n) {
  if (n < 0) return {0, 0, 0, 0};
  const long double s1 = n * (n + 1) / 2;
  return {n + 1, s1, n * (n + 1) * (2 * n + 1) / 6, s1 * s1};
}

inline constexpr std::array<std::array<long double, 4>, 4> kBinomial = {{
    {1, 0, 0, 0},
    {1, 1, 0, 0},
    {1, 2, 1, 0},
    {1, 3, 3, 1},
}};


}  // namespace context_internal

// The context length of one request in a decode step. Immutable; cheap to copy
// (an Empirical set is shared between copies). Made only by the factories,
// which validate their arguments and name the bad field in the error.
class ContextDistribution final {
 public:
  enum class Kind { kFixed, kUniform, kNormal, kLogNormal, kEmpirical };

  // Fixed() is every request at `tokens` (>= 1).
  static absl::StatusOr<ContextDistribution> Fixed(int64_t tokens) {
    if (absl::Status s = CheckLength("tokens", tokens); !s.ok()) return s;
    ContextDistribution d(Kind::kFixed);
    d.a_ = static_cast<double>(tokens);
    d.Finish();
    return d;
  }

  // Uniform() is uniform on the whole numbers lo..hi, both included
  // (1 <= lo <= hi).
  static absl::StatusOr<ContextDistribution> Uniform(int64_t lo, int64_t hi) {
    if (absl::Status s = CheckLength("lo", lo); !s.ok()) return s;
    if (absl::Status s = CheckLength("hi", hi); !s.ok()) return s;
    if (lo > hi) {
      return absl::InvalidArgumentError(
          absl::StrCat("hi: must be >= lo (", lo, "), got ", hi));
    }
    ContextDistribution d(Kind::kUniform);
    d.a_ = static_cast<double>(lo);
    d.b_ = static_cast<double>(hi);
    d.Finish();
    return d;
  }

  // Normal() is N(mean, stddev^2) conditioned on >= 1 token (the truncated
  // normal: its Mean() is above `mean` when stddev is not small against
  // mean - 1). mean must be in [1, kMaxContextTokens]; stddev in [0,
  // kMaxContextTokens] (0 is a point mass at `mean` rounded to whole tokens,
  // as every draw is: its Mean() is what Sample() returns).
  static absl::StatusOr<ContextDistribution> Normal(Tokens mean, Tokens stddev) {
    if (absl::Status s = CheckMean(mean); !s.ok()) return s;
    const double sd = ToTokens(stddev);
    if (!(sd >= 0.0 && sd <= static_cast<double>(kMaxContextTokens))) {
      return absl::InvalidArgumentError(
          absl::StrCat("stddev: must be in [0, ", kMaxContextTokens, "] tokens, got ", sd));
    }
    ContextDistribution d(Kind::kNormal);
    d.a_ = sd == 0.0 ? static_cast<double>(d.Round(ToTokens(mean))) : ToTokens(mean);
    d.b_ = sd;
    d.Finish();
    return d;
  }

  // LogNormal() is exp(N(mu, sigma^2)) with mu = ln(mean) - sigma^2 / 2, so
  // that the law's mean is exactly `mean` (before the clamp to >= 1 token and
  // the cap, which move it by far less than a token unless the cap bites).
  // sigma is the tail parameter: p99 / mean = exp(2.326 sigma - sigma^2 / 2).
  // mean must be in [1, kMaxContextTokens]; sigma in (0, kMaxLogNormalSigma].
  static absl::StatusOr<ContextDistribution> LogNormal(Tokens mean, double sigma) {
    if (absl::Status s = CheckMean(mean); !s.ok()) return s;
    if (!(sigma > 0.0 && sigma <= kMaxLogNormalSigma)) {
      return absl::InvalidArgumentError(
          absl::StrCat("sigma: must be in (0, ", kMaxLogNormalSigma, "], got ", sigma));
    }
    ContextDistribution d(Kind::kLogNormal);
    d.a_ = std::log(ToTokens(mean)) - sigma * sigma / 2.0;
    d.b_ = sigma;
    for (int k = 0; k < 4; ++k) {
      d.lognormal_moment_[k] = std::exp(static_cast<long double>(k) * d.a_ +
                                        0.5L * k * k * sigma * sigma);
    }
    d.Finish();
    return d;
  }

  // Empirical() draws uniformly from `lengths` (each >= 1; repeats weigh
  // more). An empty set is an error naming `lengths`; a bad entry names
  // `lengths[i]`.
  static absl::StatusOr<ContextDistribution> Empirical(std::vector<int64_t> lengths) {
    if (lengths.empty()) return absl::InvalidArgumentError("lengths: empty");
    for (size_t i = 0; i < lengths.size(); ++i) {
      if (absl::Status s = CheckLength(absl::StrCat("lengths[", i, "]"), lengths[i]); !s.ok()) {
        return s;
      }
    }
    std::sort(lengths.begin(), lengths.end());
    auto data = std::make_shared<EmpiricalData>();
    data->prefix.assign(lengths.size() + 1, {0, 0, 0, 0});
    for (size_t i = 0; i < lengths.size(); ++i) {
      const long double x = static_cast<long double>(lengths[i]);
      data->prefix[i + 1] = {data->prefix[i][0] + 1, data->prefix[i][1] + x,
                             data->prefix[i][2] + x * x, data->prefix[i][3] + x * x * x};
    }
    data->values = std::move(lengths);
    ContextDistribution d(Kind::kEmpirical);
    d.empirical_ = std::move(data);
    d.Finish();
    return d;
  }

  // WithCap() returns this distribution with every context clamped to at most
  // `max_context` (e.g. the model's max positions), applied after sampling and
  // after decode growth. A second cap replaces the first. InvalidArgument
  // naming `max_context` unless 1 <= max_context <= kMaxContextTokens.
  absl::StatusOr<ContextDistribution> WithCap(int64_t max_context) const {
    if (absl::Status s = CheckLength("max_context", max_context); !s.ok()) return s;
    ContextDistribution d = *this;
    d.cap_ = max_context;
    d.Finish();
    return d;
  }

  // WithDecodeGrowth() turns a prompt-length distribution into the context of
  // a request seen at a random decode step: a request that will decode
  // `output_tokens` tokens has context prompt + t at the step that emits token
  // t + 1, and in steady state it is equally likely to be at any of its steps,
  // so t is uniform on {0, ..., output_tokens - 1} and independent of the
  // prompt (mean grows by (output_tokens - 1) / 2, variance by
  // (output_tokens^2 - 1) / 12). The cap, if any, applies to prompt + t.
  // Errors name `output_tokens`: it must be in [1, kMaxOutputTokens], and
  // growth can be applied only once. Cost: O(1), except when the cap can bind
  // (prompt + output_tokens may exceed it), where the exact moments take
  // output_tokens evaluations of the law's partial moments (LogNormal: ~2 us
  // each, so ~0.5 s at kMaxOutputTokens; Empirical: O(log n) each).
  absl::StatusOr<ContextDistribution> WithDecodeGrowth(int64_t output_tokens) const {
    if (output_tokens < 1 || output_tokens > kMaxOutputTokens) {
      return absl::InvalidArgumentError(absl::StrCat(
          "output_tokens: must be in [1, ", kMaxOutputTokens, "], got ", output_tokens));
    }
    if (output_tokens_ != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "output_tokens: decode growth already applied (", output_tokens_, " tokens)"));
    }
    ContextDistribution d = *this;
    d.output_tokens_ = output_tokens;
    d.Finish();
    return d;
  }

  Kind kind() const { return kind_; }
  // max_context() is the cap (kMaxContextTokens unless WithCap() set one).
  int64_t max_context() const { return cap_; }
  // output_tokens() is the decode growth (0 when none was applied).
  int64_t output_tokens() const { return output_tokens_; }

  // Largest() is the longest context Sample() can return: the law's top
  // (max_context() for Normal and LogNormal, whose tails are unbounded) plus
  // output_tokens() - 1 of growth, at most max_context().
  int64_t Largest() const {
    int64_t top = cap_;
    switch (kind_) {
      case Kind::kFixed: top = static_cast<int64_t>(a_); break;
      case Kind::kUniform: top = static_cast<int64_t>(b_); break;
      case Kind::kEmpirical: top = empirical_->values.back(); break;
      case Kind::kNormal:
        if (b_ == 0.0) top = Round(a_);
        break;
      case Kind::kLogNormal: break;
    }
    return std::min(cap_, top + std::max<int64_t>(output_tokens_ - 1, 0));
  }

  // Mean() is the exact mean context of the law (see "Sampling" above).
  Tokens Mean() const { return TokenCount(mean_); }
  // Variance() is the exact variance; zero for a point mass.
  TokensSquared Variance() const { return TokensSquared::FromBase(variance_); }
  // StdDev() is sqrt(Variance()).
  Tokens StdDev() const { return TokenCount(std::sqrt(variance_)); }
  // Skewness() is E[(X - mean)^3] / stddev^3; zero for a point mass.
  double Skewness() const { return skewness_; }

  // Quantile() is the p-quantile of one length, 0 < p < 1, the cap applied:
  // for the discrete laws (Fixed, Uniform, Empirical) the smallest length x
  // with P(X <= x) >= p; for Normal (truncated at 1) and LogNormal the
  // continuous law's quantile, rounded to whole tokens in [1, max_context()]
  // as Sample() rounds. E.g. LogNormal(4096, 1): Quantile(0.5) == 2484
  // (exp(mu)), Quantile(0.99) == 25441. The inverse normal is found by
  // bisection to double precision (~100 erfc calls). Errors: InvalidArgument
  // naming `p` outside (0, 1); FailedPrecondition naming `output_tokens`
  // once decode growth is applied (the quantile of prompt + growth has no
  // closed form; a prompt-length law has no growth).
  absl::StatusOr<int64_t> Quantile(double p) const {
    if (!(p > 0.0 && p < 1.0)) {
      return absl::InvalidArgumentError(absl::StrCat("p: must be in (0, 1), got ", p));
    }
    if (output_tokens_ > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("output_tokens: Quantile() covers prompt-length laws; decode growth (",
                       output_tokens_, " tokens) is applied"));
    }
    // The smallest k in 1..n with k / n >= p: index k - 1 of n equal weights.
    auto rank = [p](size_t n) {
      const double k = std::ceil(p * static_cast<double>(n));
      return static_cast<size_t>(std::clamp(k, 1.0, static_cast<double>(n))) - 1;
    };
    int64_t x = 0;
    switch (kind_) {
      case Kind::kFixed:
        x = static_cast<int64_t>(a_);
        break;
      case Kind::kUniform:
        x = static_cast<int64_t>(a_) +
            static_cast<int64_t>(rank(static_cast<size_t>(b_ - a_) + 1));
        break;
      case Kind::kNormal: {
        if (b_ == 0.0) {
          x = Round(a_);
          break;
        }
        // Conditioned on X >= 1: the quantile p of the normal's mass above 1.
        const double below = context_internal::NormalCdf((1.0 - a_) / b_);
        x = Round(a_ + b_ * cmath::NormalQuantile(below + p * (1.0 - below)));
        break;
      }
      case Kind::kLogNormal:
        x = Round(std::exp(a_ + b_ * cmath::NormalQuantile(p)));
        break;
      case Kind::kEmpirical:
        x = empirical_->values[rank(empirical_->values.size())];
        break;
    }
    return std::min(x, cap_);
  }

  // Sample() draws one context length (whole tokens, in [1, max_context()]).
  // The same engine state gives the same length on every platform.
  int64_t Sample(std::mt19937_64& rng) const {
    int64_t x = 0;
    switch (kind_) {
      case Kind::kFixed:
        x = static_cast<int64_t>(a_);
        break;
      case Kind::kUniform:
        x = static_cast<int64_t>(a_) +
            static_cast<int64_t>(context_internal::UniformBelow(
                rng, static_cast<uint64_t>(b_ - a_) + 1));
        break;
      case Kind::kNormal: {
        double v = a_;
        if (b_ > 0.0) {
          do {
            v = a_ + b_ * context_internal::StandardNormal(rng);
          } while (v < 1.0);
        }
        x = Round(v);
        break;
      }
      case Kind::kLogNormal:
        x = Round(std::exp(a_ + b_ * context_internal::StandardNormal(rng)));
        break;
      case Kind::kEmpirical:
        x = empirical_->values[context_internal::UniformBelow(rng, empirical_->values.size())];
        break;
    }
    if (output_tokens_ > 0) {
      x += static_cast<int64_t>(
          context_internal::UniformBelow(rng, static_cast<uint64_t>(output_tokens_)));
    }
    return std::min(x, cap_);
  }

  // DebugString() names the law and its parameters, e.g.
  // "LogNormal(mean=4096, sigma=1) + decode(512) cap 131072".
  std::string DebugString() const {
    std::string s;
    switch (kind_) {
      case Kind::kFixed: s = absl::StrCat("Fixed(", a_, ")"); break;
      case Kind::kUniform: s = absl::StrCat("Uniform(", a_, ", ", b_, ")"); break;
      case Kind::kNormal: s = absl::StrCat("Normal(mean=", a_, ", stddev=", b_, ")"); break;
      case Kind::kLogNormal:
        s = absl::StrCat("LogNormal(mean=", std::exp(a_ + b_ * b_ / 2.0), ", sigma=", b_, ")");
        break;
      case Kind::kEmpirical:
        s = absl::StrCat("Empirical(", empirical_->values.size(), " lengths)");
        break;
    }
    if (output_tokens_ > 0) absl::StrAppend(&s, " + decode(", output_tokens_, ")");
    if (cap_ != kMaxContextTokens) absl::StrAppend(&s, " cap ", cap_);
    return s;
  }

 private:
  using PowerSums = context_internal::PowerSums;

  struct EmpiricalData {
    std::vector<int64_t> values;    // sorted
    std::vector<PowerSums> prefix;  // prefix[i][k] = sum of values[0..i)^k
  };

  explicit ContextDistribution(Kind kind) : kind_(kind) {}

  static absl::Status CheckLength(absl::string_view field, int64_t v) {
    if (v < 1 || v > kMaxContextTokens) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": must be in [1, ", kMaxContextTokens, "] tokens, got ", v));
    }
    return absl::OkStatus();
  }

  static absl::Status CheckMean(Tokens mean) {
    const double m = ToTokens(mean);
    if (!(m >= 1.0 && m <= static_cast<double>(kMaxContextTokens))) {
      return absl::InvalidArgumentError(
          absl::StrCat("mean: must be in [1, ", kMaxContextTokens, "] tokens, got ", m));
    }
    return absl::OkStatus();
  }

  // Round() rounds a continuous draw to whole tokens inside [1, cap_].
  int64_t Round(double v) const {
    return std::llround(std::clamp(v, 1.0, static_cast<double>(cap_)));
  }

  // Split() is E[X^k ; X <= b] of the prompt length X before growth and cap,
  // and P(X > b). X >= 1 always (Normal is conditioned on it, LogNormal
  // clamped to it). b may be +infinity.
  context_internal::Partial Split(double b) const {
    using context_internal::NormalMass;
    using context_internal::NormalPdf;
    using context_internal::NormalUpper;
    context_internal::Partial p;
    PowerSums& m = p.below;
    if (b < 1.0) {
      p.above = 1;
      return p;
    }
    switch (kind_) {
      case Kind::kFixed: {
        const long double n = a_;
        if (a_ <= b) {
          m = {1, n, n * n, n * n * n};
        } else {
          p.above = 1;
        }
        return p;
      }
      case Kind::kUniform: {
        const long double lo = a_;
        const long double hi = std::min<long double>(b_, std::floor(b));
        const long double n = static_cast<long double>(b_) - a_ + 1;
        if (hi < lo) {
          p.above = 1;
          return p;
        }
        const PowerSums upper = context_internal::SumOfPowers(hi);
        const PowerSums lower = context_internal::SumOfPowers(lo - 1);
        for (int k = 0; k < 4; ++k) m[k] = (upper[k] - lower[k]) / n;
        p.above = (static_cast<long double>(b_) - hi) / n;
        return p;
      }
      case Kind::kNormal: {
        const long double mu = a_;
        if (b_ == 0.0) {
          if (a_ <= b) {
            m = {1, mu, mu * mu, mu * mu * mu};
          } else {
            p.above = 1;
          }
          return p;
        }
        const double alpha = (1.0 - a_) / b_;
        const double beta = std::isinf(b) ? b : (b - a_) / b_;
        const long double pa = NormalPdf(alpha), pb = NormalPdf(beta);
        const long double beta_pb = std::isinf(beta) ? 0.0L : beta * pb;
        const long double beta2_pb = std::isinf(beta) ? 0.0L : beta_pb * beta;
        // E[Z^k ; alpha < Z <= beta] for the standard normal Z.
        PowerSums z;
        z[0] = NormalMass(alpha, beta);
        z[1] = pa - pb;
        z[2] = z[0] + alpha * pa - beta_pb;
        z[3] = (static_cast<long double>(alpha) * alpha + 2) * pa - (beta2_pb + 2 * pb);
        const long double norm = NormalUpper(alpha);  // P(Z > alpha), X >= 1
        const long double s = b_;
        const PowerSums mu_pow = {1, mu, mu * mu, mu * mu * mu};
        const PowerSums s_pow = {1, s, s * s, s * s * s};
        for (int k = 0; k < 4; ++k) {
          long double sum = 0;
          for (int i = 0; i <= k; ++i) {
            sum += context_internal::kBinomial[k][i] * mu_pow[k - i] * s_pow[i] * z[i];
          }
          m[k] = sum / norm;
        }
        p.above = NormalUpper(beta) / norm;
        return p;
      }
      case Kind::kLogNormal: {
        const double mu = a_, s = b_;
        const double below_one = context_internal::NormalCdf(-mu / s);  // clamped to 1
        const double log_b = std::log(b);
        for (int k = 0; k < 4; ++k) {
          // Under exp(k x) tilting, ln X is N(mu + k s^2, s^2);
          // E[X^k] = exp(k mu + k^2 s^2 / 2).
          const double shift = mu + k * s * s;
          const double hi = std::isinf(b) ? b : (log_b - shift) / s;
          m[k] = below_one + lognormal_moment_[k] * NormalMass(-shift / s, hi);
        }
        p.above = std::isinf(b) ? 0.0 : NormalUpper((log_b - mu) / s);
        return p;
      }
      case Kind::kEmpirical: {
        const auto& v = empirical_->values;
        const size_t i = std::isinf(b)
                             ? v.size()
                             : static_cast<size_t>(
                                   std::upper_bound(v.begin(), v.end(), std::floor(b),
                                                    [](double x, int64_t e) { return x < e; }) -
                                   v.begin());
        const long double n = static_cast<long double>(v.size());
        for (int k = 0; k < 4; ++k) m[k] = empirical_->prefix[i][k] / n;
        p.above = static_cast<long double>(v.size() - i) / n;
        return p;
      }
    }
    return p;
  }

  // Finish() computes the moments of min(X + T, cap) where T is uniform on
  // {0, ..., o - 1} (o = output_tokens_, T = 0 without growth).
  void Finish() {
    using context_internal::kBinomial;
    const long double c = static_cast<long double>(cap_);
    const int64_t o = std::max<int64_t>(output_tokens_, 1);
    const PowerSums full = Split(std::numeric_limits<double>::infinity()).below;
    // Does the cap bind for any t? Not if the moments of X above
    // c - (o - 1) are lost in rounding.
    bool binds = true;
    const long double b_min = c - static_cast<long double>(o - 1);
    if (b_min >= 1) {
      const context_internal::Partial low = Split(static_cast<double>(b_min));
      binds = low.above * std::pow(c, 3) > 1e-16L * full[3];
      for (int k = 0; k < 4; ++k) {
        if (full[k] - low.below[k] > 1e-16L * full[k]) binds = true;
      }
    }
    PowerSums raw = {0, 0, 0, 0};
    if (!binds) {
      // E[(X + T)^k] from the moments of X and of T, which are independent.
      const PowerSums t_sums = context_internal::SumOfPowers(static_cast<long double>(o - 1));
      for (int k = 0; k < 4; ++k) {
        for (int j = 0; j <= k; ++j) {
          raw[k] += kBinomial[k][j] * (t_sums[k - j] / o) * full[j];
        }
      }
    } else {
      const PowerSums c_pow = {1, c, c * c, c * c * c};
      for (int64_t t = 0; t < o; ++t) {
        const long double tt = static_cast<long double>(t);
        const PowerSums t_pow = {1, tt, tt * tt, tt * tt * tt};
        // min(X + t, c) is X + t for X <= c - t, else c.
        const context_internal::Partial m = Split(static_cast<double>(c - tt));
        for (int k = 0; k < 4; ++k) {
          long double sum = c_pow[k] * m.above;
          for (int j = 0; j <= k; ++j) sum += kBinomial[k][j] * t_pow[k - j] * m.below[j];
          raw[k] += sum;
        }
      }
      for (int k = 0; k < 4; ++k) raw[k] /= o;
    }
    const long double mean = raw[1];
    long double var = raw[2] - mean * mean;
    long double m3 = raw[3] - 3 * mean * raw[2] + 2 * mean * mean * mean;
    // Rounding noise on a point mass: relative error of the raw moments.
    if (var <= 1e-14L * mean * mean) {
      var = 0;
      m3 = 0;
    }
    mean_ = static_cast<double>(mean);
    variance_ = static_cast<double>(var);
    skewness_ = var > 0 ? static_cast<double>(m3 / std::pow(var, 1.5L)) : 0.0;
  }

  Kind kind_;
  double a_ = 0.0;  // Fixed: n; Uniform: lo; Normal: mean; LogNormal: mu
  double b_ = 0.0;  // Uniform: hi; Normal: stddev; LogNormal: sigma
  PowerSums lognormal_moment_ = {0, 0, 0, 0};  // LogNormal: E[X^k] before clamp and cap
  std::shared_ptr<const EmpiricalData> empirical_;
  int64_t cap_ = kMaxContextTokens;
  int64_t output_tokens_ = 0;
  double mean_ = 0.0;
  double variance_ = 0.0;
  double skewness_ = 0.0;
};

// ParseEmpiricalLengths() reads an Empirical distribution from the text of a
// lengths file, one context length (a positive integer, in tokens) per line;
// `origin` (a path) names it in errors. Blank lines are skipped; '#' starts a
// comment, on its own line or after a number. Errors: InvalidArgument
// "origin:line: ..." for a token that is not an integer or a length that is
// not in [1, kMaxContextTokens]; InvalidArgument "origin: no lengths (empty
// file)" when nothing was read.
//
//   # prompt + output lengths, dataset X, 2024-05
//   4096
//   17000   # a long one
inline absl::StatusOr<ContextDistribution> ParseEmpiricalLengths(absl::string_view text,
                                                                 absl::string_view origin) {
  std::vector<int64_t> lengths;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t eol = text.find('\n');
    absl::string_view line = text.substr(0, eol);
    text = eol == absl::string_view::npos ? absl::string_view() : text.substr(eol + 1);
    if (const size_t hash = line.find('#'); hash != absl::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    int64_t v = 0;
    if (!absl::SimpleAtoi(line, &v)) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ":", line_no, ": length: '", line, "' is not an integer"));
    }
    if (v < 1 || v > kMaxContextTokens) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ":", line_no,
                                                     ": length: must be in [1, ", kMaxContextTokens,
                                                     "] tokens, got ", v));
    }
    lengths.push_back(v);
  }
  if (lengths.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": no lengths (empty file)"));
  }
  return ContextDistribution::Empirical(std::move(lengths));
}

// LoadEmpiricalLengths() reads the file `path` and parses it with
// ParseEmpiricalLengths(). Errors: NotFound "path: cannot open", DataLoss
// "path: read error", and ParseEmpiricalLengths()'s.
inline absl::StatusOr<ContextDistribution> LoadEmpiricalLengths(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return ParseEmpiricalLengths(text, path);
}

}  // namespace perfmodel

#endif  // PERFMODEL_CONTEXT_DISTRIBUTION_H_
