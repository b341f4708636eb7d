#include "autodiff/reverse.h"

#include <numeric>
#include <string>

#include "util/error.h"

namespace inrarch::autodiff {
namespace {

using ir::Node;
using ir::NodeId;
using ir::Op;
using ir::Shape;

std::vector<int64_t> swap_last_two_axes(size_t rank) {
  std::vector<int64_t> perm(rank);
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[rank - 1], perm[rank - 2]);
  return perm;
}

std::vector<int64_t> inverse_permutation(const std::vector<int64_t>& perm) {
  std::vector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  return inverse;
}

// One backward sweep from `output` down to the leaves. Each op's rule is one method below, named
// after the op; a rule asks needs(k) before building the adjoint of operand k, so adjoints that no
// node of `wrt` needs (for example of the weights in an input derivative) are never built.
class Reverse {
 public:
  Reverse(ir::Builder& builder, NodeId output, const std::vector<NodeId>& wrt)
      : b_(builder),
        output_(output),
        wrt_(wrt),
        active_(static_cast<size_t>(output) + 1, false),
        adjoint_(static_cast<size_t>(output) + 1, -1) {
    // Active = depends on some node of wrt and is used by output (directly or not).
    std::vector<bool> depends(active_.size(), false);
    for (NodeId w : wrt) {
      if (w <= output) depends[static_cast<size_t>(w)] = true;
    }
    for (NodeId id = 0; id <= output; ++id) {
      for (NodeId input : b_.node(id).inputs) {
        if (depends[static_cast<size_t>(input)]) depends[static_cast<size_t>(id)] = true;
      }
    }
    std::vector<bool> used(active_.size(), false);
    used[static_cast<size_t>(output)] = true;
    for (NodeId id = output; id >= 0; --id) {
      const auto i = static_cast<size_t>(id);
      if (!used[i]) continue;
      active_[i] = depends[i];
      for (NodeId input : b_.node(id).inputs) used[static_cast<size_t>(input)] = true;
    }
  }

  std::vector<NodeId> run(NodeId seed) {
    if (active_[static_cast<size_t>(output_)]) adjoint_[static_cast<size_t>(output_)] = seed;
    for (NodeId id = output_; id >= 0; --id) {
      const NodeId g = adjoint_[static_cast<size_t>(id)];
      // Builder nodes move when the node vector grows: work on a copy.
      if (g >= 0) pull(Node(b_.node(id)), id, g);
    }
    std::vector<NodeId> result;
    for (NodeId w : wrt_) {
      const bool reached = w <= output_ && adjoint_[static_cast<size_t>(w)] >= 0;
      result.push_back(reached ? adjoint_[static_cast<size_t>(w)] : b_.scalar_constant(0.0, b_.shape(w)));
    }
    return result;
  }

 private:
  bool needs(const Node& node, size_t k) const { return active_[static_cast<size_t>(node.inputs[k])]; }

  // Adds `contribution` to the adjoint of operand k (torch accumulates the same way).
  void give(const Node& node, size_t k, NodeId contribution) {
    NodeId& adjoint = adjoint_[static_cast<size_t>(node.inputs[k])];
    adjoint = adjoint < 0 ? contribution : b_.add(adjoint, contribution);
  }

  // For an elementwise unary op: adjoint of the operand = g * local derivative.
  void give_scaled(const Node& node, NodeId g, NodeId local_derivative) {
    if (needs(node, 0)) give(node, 0, b_.mul(g, local_derivative));
  }

  NodeId ones_like(NodeId id) { return b_.scalar_constant(1.0, b_.shape(id)); }

