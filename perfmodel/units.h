// File: perfmodel/units.h
// -----------------------------------------------------------------------------
//
// Strong types for the quantities a cost model moves around: durations, bytes,
// floating-point operations, tokens, and rates of each. A quantity is a number
// times a unit; it is made by a factory that names the unit and read back only
// by naming the unit you want, so a bare `double` never stands for "some time".
//
// The dimension is part of the type (exponents of time, bytes, FLOPs and
// tokens), so multiplication and division compose units by themselves:
//
//   Bytes b = Gibibytes(1.5);
//   BytesPerSecond bw = TerabytesPerSecond(3.35);
//   Duration t = b / bw;                  // bytes / (bytes/s) is a duration
//   double us = t / Microseconds(1);      // us == 480.7...
//   double ms = ToMilliseconds(t);        // ms == 0.4807...
//
// Everything is constexpr, trivially copyable and passed by value. The value is
// stored as a double in SI base units (seconds, bytes, FLOP, tokens).
// Quantities of the same dimension add, subtract and compare; a quantity
// scales by a plain number; dividing two quantities of one dimension gives a
// plain `double`. There is no implicit conversion from or to `double`.

#ifndef PERFMODEL_UNITS_H_
#define PERFMODEL_UNITS_H_

#include <compare>
#include <limits>

namespace perfmodel {

// Quantity<T, B, F, K> is a value whose dimension is
// second^T * byte^B * flop^F * token^K.
template <int T, int B, int F, int K>
class Quantity final {
 public:
  // A zero quantity.
  constexpr Quantity() = default;

  // Quantity::FromBase() wraps a number already in SI base units. Prefer the
  // named factories below (Seconds(), Gigabytes(), ...); this is their seam.
  static constexpr Quantity FromBase(double v) { return Quantity(v); }
  // base() reads the number in SI base units; prefer dividing by a unit.
  constexpr double base() const { return v_; }

  static constexpr Quantity Zero() { return Quantity(0.0); }
  static constexpr Quantity Infinite() {
    return Quantity(std::numeric_limits<double>::infinity());
  }

  constexpr Quantity& operator+=(Quantity o) { v_ += o.v_; return *this; }
  constexpr Quantity& operator-=(Quantity o) { v_ -= o.v_; return *this; }
  constexpr Quantity& operator*=(double s) { v_ *= s; return *this; }
  constexpr Quantity& operator/=(double s) { v_ /= s; return *this; }

  friend constexpr Quantity operator+(Quantity a, Quantity b) { return Quantity(a.v_ + b.v_); }
  friend constexpr Quantity operator-(Quantity a, Quantity b) { return Quantity(a.v_ - b.v_); }
  friend constexpr Quantity operator-(Quantity a) { return Quantity(-a.v_); }
  friend constexpr Quantity operator*(Quantity a, double s) { return Quantity(a.v_ * s); }
  friend constexpr Quantity operator*(double s, Quantity a) { return Quantity(a.v_ * s); }
  friend constexpr Quantity operator/(Quantity a, double s) { return Quantity(a.v_ / s); }
  // Dividing two quantities of one dimension gives their ratio.
  friend constexpr double operator/(Quantity a, Quantity b) { return a.v_ / b.v_; }

  friend constexpr bool operator==(Quantity, Quantity) = default;
  friend constexpr auto operator<=>(Quantity a, Quantity b) { return a.v_ <=> b.v_; }
  // The four orderings directly (one comparison each): the synthesised ones
  // go through std::partial_ordering, whose unordered case costs a branch
  // and a compare more per use (a step compares ~100 quantities).
  friend constexpr bool operator<(Quantity a, Quantity b) { return a.v_ < b.v_; }
  friend constexpr bool operator>(Quantity a, Quantity b) { return a.v_ > b.v_; }
  friend constexpr bool operator<=(Quantity a, Quantity b) { return a.v_ <= b.v_; }
  friend constexpr bool operator>=(Quantity a, Quantity b) { return a.v_ >= b.v_; }

