// Kernels that move elements without arithmetic. A tile is viewed as [OUTER][AXIS][INNER] around
// the axis an op works on (OUTER includes the points of the tile).
//  - select: keeps the axis positions marked in `keep` (a slice, or a gather of sorted distinct
//    indices), streaming: it never buffers.
//  - concat: for each outer index, copies AXIS_k*INNER elements from each part in turn,
//    streaming. Its parts are ConcatPart readers, so any number of parts of any block size work.
//  - reorder: any other rearrangement of a tile (transpose, broadcast of a stream, gather with
//    repeated or unsorted indices): it buffers the whole input tile and emits
//    out[i] = in[source[i]].
#pragma once

#include "inrarch_hls/array_stream.h"

namespace inrarch_hls {

template <typename T, int B_IN, int B_OUT, int OUTER, int AXIS, int INNER>
void select(ArrayStream<T, B_IN>& in, ArrayStream<T, B_OUT>& out, const bool (&keep)[AXIS], int tiles) {
  ElementReader<T, B_IN> reader(in);
  ElementWriter<T, B_OUT> writer(out);
  for (int tile = 0; tile < tiles; ++tile) {
    for (int o = 0; o < OUTER; ++o) {
      for (int a = 0; a < AXIS; ++a) {
        for (int i = 0; i < INNER; ++i) {
#pragma HLS PIPELINE II=1
          const T x = reader.read();
          if (keep[a]) writer.write(x);
        }
      }
    }
  }
}

// One input of a concat: its stream and how many elements it contributes per outer index.
template <typename T, int B, int COUNT>
class ConcatPart {
 public:
  explicit ConcatPart(ArrayStream<T, B>& stream) : reader_(stream) {}
  template <class Writer>
  void copy_to(Writer& writer) {
    for (int i = 0; i < COUNT; ++i) {
#pragma HLS PIPELINE II=1
      writer.write(reader_.read());
    }
  }

 private:
  ElementReader<T, B> reader_;
};

template <class Writer>
void copy_parts(Writer&) {}

template <class Writer, class Part, class... Rest>
void copy_parts(Writer& writer, Part& part, Rest&... rest) {
#pragma HLS INLINE
  part.copy_to(writer);
  copy_parts(writer, rest...);
}

template <typename T, int B_OUT, int OUTER, class... Parts>
void concat(ArrayStream<T, B_OUT>& out, int tiles, Parts&... parts) {
  ElementWriter<T, B_OUT> writer(out);
  for (int i = 0; i < tiles * OUTER; ++i) copy_parts(writer, parts...);
}

template <typename T, int B_IN, int B_OUT, int IN_ELEMENTS, int OUT_ELEMENTS>
void reorder(ArrayStream<T, B_IN>& in, ArrayStream<T, B_OUT>& out, const int (&source)[OUT_ELEMENTS], int tiles) {
  T buffer[IN_ELEMENTS];
  ElementReader<T, B_IN> reader(in);
  ElementWriter<T, B_OUT> writer(out);
  for (int tile = 0; tile < tiles; ++tile) {
    for (int i = 0; i < IN_ELEMENTS; ++i) {
#pragma HLS PIPELINE II=1
      buffer[i] = reader.read();
    }
    for (int i = 0; i < OUT_ELEMENTS; ++i) {
#pragma HLS PIPELINE II=1
      writer.write(buffer[source[i]]);
    }
  }
}

}  // namespace inrarch_hls
