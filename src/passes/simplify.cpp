#include "passes/simplify.h"

#include <numeric>
#include <optional>

#include "passes/constants.h"
#include "passes/rebuild.h"

namespace inrarch::passes {
namespace {

using ir::Node;
using ir::NodeId;
using ir::Op;
using Rewrite = std::optional<NodeId>;

bool is_movement(Op op) {
  return op == Op::Broadcast || op == Op::Reshape || op == Op::Transpose || op == Op::Slice || op == Op::Gather;
}

std::vector<int64_t> identity_permutation(size_t size) {
  std::vector<int64_t> perm(size);
  std::iota(perm.begin(), perm.end(), 0);
  return perm;
}

// For an unnamed rank-2 constant read as `transposed ? C^T : C` (a [K, N] matrix), the row k_j
// that each column j selects, if every column is a unit vector e_{k_j}.
std::optional<std::vector<int64_t>> unit_columns(const Node& matrix, bool transposed) {
  if (!is_known_constant(matrix) || matrix.shape.size() != 2) return std::nullopt;
  const int64_t stored_cols = matrix.shape[1];
  const int64_t rows = transposed ? stored_cols : matrix.shape[0];
  const int64_t cols = transposed ? matrix.shape[0] : stored_cols;
  const auto at = [&](int64_t k, int64_t j) {
    return (*matrix.data)[static_cast<size_t>(transposed ? j * stored_cols + k : k * stored_cols + j)];
  };
  std::vector<int64_t> selected;
  for (int64_t j = 0; j < cols; ++j) {
    std::optional<int64_t> one;
    for (int64_t k = 0; k < rows; ++k) {
      const double value = at(k, j);
      if (value == 0.0) continue;
      if (value != 1.0 || one) return std::nullopt;
      one = k;
    }
    if (!one) return std::nullopt;
    selected.push_back(*one);
  }
  return selected;
}

class Simplifier {
 public:
  explicit Simplifier(ir::Builder& builder) : builder_(builder) {}

  // Builds `node` (its op and attributes) over simplified operands; returns its simplest equivalent.
  NodeId build(const Node& node, const std::vector<NodeId>& inputs) {
    const NodeId built = builder_.clone(node, inputs);
    return rewrite(built).value_or(built);
  }

 private:
  // A copy, not a reference: building a replacement may reallocate the builder's nodes.
  Node at(NodeId id) const { return builder_.node(id); }
  const ir::Shape& shape(NodeId id) const { return builder_.shape(id); }

  NodeId make(Op op, const std::vector<NodeId>& inputs, std::vector<int64_t> ints = {}, int64_t axis = 0) {
    Node node;
    node.op = op;
    node.attrs.ints = std::move(ints);
    node.attrs.axis = axis;
    return build(node, inputs);
  }
  NodeId scale(NodeId x, double factor) {
    Node node;
    node.op = Op::Scale;
    node.attrs.scalar = factor;
    return build(node, {x});
  }
  NodeId neg(NodeId x) { return make(Op::Neg, {x}); }
  NodeId slice(NodeId x, int64_t axis, int64_t start, int64_t end) {
    return make(Op::Slice, {x}, {start, end}, axis);
  }
  NodeId swap_last_axes(NodeId x) {
    std::vector<int64_t> perm = identity_permutation(shape(x).size());
    std::swap(perm[perm.size() - 2], perm[perm.size() - 1]);
    return make(Op::Transpose, {x}, perm);
  }

  Rewrite rewrite(NodeId id) {
    const Node node = at(id);
    if (auto fill = fill_result(node)) return fill;
    if (ir::is_elementwise_unary(node.op) || ir::is_elementwise_binary(node.op)) {
      if (auto hoisted = hoist_broadcast(node)) return hoisted;
    }
    switch (node.op) {
      case Op::Mul: return mul(node);
      case Op::Add: return add(node);
      case Op::Sub: return sub(node);
      case Op::Div: return div(node);
      case Op::Neg: return negate(node);
      case Op::Scale: return rescale(node);
      case Op::Transpose: return transpose(node);
      case Op::Reshape: return reshape(node);
      case Op::Broadcast: return broadcast(node);
      case Op::Slice: return slice_of(node);
      case Op::Gather: return gather(node);
      case Op::Concat: return concat(node);
      case Op::MatMul: return matmul(node);
      default: return std::nullopt;
    }
  }

