#include "autodiff/taylor.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <utility>

#include "util/error.h"

namespace inrarch::autodiff {
namespace {

using ir::NodeId;
using ir::Op;

constexpr NodeId kZero = -1;     // a structurally zero coefficient: no node exists for it
constexpr NodeId kUnbuilt = -2;  // a lazily built coefficient nobody has asked for yet

// The coefficients c_α = ∂^α f / α! of one tensor, indexed by the graded-lex position of α.
using Series = std::vector<NodeId>;
using Coefficient = std::function<NodeId(int position)>;
using Product = std::function<NodeId(NodeId, NodeId)>;

struct Term {
  double weight;
  NodeId node;  // kZero terms contribute nothing
};

class TaylorTransform {
 public:
  TaylorTransform(const ir::Graph& forward, NodeId coords, int order)
      : forward_(forward),
        coords_(coords),
        order_(order),
        indices_(multi_indices(static_cast<int>(forward.node(coords).shape[1]), order)),
        builder_(forward.node(coords).dtype),
        series_(forward.size()) {
    for (int gamma = 0; gamma < static_cast<int>(indices_.size()); ++gamma) {
      std::vector<std::pair<int, int>> splits;
      for (int alpha = 0; alpha <= gamma; ++alpha) {
        MultiIndex rest = indices_[static_cast<size_t>(gamma)];
        bool below = true;
        for (size_t axis = 0; axis < rest.size(); ++axis) {
          rest[axis] -= indices_[static_cast<size_t>(alpha)][axis];
          below = below && rest[axis] >= 0;
        }
        if (below) splits.emplace_back(alpha, multi_index_position(rest, order));
      }
      splits_.push_back(std::move(splits));
    }
  }

  ir::Graph run() {
    const std::vector<int> demand = demanded_degrees();
    for (size_t id = 0; id < forward_.size(); ++id) {
      if (demand[id] < 0) continue;
      series_[id].assign(indices_.size(), kZero);
      for (int gamma = 0; gamma < static_cast<int>(indices_.size()) && degree(index(gamma)) <= demand[id]; ++gamma) {
        const auto node = static_cast<NodeId>(id);
        series_[id][static_cast<size_t>(gamma)] = coefficient(forward_.node(node), node, gamma);
      }
    }
    // The output holds true derivatives ∂^α f = α! c_α, one [N, C, 1] column per multi-index.
    const NodeId output = forward_.outputs()[0].node;
    const ir::Shape column_shape = {ir::kBatch, forward_.node(output).shape[1], 1};
    std::vector<NodeId> columns;
    for (int gamma = 0; gamma < static_cast<int>(indices_.size()); ++gamma) {
      const NodeId c = coefficient_of(output, gamma);
      const double alpha_factorial = factorial(index(gamma));
      columns.push_back(c == kZero ? builder_.scalar_constant(0.0, column_shape)
                                   : builder_.reshape(scaled(c, alpha_factorial), column_shape));
    }
    builder_.add_output("derivatives", builder_.concat(columns, 2));
    return builder_.finish();
  }

 private:
  const MultiIndex& index(int position) const { return indices_[static_cast<size_t>(position)]; }
  NodeId coefficient_of(NodeId forward_node, int position) const {
    return series_[static_cast<size_t>(forward_node)][static_cast<size_t>(position)];
  }

