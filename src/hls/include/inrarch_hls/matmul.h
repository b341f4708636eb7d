// Matrix product with stationary weights: a tile of the input, viewed as ROWS rows of KD
// elements (all stacked rows of the tile: for a Taylor-stacked [m, K, k] operand, m*K rows),
// times the on-chip weights [KD][N]. The kernel first buffers the WHOLE input tile, then for each
// group of P output columns and each k reads one weight row slice w[k][n..n+P) once and applies it
// to every row of the tile (one weight read serves all stacked coefficient rows), then streams
// the result out row-major. Buffering the tile before producing anything is what makes this
// kernel the slow branch of a fork/join: the sibling branch must be able to hold a whole tile in
// its FIFOs or the fork stalls and the design deadlocks (INR-Arch's "Mm vs Cos" deadlock).
//
// Pragmas (UG1399): PIPELINE II=1 on the row loop (the P column lanes inside are unrolled);
// acc is partitioned cyclically by P along the columns so that P lanes update in the same cycle;
// the caller partitions the weights the same way. TRANS_A: the input tile is [ROWS/M][KD][M].
#pragma once

#include "inrarch_hls/array_stream.h"

namespace inrarch_hls {

template <typename T, int B_IN, int B_OUT, int ROWS, int KD, int N, int P, bool TRANS_A, int M>
void matmul(ArrayStream<T, B_IN>& in, ArrayStream<T, B_OUT>& out, const T (&weights)[KD][N], int tiles) {
  T a[ROWS * KD];
  T acc[ROWS][N];
#pragma HLS ARRAY_PARTITION variable=acc type=cyclic factor=P dim=2
  ElementReader<T, B_IN> reader(in);
  ElementWriter<T, B_OUT> writer(out);
  for (int tile = 0; tile < tiles; ++tile) {
    for (int i = 0; i < ROWS * KD; ++i) {
#pragma HLS PIPELINE II=1
      a[i] = reader.read();
    }
    for (int n0 = 0; n0 < N; n0 += P) {
      for (int k = 0; k < KD; ++k) {
        T w[P];
#pragma HLS ARRAY_PARTITION variable=w type=complete
        for (int p = 0; p < P; ++p) w[p] = weights[k][n0 + p];
        for (int r = 0; r < ROWS; ++r) {
#pragma HLS PIPELINE II=1
          const T x = TRANS_A ? a[(r / M) * KD * M + k * M + r % M] : a[r * KD + k];
          for (int p = 0; p < P; ++p) {
#pragma HLS UNROLL
            acc[r][n0 + p] = k == 0 ? T(x * w[p]) : T(acc[r][n0 + p] + x * w[p]);
          }
        }
      }
    }
    for (int i = 0; i < ROWS * N; ++i) {
#pragma HLS PIPELINE II=1
      writer.write(acc[i / N][i % N]);
    }
  }
}

}  // namespace inrarch_hls
