#include "exec/engine/kernels.h"

// GCC 12 reports a false -Wmaybe-uninitialized inside its own AVX-512 intrinsics once Eigen's GEMM
// kernels are inlined (GCC bug 105593); everything else here keeps -Werror.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace inrarch::exec::engine {

int64_t Dims::count() const { return count_after(-1); }

int64_t Dims::count_before(int axis) const {
  int64_t count = 1;
  for (int i = 0; i < axis; ++i) count *= size[static_cast<size_t>(i)];
  return count;
}

int64_t Dims::count_after(int axis) const {
  int64_t count = 1;
  for (int i = axis + 1; i < rank; ++i) count *= size[static_cast<size_t>(i)];
  return count;
}

Dims bind_dims(const ir::Shape& shape, int64_t batch) {
  Dims dims;
  dims.rank = static_cast<int>(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) dims.size[i] = shape[i] == ir::kBatch ? batch : shape[i];
  return dims;
}

namespace {

// Range reduction x = k*pi/2 + r with pi/2 split in two (hi + lo, hi exact in T), each product
// subtracted by one fused multiply-add, so r keeps full precision for |k| far beyond the limit.
template <typename T>
struct SinCos;

template <>
struct SinCos<float> {
  static constexpr float kLimit = 65536.0f;
  static constexpr float kRoundMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  static constexpr float kTwoOverPi = 0.636619772367581343f;
  static constexpr float kHalfPiHi = 0x1.921fb6p+0f;
  static constexpr float kHalfPiLo = -0x1.777a5cp-25f;
  using Quadrant = int32_t;
  // Cephes sinf/cosf minimax polynomials on [-pi/4, pi/4].
  static float sin_poly(float r, float z) {
    return r + r * z * ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f);
  }
  static float cos_poly(float z) {
    return 1.0f - 0.5f * z + z * z * ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f);
  }
};

template <>
struct SinCos<double> {
  static constexpr double kLimit = 1e8;
  static constexpr double kRoundMagic = 6755399441055744.0;  // 1.5 * 2^52
  static constexpr double kTwoOverPi = 0.63661977236758134308;
  static constexpr double kHalfPiHi = 0x1.921fb54442d18p+0;
  static constexpr double kHalfPiLo = 0x1.1a62633145c07p-54;
  using Quadrant = int32_t;
  // Cephes sin/cos minimax polynomials on [-pi/4, pi/4].
  static double sin_poly(double r, double z) {
    const double p = ((((1.58962301576546568060e-10 * z - 2.50507477628578072866e-8) * z + 2.75573136213857245213e-6) * z -
                       1.98412698295895385996e-4) * z + 8.33333333332211858878e-3) * z - 1.66666666666666307295e-1;
    return r + r * z * p;
  }
  static double cos_poly(double z) {
    const double p = ((((-1.13585365213876817300e-11 * z + 2.08757008419747316778e-9) * z - 2.75573141792967388112e-7) * z +
                       2.48015872888517045348e-5) * z - 1.38888888888730564116e-3) * z + 4.16666666666665929218e-2;
    return 1.0 - 0.5 * z + z * z * p;
  }
};

// quadrant_shift 0: sin, 1: cos (cos x = sin(x + pi/2)).
template <typename T>
void sin_cos(const T* x, T* out, int64_t n, int quadrant_shift) {
  using C = SinCos<T>;
  int64_t outside = 0;
  for (int64_t i = 0; i < n; ++i) outside += !(std::abs(x[i]) <= C::kLimit);
  if (outside > 0) {
    for (int64_t i = 0; i < n; ++i) out[i] = quadrant_shift ? std::cos(x[i]) : std::sin(x[i]);
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const T v = x[i];
    const T k = (v * C::kTwoOverPi + C::kRoundMagic) - C::kRoundMagic;
    const T r = std::fma(-k, C::kHalfPiLo, std::fma(-k, C::kHalfPiHi, v));
    const T z = r * r;
    const T s = C::sin_poly(r, z);
    const T c = C::cos_poly(z);
    const auto quadrant = static_cast<typename C::Quadrant>(k) + quadrant_shift;
    const T value = (quadrant & 1) ? c : s;
    out[i] = (quadrant & 2) ? -value : value;
  }
}

}  // namespace

