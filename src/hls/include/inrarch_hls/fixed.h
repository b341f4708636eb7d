// Fixed<W, I>: a software model of Vitis HLS's ap_fixed<W, I> with its default modes, so the
// C-simulation here computes what the synthesized design computes without the Vitis headers.
// Under Vitis the generated code uses the real ap_fixed (INRARCH_USE_AP_FIXED / __SYNTHESIS__).
//
// Semantics modelled (UG1399, "C++ Arbitrary Precision Fixed-Point Types" and "Fixed-Point
// Identifier Summary"):
//  - a value is a W-bit two's-complement integer `raw` scaled by 2^-(W-I); I counts the sign bit;
//  - quantization AP_TRN (the default): extra fraction bits are dropped, i.e. rounding toward -inf;
//  - overflow AP_WRAP (the default): extra integer bits are dropped, i.e. wrap-around modulo 2^W;
//  - quantization and overflow happen only on assignment/construction. Arithmetic results are
//    exact, in a wider type: a*b is Fixed<W1+W2, I1+I2>; a+b and a-b are
//    Fixed<max(I1,I2)+1+max(F1,F2), max(I1,I2)+1>; -a is Fixed<W+1, I+1>;
//  - a/b keeps the dividend's fraction bits ("the fraction of the quotient is no greater than that
//    of the dividend"): raw = (raw_a * 2^F2) / raw_b with C integer division (toward zero), in
//    Fixed<W1+F2+1, I1+F2+1>. Division by zero yields 0 (ap_fixed leaves it undefined).
// Math functions (sin, cos, ...) evaluate the exact value in double and quantize it with AP_TRN;
// hls::sin on ap_fixed is an approximation with its own few-LSB error, so csim is a model of the
// arithmetic, not of Vitis's math library.
#pragma once

#include <cmath>
#include <cstdint>

namespace inrarch_hls {

__extension__ typedef __int128 fixed_raw_t;  // wide enough for every intermediate of W <= 60

template <int W, int I>
class Fixed {
  static_assert(W >= 1 && W <= 124, "Fixed<W, I>: W must lie in [1, 124]");

 public:
  static const int width = W;
  static const int integer_bits = I;
  static const int fraction_bits = W - I;

  // Constructors are implicit, as ap_fixed's are, and constexpr, so that a table of weights
  // `static const Fixed w[] = {0.25, ...}` is initialized at compile time like a ROM.
  constexpr Fixed() : raw_(0) {}
  constexpr Fixed(double value) : raw_(from_double(value)) {}                            // NOLINT
  constexpr Fixed(float value) : raw_(from_double(value)) {}                             // NOLINT
  constexpr Fixed(int value) : raw_(wrap(shift(static_cast<fixed_raw_t>(value), 0))) {}  // NOLINT
  template <int W2, int I2>
  constexpr Fixed(const Fixed<W2, I2>& other) : raw_(wrap(shift(other.raw(), W2 - I2))) {}  // NOLINT

  static Fixed from_raw(fixed_raw_t raw) {
    Fixed result;
    result.raw_ = wrap(raw);
    return result;
  }
  constexpr fixed_raw_t raw() const { return raw_; }
  double to_double() const { return std::ldexp(static_cast<double>(raw_), -fraction_bits); }
  explicit operator double() const { return to_double(); }

  template <int W2, int I2>
  Fixed& operator+=(const Fixed<W2, I2>& other) {
    return *this = *this + other;
  }
  template <int W2, int I2>
  Fixed& operator-=(const Fixed<W2, I2>& other) {
    return *this = *this - other;
  }
  template <int W2, int I2>
  Fixed& operator*=(const Fixed<W2, I2>& other) {
    return *this = *this * other;
  }

  // Re-expresses a raw value with `from_fraction` fraction bits in this type's fraction bits,
  // truncating toward -inf (an arithmetic right shift is a floor division by a power of two).
  static constexpr fixed_raw_t shift(fixed_raw_t raw, int from_fraction) {
    const int by = fraction_bits - from_fraction;
    return by >= 0 ? raw * (static_cast<fixed_raw_t>(1) << by) : raw >> -by;
  }
  // Keeps the low W bits as a two's-complement number.
  static constexpr fixed_raw_t wrap(fixed_raw_t raw) {
    const fixed_raw_t modulus = static_cast<fixed_raw_t>(1) << W;
    fixed_raw_t low = raw & (modulus - 1);
    if (low >= modulus / 2) low -= modulus;
    return low;
  }