  void pull(const Node& node, NodeId self, NodeId g) {
    switch (node.op) {
      case Op::Input:
      case Op::Constant: return;
      case Op::MatMul: return matmul(node, g);
      case Op::Add:
        if (needs(node, 0)) give(node, 0, g);
        if (needs(node, 1)) give(node, 1, g);
        return;
      case Op::Sub:
        if (needs(node, 0)) give(node, 0, g);
        if (needs(node, 1)) give(node, 1, b_.neg(g));
        return;
      case Op::Mul:
        if (needs(node, 0)) give(node, 0, b_.mul(g, node.inputs[1]));
        if (needs(node, 1)) give(node, 1, b_.mul(g, node.inputs[0]));
        return;
      case Op::Div:  // d(a/b)/db = -(a/b)/b
        if (needs(node, 0)) give(node, 0, b_.div(g, node.inputs[1]));
        if (needs(node, 1)) give(node, 1, b_.neg(b_.mul(g, b_.div(self, node.inputs[1]))));
        return;
      case Op::Neg:
        if (needs(node, 0)) give(node, 0, b_.neg(g));
        return;
      case Op::Scale:
        if (needs(node, 0)) give(node, 0, b_.scale(g, node.attrs.scalar));
        return;
      case Op::Sin: return give_scaled(node, g, b_.unary(Op::Cos, node.inputs[0]));
      case Op::Cos: return give_scaled(node, g, b_.neg(b_.unary(Op::Sin, node.inputs[0])));
      case Op::Tanh: return give_scaled(node, g, b_.sub(ones_like(self), b_.mul(self, self)));
      case Op::Sigmoid: return give_scaled(node, g, b_.mul(self, b_.sub(ones_like(self), self)));
      case Op::Exp: return give_scaled(node, g, self);
      case Op::Relu: return give_scaled(node, g, b_.unary(Op::Step, node.inputs[0]));
      case Op::Step: return;  // piecewise constant: zero derivative everywhere it exists
      case Op::Broadcast: return broadcast(node, g);
      case Op::ReduceSum: return reduce_sum(node, g);
      case Op::Slice: return slice(node, g);
      case Op::Gather: return gather(node, g);
      case Op::Concat: return concat(node, g);
      case Op::Transpose:
        if (needs(node, 0)) give(node, 0, b_.transpose(g, inverse_permutation(node.attrs.ints)));
        return;
      case Op::Reshape:
        if (needs(node, 0)) give(node, 0, b_.reshape(g, b_.shape(node.inputs[0])));
        return;
    }
    throw UserError(std::string("reverse mode: no VJP rule for op ") + ir::op_name(node.op));
  }

  // out = op_a(A) op_b(B). d op_a(A) = G op_b(B)^T and d op_b(B) = op_a(A)^T G, summed over the
  // stacked rows when A has rank 3; both are written so that no transposed copy is needed for rank 2.
  void matmul(const Node& node, NodeId g) {
    const NodeId a = node.inputs[0], b = node.inputs[1];
    const bool trans_a = node.attrs.trans_a, trans_b = node.attrs.trans_b;
    const size_t rank = b_.shape(a).size();
    if (needs(node, 0)) {
      if (rank == 2 && trans_a) {
        give(node, 0, b_.matmul(b, g, trans_b, true));
      } else {
        const NodeId d = b_.matmul(g, b, false, !trans_b);
        give(node, 0, trans_a ? b_.transpose(d, swap_last_two_axes(rank)) : d);
      }
    }
    if (!needs(node, 1)) return;
    if (rank == 2) {
      give(node, 1, trans_b ? b_.matmul(g, a, true, trans_a) : b_.matmul(a, g, !trans_a, false));
      return;
    }
    if (rank != 3) {
      throw UserError("reverse mode: matmul with a rank-" + std::to_string(rank) +
                      " left operand has no VJP rule for its right operand (rank 2 or 3 only)");
    }
    // A matmul only contracts rank-2 right operands, and the stacked rows [S, N] cannot be folded
    // into one batch axis, so sum one rank-2 product per slice of the static one of the two axes.
    const NodeId rows = trans_a ? b_.transpose(a, swap_last_two_axes(3)) : a;
    const Shape shape = b_.shape(rows);
    const int64_t axis = shape[0] == ir::kBatch ? 1 : 0;
    NodeId sum = -1;
    for (int64_t s = 0; s < shape[static_cast<size_t>(axis)]; ++s) {
      const auto slab = [&](NodeId stacked) {
        Shape flat = b_.shape(stacked);
        flat.erase(flat.begin() + axis);
        return b_.reshape(b_.slice(stacked, axis, s, s + 1), flat);
      };
      const NodeId a_s = slab(rows), g_s = slab(g);
      const NodeId term = trans_b ? b_.matmul(g_s, a_s, true, false) : b_.matmul(a_s, g_s, true, false);
      sum = sum < 0 ? term : b_.add(sum, term);
    }
    give(node, 1, sum);
  }

  // The adjoint of a broadcast sums over every axis the broadcast created or stretched.
  void broadcast(const Node& node, NodeId g) {
    if (!needs(node, 0)) return;
    const Shape from = b_.shape(node.inputs[0]);
    const Shape& to = node.shape;
    const size_t offset = to.size() - from.size();
    std::vector<int64_t> axes;
    for (size_t axis = 0; axis < to.size(); ++axis) {
      if (axis < offset || (from[axis - offset] == 1 && to[axis] != 1)) axes.push_back(static_cast<int64_t>(axis));
    }
    const NodeId summed = axes.empty() ? g : b_.reduce_sum(g, axes, false);
    give(node, 0, b_.reshape(summed, from));
  }

