#include "ir/graph.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <sstream>

namespace inrarch::ir {
namespace {

struct OpInfo {
  Op op;
  const char* name;
  int arity;  // -1: any number (concat)
};

constexpr OpInfo kOps[] = {
    {Op::Input, "input", 0},         {Op::Constant, "constant", 0},
    {Op::MatMul, "matmul", 2},       {Op::Add, "add", 2},
    {Op::Sub, "sub", 2},             {Op::Mul, "mul", 2},
    {Op::Div, "div", 2},             {Op::Neg, "neg", 1},
    {Op::Scale, "scale", 1},         {Op::Sin, "sin", 1},
    {Op::Cos, "cos", 1},             {Op::Tanh, "tanh", 1},
    {Op::Relu, "relu", 1},           {Op::Step, "step", 1},
    {Op::Sigmoid, "sigmoid", 1},     {Op::Exp, "exp", 1},
    {Op::Broadcast, "broadcast", 1}, {Op::ReduceSum, "reduce_sum", 1},
    {Op::Slice, "slice", 1},         {Op::Gather, "gather", 1},
    {Op::Concat, "concat", -1},      {Op::Transpose, "transpose", 1},
    {Op::Reshape, "reshape", 1},
};

const OpInfo& info(Op op) {
  for (const auto& entry : kOps) {
    if (entry.op == op) return entry;
  }
  throw Error("unknown op code " + std::to_string(static_cast<int>(op)));
}

std::string dim_string(int64_t dim) { return dim == kBatch ? "N" : std::to_string(dim); }

[[noreturn]] void fail(Op op, const std::string& why, const std::vector<Shape>& operand_shapes) {
  std::ostringstream message;
  message << op_name(op) << ": " << why;
  if (!operand_shapes.empty()) {
    message << " (operands";
    for (const auto& shape : operand_shapes) message << " " << shape_string(shape);
    message << ")";
  }
  throw Error(message.str());
}

int64_t normalize_axis(Op op, int64_t axis, size_t rank, const std::vector<Shape>& shapes) {
  const auto signed_rank = static_cast<int64_t>(rank);
  if (axis < -signed_rank || axis >= signed_rank) {
    fail(op, "axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank), shapes);
  }
  return axis < 0 ? axis + signed_rank : axis;
}

bool broadcastable(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  const size_t offset = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i) {
    if (from[i] != to[i + offset] && from[i] != 1) return false;
  }
  return true;
}

// The shape rule of every op; the builder and the verifier both call it, so they cannot disagree.
Shape infer_shape(Op op, const Attrs& attrs, const std::vector<Shape>& in) {
  const int arity = info(op).arity;
  if (arity >= 0 && static_cast<int>(in.size()) != arity) {
    fail(op, "expects " + std::to_string(arity) + " operands, got " + std::to_string(in.size()), in);
  }
  switch (op) {
    case Op::Input:
    case Op::Constant:
      fail(op, "has no shape rule (its shape is given)", in);
    case Op::MatMul: {
      const Shape& a = in[0];
      const Shape& b = in[1];
      if (a.size() < 2 || b.size() != 2) fail(op, "needs a of rank >= 2 and b of rank 2", in);
      const size_t r = a.size();
      const int64_t m = attrs.trans_a ? a[r - 1] : a[r - 2];
      const int64_t ka = attrs.trans_a ? a[r - 2] : a[r - 1];
      const int64_t kb = attrs.trans_b ? b[1] : b[0];
      const int64_t n = attrs.trans_b ? b[0] : b[1];
      if (ka != kb) fail(op, "contraction sizes differ: " + dim_string(ka) + " vs " + dim_string(kb), in);
      Shape out(a.begin(), a.end() - 2);
      out.push_back(m);
      out.push_back(n);
      return out;
    }
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
    case Op::Div:
      if (in[0] != in[1]) fail(op, "operand shapes differ (insert a broadcast)", in);
      return in[0];
    case Op::Neg:
    case Op::Scale:
    case Op::Sin:
    case Op::Cos:
    case Op::Tanh:
    case Op::Relu:
    case Op::Step:
    case Op::Sigmoid:
    case Op::Exp:
      return in[0];
    case Op::Broadcast: {
      if (!broadcastable(in[0], attrs.ints)) {
        fail(op, "cannot broadcast to " + shape_string(attrs.ints), in);
      }
      return attrs.ints;
    }
    case Op::ReduceSum: {
      Shape out;
      std::vector<bool> reduced(in[0].size(), false);
      for (int64_t axis : attrs.ints) {
        reduced[static_cast<size_t>(normalize_axis(op, axis, in[0].size(), in))] = true;
      }
      for (size_t i = 0; i < in[0].size(); ++i) {
        if (!reduced[i]) {
          out.push_back(in[0][i]);
        } else if (attrs.keepdims) {
          out.push_back(1);
        }
      }
      return out;
    }
    case Op::Slice: {
      const auto axis = static_cast<size_t>(normalize_axis(op, attrs.axis, in[0].size(), in));
      if (attrs.ints.size() != 2) fail(op, "needs {start, end}", in);
      const int64_t dim = in[0][axis];
      if (dim == kBatch) fail(op, "cannot slice the batch axis", in);
      if (attrs.ints[0] < 0 || attrs.ints[0] >= attrs.ints[1] || attrs.ints[1] > dim) {
        fail(op, "range [" + std::to_string(attrs.ints[0]) + ", " + std::to_string(attrs.ints[1]) +
                     ") outside axis of size " + std::to_string(dim), in);
      }
      Shape out = in[0];
      out[axis] = attrs.ints[1] - attrs.ints[0];
      return out;
    }
    case Op::Gather: {
      const auto axis = static_cast<size_t>(normalize_axis(op, attrs.axis, in[0].size(), in));
      const int64_t dim = in[0][axis];
      if (dim == kBatch) fail(op, "cannot gather along the batch axis", in);
      if (attrs.ints.empty()) fail(op, "needs at least one index", in);
      for (int64_t index : attrs.ints) {
        if (index < 0 || index >= dim) {
          fail(op, "index " + std::to_string(index) + " outside axis of size " + std::to_string(dim), in);
        }
      }
      Shape out = in[0];
      out[axis] = static_cast<int64_t>(attrs.ints.size());
      return out;
    }
    case Op::Concat: {
      if (in.empty()) fail(op, "needs at least one operand", in);
      const auto axis = static_cast<size_t>(normalize_axis(op, attrs.axis, in[0].size(), in));
      Shape out = in[0];
      if (out[axis] == kBatch) fail(op, "cannot concatenate along the batch axis", in);
      for (size_t k = 1; k < in.size(); ++k) {
        if (in[k].size() != out.size()) fail(op, "operand ranks differ", in);
        for (size_t i = 0; i < out.size(); ++i) {
          if (i == axis) continue;
          if (in[k][i] != out[i]) fail(op, "operand shapes differ off the concat axis", in);
        }
        if (in[k][axis] == kBatch) fail(op, "cannot concatenate along the batch axis", in);
        out[axis] += in[k][axis];
      }
      return out;
    }
    case Op::Transpose: {
      std::vector<int64_t> sorted = attrs.ints;
      std::sort(sorted.begin(), sorted.end());
      std::vector<int64_t> identity(in[0].size());
      std::iota(identity.begin(), identity.end(), 0);
      if (sorted != identity) fail(op, "perm " + shape_string(attrs.ints) + " is not a permutation", in);
      Shape out;
      for (int64_t axis : attrs.ints) out.push_back(in[0][static_cast<size_t>(axis)]);
      return out;
    }
    case Op::Reshape: {
      const auto batches = [](const Shape& s) { return std::count(s.begin(), s.end(), kBatch); };
      if (batches(in[0]) != batches(attrs.ints) || element_count(in[0]) != element_count(attrs.ints)) {
        fail(op, "cannot reshape to " + shape_string(attrs.ints), in);
      }
      for (int64_t dim : attrs.ints) {
        if (dim != kBatch && dim < 0) fail(op, "negative size in " + shape_string(attrs.ints), in);
      }
      return attrs.ints;
    }
  }
  fail(op, "unhandled op", in);
}

template <typename T>
void hash_combine(size_t& seed, const T& value) {
  seed ^= std::hash<T>{}(value) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
}

}  // namespace

const char* op_name(Op op) { return info(op).name; }

std::optional<Op> op_from_name(const std::string& name) {
  for (const auto& entry : kOps) {
    if (name == entry.name) return entry.op;
  }
  return std::nullopt;
}

bool is_elementwise_unary(Op op) {
  switch (op) {
    case Op::Neg:
    case Op::Scale:
    case Op::Sin:
    case Op::Cos:
    case Op::Tanh:
    case Op::Relu:
    case Op::Step:
    case Op::Sigmoid:
    case Op::Exp:
      return true;
    default:
      return false;
  }
}

bool is_elementwise_binary(Op op) {
  return op == Op::Add || op == Op::Sub || op == Op::Mul || op == Op::Div;
}

std::string dtype_name(DType dtype) { return dtype == DType::F32 ? "f32" : "f64"; }

std::string shape_string(const Shape& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ",";
    text += dim_string(shape[i]);
  }
  return text + "]";
}

