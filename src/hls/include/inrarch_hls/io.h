// The edges of the design: top-level arrays in memory (m_axi ports) to streams and back, one tile
// of K points at a time. An array holds the full batch of points row-major in the layout
// [PRE][points][POST] (the points may sit on any axis); a tile streams [PRE][K][POST]. Points past
// num_points in the last tile are read as zeros and never written back.
#pragma once

#include "inrarch_hls/array_stream.h"

namespace inrarch_hls {

template <typename T, int B, int PRE, int POST, int K>
void read_points(const T* memory, ArrayStream<T, B>& out, int num_points, int tiles) {
  ElementWriter<T, B> writer(out);
  for (int tile = 0; tile < tiles; ++tile) {
    for (int pre = 0; pre < PRE; ++pre) {
      for (int k = 0; k < K; ++k) {
        for (int post = 0; post < POST; ++post) {
#pragma HLS PIPELINE II=1
          const int point = tile * K + k;
          writer.write(point < num_points ? memory[(pre * num_points + point) * POST + post] : T(0));
        }
      }
    }
  }
}

template <typename T, int B, int PRE, int POST, int K>
void write_points(ArrayStream<T, B>& in, T* memory, int num_points, int tiles) {
  ElementReader<T, B> reader(in);
  for (int tile = 0; tile < tiles; ++tile) {
    for (int pre = 0; pre < PRE; ++pre) {
      for (int k = 0; k < K; ++k) {
        for (int post = 0; post < POST; ++post) {
#pragma HLS PIPELINE II=1
          const int point = tile * K + k;
          const T value = reader.read();
          if (point < num_points) memory[(pre * num_points + point) * POST + post] = value;
        }
      }
    }
  }
}

}  // namespace inrarch_hls
