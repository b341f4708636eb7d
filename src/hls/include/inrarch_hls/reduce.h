// Sum over axes other than the points: each input element of a tile is added into the output
// element named by an index table (target[i] for the i-th input element of the tile), and the
// accumulated tile is streamed out once the whole input tile has arrived. Consecutive inputs that
// hit the same output (a reduction over the innermost axis) form a read-after-write chain on acc,
// so the achieved II may exceed 1 there.
#pragma once

#include "inrarch_hls/array_stream.h"

namespace inrarch_hls {

template <typename T, int B_IN, int B_OUT, int IN_ELEMENTS, int OUT_ELEMENTS>
void reduce_sum(ArrayStream<T, B_IN>& in, ArrayStream<T, B_OUT>& out, const int (&target)[IN_ELEMENTS], int tiles) {
  T acc[OUT_ELEMENTS];
  ElementReader<T, B_IN> reader(in);
  ElementWriter<T, B_OUT> writer(out);
  for (int tile = 0; tile < tiles; ++tile) {
    for (int i = 0; i < OUT_ELEMENTS; ++i) {
#pragma HLS PIPELINE II=1
      acc[i] = T(0);
    }
    for (int i = 0; i < IN_ELEMENTS; ++i) {
#pragma HLS PIPELINE II=1
      acc[target[i]] = T(acc[target[i]] + reader.read());
    }
    for (int i = 0; i < OUT_ELEMENTS; ++i) {
#pragma HLS PIPELINE II=1
      writer.write(acc[i]);
    }
  }
}

}  // namespace inrarch_hls
