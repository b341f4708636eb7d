// Elementwise ops with a constant operand held on chip (a bias, a Taylor factor, the constant half
// of any elementwise op), without materialising the broadcast: the tile is viewed as a row-major
// [D0][D1][D2][D3] array and the constant element for index (i0, i1, i2, i3) is
// c[i0*S0 + i1*S1 + i2*S2 + i3*S3]; a stride of 0 broadcasts along that axis (always along the
// points). A bias of [W] added to [K, W] is D = {1, 1, K, W}, S = {0, 0, 0, 1}: W words on chip,
// not K*W. The caller partitions c cyclically by B so that the B lanes of a beat read B words
// per cycle (UG1399 "pragma HLS array_partition", type=cyclic factor=B).
#pragma once

#include "inrarch_hls/elementwise.h"

namespace inrarch_hls {

// The position of a beat inside a tile viewed as [D0][D1][D2][D3], advanced B elements at a time
// (B divides D3): nested counters instead of divisions, as the hardware would do it.
template <int D0, int D1, int D2, int D3, int S0, int S1, int S2, int S3, int B>
class StridedCursor {
 public:
  StridedCursor() : i0_(0), i1_(0), i2_(0), i3_(0) {}
  int offset() const { return i0_ * S0 + i1_ * S1 + i2_ * S2 + i3_ * S3; }
  void advance() {
    i3_ += B;
    if (i3_ < D3) return;
    i3_ = 0;
    if (++i2_ < D2) return;
    i2_ = 0;
    if (++i1_ < D1) return;
    i1_ = 0;
    if (++i0_ < D0) return;
    i0_ = 0;
  }

 private:
  int i0_, i1_, i2_, i3_;
};

template <class Op, bool CONSTANT_FIRST, typename T, int B, int D0, int D1, int D2, int D3, int S0, int S1, int S2,
          int S3, int SIZE>
void binary_const(ArrayStream<T, B>& in, ArrayStream<T, B>& out, const T (&constant)[SIZE], int tiles) {
  StridedCursor<D0, D1, D2, D3, S0, S1, S2, S3, B> cursor;
  for (int i = 0; i < tiles * (D0 * D1 * D2 * D3 / B); ++i) {
#pragma HLS PIPELINE II=1
    const Block<T, B> x = in.read();
    Block<T, B> y;
    const int base = cursor.offset();
    for (int lane = 0; lane < B; ++lane) {
#pragma HLS UNROLL
      const T c = constant[base + lane * S3];
      y.data[lane] = CONSTANT_FIRST ? Op::apply(c, x.data[lane]) : Op::apply(x.data[lane], c);
    }
    out.write(y);
    cursor.advance();
  }
}

// Emits a constant, broadcast by the same strides, once per tile: for constants that feed a
// kernel other than an elementwise op (a concat part, an output).
template <typename T, int B, int D0, int D1, int D2, int D3, int S0, int S1, int S2, int S3, int SIZE>
void const_source(ArrayStream<T, B>& out, const T (&constant)[SIZE], int tiles) {
  StridedCursor<D0, D1, D2, D3, S0, S1, S2, S3, B> cursor;
  for (int i = 0; i < tiles * (D0 * D1 * D2 * D3 / B); ++i) {
#pragma HLS PIPELINE II=1
    Block<T, B> y;
    const int base = cursor.offset();
    for (int lane = 0; lane < B; ++lane) {
#pragma HLS UNROLL
      y.data[lane] = constant[base + lane * S3];
    }
    out.write(y);
    cursor.advance();
  }
}

}  // namespace inrarch_hls
