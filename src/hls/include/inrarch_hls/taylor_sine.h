// Taylor-mode sine as one kernel: all normalized Taylor coefficients (d^a f / a!) of sin(u) and
// cos(u) from ONE sin and ONE cos evaluation per element, by the coupled rule that follows from
// s' = c u' and c' = -s u' along a coordinate i with a_i > 0:
//   s_a =  sum_{0 < b <= a} (b_i / a_i) u_b c_{a-b}
//   c_a = -sum_{0 < b <= a} (b_i / a_i) u_b s_{a-b}
// Only lower-degree coefficients appear on the right, so the M coefficients (graded order) are
// computed in order. The rule's structure (which b, which a-b, which weight b_i/a_i) is a table
// that hls::taylor_sine_table() builds for d coordinates and order n; terms first[a] ..
// first[a+1]-1 belong to coefficient a.
//
// A tile is M coefficient planes of PLANE elements each ([M][K][width] for stacked Taylor
// rows); the kernel buffers the tile, then emits the sine planes on `sine` and the cosine planes
// on `cosine`, each [M][PLANE]. Matching this rule in derivative graphs (where the Taylor
// transform spells it out as muls and adds) is future work; the kernel is tested on its own.
#pragma once

#include "inrarch_hls/array_stream.h"
#include "inrarch_hls/math.h"

namespace inrarch_hls {

template <typename T, int B_IN, int B_OUT, int M, int PLANE, int TERMS>
void taylor_sine(ArrayStream<T, B_IN>& in, ArrayStream<T, B_OUT>& sine, ArrayStream<T, B_OUT>& cosine,
                 const int (&first)[M + 1], const int (&beta)[TERMS], const int (&rest)[TERMS],
                 const T (&weight)[TERMS], int tiles) {
  T u[M][PLANE];
  T s[M][PLANE];
  T c[M][PLANE];
  ElementReader<T, B_IN> reader(in);
  ElementWriter<T, B_OUT> sine_writer(sine);
  ElementWriter<T, B_OUT> cosine_writer(cosine);
  for (int tile = 0; tile < tiles; ++tile) {
    for (int i = 0; i < M * PLANE; ++i) {
#pragma HLS PIPELINE II=1
      u[i / PLANE][i % PLANE] = reader.read();
    }
    for (int e = 0; e < PLANE; ++e) {
#pragma HLS PIPELINE II=1
      s[0][e] = math::sin(u[0][e]);
      c[0][e] = math::cos(u[0][e]);
    }
    for (int a = 1; a < M; ++a) {
      for (int t = first[a]; t < first[a + 1]; ++t) {
        for (int e = 0; e < PLANE; ++e) {
#pragma HLS PIPELINE II=1
          const T scaled = T(weight[t] * u[beta[t]][e]);
          const T s_before = t == first[a] ? T(0) : s[a][e];
          const T c_before = t == first[a] ? T(0) : c[a][e];
          s[a][e] = T(s_before + scaled * c[rest[t]][e]);
          c[a][e] = T(c_before - scaled * s[rest[t]][e]);
        }
      }
    }
    for (int i = 0; i < M * PLANE; ++i) {
#pragma HLS PIPELINE II=1
      sine_writer.write(s[i / PLANE][i % PLANE]);
      cosine_writer.write(c[i / PLANE][i % PLANE]);
    }
  }
}

}  // namespace inrarch_hls