  // Nodes whose value is a fill whenever their operands are.
  Rewrite fill_result(const Node& node) {
    const auto& in = node.inputs;
    if (ir::is_elementwise_unary(node.op) || ir::is_elementwise_binary(node.op)) {
      std::vector<Tensor> scalars;
      for (NodeId input : in) {
        const auto value = fill_value(builder_, input);
        if (!value) return std::nullopt;
        scalars.emplace_back(std::vector<int64_t>{1}, std::vector<double>{*value});
      }
      return make_fill(builder_, evaluate_over_constants(node, scalars).data.front(), node.shape);
    }
    if (is_movement(node.op)) {
      const auto value = fill_value(builder_, in[0]);
      return value ? Rewrite(make_fill(builder_, *value, node.shape)) : std::nullopt;
    }
    if (node.op == Op::Concat) {
      const auto value = fill_value(builder_, in[0]);
      for (NodeId part : in) {
        if (!value || !is_fill(builder_, part, *value)) return std::nullopt;
      }
      return make_fill(builder_, *value, node.shape);
    }
    const bool zero_result = (node.op == Op::ReduceSum && is_zero(builder_, in[0])) ||
                             (node.op == Op::MatMul && (is_zero(builder_, in[0]) || is_zero(builder_, in[1])));
    return zero_result ? Rewrite(make_fill(builder_, 0.0, node.shape)) : std::nullopt;
  }

  // op(broadcast x, broadcast y) -> broadcast(op(x, y)): the op then runs on the small tensors.
  Rewrite hoist_broadcast(const Node& node) {
    std::vector<NodeId> sources;
    for (NodeId input : node.inputs) {
      const Node operand = at(input);
      if (operand.op != Op::Broadcast) return std::nullopt;
      if (!sources.empty() && shape(operand.inputs[0]) != shape(sources[0])) return std::nullopt;
      sources.push_back(operand.inputs[0]);
    }
    return make(Op::Broadcast, {build(node, sources)}, node.shape);
  }

  Rewrite mul(const Node& node) {
    for (size_t k = 0; k < 2; ++k) {
      if (const auto factor = fill_value(builder_, node.inputs[k])) return scale(node.inputs[1 - k], *factor);
    }
    return std::nullopt;
  }

  Rewrite add(const Node& node) {
    if (is_zero(builder_, node.inputs[0])) return node.inputs[1];
    if (is_zero(builder_, node.inputs[1])) return node.inputs[0];
    return std::nullopt;
  }

  Rewrite sub(const Node& node) {
    if (is_zero(builder_, node.inputs[1])) return node.inputs[0];
    if (is_zero(builder_, node.inputs[0])) return neg(node.inputs[1]);
    return std::nullopt;
  }

  Rewrite div(const Node& node) {
    return is_fill(builder_, node.inputs[1], 1.0) ? Rewrite(node.inputs[0]) : std::nullopt;
  }

  Rewrite negate(const Node& node) {
    const Node operand = at(node.inputs[0]);
    if (operand.op == Op::Neg) return operand.inputs[0];
    if (operand.op == Op::Scale) return scale(operand.inputs[0], -operand.attrs.scalar);
    return std::nullopt;
  }

  Rewrite rescale(const Node& node) {
    const double factor = node.attrs.scalar;
    if (factor == 1.0) return node.inputs[0];
    if (factor == 0.0) return make_fill(builder_, 0.0, node.shape);
    const Node operand = at(node.inputs[0]);
    if (operand.op == Op::Scale) return scale(operand.inputs[0], factor * operand.attrs.scalar);
    if (operand.op == Op::Neg) return scale(operand.inputs[0], -factor);
    return std::nullopt;
  }

  Rewrite transpose(const Node& node) {
    const auto& perm = node.attrs.ints;
    if (perm == identity_permutation(perm.size())) return node.inputs[0];
    const Node operand = at(node.inputs[0]);
    if (operand.op != Op::Transpose) return std::nullopt;
    std::vector<int64_t> composed;
    for (int64_t axis : perm) composed.push_back(operand.attrs.ints[static_cast<size_t>(axis)]);
    return make(Op::Transpose, {operand.inputs[0]}, composed);
  }

  Rewrite reshape(const Node& node) {
    if (shape(node.inputs[0]) == node.shape) return node.inputs[0];
    const Node operand = at(node.inputs[0]);
    if (operand.op != Op::Reshape) return std::nullopt;
    return make(Op::Reshape, {operand.inputs[0]}, node.shape);
  }

