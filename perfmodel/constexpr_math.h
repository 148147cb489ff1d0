// File: perfmodel/constexpr_math.h
// -----------------------------------------------------------------------------
//
// The few transcendental functions the step graph needs (the routing
// statistics of perfmodel/routing.h), written on + - x / alone so that one
// code path serves constant evaluation and run time and gives the same bits in
// both (std::log and std::exp are not constexpr in the standard, and a
// compiler's folded value can differ from the C library's in the last bit).
// Accurate to a few units in the last place over their domains.
//
//   Log(2.0)            // == 0.6931471805599453
//   Exp(1.0)            // == 2.718281828459045
//   IntPow(0.75, 4)     // == 0.31640625
//   NormalQuantile(0.975)  // == 1.959963984540054
//   NormalSf(1.959963984540054)  // ~= 0.025 (within 1e-7)

#ifndef PERFMODEL_CONSTEXPR_MATH_H_
#define PERFMODEL_CONSTEXPR_MATH_H_

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace perfmodel::cmath {

inline constexpr double kLn2 = 0.6931471805599453094;

// Sqrt() is the square root of x >= 0 (0 for x <= 0). With GCC it is
// std::sqrt, which GCC folds in constant expressions and which IEEE rounds
// correctly at run time, so both agree; elsewhere Newton's method from a
// power-of-two first guess, on one code path for both.
constexpr double Sqrt(double x) {
  if (!(x > 0.0)) return 0.0;
#if defined(__GNUC__) && !defined(__clang__)
  return std::sqrt(x);
#else
  if (x == std::numeric_limits<double>::infinity()) return x;
  double g = 1.0;
  double v = x;
  while (v >= 4.0) v *= 0.25, g *= 2.0;
  while (v < 0.25) v *= 4.0, g *= 0.5;
  for (int i = 0; i < 8; ++i) g = 0.5 * (g + x / g);
  return g;
#endif
}

// Log() is the natural logarithm of x > 0 (-infinity for x <= 0): x = m 2^e
// with m in [sqrt(1/2), sqrt(2)), then log m = 2 atanh((m - 1) / (m + 1)).
constexpr double Log(double x) {
  if (!(x > 0.0)) return -std::numeric_limits<double>::infinity();
  if (x == std::numeric_limits<double>::infinity()) return x;
  int e = 0;
  double m = x;
  while (m >= 1.4142135623730951) m *= 0.5, ++e;
  while (m < 0.7071067811865476) m *= 2.0, --e;
  // |s| <= 0.1716, s^2 <= 0.0295: 13 odd terms reach below 1e-19.
  constexpr double kInverseOdd[] = {1.0,      1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9,
                                    1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19,
                                    1.0 / 21, 1.0 / 23, 1.0 / 25};
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double sum = 0.0;
  for (int i = 12; i >= 0; --i) sum = sum * s2 + kInverseOdd[i];
  return 2.0 * s * sum + e * kLn2;
}

// Exp() is e^x (0 below -745, infinity above 709): x = k ln 2 + r with
// |r| <= ln 2 / 2, then e^r's Taylor polynomial to r^kDegree (to r^14 by
// default: the next term, 0.347^15 / 15!, is below 1e-19 of it), in
// Horner's form: multiplies and adds only (the graph calls it for every
// normal tail it takes, and a division per term had made it most of a
// prefill estimate's time). A caller whose own error is far larger asks for
// fewer terms (NormalSf(): to r^8, within 2e-10 of e^x). Below -708 the
// result is subnormal and loses precision.
template <int kDegree = 14>
constexpr double Exp(double x) {
  if (x < -745.0) return 0.0;
  if (x > 709.0) return std::numeric_limits<double>::infinity();
  constexpr double kInverseLn2 = 1.4426950408889634;
  const double kd = x * kInverseLn2;
  const int64_t k = static_cast<int64_t>(kd < 0 ? kd - 0.5 : kd + 0.5);
  // ln 2 in two parts (Cody-Waite): k x kLn2Hi is exact for |k| < 2^11.
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const double r = (x - static_cast<double>(k) * kLn2Hi) - static_cast<double>(k) * kLn2Lo;
  static_assert(kDegree >= 1);
  constexpr auto kInverseFactorial = [] {
    std::array<double, kDegree + 1> c{};
    c[0] = 1.0;
    for (int i = 1; i <= kDegree; ++i) c[i] = c[i - 1] / i;
    return c;
  }();
  double sum = kInverseFactorial[kDegree];
  for (int i = kDegree - 1; i >= 0; --i) sum = sum * r + kInverseFactorial[i];
  // 2^k: its bits directly where it is a normal double, by halvings below.
  if (k >= -1022) return sum * std::bit_cast<double>(static_cast<uint64_t>(k + 1023) << 52);
  double p = sum * std::bit_cast<double>(uint64_t{1} << 52);  // 2^-1022
  for (int64_t i = -1022; i > k; --i) p *= 0.5;
  return p;
}

// IntPow() is b^n for n >= 0, by squaring (exact up to rounding of the
// products; 1 for n <= 0).
constexpr double IntPow(double b, int64_t n) {
  double r = 1.0;
  while (n > 0) {
    if (n & 1) r *= b;
    b *= b;
    n >>= 1;
  }
  return r;
}

// NormalQuantile() is the p-quantile of the standard normal, 0 < p < 1
// (Acklam's rational approximation, relative error below 1.2e-9).
constexpr double NormalQuantile(double p) {
  constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                          1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                          6.680131188771972e+01,  -1.328068155288572e+01};
  constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                          3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  if (!(p > 0.0)) return -std::numeric_limits<double>::infinity();
  if (!(p < 1.0)) return std::numeric_limits<double>::infinity();
  if (p < kLow || p > 1.0 - kLow) {
    const double q = Sqrt(-2.0 * Log(p < kLow ? p : 1.0 - p));
    const double v = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                     ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    return p < kLow ? v : -v;
  }
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
}

// NormalSf() is P(Z > z) for a standard normal Z, 1 - Phi(z): erfc by
// Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7 x e^(-z^2/2)
// scale: under 1e-7 everywhere), one Exp() to r^8 (its 2e-10 relative error
// is lost in the approximation's own; the grouped GEMMs' expected waves
// take ~30 of these per prefill forward).
constexpr double NormalSf(double z) {
  const double x = (z < 0.0 ? -z : z) * 0.7071067811865476;  // |z| / sqrt(2)
  const double t = 1.0 / (1.0 + 0.3275911 * x);
  const double poly =
      t *
      (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const double upper = 0.5 * poly * Exp<8>(-x * x);  // P(Z > |z|)
  return z < 0.0 ? 1.0 - upper : upper;
}

// ExpectedMaxOfNormalsApprox() is E[max of n iid N(0, 1)] by Blom's formula
// Phi^-1((n - 0.375) / (n + 0.25)): 0 for n <= 1, within 5 % of the exact
// value for n >= 2 (+4.4 % at n = 2, under 1 % from n = 8 on).
constexpr double ExpectedMaxOfNormalsApprox(int64_t n) {
  if (n <= 1) return 0.0;
  const double nn = static_cast<double>(n);
  return NormalQuantile((nn - 0.375) / (nn + 0.25));
}

}  // namespace perfmodel::cmath

#endif  // PERFMODEL_CONSTEXPR_MATH_H_
