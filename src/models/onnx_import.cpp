#include "models/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "util/error.h"

namespace inrarch::models {
namespace {

using ir::kBatch;
using ir::NodeId;
using ir::Shape;

// Inside folded shape values, the batch size (unknown until points arrive).
constexpr int64_t kBatchValue = std::numeric_limits<int64_t>::min();
// Bounds every size read from a file, so that shape arithmetic cannot overflow.
constexpr int64_t kMaxElements = int64_t{1} << 40;
// Bound the integer tensors read or computed at import (shape arithmetic needs a handful of
// values) and every rank, so that no file makes the per-node work large.
constexpr int64_t kMaxFolded = 4096;
constexpr size_t kMaxRank = 32;
// Slice ends at or beyond this mean "to the end" (PyTorch writes INT64_MAX for `x[:, a:]`).
constexpr int64_t kSliceToEnd = std::numeric_limits<int32_t>::max();

// A failure inside one node; import_onnx adds the file, the node and its op.
class NodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& why) { throw NodeError(why); }

// Names and op types come from the file: keep messages on one printable line.
std::string printable(const std::string& text) {
  std::string clean;
  for (char c : text.substr(0, 120)) clean.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return text.size() > 120 ? clean + "..." : clean;
}

std::string list_string(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    text += i ? "," : "";
    text += values[i] == kBatchValue ? "N" : std::to_string(values[i]);
  }
  return text + "]";
}

enum class Kind { Float, Int, Bool };

// What an ONNX value name stands for. Float data always becomes graph nodes (a parameter stays a
// parameter); integer tensors are shape arithmetic and are computed here, at import.
struct Value {
  Kind kind = Kind::Float;
  std::optional<NodeId> node;  // values computed at run time
  Shape shape;                 // values known now: their concrete shape
  // Known values, shared: Identity, Reshape and friends pass them on without copying.
  std::shared_ptr<const std::vector<double>> floats;
  std::shared_ptr<const std::vector<int64_t>> ints;  // kBatchValue stands for the batch size
  std::string name;                                  // initializers: the parameter's name
  bool known() const { return !node; }
};

Value runtime_value(NodeId node, Kind kind = Kind::Float) {
  Value value;
  value.kind = kind;
  value.node = node;
  return value;
}

Value known_ints(Shape shape, std::vector<int64_t> ints) {
  Value value;
  value.kind = Kind::Int;
  value.shape = std::move(shape);
  value.ints = std::make_shared<const std::vector<int64_t>>(std::move(ints));
  return value;
}

Value known_floats(Shape shape, std::vector<double> floats) {
  Value value;
  value.shape = std::move(shape);
  value.floats = std::make_shared<const std::vector<double>>(std::move(floats));
  return value;
}

Value known_list(std::vector<int64_t> ints) {
  const auto length = static_cast<int64_t>(ints.size());
  return known_ints({length}, std::move(ints));
}

int64_t checked_count(const Shape& shape) {
  if (shape.size() > kMaxRank) fail("rank " + std::to_string(shape.size()) + " is too large");
  int64_t count = 1;
  for (int64_t dim : shape) {
    const int64_t size = dim == kBatch ? 1 : dim;
    if (size <= 0) fail("shape " + ir::shape_string(shape) + " has an empty or negative size");
    if (count > kMaxElements / size) fail("shape " + ir::shape_string(shape) + " is too large");
    count *= size;
  }
  return count;
}

std::string data_type_name(int type) {
  if (!onnx::TensorProto_DataType_IsValid(type)) return "code " + std::to_string(type);
  return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(type));
}

template <typename Stored, typename Field, typename Out>
void read_elements(const onnx::TensorProto& tensor, const Field& typed, size_t count, std::vector<Out>& out) {
  const std::string& raw = tensor.raw_data();
  out.reserve(count);
  if (!raw.empty()) {
    if (raw.size() != count * sizeof(Stored)) {
      fail("tensor '" + printable(tensor.name()) + "' holds " + std::to_string(raw.size()) + " bytes, its shape needs " +
           std::to_string(count * sizeof(Stored)));
    }
    for (size_t i = 0; i < count; ++i) {
      Stored stored;
      std::memcpy(&stored, raw.data() + i * sizeof(Stored), sizeof(Stored));
      out.push_back(static_cast<Out>(stored));
    }
    return;
  }
  if (static_cast<size_t>(typed.size()) != count) {
    fail("tensor '" + printable(tensor.name()) + "' holds " + std::to_string(typed.size()) + " values, its shape needs " +
         std::to_string(count));
  }
  for (auto stored : typed) out.push_back(static_cast<Out>(static_cast<Stored>(stored)));
}