  // The rule table: c_γ of forward node `id`, whose operands' series are complete.
  NodeId coefficient(const ir::Node& node, NodeId id, int gamma) {
    const auto in = [&](size_t k, int position) { return coefficient_of(node.inputs[k], position); };
    const auto operand_series = [&](size_t k) -> Coefficient {
      return [this, operand = node.inputs[k]](int p) { return coefficient_of(operand, p); };
    };
    const auto rebuild = [&](const std::vector<NodeId>& operands) { return builder_.clone(node, operands); };
    switch (node.op) {
      case Op::Input:
        // Inputs other than the coordinates do not move with them.
        if (gamma == 0) return rebuild({});
        return id == coords_ && degree(index(gamma)) == 1 ? coordinate_direction(index(gamma)) : kZero;
      case Op::Constant:
        return gamma == 0 ? rebuild({}) : kZero;
      // Linear ops act on every coefficient alike.
      case Op::Neg:
      case Op::Scale:
      case Op::Broadcast:
      case Op::ReduceSum:
      case Op::Slice:
      case Op::Gather:
      case Op::Transpose:
      case Op::Reshape:
        return in(0, gamma) == kZero ? kZero : rebuild({in(0, gamma)});
      case Op::Add:
        return weighted_sum({{1.0, in(0, gamma)}, {1.0, in(1, gamma)}});
      case Op::Sub:
        return weighted_sum({{1.0, in(0, gamma)}, {-1.0, in(1, gamma)}});
      case Op::Concat: {
        std::vector<NodeId> parts;
        bool any = false;
        for (size_t k = 0; k < node.inputs.size(); ++k) {
          any = any || in(k, gamma) != kZero;
          parts.push_back(in(k, gamma) != kZero ? in(k, gamma)
                                                : builder_.scalar_constant(0.0, forward_.node(node.inputs[k]).shape));
        }
        return any ? rebuild(parts) : kZero;
      }
      // Bilinear ops: the truncated Cauchy product. With a coefficient-free operand (a weight) this is
      // one product per non-zero coefficient of the other, all sharing that operand.
      case Op::Mul:
      case Op::MatMul:
        return cauchy_product(gamma, operand_series(0), operand_series(1), node.inputs[0] == node.inputs[1],
                              [&](NodeId a, NodeId b) { return rebuild({a, b}); });
      case Op::Div: {
        // q = a / b  <=>  q b = a:  q_γ = (a_γ − Σ_{β≠0} b_β q_{γ−β}) / b_0.
        if (gamma == 0) return rebuild({in(0, 0), in(1, 0)});
        std::vector<Term> numerator = {{1.0, in(0, gamma)}};
        for (const auto& [beta, rest] : splits_[static_cast<size_t>(gamma)]) {
          if (beta == 0 || in(1, beta) == kZero) continue;
          numerator.push_back({-1.0, multiply(in(1, beta), coefficient_of(id, rest), elementwise_product())});
        }
        const NodeId sum = weighted_sum(numerator);
        return sum == kZero ? kZero : builder_.div(sum, in(1, 0));
      }
      case Op::Sin:
      case Op::Cos:
      case Op::Exp:
      case Op::Tanh:
      case Op::Sigmoid:
        return function_coefficient(node.op, node.inputs[0], gamma);
      case Op::Relu:
        // Linear on either side of the kink: c_α = step(z_0) z_α.
        if (gamma == 0) return rebuild({in(0, 0)});
        return multiply(builder_.unary(Op::Step, in(0, 0)), in(0, gamma), elementwise_product());
      case Op::Step:
        return gamma == 0 ? rebuild({in(0, 0)}) : kZero;  // piecewise constant
    }
    throw UserError(std::string("derive: no Taylor rule for op ") + ir::op_name(node.op));
  }

  // f(z) for the elementwise functions, built on demand: the recurrences below reach into series
  // that are not forward nodes (cos z for sin z) and need only some of their coefficients.
  NodeId function_coefficient(Op f, NodeId z, int gamma) {
    Series& memo = functions_.try_emplace({f, z}, Series(indices_.size(), kUnbuilt)).first->second;
    NodeId& slot = memo[static_cast<size_t>(gamma)];
    if (slot != kUnbuilt) return slot;
    if (gamma == 0) return slot = builder_.unary(f, coefficient_of(z, 0));
    // ∂_i f(z) = f'(z) ∂_i z, read off at x^(γ−e_i):
    //   γ_i f_γ = Σ_{α≤γ, α_i≥1} α_i z_α f'(z)_{γ−α}.
    // Any i with γ_i > 0 works; the smallest γ_i has the fewest terms, γ_i Π_{j≠i} (γ_j + 1).
    const MultiIndex& g = index(gamma);
    size_t axis = 0;
    for (size_t k = 0; k < g.size(); ++k) {
      if (g[k] > 0 && (g[axis] == 0 || g[k] < g[axis])) axis = k;
    }
    const double sign = f == Op::Cos ? -1.0 : 1.0;  // cos' = −sin
    std::vector<Term> terms;
    for (const auto& [alpha, rest] : splits_[static_cast<size_t>(gamma)]) {
      const int alpha_i = index(alpha)[axis];
      if (alpha_i == 0 || coefficient_of(z, alpha) == kZero) continue;
      terms.push_back({sign * alpha_i / g[axis],
                       multiply(coefficient_of(z, alpha), derivative_factor(f, z, rest), elementwise_product())});
    }
    return slot = weighted_sum(terms);
  }

  // The series w with f'(z) = ±w, the sign being the recurrence's.
  NodeId derivative_factor(Op f, NodeId z, int beta) {
    switch (f) {
      case Op::Sin:
        return function_coefficient(Op::Cos, z, beta);
      case Op::Cos:
        return function_coefficient(Op::Sin, z, beta);
      case Op::Exp:
        return function_coefficient(Op::Exp, z, beta);
      case Op::Tanh:     // tanh' = 1 − tanh²
      case Op::Sigmoid:  // σ' = σ − σ²
      {
        Series& memo = factors_.try_emplace({f, z}, Series(indices_.size(), kUnbuilt)).first->second;
        NodeId& slot = memo[static_cast<size_t>(beta)];
        if (slot != kUnbuilt) return slot;
        const Coefficient y = [this, f, z](int p) { return function_coefficient(f, z, p); };
        const NodeId square = cauchy_product(beta, y, y, true, elementwise_product());
        const NodeId lead = f == Op::Sigmoid ? y(beta)
                            : beta == 0        ? builder_.scalar_constant(1.0, forward_.node(z).shape)
                                               : kZero;
        return slot = weighted_sum({{1.0, lead}, {-1.0, square}});
      }
      default:
        throw UserError(std::string("derive: no Taylor recurrence for op ") + ir::op_name(f));
    }
  }

