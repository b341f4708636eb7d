// Matrix product with stationary weights, streaming row groups: the input tile, viewed as ROWS
// rows of KD elements (all stacked rows of the tile: for a Taylor-stacked [m, K, k] operand, m*K
// rows), times the on-chip weights [KD][N]. Rows are independent, so the kernel never waits for a
// whole tile: it consumes the input in stream order, one GROUP of rows at a time (G = 1 row; with
// TRANS_A, whose tile is [ROWS/M][KD][M], the M rows whose elements interleave in the stream), and
// it runs ONE flattened pipelined loop over all groups of all tiles. Each group takes PERIOD
// iterations; in iteration j of a period:
//  - compute (j < COMPUTE = G*KD*N/P): for element (k, g) of the group, read once from the stream
//    and held for N/P iterations, P lanes add x*w[k][c*P..c*P+P) into the group's accumulators,
//    column group c fastest;
//  - write (j < WRITES = G*N): element j (row-major) of the PREVIOUS group leaves from the other
//    half of the ping-pong accumulator.
// PERIOD = max(COMPUTE, WRITES), so reading, computing and writing overlap completely: the old
// buffer-compute-write kernel spent a tile's read and write (up to ~50% of its compute) with the
// multipliers idle and paid the MAC pipeline fill on every (column group, k) row loop. An
// epilogue loop writes the last group. A sibling branch of a fork/join now needs to hold about
// two groups (the group being written and the next one being read), not a whole tile.
//
// Pragmas (UG1399): PIPELINE II=1 on the flattened loop (the P lanes inside are unrolled). The
// ping-pong halves are two arrays, each cyclic by P along the columns so the P lanes update P banks
// in the same cycle (the caller partitions the weights the same way); the loop names one half per
// branch of `buffer`, so the compute and write accesses of the two branches are exclusive and
// each bank sees one read-modify-write per cycle (a variable first index would put every access on
// both halves' ports). DEPENDENCE: the same accumulator is updated again only G*N/P iterations
// later (and read for writing at least that late), which HLS cannot derive through the flattened
// counters; when that distance is shorter than the read-add recurrence the achieved II grows (the
// timing model charges it, timing.h matmul_loop).
#pragma once

#include "inrarch_hls/array_stream.h"

namespace inrarch_hls {

// The P lanes of one MAC iteration: sum[base + p] = (k == 0 ? 0 : sum[base + p]) + x * w[k][column + p].
template <typename T, int KD, int N, int P, int S>
void mac_lanes(T (&sum)[S], int base, const T (&weights)[KD][N], int k, int column, const T& x) {
#pragma HLS INLINE
  for (int p = 0; p < P; ++p) {
#pragma HLS UNROLL
    const T w = weights[k][column + p];
    sum[base + p] = k == 0 ? T(x * w) : T(sum[base + p] + x * w);
  }
}

template <typename T, int B_IN, int B_OUT, int ROWS, int KD, int N, int P, bool TRANS_A, int M>
void matmul(ArrayStream<T, B_IN>& in, ArrayStream<T, B_OUT>& out, const T (&weights)[KD][N], int tiles) {
  const int G = TRANS_A ? M : 1;  // rows per group
  const int COLUMN_GROUPS = N / P;
  const int COMPUTE = G * KD * COLUMN_GROUPS;
  const int WRITES = G * N;
  const int PERIOD = COMPUTE > WRITES ? COMPUTE : WRITES;
  const int DISTANCE = G * COLUMN_GROUPS;  // iterations between two updates of one accumulator
  static_assert(N % P == 0 && ROWS % G == 0 && DISTANCE >= 1, "P divides the columns, G the rows");
  T acc0[G * N], acc1[G * N];  // ping-pong: the group being computed and the previous one
#pragma HLS ARRAY_PARTITION variable=acc0 type=cyclic factor=P
#pragma HLS ARRAY_PARTITION variable=acc1 type=cyclic factor=P
  ElementReader<T, B_IN> reader(in);
  ElementWriter<T, B_OUT> writer(out);
  const long iterations = static_cast<long>(tiles) * (ROWS / G) * PERIOD;
  int buffer = 0;           // 0: compute into acc0 and write acc1; 1: the other way round
  int j = 0;                // iteration within the period
  int c = 0, g = 0, k = 0;  // compute position: column group c fastest, then row g, then k
  T x = T(0);
  for (long i = 0; i < iterations; ++i) {
#pragma HLS PIPELINE II=1
#pragma HLS DEPENDENCE variable=acc0 type=inter direction=RAW distance=DISTANCE dependent=true
#pragma HLS DEPENDENCE variable=acc1 type=inter direction=RAW distance=DISTANCE dependent=true
    const bool computing = j < COMPUTE;
    const bool writing = i >= PERIOD && j < WRITES;
    if (computing && c == 0) x = reader.read();
    if (buffer == 0) {
      if (computing) mac_lanes<T, KD, N, P>(acc0, g * N + c * P, weights, k, c * P, x);
      if (writing) writer.write(acc1[j]);
    } else {
      if (computing) mac_lanes<T, KD, N, P>(acc1, g * N + c * P, weights, k, c * P, x);
      if (writing) writer.write(acc0[j]);
    }
    if (computing && ++c == COLUMN_GROUPS) {
      c = 0;
      if (++g == G) {
        g = 0;
        ++k;
      }
    }
    if (++j == PERIOD) {
      j = 0;
      k = 0;
      buffer = 1 - buffer;
    }
  }
  for (int e = 0; e < (iterations > 0 ? WRITES : 0); ++e) {
#pragma HLS PIPELINE II=1
    writer.write(buffer == 0 ? acc1[e] : acc0[e]);
  }
}

}  // namespace inrarch_hls