Value tensor_value(const onnx::TensorProto& tensor) {
  const std::string what = "tensor '" + printable(tensor.name()) + "'";
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) fail(what + " uses external data, which is not supported");
  if (tensor.has_segment()) fail(what + " is segmented, which is not supported");
  if (static_cast<size_t>(tensor.dims_size()) > kMaxRank) fail(what + " has too many dimensions");
  Shape shape;
  int64_t count = 1;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0 || (dim > 0 && count > kMaxElements / dim)) fail(what + " has a bad or too large shape");
    count *= dim;
    shape.push_back(dim);
  }
  const auto size = static_cast<size_t>(count);
  std::vector<double> floats;
  std::vector<int64_t> ints;
  switch (tensor.data_type()) {
    case onnx::TensorProto::FLOAT:
      read_elements<float>(tensor, tensor.float_data(), size, floats);
      return known_floats(shape, std::move(floats));
    case onnx::TensorProto::DOUBLE:
      read_elements<double>(tensor, tensor.double_data(), size, floats);
      return known_floats(shape, std::move(floats));
    case onnx::TensorProto::INT64:
      read_elements<int64_t>(tensor, tensor.int64_data(), size, ints);
      return known_ints(shape, std::move(ints));
    case onnx::TensorProto::INT32:
      read_elements<int32_t>(tensor, tensor.int32_data(), size, ints);
      return known_ints(shape, std::move(ints));
    default:
      fail(what + " has data type " + data_type_name(tensor.data_type()) +
           ", which is not supported (float, double, int64, int32 are)");
  }
}

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& attribute : node.attribute()) {
    if (attribute.name() == name) return &attribute;
  }
  return nullptr;
}

const onnx::AttributeProto* typed_attribute(const onnx::NodeProto& node, const std::string& name,
                                            onnx::AttributeProto::AttributeType type, const char* type_name) {
  const auto* attribute = find_attribute(node, name);
  if (attribute && attribute->type() != type) fail("attribute " + name + " must be " + type_name);
  return attribute;
}

int64_t int_attribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  const auto* attribute = typed_attribute(node, name, onnx::AttributeProto::INT, "an int");
  return attribute ? attribute->i() : fallback;
}

double float_attribute(const onnx::NodeProto& node, const std::string& name, double fallback) {
  const auto* attribute = typed_attribute(node, name, onnx::AttributeProto::FLOAT, "a float");
  return attribute ? attribute->f() : fallback;
}

std::optional<std::vector<int64_t>> ints_attribute(const onnx::NodeProto& node, const std::string& name) {
  const auto* attribute = typed_attribute(node, name, onnx::AttributeProto::INTS, "a list of ints");
  if (!attribute) return std::nullopt;
  return std::vector<int64_t>(attribute->ints().begin(), attribute->ints().end());
}

