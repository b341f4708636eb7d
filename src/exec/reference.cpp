#include "exec/reference.h"

#include <cmath>
#include <numeric>

namespace inrarch::exec {
namespace {

using ir::Node;
using ir::Op;
using ir::Shape;

std::vector<int64_t> bind(const Shape& shape, int64_t batch) {
  std::vector<int64_t> concrete = shape;
  for (auto& dim : concrete) {
    if (dim == ir::kBatch) dim = batch;
  }
  return concrete;
}

std::vector<int64_t> strides_of(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}


double unary(Op op, double x, double scalar) {
  switch (op) {
    case Op::Neg: return -x;
    case Op::Scale: return scalar * x;
    case Op::Sin: return std::sin(x);
    case Op::Cos: return std::cos(x);
    case Op::Tanh: return std::tanh(x);
    case Op::Relu: return x > 0 ? x : 0.0;
    case Op::Step: return x > 0 ? 1.0 : 0.0;
    case Op::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case Op::Exp: return std::exp(x);
    default: throw ir::Error(std::string("reference: ") + ir::op_name(op) + " is not unary");
  }
}

double binary(Op op, double a, double b) {
  switch (op) {
    case Op::Add: return a + b;
    case Op::Sub: return a - b;
    case Op::Mul: return a * b;
    case Op::Div: return a / b;
    default: throw ir::Error(std::string("reference: ") + ir::op_name(op) + " is not binary");
  }
}

Tensor matmul(const Node& node, const Tensor& a, const Tensor& b, std::vector<int64_t> out_shape) {
  Tensor out(std::move(out_shape));
  const size_t r = a.shape.size();
  const int64_t a_rows = a.shape[r - 2], a_cols = a.shape[r - 1];
  const int64_t m = node.attrs.trans_a ? a_cols : a_rows;
  const int64_t k = node.attrs.trans_a ? a_rows : a_cols;
  const int64_t n = node.attrs.trans_b ? b.shape[0] : b.shape[1];
  const int64_t batches = Tensor::count(a.shape) / (a_rows * a_cols);
  for (int64_t batch = 0; batch < batches; ++batch) {
    const double* pa = a.data.data() + batch * a_rows * a_cols;
    double* po = out.data.data() + batch * m * n;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0.0;
        for (int64_t p = 0; p < k; ++p) {
          const double av = node.attrs.trans_a ? pa[p * a_cols + i] : pa[i * a_cols + p];
          const double bv = node.attrs.trans_b ? b.data[static_cast<size_t>(j * k + p)]
                                               : b.data[static_cast<size_t>(p * n + j)];
          sum += av * bv;
        }
        po[i * n + j] = sum;
      }
    }
  }
  return out;
}

Tensor evaluate_node(const Node& node, const std::vector<const Tensor*>& in, int64_t batch) {
  const auto out_shape = bind(node.shape, batch);
  const auto& attrs = node.attrs;
  if (ir::is_elementwise_unary(node.op)) {
    Tensor out(out_shape);
    for (size_t i = 0; i < out.data.size(); ++i) out.data[i] = unary(node.op, in[0]->data[i], attrs.scalar);
    return out;
  }
  if (ir::is_elementwise_binary(node.op)) {
    Tensor out(out_shape);
    for (size_t i = 0; i < out.data.size(); ++i) out.data[i] = binary(node.op, in[0]->data[i], in[1]->data[i]);
    return out;
  }
  switch (node.op) {
    case Op::MatMul:
      return matmul(node, *in[0], *in[1], out_shape);
    case Op::Broadcast: {
      Tensor out(out_shape);
      const auto& from = in[0]->shape;
      const size_t offset = out_shape.size() - from.size();
      const auto from_strides = strides_of(from);
      for_each_index(out_shape, [&](int64_t flat, const std::vector<int64_t>& index) {
        int64_t source = 0;
        for (size_t axis = 0; axis < from.size(); ++axis) {
          if (from[axis] != 1) source += index[axis + offset] * from_strides[axis];
        }
        out.data[static_cast<size_t>(flat)] = in[0]->data[static_cast<size_t>(source)];
      });
      return out;
    }
    case Op::ReduceSum: {
      Tensor out(out_shape);
      const auto& from = in[0]->shape;
      std::vector<bool> reduced(from.size(), false);
      for (int64_t axis : attrs.ints) reduced[static_cast<size_t>(axis)] = true;
      std::vector<int64_t> kept_shape;  // shape with reduced axes as size 1
      for (size_t axis = 0; axis < from.size(); ++axis) kept_shape.push_back(reduced[axis] ? 1 : from[axis]);
      const auto kept_strides = strides_of(kept_shape);
      for_each_index(from, [&](int64_t flat, const std::vector<int64_t>& index) {
        int64_t target = 0;
        for (size_t axis = 0; axis < from.size(); ++axis) {
          if (!reduced[axis]) target += index[axis] * kept_strides[axis];
        }
        out.data[static_cast<size_t>(target)] += in[0]->data[static_cast<size_t>(flat)];
      });
      return out;
    }
    case Op::Slice:
    case Op::Gather: {
      Tensor out(out_shape);
      const auto axis = static_cast<size_t>(attrs.axis);
      const auto from_strides = strides_of(in[0]->shape);
      for_each_index(out_shape, [&](int64_t flat, const std::vector<int64_t>& index) {
        int64_t source = 0;
        for (size_t a = 0; a < index.size(); ++a) {
          int64_t i = index[a];
          if (a == axis) i = node.op == Op::Slice ? attrs.ints[0] + i : attrs.ints[static_cast<size_t>(i)];
          source += i * from_strides[a];
        }
        out.data[static_cast<size_t>(flat)] = in[0]->data[static_cast<size_t>(source)];
      });
      return out;
    }
    case Op::Concat: {
      Tensor out(out_shape);
      const auto axis = static_cast<size_t>(attrs.axis);
      const auto out_strides = strides_of(out_shape);
      int64_t offset = 0;
      for (const Tensor* part : in) {
        for_each_index(part->shape, [&](int64_t flat, const std::vector<int64_t>& index) {
          int64_t target = 0;
          for (size_t a = 0; a < index.size(); ++a) target += (index[a] + (a == axis ? offset : 0)) * out_strides[a];
          out.data[static_cast<size_t>(target)] = part->data[static_cast<size_t>(flat)];
        });
        offset += part->shape[axis];
      }
      return out;
    }
    case Op::Transpose: {
      Tensor out(out_shape);
      const auto from_strides = strides_of(in[0]->shape);
      for_each_index(out_shape, [&](int64_t flat, const std::vector<int64_t>& index) {
        int64_t source = 0;
        for (size_t a = 0; a < index.size(); ++a) source += index[a] * from_strides[static_cast<size_t>(attrs.ints[a])];
        out.data[static_cast<size_t>(flat)] = in[0]->data[static_cast<size_t>(source)];
      });
      return out;
    }
    case Op::Reshape:
      return Tensor(out_shape, in[0]->data);
    default:
      throw ir::Error(std::string("reference: cannot evaluate ") + ir::op_name(node.op));
  }
}

}  // namespace