template <typename T>
void sin_array(const T* x, T* out, int64_t n) {
  sin_cos(x, out, n, 0);
}

template <typename T>
void cos_array(const T* x, T* out, int64_t n) {
  sin_cos(x, out, n, 1);
}

template <typename T>
void unary_array(ir::Op op, const T* x, T scalar, T* out, int64_t n) {
  switch (op) {
    case ir::Op::Neg:
      for (int64_t i = 0; i < n; ++i) out[i] = -x[i];
      return;
    case ir::Op::Scale:
      for (int64_t i = 0; i < n; ++i) out[i] = scalar * x[i];
      return;
    case ir::Op::Sin:
      return sin_array(x, out, n);
    case ir::Op::Cos:
      return cos_array(x, out, n);
    case ir::Op::Tanh:
      for (int64_t i = 0; i < n; ++i) out[i] = std::tanh(x[i]);
      return;
    case ir::Op::Relu:
      for (int64_t i = 0; i < n; ++i) out[i] = x[i] > 0 ? x[i] : T(0);
      return;
    case ir::Op::Step:
      for (int64_t i = 0; i < n; ++i) out[i] = x[i] > 0 ? T(1) : T(0);
      return;
    case ir::Op::Sigmoid:
      for (int64_t i = 0; i < n; ++i) out[i] = T(1) / (T(1) + std::exp(-x[i]));
      return;
    case ir::Op::Exp:
      for (int64_t i = 0; i < n; ++i) out[i] = std::exp(x[i]);
      return;
    case ir::Op::Broadcast:  // a materialised broadcast is a copy of its already expanded leaf
      if (out != x) std::memmove(out, x, static_cast<size_t>(n) * sizeof(T));
      return;
    default:
      throw ir::Error(std::string("engine: ") + ir::op_name(op) + " is not an elementwise unary op");
  }
}

template <typename T>
void binary_array(ir::Op op, const T* a, const T* b, T* out, int64_t n) {
  switch (op) {
    case ir::Op::Add:
      for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
      return;
    case ir::Op::Sub:
      for (int64_t i = 0; i < n; ++i) out[i] = a[i] - b[i];
      return;
    case ir::Op::Mul:
      for (int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
      return;
    case ir::Op::Div:
      for (int64_t i = 0; i < n; ++i) out[i] = a[i] / b[i];
      return;
    default:
      throw ir::Error(std::string("engine: ") + ir::op_name(op) + " is not an elementwise binary op");
  }
}

template <typename T>
void matmul(const T* a, const Dims& a_dims, bool trans_a, const T* b, const Dims& b_dims, bool trans_b, const T* bias,
            T scale, T* out) {
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using ConstMap = Eigen::Map<const Matrix>;
  const int rank = a_dims.rank;
  const int64_t a_rows = a_dims[rank - 2];
  const int64_t a_cols = a_dims[rank - 1];
  const int64_t stack = a_dims.count_before(rank - 2);
  const int64_t n = trans_b ? b_dims[0] : b_dims[1];
  const ConstMap b_map(b, b_dims[0], b_dims[1]);
  // With a bias the product accumulates onto the prefilled rows; Eigen's `=` would zero them first.
  const auto multiply = [&](const auto& lhs, T* target) {
    Eigen::Map<Matrix> result(target, lhs.rows(), n);
    if (bias) {
      const Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>> row(bias, n);
      result.rowwise() = scale * row;
      if (trans_b) {
        result.noalias() += scale * (lhs * b_map.transpose());
      } else {
        result.noalias() += scale * (lhs * b_map);
      }
    } else if (trans_b) {
      result.noalias() = scale * (lhs * b_map.transpose());
    } else {
      result.noalias() = scale * (lhs * b_map);
    }
  };
  if (!trans_a) {
    // Stacked rows [s, M, K] are one [s*M, K] matrix: a single large product instead of s small ones.
    multiply(ConstMap(a, stack * a_rows, a_cols), out);
    return;
  }
  for (int64_t s = 0; s < stack; ++s) {
    multiply(ConstMap(a + s * a_rows * a_cols, a_rows, a_cols).transpose(), out + s * a_cols * n);
  }
}

template <typename T>
void slice_axis(const T* in, const Dims& in_dims, int axis, int64_t start, int64_t count, T* out) {
  const int64_t outer = in_dims.count_before(axis);
  const int64_t inner = in_dims.count_after(axis);
  const int64_t extent = in_dims[axis];
  const auto bytes = static_cast<size_t>(count * inner) * sizeof(T);
  for (int64_t o = 0; o < outer; ++o) std::memcpy(out + o * count * inner, in + (o * extent + start) * inner, bytes);
}

template <typename T>
void gather_axis(const T* in, const Dims& in_dims, int axis, std::span<const int64_t> indices, T* out) {
  const int64_t outer = in_dims.count_before(axis);
  const int64_t inner = in_dims.count_after(axis);
  const int64_t extent = in_dims[axis];
  const auto bytes = static_cast<size_t>(inner) * sizeof(T);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t index : indices) {
      std::memcpy(out, in + (o * extent + index) * inner, bytes);
      out += inner;
    }
  }
}