  // c_γ = Σ_{α+β=γ} a_α b_β over the pairs where both are non-zero; for a square (a = b) each
  // unordered pair is formed once and doubled.
  NodeId cauchy_product(int gamma, const Coefficient& a, const Coefficient& b, bool square, const Product& product) {
    std::vector<Term> terms;
    for (const auto& [alpha, beta] : splits_[static_cast<size_t>(gamma)]) {
      if (square && alpha > beta) continue;
      const NodeId left = a(alpha);
      if (left == kZero) continue;
      terms.push_back({square && alpha != beta ? 2.0 : 1.0, multiply(left, b(beta), product)});
    }
    return weighted_sum(terms);
  }

  Product elementwise_product() {
    return [this](NodeId a, NodeId b) { return builder_.mul(a, b); };
  }

  static NodeId multiply(NodeId a, NodeId b, const Product& product) {
    return a == kZero || b == kZero ? kZero : product(a, b);
  }

  NodeId scaled(NodeId node, double factor) { return factor == 1.0 ? node : builder_.scale(node, factor); }

  // Σ weight · node over the non-zero terms; terms of equal weight are added first so that each
  // distinct weight costs one Scale, and negative weights become subtractions.
  NodeId weighted_sum(const std::vector<Term>& terms) {
    std::vector<Term> groups;
    for (const Term& term : terms) {
      if (term.node == kZero) continue;
      const auto group =
          std::find_if(groups.begin(), groups.end(), [&](const Term& g) { return g.weight == term.weight; });
      if (group == groups.end()) {
        groups.push_back(term);
      } else {
        group->node = builder_.add(group->node, term.node);
      }
    }
    std::stable_partition(groups.begin(), groups.end(), [](const Term& g) { return g.weight > 0; });
    NodeId sum = kZero;
    for (const Term& group : groups) {
      if (sum == kZero) {
        sum = group.weight == -1.0 ? builder_.neg(group.node) : scaled(group.node, group.weight);
      } else {
        const NodeId magnitude = scaled(group.node, std::abs(group.weight));
        sum = group.weight > 0 ? builder_.add(sum, magnitude) : builder_.sub(sum, magnitude);
      }
    }
    return sum;
  }

  // ∂x/∂x_i: a constant one-hot row, broadcast over the points.
  NodeId coordinate_direction(const MultiIndex& unit) {
    const auto dims = static_cast<int64_t>(unit.size());
    std::vector<double> one_hot(unit.begin(), unit.end());
    return builder_.broadcast(builder_.constant({1, dims}, one_hot), {ir::kBatch, dims});
  }

  // The highest degree each forward node must carry: the order for whatever the output depends on,
  // except that step reads only its operand's value; −1 where the output does not depend on a node.
  std::vector<int> demanded_degrees() const {
    std::vector<int> demand(forward_.size(), -1);
    demand[static_cast<size_t>(forward_.outputs()[0].node)] = order_;
    for (size_t id = forward_.size(); id-- > 0;) {
      if (demand[id] < 0) continue;
      const ir::Node& node = forward_.node(static_cast<NodeId>(id));
      for (NodeId input : node.inputs) {
        int& operand = demand[static_cast<size_t>(input)];
        operand = std::max(operand, node.op == Op::Step ? 0 : demand[id]);
      }
    }
    return demand;
  }

  const ir::Graph& forward_;
  const NodeId coords_;
  const int order_;
  const std::vector<MultiIndex> indices_;
  std::vector<std::vector<std::pair<int, int>>> splits_;  // splits_[γ]: every (α, γ − α) with α ≤ γ
  ir::Builder builder_;
  std::vector<Series> series_;                         // per forward node; empty where not demanded
  std::map<std::pair<Op, NodeId>, Series> functions_;  // f(z) of the elementwise functions
  std::map<std::pair<Op, NodeId>, Series> factors_;    // 1 − tanh² z, σ(z) − σ(z)²
};

}  // namespace

ir::Graph derive_taylor(const ir::Graph& forward, NodeId coords, int order) {
  return TaylorTransform(forward, coords, order).run();
}

}  // namespace inrarch::autodiff