int64_t bind_batch(const ir::Graph& graph, const std::map<std::string, Tensor>& inputs) {
  int64_t batch = -1;
  for (ir::NodeId id : graph.inputs()) {
    const Node& node = graph.node(id);
    const auto found = inputs.find(node.attrs.name);
    if (found == inputs.end()) throw ir::Error("evaluate: no value given for input \"" + node.attrs.name + "\"");
    const auto& given = found->second.shape;
    const std::string mismatch = "evaluate: input \"" + node.attrs.name + "\" expects shape " +
                                 ir::shape_string(node.shape) + ", got " + ir::shape_string(given);
    if (given.size() != node.shape.size() || found->second.size() != Tensor::count(given)) throw ir::Error(mismatch);
    for (size_t axis = 0; axis < given.size(); ++axis) {
      if (node.shape[axis] == ir::kBatch) {
        if (batch >= 0 && batch != given[axis]) throw ir::Error(mismatch + " (batch already bound to " + std::to_string(batch) + ")");
        batch = given[axis];
      } else if (node.shape[axis] != given[axis]) {
        throw ir::Error(mismatch);
      }
    }
  }
  return batch < 0 ? 1 : batch;
}

std::vector<Tensor> evaluate_reference(const ir::Graph& graph, const std::map<std::string, Tensor>& inputs,
                                       const ValueObserver& observe) {
  const int64_t batch = bind_batch(graph, inputs);
  // Only nodes that some output needs are evaluated; values are dropped after their last use.
  std::vector<int> uses(graph.size(), 0);
  std::vector<bool> needed(graph.size(), false);
  for (const auto& output : graph.outputs()) needed[static_cast<size_t>(output.node)] = true;
  for (size_t i = graph.size(); i-- > 0;) {
    if (!needed[i]) continue;
    for (ir::NodeId input : graph.nodes()[i].inputs) {
      needed[static_cast<size_t>(input)] = true;
      ++uses[static_cast<size_t>(input)];
    }
  }
  for (const auto& output : graph.outputs()) ++uses[static_cast<size_t>(output.node)];

  std::vector<Tensor> values(graph.size());
  for (size_t i = 0; i < graph.size(); ++i) {
    if (!needed[i]) continue;
    const Node& node = graph.nodes()[i];
    if (node.op == Op::Input) {
      values[i] = inputs.at(node.attrs.name);
    } else if (node.op == Op::Constant) {
      values[i] = Tensor(node.shape, *node.data);
    } else {
      std::vector<const Tensor*> operands;
      for (ir::NodeId input : node.inputs) operands.push_back(&values[static_cast<size_t>(input)]);
      values[i] = evaluate_node(node, operands, batch);
      for (ir::NodeId input : node.inputs) {
        if (--uses[static_cast<size_t>(input)] == 0) values[static_cast<size_t>(input)] = Tensor();
      }
    }
    if (observe) observe(static_cast<ir::NodeId>(i), values[i]);
  }
  std::vector<Tensor> results;
  for (const auto& output : graph.outputs()) results.push_back(values[static_cast<size_t>(output.node)]);
  return results;
}

}  // namespace inrarch::exec
