// Elementwise kernels: one block of B elements per cycle, PIPELINE II=1 on the beat loop with the
// B lanes fully unrolled (UG1399 "pragma HLS pipeline", "pragma HLS unroll"). The op is a functor,
// so one kernel serves the whole op set; each op's rule sits in its functor below. Every result is
// assigned to T, which is where ap_fixed quantizes (AP_TRN) and wraps (AP_WRAP).
#pragma once

#include "inrarch_hls/array_stream.h"
#include "inrarch_hls/math.h"

namespace inrarch_hls {
namespace op {

// Unary ops take the element and one parameter (the factor of Scale; ignored by the others).
struct Neg {
  template <typename T>
  static T apply(const T& x, const T&) {
    return T(-x);
  }
};
struct Scale {
  template <typename T>
  static T apply(const T& x, const T& factor) {
    return T(factor * x);
  }
};
struct Sin {
  template <typename T>
  static T apply(const T& x, const T&) {
    return math::sin(x);
  }
};
struct Cos {
  template <typename T>
  static T apply(const T& x, const T&) {
    return math::cos(x);
  }
};
struct Tanh {
  template <typename T>
  static T apply(const T& x, const T&) {
    return math::tanh(x);
  }
};
struct Exp {
  template <typename T>
  static T apply(const T& x, const T&) {
    return math::exp(x);
  }
};
struct Sigmoid {
  template <typename T>
  static T apply(const T& x, const T&) {
    return math::sigmoid(x);
  }
};
struct Relu {
  template <typename T>
  static T apply(const T& x, const T&) {
    return x > T(0) ? x : T(0);
  }
};
struct Step {  // the derivative of relu
  template <typename T>
  static T apply(const T& x, const T&) {
    return x > T(0) ? T(1) : T(0);
  }
};

struct Add {
  template <typename T>
  static T apply(const T& a, const T& b) {
    return T(a + b);
  }
};
struct Sub {
  template <typename T>
  static T apply(const T& a, const T& b) {
    return T(a - b);
  }
};
struct Mul {
  template <typename T>
  static T apply(const T& a, const T& b) {
    return T(a * b);
  }
};
struct Div {
  template <typename T>
  static T apply(const T& a, const T& b) {
    return T(a / b);
  }
};

}  // namespace op

// BLOCKS: beats per tile.
template <class Op, typename T, int B, int BLOCKS>
void unary(ArrayStream<T, B>& in, ArrayStream<T, B>& out, const T parameter, int tiles) {
  for (int i = 0; i < tiles * BLOCKS; ++i) {
#pragma HLS PIPELINE II=1
    const Block<T, B> x = in.read();
    Block<T, B> y;
    for (int lane = 0; lane < B; ++lane) {
#pragma HLS UNROLL
      y.data[lane] = Op::apply(x.data[lane], parameter);
    }
    out.write(y);
  }
}

template <class Op, typename T, int B, int BLOCKS>
void binary(ArrayStream<T, B>& a, ArrayStream<T, B>& b, ArrayStream<T, B>& out, int tiles) {
  for (int i = 0; i < tiles * BLOCKS; ++i) {
#pragma HLS PIPELINE II=1
    const Block<T, B> x = a.read();
    const Block<T, B> y = b.read();
    Block<T, B> z;
    for (int lane = 0; lane < B; ++lane) {
#pragma HLS UNROLL
      z.data[lane] = Op::apply(x.data[lane], y.data[lane]);
    }
    out.write(z);
  }
}

}  // namespace inrarch_hls