int64_t element_count(const Shape& shape, int64_t batch) {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim == kBatch ? batch : dim;
  return count;
}

bool has_batch(const Shape& shape) { return std::find(shape.begin(), shape.end(), kBatch) != shape.end(); }

std::vector<NodeId> Graph::inputs() const {
  std::vector<NodeId> ids;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].op == Op::Input) ids.push_back(static_cast<NodeId>(i));
  }
  return ids;
}

std::optional<NodeId> Graph::find_input(const std::string& name) const {
  for (NodeId id : inputs()) {
    if (node(id).attrs.name == name) return id;
  }
  return std::nullopt;
}

size_t Builder::KeyHash::operator()(const Node& node) const {
  size_t seed = static_cast<size_t>(node.op);
  hash_combine(seed, static_cast<int>(node.dtype));
  for (NodeId input : node.inputs) hash_combine(seed, input);
  for (int64_t value : node.attrs.ints) hash_combine(seed, value);
  hash_combine(seed, node.attrs.axis);
  hash_combine(seed, node.attrs.scalar);
  hash_combine(seed, node.attrs.trans_a);
  hash_combine(seed, node.attrs.trans_b);
  hash_combine(seed, node.attrs.keepdims);
  hash_combine(seed, node.attrs.name);
  for (int64_t dim : node.shape) hash_combine(seed, dim);
  if (node.data) {
    for (double value : *node.data) hash_combine(seed, value);
  }
  return seed;
}

