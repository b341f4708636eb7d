// The tensor-graph IR: a DAG of tensor ops with static shapes, one dtype per node, built through a
// hash-consing builder so that structurally equal nodes exist once (this is what merges the graphs
// of many derivative outputs, INR-Arch's "graph merging").
//
// Shapes are static except for one symbol, the batch of points: a dimension equal to kBatch stands
// for "the number of points", bound when the graph runs. INRs are per-point functions, so a graph
// built once serves any number of points.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace inrarch::ir {

inline constexpr int64_t kBatch = -1;
using Shape = std::vector<int64_t>;
using NodeId = int32_t;

enum class DType { F32, F64 };

// The whole op set. Each op's shape rule lives in graph.cpp next to its builder method, its
// evaluation in exec/reference.cpp, its derivative rules in autodiff/.
enum class Op {
  Input,      // attrs.name; a coordinate or other runtime tensor
  Constant,   // data; attrs.name non-empty marks a named parameter (a weight)
  MatMul,     // a[..., M, K] x b[K, N] (flags transpose the last two axes of a, or b)
  Add,
  Sub,
  Mul,
  Div,        // elementwise a / b
  Neg,
  Scale,      // attrs.scalar * a
  Sin,
  Cos,
  Tanh,
  Relu,
  Step,       // 1 where a > 0, else 0: the derivative of relu
  Sigmoid,
  Exp,
  Broadcast,  // numpy-style broadcast of a to attrs.ints
  ReduceSum,  // sum over attrs.ints axes; attrs.keepdims keeps them as size 1
  Slice,      // a[start:end) along attrs.axis; attrs.ints = {start, end}
  Gather,     // rows attrs.ints of a along attrs.axis (constant indices)
  Concat,     // along attrs.axis, any number of operands
  Transpose,  // permutation attrs.ints
  Reshape,    // to attrs.ints (may hold kBatch where the batch stays)
};

const char* op_name(Op op);
std::optional<Op> op_from_name(const std::string& name);
bool is_elementwise_unary(Op op);
bool is_elementwise_binary(Op op);
std::string dtype_name(DType dtype);
std::string shape_string(const Shape& shape);

struct Attrs {
  std::vector<int64_t> ints;
  int64_t axis = 0;
  double scalar = 0.0;
  bool trans_a = false;
  bool trans_b = false;
  bool keepdims = false;
  std::string name;
  bool operator==(const Attrs&) const = default;
};

struct Node {
  Op op = Op::Input;
  DType dtype = DType::F32;
  Shape shape;
  std::vector<NodeId> inputs;
  Attrs attrs;
  // Constants only: row-major values, always stored in double whatever the node's dtype.
  std::shared_ptr<const std::vector<double>> data;
};

struct Output {
  std::string name;
  NodeId node;
};

// Every IR failure (bad shapes, bad attributes, verifier findings) is an ir::Error whose message
// names the op and the offending shapes.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Number of elements with the batch symbol bound to `batch`.
int64_t element_count(const Shape& shape, int64_t batch = 1);
bool has_batch(const Shape& shape);

// An immutable graph: nodes in topological order (operands always precede users), named outputs.
class Graph {
 public:
  Graph() = default;
  // Assembles a graph from raw parts without any checks: for readers of foreign formats and for
  // tests of the verifier. Run verify() on the result.
  Graph(std::vector<Node> nodes, std::vector<Output> outputs) : nodes_(std::move(nodes)), outputs_(std::move(outputs)) {}
  const std::vector<Node>& nodes() const { return nodes_; }
  const Node& node(NodeId id) const { return nodes_.at(static_cast<size_t>(id)); }
  const std::vector<Output>& outputs() const { return outputs_; }
  std::vector<NodeId> inputs() const;  // Input nodes, in creation order
  std::optional<NodeId> find_input(const std::string& name) const;
  size_t size() const { return nodes_.size(); }

 private:
  friend class Builder;
  std::vector<Node> nodes_;
  std::vector<Output> outputs_;
};

// Creates nodes with shape inference and hash-consing. One builder produces one graph; passes and
// transforms read an old graph and build a new one.
class Builder {
 public:
  explicit Builder(DType dtype = DType::F32) : dtype_(dtype) {}

  DType dtype() const { return dtype_; }
  const Node& node(NodeId id) const { return graph_.node(id); }
  const Shape& shape(NodeId id) const { return graph_.node(id).shape; }

  NodeId input(const std::string& name, Shape shape);
  NodeId constant(Shape shape, std::vector<double> values, const std::string& name = "");
  NodeId scalar_constant(double value, Shape shape);  // a filled tensor (broadcast of a scalar)
  NodeId matmul(NodeId a, NodeId b, bool trans_a = false, bool trans_b = false);
  NodeId add(NodeId a, NodeId b);
  NodeId sub(NodeId a, NodeId b);
  NodeId mul(NodeId a, NodeId b);
  NodeId div(NodeId a, NodeId b);
  NodeId neg(NodeId a);
  NodeId scale(NodeId a, double factor);
  NodeId unary(Op op, NodeId a);  // sin, cos, tanh, relu, step, sigmoid, exp, neg
  NodeId binary(Op op, NodeId a, NodeId b);  // add, sub, mul, div on equal shapes
  NodeId broadcast(NodeId a, Shape shape);
  NodeId reduce_sum(NodeId a, std::vector<int64_t> axes, bool keepdims);
  NodeId slice(NodeId a, int64_t axis, int64_t start, int64_t end);
  NodeId gather(NodeId a, int64_t axis, std::vector<int64_t> indices);
  NodeId concat(const std::vector<NodeId>& parts, int64_t axis);
  NodeId transpose(NodeId a, std::vector<int64_t> perm);
  NodeId reshape(NodeId a, Shape shape);

  // Re-creates `node` (same op and attributes) over new operands, with its shape re-inferred.
  // This is how passes copy the nodes they leave alone.
  NodeId clone(const Node& node, const std::vector<NodeId>& inputs);

  void add_output(const std::string& name, NodeId node);
  size_t size() const { return graph_.size(); }
  // Hands over the graph; the builder is empty afterwards.
  Graph finish();

 private:
  NodeId intern(Node node);
  struct KeyHash {
    size_t operator()(const Node& node) const;
  };
  struct KeyEqual {
    bool operator()(const Node& a, const Node& b) const;
  };
  DType dtype_;
  Graph graph_;
  std::unordered_map<Node, NodeId, KeyHash, KeyEqual> interned_;
};

// Checks every invariant a pass may rely on: operands precede users, arity, shape rules hold,
// constants hold the right number of values, outputs exist. Throws ir::Error naming the node.
void verify(const Graph& graph);

// " trans_b", " axis=1 range=[0,3)", ...: the attributes of a node as printed.
std::string attribute_text(const Node& node);
// Human-readable listing, one node per line: "%12 = matmul(%3, %7) trans_b : f32[N,256]".
std::string to_text(const Graph& graph);
// Graphviz dot with ops as boxes and shapes on edges.
std::string to_dot(const Graph& graph);

// Op histogram, e.g. {"matmul": 5, "sin": 4}.
std::vector<std::pair<std::string, int>> op_histogram(const Graph& graph);
// Multiply-accumulates per point of all matmuls (batch symbol bound to 1).
int64_t matmul_macs_per_point(const Graph& graph);
int64_t parameter_count(const Graph& graph);

}  // namespace inrarch::ir