int64_t normalize_axis(int64_t axis, size_t rank) {
  const auto signed_rank = static_cast<int64_t>(rank);
  if (axis < -signed_rank || axis >= signed_rank) {
    fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  return axis < 0 ? axis + signed_rank : axis;
}

// Numpy broadcasting of two shapes; the batch symbol broadcasts against 1 like any size.
Shape broadcast_shapes(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (da != db && da != 1 && db != 1) {
      fail("shapes " + ir::shape_string(a) + " and " + ir::shape_string(b) + " do not broadcast");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// For each element of `to`, the flat index of the element of `from` that broadcasting reads.
std::vector<size_t> broadcast_sources(const Shape& from, const Shape& to) {
  std::vector<size_t> sources(static_cast<size_t>(ir::element_count(to)));
  std::vector<int64_t> index(to.size(), 0);
  const size_t offset = to.size() - from.size();
  for (auto& source : sources) {
    size_t flat = 0;
    for (size_t axis = 0; axis < from.size(); ++axis) {
      flat = flat * static_cast<size_t>(from[axis]) + static_cast<size_t>(from[axis] == 1 ? 0 : index[axis + offset]);
    }
    source = flat;
    for (size_t axis = to.size(); axis-- > 0;) {
      if (++index[axis] < to[axis]) break;
      index[axis] = 0;
    }
  }
  return sources;
}

int64_t fold_integer(const std::string& op, int64_t a, int64_t b) {
  if (a == kBatchValue || b == kBatchValue) fail("arithmetic on the batch size is not supported");
  int64_t result = 0;
  bool overflow = false;
  if (op == "Add") {
    overflow = __builtin_add_overflow(a, b, &result);
  } else if (op == "Sub") {
    overflow = __builtin_sub_overflow(a, b, &result);
  } else if (op == "Mul") {
    overflow = __builtin_mul_overflow(a, b, &result);
  } else {
    if (b == 0) fail("integer division by zero");
    overflow = a == std::numeric_limits<int64_t>::min() && b == -1;
    if (!overflow) result = a / b;
  }
  if (overflow || result == kBatchValue) fail("integer overflow");
  return result;
}

// One ONNX node being imported: its proto and its resolved operands (null where omitted).
struct Call {
  const onnx::NodeProto& proto;
  std::vector<const Value*> operands;

  bool has(size_t i) const { return i < operands.size() && operands[i]; }
  const Value& operand(size_t i) const {
    if (!has(i)) fail("operand " + std::to_string(i) + " is missing");
    return *operands[i];
  }
};

std::vector<int64_t> known_integers(const Value& value, const std::string& what) {
  if (!value.known() || value.kind != Kind::Int) fail(what + " must be a constant integer tensor");
  if (static_cast<int64_t>(value.ints->size()) > kMaxFolded) fail(what + " has too many values");
  return *value.ints;
}

// Axes given as an operand (opset 13 and later) or as the attribute "axes" (before).
std::vector<int64_t> axes_of(const Call& call, size_t operand) {
  if (call.has(operand)) return known_integers(call.operand(operand), "axes");
  return ints_attribute(call.proto, "axes").value_or(std::vector<int64_t>{});
}

// ONNX Gather's result shape: the indices' shape replaces the gathered axis.
Shape gathered_shape(const Shape& from, int64_t axis, const Shape& index_shape) {
  Shape out(from.begin(), from.begin() + axis);
  out.insert(out.end(), index_shape.begin(), index_shape.end());
  out.insert(out.end(), from.begin() + axis + 1, from.end());
  return out;
}

Shape symbolic_shape(const std::vector<int64_t>& values) {
  Shape shape;
  for (int64_t value : values) shape.push_back(value == kBatchValue ? kBatch : value);
  return shape;
}

class Importer;
using Handler = Value (*)(Importer&, const Call&);

class Importer {
 public:
  Importer(const std::string& path, ir::DType dtype) : path_(path), builder_(dtype) {}

  ir::Graph run(const onnx::GraphProto& graph);

  // The op handlers, one per supported ONNX op (see handlers()).
  Value identity(const Call& call) { return call.operand(0); }
  Value unary(const Call& call, ir::Op op) { return runtime_value(builder_.unary(op, data(call.operand(0)))); }
  Value leaky_relu(const Call& call);
  Value binary(const Call& call, ir::Op op);
  Value gemm(const Call& call);
  Value matmul(const Call& call);
  Value constant(const Call& call);
  Value shape(const Call& call);
  Value gather(const Call& call);
  Value unsqueeze(const Call& call);
  Value squeeze(const Call& call);
  Value reshape(const Call& call);
  Value flatten(const Call& call);
  Value concat(const Call& call);
  Value slice(const Call& call);
  Value transpose(const Call& call);
  Value cast(const Call& call);
  Value greater(const Call& call);
  Value expand(const Call& call);
  Value reduce_sum(const Call& call);

 private:
  Shape shape_of(const Value& value) const { return value.known() ? value.shape : builder_.shape(*value.node); }
  NodeId data(const Value& value);
  NodeId broadcast_to(NodeId node, const Shape& shape);
  Value reshaped(const Value& value, const Shape& shape);
  Value take_known(const Value& value, int64_t axis, const std::vector<int64_t>& indices, const Shape& index_shape) const;
  std::optional<double> unnamed_scalar(const Value& value) const;
  void import_node(const onnx::NodeProto& proto, Handler handler);
  void define(const std::string& name, Value value);

  const std::string& path_;
  ir::Builder builder_;
  std::unordered_map<std::string, Value> values_;
  // Known data already in the graph, so that each use of a parameter costs no copy.
  std::map<std::tuple<const std::vector<double>*, Shape, std::string>, NodeId> constants_;
};

// The supported op set; the error for any other op lists these names.
const std::map<std::string, Handler>& handlers() {
  static const std::map<std::string, Handler> table = {
      {"Add", [](Importer& i, const Call& c) { return i.binary(c, ir::Op::Add); }},
      {"Cast", [](Importer& i, const Call& c) { return i.cast(c); }},
      {"Concat", [](Importer& i, const Call& c) { return i.concat(c); }},
      {"Constant", [](Importer& i, const Call& c) { return i.constant(c); }},
      {"Cos", [](Importer& i, const Call& c) { return i.unary(c, ir::Op::Cos); }},
      {"Div", [](Importer& i, const Call& c) { return i.binary(c, ir::Op::Div); }},
      {"Exp", [](Importer& i, const Call& c) { return i.unary(c, ir::Op::Exp); }},
      {"Expand", [](Importer& i, const Call& c) { return i.expand(c); }},
      {"Flatten", [](Importer& i, const Call& c) { return i.flatten(c); }},
      {"Gather", [](Importer& i, const Call& c) { return i.gather(c); }},
      {"Gemm", [](Importer& i, const Call& c) { return i.gemm(c); }},
      {"Greater", [](Importer& i, const Call& c) { return i.greater(c); }},
      {"Identity", [](Importer& i, const Call& c) { return i.identity(c); }},
      {"LeakyRelu", [](Importer& i, const Call& c) { return i.leaky_relu(c); }},
      {"MatMul", [](Importer& i, const Call& c) { return i.matmul(c); }},
      {"Mul", [](Importer& i, const Call& c) { return i.binary(c, ir::Op::Mul); }},
      {"Neg", [](Importer& i, const Call& c) { return i.unary(c, ir::Op::Neg); }},
      {"ReduceSum", [](Importer& i, const Call& c) { return i.reduce_sum(c); }},
      {"Relu", [](Importer& i, const Call& c) { return i.unary(c, ir::Op::Relu); }},
      {"Reshape", [](Importer& i, const Call& c) { return i.reshape(c); }},
      {"Shape", [](Importer& i, const Call& c) { return i.shape(c); }},
      {"Sigmoid", [](Importer& i, const Call& c) { return i.unary(c, ir::Op::Sigmoid); }},
      {"Sin", [](Importer& i, const Call& c) { return i.unary(c, ir::Op::Sin); }},
      {"Slice", [](Importer& i, const Call& c) { return i.slice(c); }},
      {"Squeeze", [](Importer& i, const Call& c) { return i.squeeze(c); }},
      {"Sub", [](Importer& i, const Call& c) { return i.binary(c, ir::Op::Sub); }},
      {"Tanh", [](Importer& i, const Call& c) { return i.unary(c, ir::Op::Tanh); }},
      {"Transpose", [](Importer& i, const Call& c) { return i.transpose(c); }},
      {"Unsqueeze", [](Importer& i, const Call& c) { return i.unsqueeze(c); }},
  };
  return table;
}

std::string supported_ops() {
  std::string text;
  for (const auto& [name, handler] : handlers()) text += (text.empty() ? "" : ", ") + name;
  return text;
}

NodeId Importer::data(const Value& value) {
  if (value.kind == Kind::Bool) fail("a boolean tensor is only supported as the operand of Cast");
  if (value.kind == Kind::Int) fail("an integer tensor cannot be used as data (only as shapes, axes or indices)");
  if (!value.known()) return *value.node;
  auto key = std::make_tuple(value.floats.get(), value.shape, value.name);
  if (const auto found = constants_.find(key); found != constants_.end()) return found->second;
  checked_count(value.shape);
  const NodeId node = builder_.constant(value.shape, *value.floats, value.name);
  constants_.emplace(std::move(key), node);
  return node;
}

NodeId Importer::broadcast_to(NodeId node, const Shape& shape) {
  if (builder_.shape(node) == shape) return node;
  checked_count(shape);
  return builder_.broadcast(node, shape);
}

Value Importer::reshaped(const Value& value, const Shape& shape) {
  const Shape from = shape_of(value);
  if (std::count(from.begin(), from.end(), kBatch) != std::count(shape.begin(), shape.end(), kBatch) ||
      checked_count(from) != checked_count(shape)) {
    fail("cannot reshape " + ir::shape_string(from) + " to " + ir::shape_string(shape));
  }
  if (!value.known()) return runtime_value(builder_.reshape(*value.node, shape), value.kind);
  if (value.kind == Kind::Float) return runtime_value(builder_.reshape(data(value), shape));  // data stays data
  Value result = value;
  result.shape = shape;
  return result;
}

// Gather of a known integer tensor (shape arithmetic), computed now.
Value Importer::take_known(const Value& value, int64_t axis, const std::vector<int64_t>& indices,
                           const Shape& index_shape) const {
  const Shape& from = value.shape;
  const Shape out = gathered_shape(from, axis, index_shape);
  if (checked_count(out) > kMaxFolded) fail("integer tensor of shape " + ir::shape_string(out) + " is too large");
  const int64_t outer = ir::element_count(Shape(from.begin(), from.begin() + axis));
  const int64_t inner = ir::element_count(Shape(from.begin() + axis + 1, from.end()));
  const int64_t size = from[static_cast<size_t>(axis)];
  std::vector<int64_t> picked;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t index : indices) {
      for (int64_t i = 0; i < inner; ++i) picked.push_back((*value.ints)[static_cast<size_t>((o * size + index) * inner + i)]);
    }
  }
  return known_ints(out, std::move(picked));
}

std::optional<double> Importer::unnamed_scalar(const Value& value) const {
  if (!value.known() || value.kind != Kind::Float || !value.name.empty() || value.floats->size() != 1) {
    return std::nullopt;
  }
  return value.floats->front();
}

Value Importer::binary(const Call& call, ir::Op op) {
  const Value& a = call.operand(0);
  const Value& b = call.operand(1);
  const Shape out = broadcast_shapes(shape_of(a), shape_of(b));
  if (a.kind == Kind::Int && b.kind == Kind::Int && a.known() && b.known()) {
    if (checked_count(out) > kMaxFolded) fail("integer tensor of shape " + ir::shape_string(out) + " is too large");
    const auto a_sources = broadcast_sources(a.shape, out);
    const auto b_sources = broadcast_sources(b.shape, out);
    std::vector<int64_t> folded;
    for (size_t i = 0; i < a_sources.size(); ++i) {
      folded.push_back(fold_integer(call.proto.op_type(), (*a.ints)[a_sources[i]], (*b.ints)[b_sources[i]]));
    }
    return known_ints(out, std::move(folded));
  }
  checked_count(out);
  if (op == ir::Op::Mul) {
    if (auto factor = unnamed_scalar(b)) return runtime_value(broadcast_to(builder_.scale(data(a), *factor), out));
    if (auto factor = unnamed_scalar(a)) return runtime_value(broadcast_to(builder_.scale(data(b), *factor), out));
  }
  if (op == ir::Op::Div && b.known() && b.kind == Kind::Float && b.name.empty() &&
      static_cast<int64_t>(b.floats->size()) <= kMaxFolded) {
    if (auto divisor = unnamed_scalar(b)) return runtime_value(broadcast_to(builder_.scale(data(a), 1.0 / *divisor), out));
    std::vector<double> inverted;
    for (double value : *b.floats) inverted.push_back(1.0 / value);
    const Value reciprocal = known_floats(b.shape, std::move(inverted));
    return runtime_value(builder_.mul(broadcast_to(data(a), out), broadcast_to(data(reciprocal), out)));
  }
  return runtime_value(builder_.binary(op, broadcast_to(data(a), out), broadcast_to(data(b), out)));
}

// max(x, alpha x) for x > 0 or not: relu(x) - alpha relu(-x). INSP-Net's heads use alpha 0
// (F.leaky_relu(negative_slope=0)), which is just Relu.
Value Importer::leaky_relu(const Call& call) {
  const NodeId x = data(call.operand(0));
  const double alpha = float_attribute(call.proto, "alpha", 0.01);
  const NodeId positive_part = builder_.unary(ir::Op::Relu, x);
  if (alpha == 0.0) return runtime_value(positive_part);
  const NodeId negative_part = builder_.unary(ir::Op::Relu, builder_.neg(x));
  return runtime_value(builder_.sub(positive_part, builder_.scale(negative_part, alpha)));
}

Value Importer::gemm(const Call& call) {
  const NodeId a = data(call.operand(0));
  const NodeId b = data(call.operand(1));
  if (builder_.shape(a).size() != 2 || builder_.shape(b).size() != 2) fail("Gemm needs operands of rank 2");
  NodeId y = builder_.matmul(a, b, int_attribute(call.proto, "transA", 0) != 0, int_attribute(call.proto, "transB", 0) != 0);
  const double alpha = float_attribute(call.proto, "alpha", 1.0);
  if (alpha != 1.0) y = builder_.scale(y, alpha);
  if (!call.has(2)) return runtime_value(y);
  NodeId c = data(call.operand(2));
  if (broadcast_shapes(builder_.shape(c), builder_.shape(y)) != builder_.shape(y)) {
    fail("C of shape " + ir::shape_string(builder_.shape(c)) + " does not broadcast to " + ir::shape_string(builder_.shape(y)));
  }
  const double beta = float_attribute(call.proto, "beta", 1.0);
  if (beta != 1.0) c = builder_.scale(c, beta);
  return runtime_value(builder_.add(y, broadcast_to(c, builder_.shape(y))));
}

// Numpy matmul semantics over the IR's a[..., M, K] x b[K, N]: vectors gain and lose a unit axis,
// and a right operand may carry leading unit axes.
Value Importer::matmul(const Call& call) {
  NodeId a = data(call.operand(0));
  NodeId b = data(call.operand(1));
  const Shape a_shape = builder_.shape(a);
  const Shape b_shape = builder_.shape(b);
  if (a_shape.empty() || b_shape.empty()) fail("MatMul needs operands of rank 1 or more");
  if (!std::all_of(b_shape.begin(), b_shape.end() - std::min<ptrdiff_t>(2, static_cast<ptrdiff_t>(b_shape.size())),
                   [](int64_t dim) { return dim == 1; })) {
    fail("MatMul with a batched right operand " + ir::shape_string(b_shape) + " is not supported");
  }
  const Shape a_stack = a_shape.size() > 2 ? Shape(a_shape.begin(), a_shape.end() - 2) : Shape{};
  const Shape b_stack = b_shape.size() > 2 ? Shape(b_shape.begin(), b_shape.end() - 2) : Shape{};
  Shape out = broadcast_shapes(a_stack, b_stack);
  if (a_shape.size() >= 2) out.push_back(a_shape[a_shape.size() - 2]);
  if (b_shape.size() >= 2) out.push_back(b_shape.back());
  if (a_shape.size() == 1) a = builder_.reshape(a, {1, a_shape[0]});
  if (b_shape.size() == 1) b = builder_.reshape(b, {b_shape[0], 1});
  if (b_shape.size() > 2) b = builder_.reshape(b, {b_shape[b_shape.size() - 2], b_shape.back()});
  return reshaped(runtime_value(builder_.matmul(a, b)), out);
}

Value Importer::constant(const Call& call) {
  if (call.proto.attribute_size() != 1) fail("Constant needs exactly one value attribute");
  const auto& attribute = call.proto.attribute(0);
  const std::string& key = attribute.name();
  if (key == "value" && attribute.type() == onnx::AttributeProto::TENSOR) return tensor_value(attribute.t());
  if (key == "value_float" && attribute.type() == onnx::AttributeProto::FLOAT) return known_floats({}, {attribute.f()});
  if (key == "value_floats" && attribute.type() == onnx::AttributeProto::FLOATS) {
    return known_floats({attribute.floats_size()}, {attribute.floats().begin(), attribute.floats().end()});
  }
  if (key == "value_int" && attribute.type() == onnx::AttributeProto::INT) return known_ints({}, {attribute.i()});
  if (key == "value_ints" && attribute.type() == onnx::AttributeProto::INTS) {
    std::vector<int64_t> ints(attribute.ints().begin(), attribute.ints().end());
    return known_list(std::move(ints));
  }
  fail("Constant attribute '" + printable(key) + "' of this type is not supported");
}

Value Importer::shape(const Call& call) {
  const Shape dims = shape_of(call.operand(0));
  const auto rank = static_cast<int64_t>(dims.size());
  const auto clamp = [rank](int64_t index) { return std::clamp(index < 0 ? index + rank : index, int64_t{0}, rank); };
  const int64_t start = clamp(int_attribute(call.proto, "start", 0));
  const int64_t end = clamp(int_attribute(call.proto, "end", rank));
  std::vector<int64_t> ints;
  for (int64_t i = start; i < end; ++i) ints.push_back(dims[static_cast<size_t>(i)] == kBatch ? kBatchValue : dims[static_cast<size_t>(i)]);
  return known_list(std::move(ints));
}

Value Importer::gather(const Call& call) {
  const Value& value = call.operand(0);
  std::vector<int64_t> indices = known_integers(call.operand(1), "Gather indices");
  const Shape dims = shape_of(value);
  if (dims.empty()) fail("Gather needs data of rank 1 or more");
  const int64_t axis = normalize_axis(int_attribute(call.proto, "axis", 0), dims.size());
  const int64_t size = dims[static_cast<size_t>(axis)];
  if (size == kBatch) fail("cannot gather along the batch axis");
  if (indices.empty()) fail("Gather selects nothing (empty tensors are not supported)");
  for (int64_t& index : indices) {
    if (index < 0) index += size;
    if (index < 0 || index >= size) fail("index " + std::to_string(index) + " is out of range");
  }
  const Shape& index_shape = call.operand(1).shape;
  if (value.known() && value.kind == Kind::Int) return take_known(value, axis, indices, index_shape);
  return reshaped(runtime_value(builder_.gather(data(value), axis, indices)), gathered_shape(dims, axis, index_shape));
}

Value Importer::unsqueeze(const Call& call) {
  const Value& value = call.operand(0);
  const Shape from = shape_of(value);
  const std::vector<int64_t> axes = axes_of(call, 1);
  const size_t rank = from.size() + axes.size();
  std::vector<bool> inserted(rank, false);
  for (int64_t axis : axes) {
    const auto slot = static_cast<size_t>(normalize_axis(axis, rank));
    if (inserted[slot]) fail("axis " + std::to_string(axis) + " repeats");
    inserted[slot] = true;
  }
  Shape out;
  size_t next = 0;
  for (size_t i = 0; i < rank; ++i) out.push_back(inserted[i] ? 1 : from[next++]);
  return reshaped(value, out);
}

Value Importer::squeeze(const Call& call) {
  const Value& value = call.operand(0);
  const Shape from = shape_of(value);
  const std::vector<int64_t> axes = axes_of(call, 1);
  std::vector<bool> removed(from.size(), axes.empty());
  if (axes.empty()) {
    for (size_t i = 0; i < from.size(); ++i) removed[i] = from[i] == 1;
  }
  for (int64_t axis : axes) {
    const auto a = static_cast<size_t>(normalize_axis(axis, from.size()));
    if (from[a] != 1) fail("cannot squeeze axis " + std::to_string(axis) + " of size " + ir::shape_string({from[a]}));
    removed[a] = true;
  }
  Shape out;
  for (size_t i = 0; i < from.size(); ++i) {
    if (!removed[i]) out.push_back(from[i]);
  }
  return reshaped(value, out);
}

Value Importer::reshape(const Call& call) {
  const Value& value = call.operand(0);
  const Shape from = shape_of(value);
  const std::vector<int64_t> target = known_integers(call.operand(1), "the target shape");
  const bool allow_zero = int_attribute(call.proto, "allowzero", 0) != 0;
  Shape out;
  std::optional<size_t> inferred;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t dim = target[i];
    if (dim == kBatchValue) {
      dim = kBatch;
    } else if (dim == 0 && !allow_zero) {
      if (i >= from.size()) fail("target " + list_string(target) + " copies a dimension the input lacks");
      dim = from[i];
    } else if (dim == -1) {
      if (inferred) fail("target " + list_string(target) + " has more than one -1");
      inferred = i;
      dim = 1;
    } else if (dim <= 0) {
      fail("target " + list_string(target) + " has an invalid size");
    }
    out.push_back(dim);
  }
  if (inferred) {
    // -1 absorbs what is left: a static size, or the batch if the target otherwise lacks it.
    const auto batches = [](const Shape& s) { return std::count(s.begin(), s.end(), kBatch); };
    const int64_t have = checked_count(from);
    const int64_t rest = checked_count(out);
    if (batches(from) == batches(out) + 1 && have == rest) {
      out[*inferred] = kBatch;
    } else if (batches(from) == batches(out) && have % rest == 0) {
      out[*inferred] = have / rest;
    } else {
      fail("cannot infer -1 in " + list_string(target) + " for input " + ir::shape_string(from) +
           " (the batch axis cannot merge with others)");
    }
  }
  return reshaped(value, out);
}