  // The adjoint of a sum copies the adjoint back along the summed axes.
  void reduce_sum(const Node& node, NodeId g) {
    if (!needs(node, 0)) return;
    const Shape from = b_.shape(node.inputs[0]);
    Shape kept = from;
    for (int64_t axis : node.attrs.ints) kept[static_cast<size_t>(axis)] = 1;
    give(node, 0, b_.broadcast(b_.reshape(g, kept), from));
  }

  // The adjoint of a slice is the adjoint padded with zero blocks to the operand's extent.
  void slice(const Node& node, NodeId g) {
    if (!needs(node, 0)) return;
    const Shape from = b_.shape(node.inputs[0]);
    const int64_t axis = node.attrs.axis;
    const int64_t start = node.attrs.ints[0], end = node.attrs.ints[1];
    const auto zeros = [&](int64_t extent) {
      Shape shape = from;
      shape[static_cast<size_t>(axis)] = extent;
      return b_.scalar_constant(0.0, shape);
    };
    std::vector<NodeId> parts;
    if (start > 0) parts.push_back(zeros(start));
    parts.push_back(g);
    if (end < from[static_cast<size_t>(axis)]) parts.push_back(zeros(from[static_cast<size_t>(axis)] - end));
    give(node, 0, b_.concat(parts, axis));
  }

  // The adjoint of a gather scatter-adds rows back: a product with the constant 0/1 selection
  // matrix S[j, indices[j]] = 1 along the gathered axis, moved last for the matmul.
  void gather(const Node& node, NodeId g) {
    if (!needs(node, 0)) return;
    const Shape from = b_.shape(node.inputs[0]);
    const auto axis = static_cast<size_t>(node.attrs.axis);
    const auto& indices = node.attrs.ints;
    const int64_t extent = from[axis];
    std::vector<double> selection(indices.size() * static_cast<size_t>(extent), 0.0);
    for (size_t j = 0; j < indices.size(); ++j)
      selection[j * static_cast<size_t>(extent) + static_cast<size_t>(indices[j])] = 1.0;
    const NodeId select = b_.constant({static_cast<int64_t>(indices.size()), extent}, std::move(selection));

    std::vector<int64_t> perm;
    for (size_t i = 0; i < from.size(); ++i) {
      if (i != axis) perm.push_back(static_cast<int64_t>(i));
    }
    perm.push_back(static_cast<int64_t>(axis));
    const bool moved = axis + 1 != from.size();
    NodeId rows = moved ? b_.transpose(g, perm) : g;
    const Shape moved_shape = b_.shape(rows);
    if (from.size() == 1) rows = b_.reshape(rows, {1, static_cast<int64_t>(indices.size())});
    Shape scattered_shape = moved_shape;
    scattered_shape.back() = extent;
    const NodeId scattered = b_.reshape(b_.matmul(rows, select), scattered_shape);
    give(node, 0, moved ? b_.transpose(scattered, inverse_permutation(perm)) : scattered);
  }

  // The adjoint of a concat is cut back into the operands' extents.
  void concat(const Node& node, NodeId g) {
    int64_t offset = 0;
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      const int64_t extent = b_.shape(node.inputs[k])[static_cast<size_t>(node.attrs.axis)];
      if (needs(node, k)) give(node, k, b_.slice(g, node.attrs.axis, offset, offset + extent));
      offset += extent;
    }
  }

  ir::Builder& b_;
  NodeId output_;
  std::vector<NodeId> wrt_;
  std::vector<bool> active_;
  std::vector<NodeId> adjoint_;  // -1: none yet
};

// One grad call as the PyTorch loops make it: grad(value / divisor, coords, grad_outputs=ones),
// split into its d components ([N, 1] each, like y[..., i]).
std::vector<NodeId> gradient_components(ir::Builder& builder, NodeId value, NodeId coords, double divisor) {
  const NodeId target = divisor == 1.0 ? value : builder.scale(value, 1.0 / divisor);
  const NodeId gradient = vjp(builder, target, builder.scalar_constant(1.0, builder.shape(target)), {coords})[0];
  std::vector<NodeId> components;
  for (int64_t axis = 0; axis < builder.shape(coords)[1]; ++axis) {
    components.push_back(builder.slice(gradient, 1, axis, axis + 1));
  }
  return components;
}

