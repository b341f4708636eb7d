// Elementary functions for every number type a design may use: float and double (hls_math.h under Vitis,
// <cmath> here), the Fixed<W, I> emulation (exact value in double, then AP_TRN quantization), and
// the real ap_fixed under Vitis (hls_math.h's fixed-point versions, which UG1399 "Fixed-Point Math
// Functions" lists for ap_fixed<W,I> with I <= 33 and W-I <= 32, e.g. ap_fixed<32,10>).
#pragma once

#include "inrarch_hls/config.h"

#if INRARCH_VITIS
#include <ap_fixed.h>
#include <hls_math.h>
#else
#include <cmath>

#include "inrarch_hls/fixed.h"
#endif

namespace inrarch_hls {
namespace math {

#if INRARCH_VITIS
inline double sin(double x) { return hls::sin(x); }
inline double cos(double x) { return hls::cos(x); }
inline float sin(float x) { return hls::sin(x); }
inline float cos(float x) { return hls::cos(x); }
inline float tanh(float x) { return hls::tanh(x); }
inline float exp(float x) { return hls::exp(x); }
inline float sigmoid(float x) { return 1.0f / (1.0f + hls::exp(-x)); }
template <int W, int I>
ap_fixed<W, I> sin(ap_fixed<W, I> x) {
  return hls::sin(x);
}
template <int W, int I>
ap_fixed<W, I> cos(ap_fixed<W, I> x) {
  return hls::cos(x);
}
template <int W, int I>
ap_fixed<W, I> tanh(ap_fixed<W, I> x) {
  return hls::tanh(x);
}
template <int W, int I>
ap_fixed<W, I> exp(ap_fixed<W, I> x) {
  return hls::exp(x);
}
template <int W, int I>
ap_fixed<W, I> sigmoid(ap_fixed<W, I> x) {
  const ap_fixed<W, I> one = 1;
  return one / (one + hls::exp(ap_fixed<W, I>(-x)));
}
#else
inline double sin(double x) { return std::sin(x); }
inline double cos(double x) { return std::cos(x); }
inline float sin(float x) { return std::sin(x); }
inline float cos(float x) { return std::cos(x); }
inline float tanh(float x) { return std::tanh(x); }
inline float exp(float x) { return std::exp(x); }
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
template <int W, int I>
Fixed<W, I> sin(Fixed<W, I> x) {
  return std::sin(x.to_double());
}
template <int W, int I>
Fixed<W, I> cos(Fixed<W, I> x) {
  return std::cos(x.to_double());
}
template <int W, int I>
Fixed<W, I> tanh(Fixed<W, I> x) {
  return std::tanh(x.to_double());
}
template <int W, int I>
Fixed<W, I> exp(Fixed<W, I> x) {
  return std::exp(x.to_double());
}
template <int W, int I>
Fixed<W, I> sigmoid(Fixed<W, I> x) {
  return 1.0 / (1.0 + std::exp(-x.to_double()));
}
#endif

}  // namespace math
}  // namespace inrarch_hls