bool Builder::KeyEqual::operator()(const Node& a, const Node& b) const {
  if (a.op != b.op || a.dtype != b.dtype || a.inputs != b.inputs || !(a.attrs == b.attrs) ||
      a.shape != b.shape) {
    return false;
  }
  if (static_cast<bool>(a.data) != static_cast<bool>(b.data)) return false;
  return !a.data || a.data == b.data || *a.data == *b.data;
}

NodeId Builder::intern(Node node) {
  for (NodeId input : node.inputs) {
    if (input < 0 || static_cast<size_t>(input) >= graph_.nodes_.size()) {
      throw Error(std::string(op_name(node.op)) + ": operand %" + std::to_string(input) + " does not exist");
    }
  }
  if (auto found = interned_.find(node); found != interned_.end()) return found->second;
  const auto id = static_cast<NodeId>(graph_.nodes_.size());
  graph_.nodes_.push_back(node);
  interned_.emplace(std::move(node), id);
  return id;
}

NodeId Builder::input(const std::string& name, Shape shape) {
  if (name.empty()) throw Error("input: needs a name");
  Node node;
  node.op = Op::Input;
  node.dtype = dtype_;
  node.shape = std::move(shape);
  node.attrs.name = name;
  return intern(std::move(node));
}

NodeId Builder::constant(Shape shape, std::vector<double> values, const std::string& name) {
  if (has_batch(shape)) throw Error("constant: shape " + shape_string(shape) + " cannot hold the batch axis");
  if (static_cast<int64_t>(values.size()) != element_count(shape)) {
    throw Error("constant " + name + ": " + std::to_string(values.size()) + " values for shape " +
                shape_string(shape));
  }
  Node node;
  node.op = Op::Constant;
  node.dtype = dtype_;
  node.shape = std::move(shape);
  node.attrs.name = name;
  node.data = std::make_shared<const std::vector<double>>(std::move(values));
  return intern(std::move(node));
}