// [N, C, M]: for each channel, BFS over ordered partials (all of them, as PyTorch builds them),
// keeping the first ordered partial met for each multi-index.
NodeId unique_layout(ir::Builder& builder, const std::vector<NodeId>& channels, NodeId coords, int order) {
  const auto dims = static_cast<int>(builder.shape(coords)[1]);
  std::vector<NodeId> per_channel;
  for (const NodeId channel : channels) {
    struct Partial {
      MultiIndex alpha;
      NodeId value;
    };
    std::vector<NodeId> picked(static_cast<size_t>(multi_index_count(dims, order)), -1);
    std::vector<Partial> level = {{MultiIndex(static_cast<size_t>(dims), 0), channel}};
    picked[0] = channel;
    for (int k = 1; k <= order; ++k) {
      std::vector<Partial> next;
      for (const Partial& partial : level) {
        const auto components = gradient_components(builder, partial.value, coords, 1.0);
        for (int axis = 0; axis < dims; ++axis) {
          Partial child = {partial.alpha, components[static_cast<size_t>(axis)]};
          ++child.alpha[static_cast<size_t>(axis)];
          NodeId& slot = picked[static_cast<size_t>(multi_index_position(child.alpha, order))];
          if (slot < 0) slot = child.value;
          next.push_back(std::move(child));
        }
      }
      level = std::move(next);
    }
    const NodeId row = builder.concat(picked, 1);
    per_channel.push_back(builder.reshape(row, {ir::kBatch, 1, static_cast<int64_t>(picked.size())}));
  }
  return builder.concat(per_channel, 1);
}

// The derivative order INSP-Net's loop reaches with `calls` grad calls, at most cap: list entry i is
// an order-k partial for C (1 + d + ... + d^(k-1)) <= i < C (1 + d + ... + d^k), and call i
// differentiates it.
int insp_order(int64_t channels, int64_t dims, int calls, int cap) {
  if (calls == 0) return 0;
  int order = 0;
  int64_t level_size = channels, level_end = channels;
  while (calls - 1 >= level_end && order + 1 < cap) {
    level_size *= dims;
    level_end += level_size;
    ++order;
  }
  return order + 1;
}

// [N, C + d * calls]: INSP-Net's export loop (docs/insp_layout.md).
NodeId insp_layout(ir::Builder& builder, const std::vector<NodeId>& channels, NodeId coords, int calls) {
  constexpr int kMaxOrder = 12;
  if (calls < 0) throw UserError("derive: insp_calls=" + std::to_string(calls) + " must not be negative");
  const auto channel_count = static_cast<int64_t>(channels.size());
  if (insp_order(channel_count, builder.shape(coords)[1], calls, kMaxOrder + 1) > kMaxOrder) {
    throw UserError("derive: insp_calls=" + std::to_string(calls) + " goes beyond derivative order " +
                    std::to_string(kMaxOrder) + ", the most supported");
  }
  std::vector<NodeId> features = channels;
  for (size_t call = 0; call < static_cast<size_t>(calls); ++call) {
    const auto components = gradient_components(builder, features[call], coords, kInspGradDivisor);
    features.insert(features.end(), components.begin(), components.end());
  }
  return builder.concat(features, 1);
}

}  // namespace

std::vector<NodeId> import_graph(ir::Builder& builder, const ir::Graph& graph) {
  std::vector<NodeId> ids;
  ids.reserve(graph.size());
  for (const Node& node : graph.nodes()) {
    std::vector<NodeId> inputs;
    for (NodeId input : node.inputs) inputs.push_back(ids[static_cast<size_t>(input)]);
    ids.push_back(builder.clone(node, inputs));
  }
  return ids;
}

std::vector<NodeId> vjp(ir::Builder& builder, NodeId output, NodeId seed, const std::vector<NodeId>& wrt) {
  if (builder.shape(seed) != builder.shape(output)) {
    throw ir::Error("vjp: seed shape " + ir::shape_string(builder.shape(seed)) + " differs from output shape " +
                    ir::shape_string(builder.shape(output)));
  }
  return Reverse(builder, output, wrt).run(seed);
}

ir::Graph derive_nested(const ir::Graph& forward, NodeId coords, const DeriveSpec& spec) {
  ir::Builder builder(forward.node(coords).dtype);
  const auto ids = import_graph(builder, forward);
  const NodeId x = ids[static_cast<size_t>(coords)];
  const NodeId y = ids[static_cast<size_t>(forward.outputs().at(0).node)];
  std::vector<NodeId> channels;
  for (int64_t c = 0; c < builder.shape(y)[1]; ++c) channels.push_back(builder.slice(y, 1, c, c + 1));
  const NodeId result = spec.layout == Layout::Insp ? insp_layout(builder, channels, x, spec.insp_calls)
                                                    : unique_layout(builder, channels, x, spec.order);
  builder.add_output("derivatives", result);
  return builder.finish();
}

}  // namespace inrarch::autodiff