 private:
  static constexpr double power_of_two(int exponent) {
    double result = 1.0;
    for (int i = 0; i < exponent; ++i) result *= 2.0;
    for (int i = 0; i > exponent; --i) result /= 2.0;
    return result;
  }
  // floor(value * 2^F), wrapped to W bits. Scaling by a power of two is exact, so for
  // |value * 2^F| < 2^62 an integer conversion (toward zero, then one step down for negative
  // non-integers) is exact and constexpr; larger values first drop multiples of 2^I with fmod
  // (exact too), which is the same modulo 2^W. Non-finite values give 0.
  static constexpr fixed_raw_t from_double(double value) {
    const double scaled = value * power_of_two(fraction_bits);
    const double limit = power_of_two(62);
    if (scaled > -limit && scaled < limit) {
      const auto truncated = static_cast<int64_t>(scaled);
      return wrap(static_cast<double>(truncated) > scaled ? truncated - 1 : truncated);
    }
    return from_large_double(value);
  }
  static fixed_raw_t from_large_double(double value) {
    if (!std::isfinite(value)) return 0;
    const double reduced = std::fmod(value, std::ldexp(1.0, I));
    return wrap(static_cast<fixed_raw_t>(std::floor(std::ldexp(reduced, fraction_bits))));
  }

  fixed_raw_t raw_;
};

namespace fixed_detail {
constexpr int max_int(int a, int b) { return a > b ? a : b; }
}  // namespace fixed_detail

template <int W1, int I1, int W2, int I2>
Fixed<W1 + W2, I1 + I2> operator*(const Fixed<W1, I1>& a, const Fixed<W2, I2>& b) {
  return Fixed<W1 + W2, I1 + I2>::from_raw(a.raw() * b.raw());
}

template <int W1, int I1, int W2, int I2>
struct FixedSum {
  static const int integer_bits = fixed_detail::max_int(I1, I2) + 1;
  static const int fraction_bits = fixed_detail::max_int(W1 - I1, W2 - I2);
  typedef Fixed<integer_bits + fraction_bits, integer_bits> type;
};

template <int W1, int I1, int W2, int I2>
typename FixedSum<W1, I1, W2, I2>::type operator+(const Fixed<W1, I1>& a, const Fixed<W2, I2>& b) {
  typedef typename FixedSum<W1, I1, W2, I2>::type Sum;
  return Sum::from_raw(Sum::shift(a.raw(), W1 - I1) + Sum::shift(b.raw(), W2 - I2));
}

template <int W1, int I1, int W2, int I2>
typename FixedSum<W1, I1, W2, I2>::type operator-(const Fixed<W1, I1>& a, const Fixed<W2, I2>& b) {
  typedef typename FixedSum<W1, I1, W2, I2>::type Sum;
  return Sum::from_raw(Sum::shift(a.raw(), W1 - I1) - Sum::shift(b.raw(), W2 - I2));
}

template <int W, int I>
Fixed<W + 1, I + 1> operator-(const Fixed<W, I>& a) {
  return Fixed<W + 1, I + 1>::from_raw(-a.raw());
}

template <int W1, int I1, int W2, int I2>
Fixed<W1 + (W2 - I2) + 1, I1 + (W2 - I2) + 1> operator/(const Fixed<W1, I1>& a, const Fixed<W2, I2>& b) {
  typedef Fixed<W1 + (W2 - I2) + 1, I1 + (W2 - I2) + 1> Quotient;
  if (b.raw() == 0) return Quotient();
  return Quotient::from_raw(a.raw() * (static_cast<fixed_raw_t>(1) << (W2 - I2)) / b.raw());
}

// Comparisons are exact: both sides are aligned to the finer fraction.
template <int W1, int I1, int W2, int I2>
int compare(const Fixed<W1, I1>& a, const Fixed<W2, I2>& b) {
  typedef typename FixedSum<W1, I1, W2, I2>::type Common;
  const fixed_raw_t x = Common::shift(a.raw(), W1 - I1);
  const fixed_raw_t y = Common::shift(b.raw(), W2 - I2);
  return x < y ? -1 : (x > y ? 1 : 0);
}
template <int W1, int I1, int W2, int I2>
bool operator<(const Fixed<W1, I1>& a, const Fixed<W2, I2>& b) {
  return compare(a, b) < 0;
}
template <int W1, int I1, int W2, int I2>
bool operator>(const Fixed<W1, I1>& a, const Fixed<W2, I2>& b) {
  return compare(a, b) > 0;
}
template <int W1, int I1, int W2, int I2>
bool operator<=(const Fixed<W1, I1>& a, const Fixed<W2, I2>& b) {
  return compare(a, b) <= 0;
}
template <int W1, int I1, int W2, int I2>
bool operator>=(const Fixed<W1, I1>& a, const Fixed<W2, I2>& b) {
  return compare(a, b) >= 0;
}
template <int W1, int I1, int W2, int I2>
bool operator==(const Fixed<W1, I1>& a, const Fixed<W2, I2>& b) {
  return compare(a, b) == 0;
}
template <int W1, int I1, int W2, int I2>
bool operator!=(const Fixed<W1, I1>& a, const Fixed<W2, I2>& b) {
  return compare(a, b) != 0;
}

}  // namespace inrarch_hls