NodeId Builder::scalar_constant(double value, Shape shape) {
  const NodeId scalar = constant(Shape(shape.size(), 1), {value});
  return shape == Shape(shape.size(), 1) ? scalar : broadcast(scalar, std::move(shape));
}

NodeId Builder::clone(const Node& original, const std::vector<NodeId>& inputs) {
  Node node;
  node.op = original.op;
  node.dtype = dtype_;
  node.inputs = inputs;
  node.attrs = original.attrs;
  if (original.op == Op::Input || original.op == Op::Constant) {
    node.shape = original.shape;
    node.data = original.data;
  } else {
    std::vector<Shape> shapes;
    for (NodeId input : inputs) {
      if (input < 0 || static_cast<size_t>(input) >= graph_.nodes_.size()) {
        throw Error(std::string(op_name(original.op)) + ": operand %" + std::to_string(input) + " does not exist");
      }
      shapes.push_back(shape(input));
    }
    node.shape = infer_shape(original.op, original.attrs, shapes);
  }
  return intern(std::move(node));
}

namespace {
Node make(Op op, std::vector<NodeId> inputs, Attrs attrs = {}) {
  Node node;
  node.op = op;
  node.inputs = std::move(inputs);
  node.attrs = std::move(attrs);
  return node;
}
}  // namespace