template <typename T>
void concat_axis(std::span<const T* const> parts, std::span<const Dims> part_dims, int axis, T* out) {
  const int64_t outer = part_dims[0].count_before(axis);
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t k = 0; k < parts.size(); ++k) {
      const int64_t block = part_dims[k][axis] * part_dims[k].count_after(axis);
      std::memcpy(out, parts[k] + o * block, static_cast<size_t>(block) * sizeof(T));
      out += block;
    }
  }
}

namespace {

std::array<int64_t, kMaxRank> strides_of(const Dims& dims) {
  std::array<int64_t, kMaxRank> strides{};
  int64_t stride = 1;
  for (int axis = dims.rank; axis-- > 0;) {
    strides[static_cast<size_t>(axis)] = stride;
    stride *= dims[axis];
  }
  return strides;
}

// Calls visit(row, offset) for every row (all axes but the last) of `dims`, with offset the sum of
// index * stride over those axes; the innermost loop is left to the caller.
template <typename Visit>
void for_each_row(const Dims& dims, const std::array<int64_t, kMaxRank>& strides, Visit visit) {
  const int outer_rank = dims.rank - 1;
  const int64_t rows = dims.count_before(outer_rank);
  std::array<int64_t, kMaxRank> index{};
  int64_t offset = 0;
  for (int64_t row = 0; row < rows; ++row) {
    visit(row, offset);
    for (int axis = outer_rank; axis-- > 0;) {
      const auto a = static_cast<size_t>(axis);
      offset += strides[a];
      if (++index[a] < dims[axis]) break;
      offset -= strides[a] * index[a];
      index[a] = 0;
    }
  }
}

}  // namespace

template <typename T>
void transpose(const T* in, const Dims& in_dims, std::span<const int64_t> perm, T* out) {
  if (in_dims.rank == 0) {
    out[0] = in[0];
    return;
  }
  Dims out_dims;
  out_dims.rank = in_dims.rank;
  std::array<int64_t, kMaxRank> source_strides{};
  const auto in_strides = strides_of(in_dims);
  for (int axis = 0; axis < in_dims.rank; ++axis) {
    const auto from = static_cast<size_t>(perm[static_cast<size_t>(axis)]);
    out_dims.size[static_cast<size_t>(axis)] = in_dims.size[from];
    source_strides[static_cast<size_t>(axis)] = in_strides[from];
  }
  const int64_t width = out_dims[out_dims.rank - 1];
  const int64_t step = source_strides[static_cast<size_t>(out_dims.rank - 1)];
  for_each_row(out_dims, source_strides, [&](int64_t row, int64_t offset) {
    T* target = out + row * width;
    const T* source = in + offset;
    for (int64_t j = 0; j < width; ++j) target[j] = source[j * step];
  });
}