  Rewrite broadcast(const Node& node) {
    if (shape(node.inputs[0]) == node.shape) return node.inputs[0];
    const Node operand = at(node.inputs[0]);
    if (operand.op != Op::Broadcast) return std::nullopt;
    return make(Op::Broadcast, {operand.inputs[0]}, node.shape);
  }

  Rewrite slice_of(const Node& node) {
    const int64_t axis = node.attrs.axis;
    const int64_t start = node.attrs.ints[0];
    const int64_t end = node.attrs.ints[1];
    if (shape(node.inputs[0]) == node.shape) return node.inputs[0];
    const Node operand = at(node.inputs[0]);
    if (operand.op == Op::Slice && operand.attrs.axis == axis) {
      const int64_t offset = operand.attrs.ints[0];
      return slice(operand.inputs[0], axis, offset + start, offset + end);
    }
    if (operand.op == Op::Concat && operand.attrs.axis == axis) {
      int64_t offset = 0;
      for (NodeId part : operand.inputs) {
        const int64_t size = shape(part)[static_cast<size_t>(axis)];
        if (start >= offset && end <= offset + size) return slice(part, axis, start - offset, end - offset);
        offset += size;
      }
    }
    return std::nullopt;
  }

  Rewrite gather(const Node& node) {
    const int64_t size = shape(node.inputs[0])[static_cast<size_t>(node.attrs.axis)];
    const bool identity = node.attrs.ints == identity_permutation(static_cast<size_t>(size));
    return identity ? Rewrite(node.inputs[0]) : std::nullopt;
  }

  // Adjacent slices of one tensor along the concat axis merge into one slice.
  Rewrite concat(const Node& node) {
    const int64_t axis = node.attrs.axis;
    const auto continues = [&](NodeId before, NodeId after) {
      const Node first = at(before);
      const Node second = at(after);
      return first.op == Op::Slice && second.op == Op::Slice && first.inputs == second.inputs &&
             first.attrs.axis == axis && second.attrs.axis == axis && first.attrs.ints[1] == second.attrs.ints[0];
    };
    std::vector<NodeId> parts;
    bool merged = false;
    for (NodeId part : node.inputs) {
      if (!parts.empty() && continues(parts.back(), part)) {
        const Node first = at(parts.back());
        parts.back() = slice(first.inputs[0], axis, first.attrs.ints[0], at(part).attrs.ints[1]);
        merged = true;
      } else {
        parts.push_back(part);
      }
    }
    if (!merged) return std::nullopt;
    return parts.size() == 1 ? parts[0] : make(Op::Concat, parts, {}, axis);
  }

  Rewrite matmul(const Node& node) {
    const NodeId a = node.inputs[0];
    const NodeId b = node.inputs[1];
    const bool trans_a = node.attrs.trans_a;
    const bool trans_b = node.attrs.trans_b;
    const Node left = at(a);
    // Rows broadcast along M (a seed shared by every point): multiply the rows once.
    if (left.op == Op::Broadcast && !trans_a) {
      const NodeId rows = left.inputs[0];
      if (shape(rows).size() >= 2 && shape(rows).back() == shape(a).back()) {
        Node product;
        product.op = Op::MatMul;
        product.attrs.trans_b = trans_b;
        return make(Op::Broadcast, {build(product, {rows, b})}, node.shape);
      }
    }
    // Column j of b (as used) is e_{k_j}: output column j is column k_j of a.
    if (const auto columns = unit_columns(at(b), trans_b)) {
      const NodeId rows_of_a = trans_a ? swap_last_axes(a) : a;
      const auto last_axis = static_cast<int64_t>(shape(a).size()) - 1;
      return make(Op::Gather, {rows_of_a}, *columns, last_axis);
    }
    // Row i of a (as used) is e_{k_i}: output row i is row k_i of b.
    if (const auto rows = unit_columns(left, !trans_a)) {
      const NodeId rows_of_b = trans_b ? swap_last_axes(b) : b;
      return make(Op::Gather, {rows_of_b}, *rows, 0);
    }
    return std::nullopt;
  }

  ir::Builder& builder_;
};

}  // namespace

ir::Graph simplify(const ir::Graph& graph) {
  return rebuild(graph, [](ir::Builder& builder, const Node& node, const std::vector<NodeId>& inputs) {
    return Simplifier(builder).build(node, inputs);
  });
}

}  // namespace inrarch::passes