NodeId Builder::matmul(NodeId a, NodeId b, bool trans_a, bool trans_b) {
  Attrs attrs;
  attrs.trans_a = trans_a;
  attrs.trans_b = trans_b;
  return clone(make(Op::MatMul, {}, attrs), {a, b});
}
NodeId Builder::binary(Op op, NodeId a, NodeId b) {
  if (!is_elementwise_binary(op)) throw Error(std::string(op_name(op)) + " is not an elementwise binary op");
  return clone(make(op, {}), {a, b});
}
NodeId Builder::add(NodeId a, NodeId b) { return binary(Op::Add, a, b); }
NodeId Builder::sub(NodeId a, NodeId b) { return binary(Op::Sub, a, b); }
NodeId Builder::mul(NodeId a, NodeId b) { return binary(Op::Mul, a, b); }
NodeId Builder::div(NodeId a, NodeId b) { return binary(Op::Div, a, b); }
NodeId Builder::unary(Op op, NodeId a) {
  if (!is_elementwise_unary(op) || op == Op::Scale) {
    throw Error(std::string(op_name(op)) + " is not a parameterless elementwise unary op");
  }
  return clone(make(op, {}), {a});
}
NodeId Builder::neg(NodeId a) { return unary(Op::Neg, a); }
NodeId Builder::scale(NodeId a, double factor) {
  Attrs attrs;
  attrs.scalar = factor;
  return clone(make(Op::Scale, {}, attrs), {a});
}
NodeId Builder::broadcast(NodeId a, Shape shape) {
  Attrs attrs;
  attrs.ints = std::move(shape);
  return clone(make(Op::Broadcast, {}, attrs), {a});
}
NodeId Builder::reduce_sum(NodeId a, std::vector<int64_t> axes, bool keepdims) {
  const auto rank = static_cast<int64_t>(shape(a).size());
  for (auto& axis : axes) {
    if (axis < 0) axis += rank;
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  Attrs attrs;
  attrs.ints = std::move(axes);
  attrs.keepdims = keepdims;
  return clone(make(Op::ReduceSum, {}, attrs), {a});
}
NodeId Builder::slice(NodeId a, int64_t axis, int64_t start, int64_t end) {
  Attrs attrs;
  attrs.axis = axis < 0 ? axis + static_cast<int64_t>(shape(a).size()) : axis;
  attrs.ints = {start, end};
  return clone(make(Op::Slice, {}, attrs), {a});
}
NodeId Builder::gather(NodeId a, int64_t axis, std::vector<int64_t> indices) {
  Attrs attrs;
  attrs.axis = axis < 0 ? axis + static_cast<int64_t>(shape(a).size()) : axis;
  attrs.ints = std::move(indices);
  return clone(make(Op::Gather, {}, attrs), {a});
}
NodeId Builder::concat(const std::vector<NodeId>& parts, int64_t axis) {
  if (parts.size() == 1) return parts[0];
  Attrs attrs;
  attrs.axis = axis < 0 && !parts.empty() ? axis + static_cast<int64_t>(shape(parts[0]).size()) : axis;
  return clone(make(Op::Concat, {}, attrs), parts);
}
NodeId Builder::transpose(NodeId a, std::vector<int64_t> perm) {
  Attrs attrs;
  attrs.ints = std::move(perm);
  return clone(make(Op::Transpose, {}, attrs), {a});
}
NodeId Builder::reshape(NodeId a, Shape shape) {
  if (shape == this->shape(a)) return a;
  Attrs attrs;
  attrs.ints = std::move(shape);
  return clone(make(Op::Reshape, {}, attrs), {a});
}

void Builder::add_output(const std::string& name, NodeId node) {
  if (node < 0 || static_cast<size_t>(node) >= graph_.nodes_.size()) {
    throw Error("output " + name + ": node %" + std::to_string(node) + " does not exist");
  }
  graph_.outputs_.push_back({name, node});
}

Graph Builder::finish() {
  Graph graph = std::move(graph_);
  graph_ = Graph();
  interned_.clear();
  return graph;
}

void verify(const Graph& graph) {
  const auto& nodes = graph.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& node = nodes[i];
    const std::string where = "verify: %" + std::to_string(i) + " " + op_name(node.op) + ": ";
    std::vector<Shape> shapes;
    for (NodeId input : node.inputs) {
      if (input < 0 || static_cast<size_t>(input) >= i) {
        throw Error(where + "operand %" + std::to_string(input) + " does not precede it");
      }
      if (nodes[static_cast<size_t>(input)].dtype != node.dtype) throw Error(where + "operand dtype differs");
      shapes.push_back(nodes[static_cast<size_t>(input)].shape);
    }
    if (node.op == Op::Input || node.op == Op::Constant) {
      if (!node.inputs.empty()) throw Error(where + "must have no operands");
      if (node.op == Op::Constant &&
          (!node.data || static_cast<int64_t>(node.data->size()) != element_count(node.shape))) {
        throw Error(where + "value count does not match shape " + shape_string(node.shape));
      }
      continue;
    }
    Shape expected;
    try {
      expected = infer_shape(node.op, node.attrs, shapes);
    } catch (const Error& error) {
      throw Error(where + error.what());
    }
    if (expected != node.shape) {
      throw Error(where + "recorded shape " + shape_string(node.shape) + " but its rule gives " +
                  shape_string(expected));
    }
  }
  for (const auto& output : graph.outputs()) {
    if (output.node < 0 || static_cast<size_t>(output.node) >= nodes.size()) {
      throw Error("verify: output " + output.name + " names a missing node");
    }
  }
}

std::vector<std::pair<std::string, int>> op_histogram(const Graph& graph) {
  std::vector<std::pair<std::string, int>> histogram;
  for (const auto& entry : kOps) {
    const auto count = std::count_if(graph.nodes().begin(), graph.nodes().end(),
                                     [&](const Node& node) { return node.op == entry.op; });
    if (count) histogram.emplace_back(entry.name, static_cast<int>(count));
  }
  return histogram;
}

int64_t matmul_macs_per_point(const Graph& graph) {
  int64_t macs = 0;
  for (const Node& node : graph.nodes()) {
    if (node.op != Op::MatMul) continue;
    const Shape& a = graph.node(node.inputs[0]).shape;
    const int64_t k = node.attrs.trans_a ? a[a.size() - 2] : a.back();
    macs += element_count(node.shape) * (k == kBatch ? 1 : k);
  }
  return macs;
}

int64_t parameter_count(const Graph& graph) {
  int64_t count = 0;
  for (const Node& node : graph.nodes()) {
    if (node.op == Op::Constant && !node.attrs.name.empty()) count += element_count(node.shape);
  }
  return count;
}

}  // namespace inrarch::ir
