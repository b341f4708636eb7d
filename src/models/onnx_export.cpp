#include "models/onnx_export.h"

#include <onnx/onnx_pb.h>

#include <fstream>
#include <optional>
#include <set>

#include "util/error.h"

namespace inrarch::models {
namespace {

using ir::kBatch;
using ir::NodeId;
using ir::Op;
using ir::Shape;

constexpr int64_t kOpset = 13;
constexpr int64_t kIrVersion = 7;  // the IR version that goes with opset 13

int element_type(ir::DType dtype) {
  return dtype == ir::DType::F32 ? onnx::TensorProto::FLOAT : onnx::TensorProto::DOUBLE;
}

void set_type(onnx::ValueInfoProto& info, ir::DType dtype, const Shape& shape) {
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(element_type(dtype));
  auto* dims = tensor->mutable_shape();
  for (int64_t dim : shape) {
    auto* entry = dims->add_dim();
    if (dim == kBatch) {
      entry->set_dim_param("N");
    } else {
      entry->set_dim_value(dim);
    }
  }
}

template <typename Stored, typename Value>
std::string raw_bytes(const std::vector<Value>& values) {
  std::string bytes;
  for (Value value : values) {
    const auto stored = static_cast<Stored>(value);
    bytes.append(reinterpret_cast<const char*>(&stored), sizeof stored);
  }
  return bytes;
}

void fill_tensor(onnx::TensorProto& tensor, ir::DType dtype, const Shape& shape, const std::vector<double>& values) {
  tensor.set_data_type(element_type(dtype));
  for (int64_t dim : shape) tensor.add_dims(dim);
  tensor.set_raw_data(dtype == ir::DType::F32 ? raw_bytes<float>(values) : raw_bytes<double>(values));
}

void add_int(onnx::NodeProto& node, const std::string& name, int64_t value) {
  auto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

void add_ints(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values) {
  auto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INTS);
  for (int64_t value : values) attribute->add_ints(value);
}

class Exporter {
 public:
  Exporter(const ir::Graph& graph, const std::string& path, onnx::GraphProto& out)
      : graph_(graph), path_(path), out_(out), names_(graph.size()) {}
  void run();

 private:
  std::string fresh(const std::string& hint);
  std::string claim(const std::string& name);
  onnx::NodeProto& emit(const std::string& op, const std::vector<std::string>& inputs, const std::string& output);
  std::string emit_value(const std::string& op, const std::vector<std::string>& inputs);
  std::string constant_node(ir::DType dtype, const Shape& shape, const std::vector<double>& values);
  std::string integers(const std::vector<int64_t>& values);
  std::string batch_size();
  std::string shape_tensor(const Shape& shape);
  std::string export_node(NodeId id);