template <typename T>
void reduce_sum(const T* in, const Dims& in_dims, const std::array<bool, kMaxRank>& reduced, T* out) {
  Dims out_dims = in_dims;
  for (int axis = 0; axis < in_dims.rank; ++axis) {
    if (reduced[static_cast<size_t>(axis)]) out_dims.size[static_cast<size_t>(axis)] = 1;
  }
  std::fill(out, out + out_dims.count(), T(0));
  if (in_dims.rank == 0) {
    out[0] = in[0];
    return;
  }
  // Each input row adds into one output row (last axis kept) or one output element (last axis summed).
  std::array<int64_t, kMaxRank> target_strides = strides_of(out_dims);
  for (int axis = 0; axis < in_dims.rank; ++axis) {
    if (reduced[static_cast<size_t>(axis)]) target_strides[static_cast<size_t>(axis)] = 0;
  }
  const int last = in_dims.rank - 1;
  const int64_t width = in_dims[last];
  const bool sum_last = reduced[static_cast<size_t>(last)];
  for_each_row(in_dims, target_strides, [&](int64_t row, int64_t offset) {
    const T* source = in + row * width;
    T* target = out + offset;
    if (sum_last) {
      T sum = 0;
      for (int64_t j = 0; j < width; ++j) sum += source[j];
      target[0] += sum;
    } else {
      for (int64_t j = 0; j < width; ++j) target[j] += source[j];
    }
  });
}

namespace {

// The shared walk of load_points/store_points: blocks of `count * inner` contiguous tile elements.
template <typename Move>
void for_each_point_block(const Dims& full_dims, int batch_axis, int64_t start, int64_t count, Move move) {
  if (batch_axis < 0) {
    move(int64_t{0}, int64_t{0}, full_dims.count());
    return;
  }
  const int64_t outer = full_dims.count_before(batch_axis);
  const int64_t inner = full_dims.count_after(batch_axis);
  const int64_t points = full_dims[batch_axis];
  for (int64_t o = 0; o < outer; ++o) move((o * points + start) * inner, o * count * inner, count * inner);
}

}  // namespace

template <typename T>
void load_points(const double* full, const Dims& full_dims, int batch_axis, int64_t start, int64_t count, T* tile) {
  for_each_point_block(full_dims, batch_axis, start, count, [&](int64_t from, int64_t to, int64_t length) {
    for (int64_t i = 0; i < length; ++i) tile[to + i] = static_cast<T>(full[from + i]);
  });
}

template <typename T>
void store_points(const T* tile, const Dims& full_dims, int batch_axis, int64_t start, int64_t count, double* full) {
  for_each_point_block(full_dims, batch_axis, start, count, [&](int64_t to, int64_t from, int64_t length) {
    for (int64_t i = 0; i < length; ++i) full[to + i] = static_cast<double>(tile[from + i]);
  });
}

#define INRARCH_ENGINE_KERNELS(T)                                                                              \
  template void sin_array<T>(const T*, T*, int64_t);                                                           \
  template void cos_array<T>(const T*, T*, int64_t);                                                           \
  template void unary_array<T>(ir::Op, const T*, T, T*, int64_t);                                              \
  template void binary_array<T>(ir::Op, const T*, const T*, T*, int64_t);                                      \
  template void matmul<T>(const T*, const Dims&, bool, const T*, const Dims&, bool, const T*, T, T*);         \
  template void slice_axis<T>(const T*, const Dims&, int, int64_t, int64_t, T*);                               \
  template void gather_axis<T>(const T*, const Dims&, int, std::span<const int64_t>, T*);                      \
  template void concat_axis<T>(std::span<const T* const>, std::span<const Dims>, int, T*);                     \
  template void transpose<T>(const T*, const Dims&, std::span<const int64_t>, T*);                             \
  template void reduce_sum<T>(const T*, const Dims&, const std::array<bool, kMaxRank>&, T*);                   \
  template void load_points<T>(const double*, const Dims&, int, int64_t, int64_t, T*);                         \
  template void store_points<T>(const T*, const Dims&, int, int64_t, int64_t, double*);
INRARCH_ENGINE_KERNELS(float)
INRARCH_ENGINE_KERNELS(double)
#undef INRARCH_ENGINE_KERNELS

}  // namespace inrarch::exec::engine
