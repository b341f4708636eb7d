// The engine's arithmetic and data-movement loops, on raw row-major arrays of float or double.
// Everything that touches elements lives here so that it can be written once for the vectorizer:
// flat loops without calls or branches that GCC turns into SIMD code at -O3 -march=native. The
// sine and cosine are our own for that reason: libm's are scalar calls that no loop vectorizes.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "ir/graph.h"

namespace inrarch::exec::engine {

inline constexpr int kMaxRank = 8;

// A concrete shape without heap allocation: the engine binds node shapes once per step and tile.
struct Dims {
  int rank = 0;
  std::array<int64_t, kMaxRank> size{};
  int64_t operator[](int axis) const { return size[static_cast<size_t>(axis)]; }
  int64_t count() const;
  int64_t count_before(int axis) const;  // product of sizes of axes [0, axis)
  int64_t count_after(int axis) const;   // product of sizes of axes (axis, rank)
};

// The shape with the batch symbol bound to `batch`; the caller guarantees rank <= kMaxRank.
Dims bind_dims(const ir::Shape& shape, int64_t batch);

// sin/cos by range reduction to [-pi/4, pi/4] and minimax polynomials: about 1 ulp within
// |x| <= 65536 (float) or 1e8 (double); elements beyond (or not finite) fall back to libm.
// `out` may equal `x`.
template <typename T>
void sin_array(const T* x, T* out, int64_t n);
template <typename T>
void cos_array(const T* x, T* out, int64_t n);

// out[i] = op(x[i]) for every elementwise unary op of the IR; `scalar` is Scale's factor.
template <typename T>
void unary_array(ir::Op op, const T* x, T scalar, T* out, int64_t n);
// out[i] = a[i] op b[i] for Add, Sub, Mul, Div. `out` may equal `a` or `b`.
template <typename T>
void binary_array(ir::Op op, const T* a, const T* b, T* out, int64_t n);

// scale * (a[..., M, K] x b[K, N] + bias row) with the IR's transpose flags, through Eigen; bias may be
// null. `out` must not overlap the operands.
template <typename T>
void matmul(const T* a, const Dims& a_dims, bool trans_a, const T* b, const Dims& b_dims, bool trans_b, const T* bias,
            T scale, T* out);

// Rows [start, start + count) of axis `axis`.
template <typename T>
void slice_axis(const T* in, const Dims& in_dims, int axis, int64_t start, int64_t count, T* out);
// Rows `indices` of axis `axis`.
template <typename T>
void gather_axis(const T* in, const Dims& in_dims, int axis, std::span<const int64_t> indices, T* out);
// Appends parts[k] (shape part_dims[k]) along `axis`.
template <typename T>
void concat_axis(std::span<const T* const> parts, std::span<const Dims> part_dims, int axis, T* out);
template <typename T>
void transpose(const T* in, const Dims& in_dims, std::span<const int64_t> perm, T* out);
// Sums over the axes flagged in `reduced`; `out` has in_dims with those axes set to 1.
template <typename T>
void reduce_sum(const T* in, const Dims& in_dims, const std::array<bool, kMaxRank>& reduced, T* out);

// Moves the points [start, start + count) of a double tensor of shape full_dims, whose batch axis is
// batch_axis, into a tile of T (or back). batch_axis < 0: the tensor has no batch axis, all of it moves.
template <typename T>
void load_points(const double* full, const Dims& full_dims, int batch_axis, int64_t start, int64_t count, T* tile);
template <typename T>
void store_points(const T* tile, const Dims& full_dims, int batch_axis, int64_t start, int64_t count, double* full);

}  // namespace inrarch::exec::engine