  const ir::Graph& graph_;
  const std::string& path_;
  onnx::GraphProto& out_;
  std::vector<std::string> names_;  // the ONNX value of each IR node
  std::set<std::string> reserved_;  // input, output and parameter names: never generated
  std::set<std::string> taken_;
  std::optional<std::string> batch_size_;
  int nodes_emitted_ = 0;
};

std::string Exporter::fresh(const std::string& hint) {
  std::string name = hint;
  while (reserved_.count(name) || !taken_.insert(name).second) name += "_";
  return name;
}

std::string Exporter::claim(const std::string& name) { return taken_.insert(name).second ? name : fresh(name); }

onnx::NodeProto& Exporter::emit(const std::string& op, const std::vector<std::string>& inputs, const std::string& output) {
  auto& node = *out_.add_node();
  node.set_op_type(op);
  node.set_name(op + "_" + std::to_string(nodes_emitted_++));
  for (const auto& input : inputs) node.add_input(input);
  node.add_output(output);
  return node;
}

std::string Exporter::emit_value(const std::string& op, const std::vector<std::string>& inputs) {
  const std::string output = fresh(op + "_" + std::to_string(nodes_emitted_));
  emit(op, inputs, output);
  return output;
}

std::string Exporter::constant_node(ir::DType dtype, const Shape& shape, const std::vector<double>& values) {
  const std::string output = fresh("Constant_" + std::to_string(nodes_emitted_));
  auto& node = emit("Constant", {}, output);
  auto* attribute = node.add_attribute();
  attribute->set_name("value");
  attribute->set_type(onnx::AttributeProto::TENSOR);
  fill_tensor(*attribute->mutable_t(), dtype, shape, values);
  return output;
}

std::string Exporter::integers(const std::vector<int64_t>& values) {
  const std::string output = fresh("Constant_" + std::to_string(nodes_emitted_));
  auto& node = emit("Constant", {}, output);
  auto* attribute = node.add_attribute();
  attribute->set_name("value");
  attribute->set_type(onnx::AttributeProto::TENSOR);
  auto* tensor = attribute->mutable_t();
  tensor->set_data_type(onnx::TensorProto::INT64);
  tensor->add_dims(static_cast<int64_t>(values.size()));
  tensor->set_raw_data(raw_bytes<int64_t>(values));
  return output;
}

// The number of points as a one-element int64 tensor, read once from the first input with a batch.
std::string Exporter::batch_size() {
  if (batch_size_) return *batch_size_;
  for (NodeId id : graph_.inputs()) {
    const Shape& shape = graph_.node(id).shape;
    for (size_t axis = 0; axis < shape.size(); ++axis) {
      if (shape[axis] != kBatch) continue;
      const std::string dims = emit_value("Shape", {names_[static_cast<size_t>(id)]});
      auto& gather = emit("Gather", {dims, integers({static_cast<int64_t>(axis)})}, fresh("batch_size"));
      add_int(gather, "axis", 0);
      batch_size_ = gather.output(0);
      return *batch_size_;
    }
  }
  throw ir::Error("export: a shape holds the batch but no input does");
}

std::string Exporter::shape_tensor(const Shape& shape) {
  if (!ir::has_batch(shape)) return integers(shape);
  std::vector<std::string> pieces;
  std::vector<int64_t> run;
  for (int64_t dim : shape) {
    if (dim != kBatch) {
      run.push_back(dim);
      continue;
    }
    if (!run.empty()) pieces.push_back(integers(run));
    run.clear();
    pieces.push_back(batch_size());
  }
  if (!run.empty()) pieces.push_back(integers(run));
  if (pieces.size() == 1) return pieces[0];
  const std::string output = fresh("shape_" + std::to_string(nodes_emitted_));
  add_int(emit("Concat", pieces, output), "axis", 0);
  return output;
}

const char* same_name_op(Op op) {
  switch (op) {
    case Op::Add: return "Add";
    case Op::Sub: return "Sub";
    case Op::Mul: return "Mul";
    case Op::Div: return "Div";
    case Op::Neg: return "Neg";
    case Op::Sin: return "Sin";
    case Op::Cos: return "Cos";
    case Op::Tanh: return "Tanh";
    case Op::Relu: return "Relu";
    case Op::Sigmoid: return "Sigmoid";
    case Op::Exp: return "Exp";
    default: return nullptr;
  }
}

std::string Exporter::export_node(NodeId id) {
  const ir::Node& node = graph_.node(id);
  const auto& attrs = node.attrs;
  std::vector<std::string> in;
  for (NodeId input : node.inputs) in.push_back(names_[static_cast<size_t>(input)]);
  if (const char* op = same_name_op(node.op)) return emit_value(op, in);
  switch (node.op) {
    case Op::Input: {
      auto& info = *out_.add_input();
      info.set_name(attrs.name);
      set_type(info, node.dtype, node.shape);
      return attrs.name;
    }
    case Op::Constant: {
      if (attrs.name.empty()) return constant_node(node.dtype, node.shape, *node.data);
      auto& tensor = *out_.add_initializer();
      tensor.set_name(claim(attrs.name));
      fill_tensor(tensor, node.dtype, node.shape, *node.data);
      return tensor.name();
    }
    case Op::MatMul: {
      if (graph_.node(node.inputs[0]).shape.size() == 2) {
        const std::string output = fresh("Gemm_" + std::to_string(nodes_emitted_));
        auto& gemm = emit("Gemm", in, output);
        if (attrs.trans_a) add_int(gemm, "transA", 1);
        if (attrs.trans_b) add_int(gemm, "transB", 1);
        return output;
      }
      if (attrs.trans_a) {
        std::vector<int64_t> perm(graph_.node(node.inputs[0]).shape.size());
        for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(i);
        std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
        const std::string output = fresh("Transpose_" + std::to_string(nodes_emitted_));
        add_ints(emit("Transpose", {in[0]}, output), "perm", perm);
        in[0] = output;
      }
      if (attrs.trans_b) in[1] = emit_value("Transpose", {in[1]});
      return emit_value("MatMul", in);
    }
    case Op::Scale:
      return emit_value("Mul", {in[0], constant_node(node.dtype, {}, {attrs.scalar})});
    case Op::Step: {
      const std::string positive = emit_value("Greater", {in[0], constant_node(node.dtype, {}, {0.0})});
      const std::string output = fresh("Cast_" + std::to_string(nodes_emitted_));
      add_int(emit("Cast", {positive}, output), "to", element_type(node.dtype));
      return output;
    }
    case Op::Broadcast:
      return emit_value("Expand", {in[0], shape_tensor(attrs.ints)});
    case Op::Reshape:
      return emit_value("Reshape", {in[0], shape_tensor(attrs.ints)});
    case Op::ReduceSum: {
      if (attrs.ints.empty()) return emit_value("Identity", in);
      const std::string output = fresh("ReduceSum_" + std::to_string(nodes_emitted_));
      add_int(emit("ReduceSum", {in[0], integers(attrs.ints)}, output), "keepdims", attrs.keepdims ? 1 : 0);
      return output;
    }
    case Op::Slice:
      return emit_value("Slice", {in[0], integers({attrs.ints[0]}), integers({attrs.ints[1]}), integers({attrs.axis})});
    case Op::Gather: {
      const std::string output = fresh("Gather_" + std::to_string(nodes_emitted_));
      add_int(emit("Gather", {in[0], integers(attrs.ints)}, output), "axis", attrs.axis);
      return output;
    }
    case Op::Concat: {
      const std::string output = fresh("Concat_" + std::to_string(nodes_emitted_));
      add_int(emit("Concat", in, output), "axis", attrs.axis);
      return output;
    }
    case Op::Transpose: {
      const std::string output = fresh("Transpose_" + std::to_string(nodes_emitted_));
      add_ints(emit("Transpose", in, output), "perm", attrs.ints);
      return output;
    }
    default:
      throw ir::Error(std::string("export: no ONNX encoding for ") + ir::op_name(node.op));
  }
}

void Exporter::run() {
  // The names users see are kept exactly; generated names avoid them.
  for (NodeId id : graph_.inputs()) taken_.insert(graph_.node(id).attrs.name);
  for (const auto& output : graph_.outputs()) {
    if (!taken_.insert(output.name).second) {
      throw UserError(path_ + ": cannot export: output name '" + output.name + "' is used twice or by an input");
    }
  }
  for (const ir::Node& node : graph_.nodes()) {
    if (node.op == Op::Constant) reserved_.insert(node.attrs.name);
  }
  for (size_t id = 0; id < graph_.size(); ++id) names_[id] = export_node(static_cast<NodeId>(id));
  for (const auto& output : graph_.outputs()) {
    emit("Identity", {names_[static_cast<size_t>(output.node)]}, output.name);
    auto& info = *out_.add_output();
    info.set_name(output.name);
    const ir::Node& node = graph_.node(output.node);
    set_type(info, node.dtype, node.shape);
  }
}

}  // namespace

void export_onnx(const ir::Graph& graph, const std::string& path) {
  ir::verify(graph);
  onnx::ModelProto model;
  model.set_ir_version(kIrVersion);
  model.set_producer_name("inrarch");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpset);
  auto* out = model.mutable_graph();
  out->set_name("inrarch");
  Exporter(graph, path, *out).run();
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw UserError(path + ": cannot serialize the ONNX model");
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) throw UserError(path + ": cannot write ONNX model");
}

}  // namespace inrarch::models