 private:
  constexpr explicit Quantity(double v) : v_(v) {}
  double v_ = 0.0;
};

// Products and quotients of different dimensions compose the exponents.
template <int T1, int B1, int F1, int K1, int T2, int B2, int F2, int K2>
  requires(!(T1 == T2 && B1 == B2 && F1 == F2 && K1 == K2))
constexpr auto operator/(Quantity<T1, B1, F1, K1> a, Quantity<T2, B2, F2, K2> b) {
  using R = Quantity<T1 - T2, B1 - B2, F1 - F2, K1 - K2>;
  if constexpr (T1 == T2 && B1 == B2 && F1 == F2 && K1 == K2) {
    return a.base() / b.base();
  } else {
    return R::FromBase(a.base() / b.base());
  }
}

template <int T1, int B1, int F1, int K1, int T2, int B2, int F2, int K2>
constexpr auto operator*(Quantity<T1, B1, F1, K1> a, Quantity<T2, B2, F2, K2> b) {
  using R = Quantity<T1 + T2, B1 + B2, F1 + F2, K1 + K2>;
  if constexpr (T1 + T2 == 0 && B1 + B2 == 0 && F1 + F2 == 0 && K1 + K2 == 0) {
    return a.base() * b.base();
  } else {
    return R::FromBase(a.base() * b.base());
  }
}

// A plain number divided by a quantity inverts its dimension (1 / rate).
template <int T, int B, int F, int K>
constexpr Quantity<-T, -B, -F, -K> operator/(double s, Quantity<T, B, F, K> q) {
  return Quantity<-T, -B, -F, -K>::FromBase(s / q.base());
}

using Duration = Quantity<1, 0, 0, 0>;
using Bytes = Quantity<0, 1, 0, 0>;
using Flops = Quantity<0, 0, 1, 0>;
using Tokens = Quantity<0, 0, 0, 1>;
using Frequency = Quantity<-1, 0, 0, 0>;
using BytesPerSecond = Quantity<-1, 1, 0, 0>;
using FlopsPerSecond = Quantity<-1, 0, 1, 0>;
using TokensPerSecond = Quantity<-1, 0, 0, 1>;
using SecondsPerByte = Quantity<1, -1, 0, 0>;  // an HBM byte's time

// Durations.
constexpr Duration Seconds(double v) { return Duration::FromBase(v); }
constexpr Duration Milliseconds(double v) { return Duration::FromBase(v * 1e-3); }
constexpr Duration Microseconds(double v) { return Duration::FromBase(v * 1e-6); }
constexpr Duration Nanoseconds(double v) { return Duration::FromBase(v * 1e-9); }
constexpr double ToSeconds(Duration d) { return d.base(); }
constexpr double ToMilliseconds(Duration d) { return d.base() * 1e3; }
constexpr double ToMicroseconds(Duration d) { return d.base() * 1e6; }
constexpr double ToNanoseconds(Duration d) { return d.base() * 1e9; }

// Bytes: decimal (kB, MB, GB) and binary (KiB, MiB, GiB) multiples.
constexpr Bytes ByteCount(double v) { return Bytes::FromBase(v); }
constexpr Bytes Kilobytes(double v) { return Bytes::FromBase(v * 1e3); }
constexpr Bytes Megabytes(double v) { return Bytes::FromBase(v * 1e6); }
constexpr Bytes Gigabytes(double v) { return Bytes::FromBase(v * 1e9); }
constexpr Bytes Kibibytes(double v) { return Bytes::FromBase(v * 1024.0); }
constexpr Bytes Mebibytes(double v) { return Bytes::FromBase(v * 1024.0 * 1024.0); }
constexpr Bytes Gibibytes(double v) { return Bytes::FromBase(v * 1024.0 * 1024.0 * 1024.0); }
constexpr double ToBytes(Bytes b) { return b.base(); }
constexpr double ToMegabytes(Bytes b) { return b.base() * 1e-6; }
constexpr double ToGigabytes(Bytes b) { return b.base() * 1e-9; }
constexpr double ToGibibytes(Bytes b) { return b.base() / (1024.0 * 1024.0 * 1024.0); }

// Floating-point operations (one multiply-add counts as 2 FLOP).
constexpr Flops FlopCount(double v) { return Flops::FromBase(v); }
constexpr Flops Gigaflops(double v) { return Flops::FromBase(v * 1e9); }
constexpr double ToFlops(Flops f) { return f.base(); }
constexpr double ToGigaflops(Flops f) { return f.base() * 1e-9; }

// Tokens (fractional: an MTP step emits 2.3 tokens on average).
constexpr Tokens TokenCount(double v) { return Tokens::FromBase(v); }
constexpr double ToTokens(Tokens t) { return t.base(); }

// Rates.
constexpr Frequency Hertz(double v) { return Frequency::FromBase(v); }
constexpr double ToHertz(Frequency f) { return f.base(); }
constexpr BytesPerSecond GigabytesPerSecond(double v) { return BytesPerSecond::FromBase(v * 1e9); }
constexpr BytesPerSecond TerabytesPerSecond(double v) { return BytesPerSecond::FromBase(v * 1e12); }
constexpr double ToGigabytesPerSecond(BytesPerSecond r) { return r.base() * 1e-9; }
constexpr FlopsPerSecond TeraflopsPerSecond(double v) { return FlopsPerSecond::FromBase(v * 1e12); }
constexpr FlopsPerSecond GigaflopsPerSecond(double v) { return FlopsPerSecond::FromBase(v * 1e9); }
constexpr double ToTeraflopsPerSecond(FlopsPerSecond r) { return r.base() * 1e-12; }
constexpr double ToGigaflopsPerSecond(FlopsPerSecond r) { return r.base() * 1e-9; }
constexpr TokensPerSecond TokensPerSec(double v) { return TokensPerSecond::FromBase(v); }
constexpr double ToTokensPerSecond(TokensPerSecond r) { return r.base(); }

// Max() and Min() of two quantities of one dimension.
template <int T, int B, int F, int K>
constexpr Quantity<T, B, F, K> Max(Quantity<T, B, F, K> a, Quantity<T, B, F, K> b) {
  return a < b ? b : a;
}
template <int T, int B, int F, int K>
constexpr Quantity<T, B, F, K> Min(Quantity<T, B, F, K> a, Quantity<T, B, F, K> b) {
  return b < a ? b : a;
}

}  // namespace perfmodel

#endif  // PERFMODEL_UNITS_H_