Value Importer::flatten(const Call& call) {
  const Value& value = call.operand(0);
  const Shape from = shape_of(value);
  const auto rank = static_cast<int64_t>(from.size());
  int64_t axis = int_attribute(call.proto, "axis", 1);
  if (axis < -rank || axis > rank) fail("axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += rank;
  const auto group = [&](Shape::const_iterator begin, Shape::const_iterator end) {
    const Shape part(begin, end);
    const auto batches = std::count(part.begin(), part.end(), kBatch);
    if (batches == 0) return checked_count(part);
    if (batches == 1 && checked_count(part) == 1) return kBatch;
    fail("cannot flatten " + ir::shape_string(from) + " at axis " + std::to_string(axis) +
         " (the batch axis cannot merge with others)");
  };
  return reshaped(value, {group(from.begin(), from.begin() + axis), group(from.begin() + axis, from.end())});
}

Value Importer::concat(const Call& call) {
  if (call.operands.empty()) fail("Concat needs operands");
  bool all_known_ints = true;
  for (size_t i = 0; i < call.operands.size(); ++i) {
    const Value& part = call.operand(i);
    all_known_ints = all_known_ints && part.known() && part.kind == Kind::Int;
  }
  const Shape first = shape_of(call.operand(0));
  if (first.empty()) fail("Concat needs operands of rank 1 or more");
  const int64_t axis = normalize_axis(int_attribute(call.proto, "axis", 0), first.size());
  if (!all_known_ints) {
    std::vector<NodeId> parts;
    for (size_t i = 0; i < call.operands.size(); ++i) parts.push_back(data(call.operand(i)));
    return runtime_value(builder_.concat(parts, axis));
  }
  // Known integer tensors (shapes being assembled): concatenate blocks now.
  Shape out = first;
  out[static_cast<size_t>(axis)] = 0;
  const int64_t outer = ir::element_count(Shape(first.begin(), first.begin() + axis));
  for (const Value* part : call.operands) {
    if (part->shape.size() != first.size()) fail("operand ranks differ");
    for (size_t i = 0; i < first.size(); ++i) {
      if (i != static_cast<size_t>(axis) && part->shape[i] != first[i]) fail("operand shapes differ off the concat axis");
    }
    out[static_cast<size_t>(axis)] += part->shape[static_cast<size_t>(axis)];
  }
  std::vector<int64_t> ints;
  for (int64_t o = 0; o < outer; ++o) {
    for (const Value* part : call.operands) {
      const auto block = static_cast<int64_t>(part->ints->size()) / std::max<int64_t>(outer, 1);
      ints.insert(ints.end(), part->ints->begin() + o * block, part->ints->begin() + (o + 1) * block);
    }
  }
  return known_ints(out, std::move(ints));
}

Value Importer::slice(const Call& call) {
  Value value = call.operand(0);
  const bool from_operands = call.operands.size() >= 3;  // opset 10 and later; attributes before
  const auto get = [&](size_t operand, const char* name) -> std::optional<std::vector<int64_t>> {
    if (from_operands) {
      if (!call.has(operand)) return std::nullopt;
      return known_integers(call.operand(operand), std::string("Slice ") + name);
    }
    return ints_attribute(call.proto, name);
  };
  const auto starts = get(1, "starts");
  const auto ends = get(2, "ends");
  if (!starts || !ends || starts->size() != ends->size()) fail("Slice needs starts and ends of equal length");
  std::vector<int64_t> axes(starts->size());
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
  axes = get(3, "axes").value_or(axes);
  const auto steps = get(4, "steps").value_or(std::vector<int64_t>(starts->size(), 1));
  if (axes.size() != starts->size() || steps.size() != starts->size()) fail("Slice needs axes and steps as long as starts");
  std::set<int64_t> seen;
  for (size_t i = 0; i < axes.size(); ++i) {
    const Shape dims = shape_of(value);
    const int64_t axis = normalize_axis(axes[i], dims.size());
    if (!seen.insert(axis).second) fail("Slice repeats axis " + std::to_string(axes[i]));
    if (steps[i] != 1) fail("Slice with step " + std::to_string(steps[i]) + " is not supported (only step 1)");
    int64_t start = (*starts)[i], end = (*ends)[i];
    const int64_t size = dims[static_cast<size_t>(axis)];
    if (size == kBatch) {
      if (start == 0 && end >= kSliceToEnd) continue;
      fail("cannot slice the batch axis");
    }
    if (start == kBatchValue || end == kBatchValue) fail("Slice bounds computed from the batch size are not supported");
    const auto clamp = [size](int64_t index) { return std::clamp(index < 0 ? index + size : index, int64_t{0}, size); };
    start = clamp(start);
    end = clamp(end);
    if (start >= end) fail("Slice selects nothing (empty tensors are not supported)");
    if (start == 0 && end == size) continue;
    if (value.known() && value.kind == Kind::Int) {
      std::vector<int64_t> indices;
      for (int64_t index = start; index < end; ++index) indices.push_back(index);
      value = take_known(value, axis, indices, {end - start});
    } else {
      value = runtime_value(builder_.slice(data(value), axis, start, end));
    }
  }
  return value;
}

Value Importer::transpose(const Call& call) {
  const NodeId a = data(call.operand(0));
  std::vector<int64_t> perm(builder_.shape(a).size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(perm.size() - 1 - i);
  return runtime_value(builder_.transpose(a, ints_attribute(call.proto, "perm").value_or(perm)));
}

Value Importer::cast(const Call& call) {
  Value value = call.operand(0);
  const int64_t to = int_attribute(call.proto, "to", onnx::TensorProto::UNDEFINED);
  const bool to_float = to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE;
  const bool to_int = to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32;
  if (!to_float && !to_int) fail("Cast to " + data_type_name(static_cast<int>(to)) + " is not supported");
  if (!value.known()) {
    if (!to_float) fail("Cast of a computed tensor to an integer type is not supported");
    value.kind = Kind::Float;
    return value;
  }
  if (value.kind == (to_float ? Kind::Float : Kind::Int)) return value;
  const size_t count = to_float ? value.ints->size() : value.floats->size();
  if (static_cast<int64_t>(count) > kMaxFolded) fail("Cast of " + std::to_string(count) + " known values is not supported");
  if (to_float) {
    std::vector<double> floats;
    for (int64_t i : *value.ints) {
      if (i == kBatchValue) fail("the batch size cannot be used as data");
      floats.push_back(static_cast<double>(i));
    }
    return known_floats(value.shape, std::move(floats));
  }
  std::vector<int64_t> ints;
  for (double f : *value.floats) {
    if (!(std::fabs(f) < 9.0e18)) fail("cannot cast " + std::to_string(f) + " to an integer");
    ints.push_back(static_cast<int64_t>(f));
  }
  return known_ints(value.shape, std::move(ints));
}

// Greater only as the derivative of relu (x > 0 as 0/1), which Step computes.
Value Importer::greater(const Call& call) {
  const Value& a = call.operand(0);
  const Value& b = call.operand(1);
  const Shape out = broadcast_shapes(shape_of(a), shape_of(b));
  checked_count(out);
  const auto scalar = unnamed_scalar(b);
  const bool zero = scalar && *scalar == 0.0;
  const NodeId difference = zero ? broadcast_to(data(a), out)
                                 : builder_.sub(broadcast_to(data(a), out), broadcast_to(data(b), out));
  return runtime_value(builder_.unary(ir::Op::Step, difference), Kind::Bool);
}

Value Importer::expand(const Call& call) {
  const Value& value = call.operand(0);
  const Shape target = symbolic_shape(known_integers(call.operand(1), "the Expand shape"));
  const Shape out = broadcast_shapes(shape_of(value), target);
  checked_count(out);
  return runtime_value(broadcast_to(data(value), out));
}

Value Importer::reduce_sum(const Call& call) {
  const NodeId a = data(call.operand(0));
  std::vector<int64_t> axes = axes_of(call, 1);
  const auto rank = builder_.shape(a).size();
  if (axes.empty()) {
    if (int_attribute(call.proto, "noop_with_empty_axes", 0) != 0) return runtime_value(a);
    for (size_t i = 0; i < rank; ++i) axes.push_back(static_cast<int64_t>(i));
  }
  for (int64_t& axis : axes) axis = normalize_axis(axis, rank);
  return runtime_value(builder_.reduce_sum(a, axes, int_attribute(call.proto, "keepdims", 1) != 0));
}

void Importer::define(const std::string& name, Value value) {
  if (name.empty()) fail("a value has an empty name");
  if (!values_.emplace(name, std::move(value)).second) fail("value '" + printable(name) + "' is defined twice");
}

void Importer::import_node(const onnx::NodeProto& proto, Handler handler) {
  Call call{proto, {}};
  for (const std::string& name : proto.input()) {
    if (name.empty()) {
      call.operands.push_back(nullptr);
      continue;
    }
    const auto found = values_.find(name);
    if (found == values_.end()) fail("operand '" + printable(name) + "' is not defined before this node");
    call.operands.push_back(&found->second);
  }
  if (proto.output_size() != 1) fail("needs exactly one output");
  Value result = handler(*this, call);
  if (!result.known()) checked_count(builder_.shape(*result.node));
  define(proto.output(0), std::move(result));
}

Shape input_shape(const onnx::ValueInfoProto& input) {
  const std::string what = "input '" + printable(input.name()) + "'";
  if (!input.type().has_tensor_type()) fail(what + " is not a tensor");
  const auto& type = input.type().tensor_type();
  if (type.elem_type() != onnx::TensorProto::FLOAT && type.elem_type() != onnx::TensorProto::DOUBLE) {
    fail(what + " has data type " + data_type_name(type.elem_type()) + ", which is not supported (float or double are)");
  }
  if (!type.has_shape()) fail(what + " has no shape");
  Shape shape;
  for (const auto& dim : type.shape().dim()) {
    if (dim.has_dim_value()) {
      if (dim.dim_value() <= 0) fail(what + " has a size of " + std::to_string(dim.dim_value()));
      shape.push_back(dim.dim_value());
    } else {
      shape.push_back(kBatch);  // dim_param or unknown: the number of points
    }
  }
  if (std::count(shape.begin(), shape.end(), kBatch) > 1) fail(what + " has more than one dynamic dimension");
  checked_count(shape);
  return shape;
}

ir::Graph Importer::run(const onnx::GraphProto& graph) {
  const auto model_error = [&](const std::string& why) { return UserError(path_ + ": " + why); };
  for (const auto& initializer : graph.initializer()) {
    try {
      Value value = tensor_value(initializer);
      value.name = initializer.name();
      define(initializer.name(), std::move(value));
    } catch (const NodeError& error) {
      throw model_error("initializer '" + printable(initializer.name()) + "': " + error.what());
    }
  }
  for (const auto& input : graph.input()) {
    if (values_.count(input.name())) continue;  // older exporters list initializers as inputs too
    try {
      define(input.name(), runtime_value(builder_.input(input.name(), input_shape(input))));
    } catch (const std::runtime_error& error) {  // NodeError, ir::Error
      throw model_error(error.what());
    }
  }
  if (builder_.size() == 0) throw model_error("the model has no runtime inputs");
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& proto = graph.node(i);
    const std::string node = "node " + (proto.name().empty() ? "#" + std::to_string(i) : "'" + printable(proto.name()) + "'") +
                             " (op " + printable(proto.op_type()) + ")";
    if (!proto.domain().empty() && proto.domain() != "ai.onnx") {
      throw model_error(node + " is from domain '" + printable(proto.domain()) + "', which is not supported");
    }
    const auto handler = handlers().find(proto.op_type());
    if (handler == handlers().end()) throw model_error(node + " is not supported; supported ops: " + supported_ops());
    try {
      import_node(proto, handler->second);
    } catch (const std::runtime_error& error) {  // NodeError, ir::Error
      throw model_error(node + ": " + error.what());
    }
  }
  if (graph.output_size() == 0) throw model_error("the model has no outputs");
  for (const auto& output : graph.output()) {
    const auto found = values_.find(output.name());
    if (found == values_.end()) throw model_error("output '" + printable(output.name()) + "' is not produced by any node");
    try {
      builder_.add_output(output.name(), data(found->second));
    } catch (const std::runtime_error& error) {
      throw model_error("output '" + printable(output.name()) + "': " + error.what());
    }
  }
  ir::Graph result = builder_.finish();
  try {
    ir::verify(result);
  } catch (const ir::Error& error) {
    throw model_error(std::string("imported graph is inconsistent: ") + error.what());
  }
  return result;
}

}  // namespace

ir::Graph import_onnx(const std::string& path, ir::DType dtype) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw UserError(path + ": cannot open ONNX model");
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) throw UserError(path + ": not a valid ONNX model (truncated or corrupt protobuf)");
  if (!model.has_graph()) throw UserError(path + ": not a valid ONNX model (it holds no graph)");
  return Importer(path, dtype).run(model.graph());
}

}  // namespace inrarch::models
