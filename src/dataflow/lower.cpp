#include "dataflow/lower.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <queue>
#include <set>
#include <sstream>

#include "exec/reference.h"
#include "util/error.h"

namespace inrarch::dataflow {
namespace {

using ir::Graph;
using ir::Node;
using ir::NodeId;
using ir::Op;
using ir::Shape;

std::string describe(const Graph& graph, NodeId id) {
  const Node& node = graph.node(id);
  return "%" + std::to_string(id) + " " + ir::op_name(node.op) + " " + ir::shape_string(node.shape);
}

[[noreturn]] void reject(const Graph& graph, NodeId id, const std::string& why) {
  throw UserError("dataflow lowering: " + describe(graph, id) + ": " + why);
}

int batch_axis(const Shape& shape) {
  const auto found = std::find(shape.begin(), shape.end(), ir::kBatch);
  return found == shape.end() ? -1 : static_cast<int>(found - shape.begin());
}

Shape tile_shape(const Shape& shape, int64_t tile_points) {
  Shape tile = shape;
  for (auto& dim : tile) {
    if (dim == ir::kBatch) dim = tile_points;
  }
  return tile;
}

std::vector<int64_t> strides_of(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

int64_t product(const Shape& shape, size_t begin, size_t end) {
  int64_t result = 1;
  for (size_t i = begin; i < end; ++i) result *= shape[i];
  return result;
}


int largest_power_of_two_dividing(int64_t value, int limit) {
  int result = 1;
  while (result * 2 <= limit && value % (result * 2) == 0) result *= 2;
  return result;
}

std::string identifier(const std::string& text) {
  std::string result;
  for (char c : text) result += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return result.empty() ? "value" : result;
}

// Rejects ops whose result at one point depends on other points: those cannot be streamed tile by
// tile. Applies to every node an output needs, constant or not.
void check_point_local(const Graph& graph, NodeId id, const std::vector<bool>& dynamic) {
  const Node& node = graph.node(id);
  if (std::count(node.shape.begin(), node.shape.end(), ir::kBatch) > 1)
    reject(graph, id, "has more than one points axis");
  if (node.op == Op::Input && batch_axis(node.shape) < 0) {
    reject(graph, id,
           "input \"" + node.attrs.name + "\" has no points axis; the dataflow backend streams per-point inputs only");
  }
  const auto operand_shape = [&](size_t k) -> const Shape& { return graph.node(node.inputs[k]).shape; };
  switch (node.op) {
    case Op::ReduceSum: {
      const int axis = batch_axis(operand_shape(0));
      if (axis >= 0 && std::count(node.attrs.ints.begin(), node.attrs.ints.end(), axis)) {
        reject(graph, id, "sums over the points");
      }
      break;
    }
    case Op::MatMul: {
      const Shape& a = operand_shape(0);
      const size_t contraction = node.attrs.trans_a ? a.size() - 2 : a.size() - 1;
      if (a[contraction] == ir::kBatch) reject(graph, id, "contracts over the points");
      if (ir::has_batch(operand_shape(1)) || dynamic[static_cast<size_t>(node.inputs[1])]) {
        reject(graph, id, "its right operand depends on the points; only constant weights are supported");
      }
      break;
    }
    case Op::Reshape: {
      const Shape& from = operand_shape(0);
      const int from_axis = batch_axis(from);
      const int to_axis = batch_axis(node.shape);
      if (from_axis >= 0 &&
          product(from, 0, static_cast<size_t>(from_axis)) != product(node.shape, 0, static_cast<size_t>(to_axis))) {
        reject(graph, id, "moves the points axis relative to the other elements");
      }
      break;
    }
    default:
      break;
  }
  if (dynamic[static_cast<size_t>(id)] && batch_axis(node.shape) < 0) {
    reject(graph, id, "depends on the input but has no points axis (it combines different points)");
  }
}

// The constant c, given as the values of a node of shape `shape` with the points bound to 1,
// broadcast over a tile of `tile` (same rank): axes along which c does not vary get stride 0,
// adjacent axes that stay contiguous merge, and the result has rank 4.
StridedConstant strided_constant(const Tensor& value, const Shape& tile, const std::string& what) {
  const Shape& shape = value.shape;
  const auto strides = strides_of(shape);
  Shape compact = shape;
  for (size_t axis = 0; axis < shape.size(); ++axis) {
    if (shape[axis] == 1) continue;
    bool varies = false;
    for_each_index(shape, [&](int64_t flat, const std::vector<int64_t>& index) {
      const int64_t first = flat - index[axis] * strides[axis];
      varies = varies || value.data[static_cast<size_t>(flat)] != value.data[static_cast<size_t>(first)];
    });
    if (!varies) compact[axis] = 1;
  }
  StridedConstant constant;
  const auto compact_strides = strides_of(compact);
  constant.values.resize(static_cast<size_t>(product(compact, 0, compact.size())));
  for_each_index(compact, [&](int64_t flat, const std::vector<int64_t>& index) {
    int64_t source = 0;
    for (size_t axis = 0; axis < shape.size(); ++axis) source += index[axis] * strides[axis];
    constant.values[static_cast<size_t>(flat)] = value.data[static_cast<size_t>(source)];
  });
  // Walk the tile's axes from the innermost outward, merging an axis into the previous group when
  // its stride continues that group's addressing (stride 0 continues stride 0).
  std::vector<int64_t> dims, dim_strides;
  for (size_t axis = tile.size(); axis-- > 0;) {
    if (tile[axis] == 1) continue;
    const int64_t stride = compact[axis] == 1 ? 0 : compact_strides[axis];
    if (!dims.empty() && stride == dim_strides.front() * dims.front()) {
      dims.front() *= tile[axis];
    } else {
      dims.insert(dims.begin(), tile[axis]);
      dim_strides.insert(dim_strides.begin(), stride);
    }
  }
  if (dims.size() > 4) {
    throw UserError("dataflow lowering: the constant operand of " + what +
                    " broadcasts in more than 4 separate axis groups; not supported");
  }
  while (dims.size() < 4) {
    dims.insert(dims.begin(), 1);
    dim_strides.insert(dim_strides.begin(), 0);
  }
  constant.dims = dims;
  constant.strides = dim_strides;
  return constant;
}

class Lowering {
 public:
  Lowering(const Graph& graph, const LowerOptions& options) : graph_(graph), options_(options) {}

  Network run() {
    if (options_.tile_points < 1)
      throw UserError("dataflow lowering: tile of " + std::to_string(options_.tile_points) + " points");
    ir::verify(graph_);
    analyse();
    fold_constants();
    network_.tile_points = options_.tile_points;
    alias_.resize(graph_.size());
    std::iota(alias_.begin(), alias_.end(), 0);
    producer_.assign(graph_.size(), -1);
    uses_.resize(graph_.size());
    for (size_t i = 0; i < graph_.size(); ++i) {
      if (needed_[i] && dynamic_[i]) lower_node(static_cast<NodeId>(i));
    }
    for (const auto& output : graph_.outputs()) lower_output(output);
    connect();
    order_topologically();
    choose_blocks();
    choose_depths();
    return std::move(network_);
  }

 private:
  struct Use {
    int process;
    int slot;
    Shape view;  // the operand's shape as the consumer sees it (a reshape changes only this)
  };

  void analyse() {
    needed_.assign(graph_.size(), false);
    dynamic_.assign(graph_.size(), false);
    for (const auto& output : graph_.outputs()) needed_[static_cast<size_t>(output.node)] = true;
    for (size_t i = graph_.size(); i-- > 0;) {
      if (!needed_[i]) continue;
      for (NodeId input : graph_.nodes()[i].inputs) needed_[static_cast<size_t>(input)] = true;
    }
    for (size_t i = 0; i < graph_.size(); ++i) {
      const Node& node = graph_.nodes()[i];
      dynamic_[i] = node.op == Op::Input;
      for (NodeId input : node.inputs) dynamic_[i] = dynamic_[i] || dynamic_[static_cast<size_t>(input)];
    }
    for (size_t i = 0; i < graph_.size(); ++i) {
      if (needed_[i]) check_point_local(graph_, static_cast<NodeId>(i), dynamic_);
    }
  }

  // Evaluates every needed input-independent node that a streamed node or an output reads, with
  // the points bound to 1 (an input-independent value is the same at every point).
  void fold_constants() {
    std::set<NodeId> boundary;
    for (size_t i = 0; i < graph_.size(); ++i) {
      if (!needed_[i] || !dynamic_[i]) continue;
      for (NodeId input : graph_.nodes()[i].inputs) {
        if (!dynamic_[static_cast<size_t>(input)]) boundary.insert(input);
      }
    }
    for (const auto& output : graph_.outputs()) {
      if (!dynamic_[static_cast<size_t>(output.node)]) boundary.insert(output.node);
    }
    if (boundary.empty()) return;
    ir::Builder builder(ir::DType::F64);
    std::vector<NodeId> copy(graph_.size(), -1);
    for (size_t i = 0; i < graph_.size(); ++i) {
      if (!needed_[i] || dynamic_[i]) continue;
      std::vector<NodeId> inputs;
      for (NodeId input : graph_.nodes()[i].inputs) inputs.push_back(copy[static_cast<size_t>(input)]);
      copy[i] = builder.clone(graph_.nodes()[i], inputs);
    }
    for (NodeId id : boundary) builder.add_output(std::to_string(id), copy[static_cast<size_t>(id)]);
    const auto values = exec::evaluate_reference(builder.finish(), {});
    size_t k = 0;
    for (NodeId id : boundary) folded_[id] = values[k++];
  }

  NodeId root(NodeId id) const { return alias_[static_cast<size_t>(id)]; }

  int add_process(Process process) {
    network_.processes.push_back(std::move(process));
    return static_cast<int>(network_.processes.size()) - 1;
  }

  Process make(ProcessKind kind, NodeId id) {
    Process process;
    process.kind = kind;
    process.node = id;
    process.name = std::string(ir::op_name(graph_.node(id).op)) + "_" + std::to_string(id);
    return process;
  }

  // Registers that input `slot` of `process` reads the value of `operand` as a stream.
  void use(NodeId operand, int process, int slot) {
    NodeId value = root(operand);
    if (!dynamic_[static_cast<size_t>(value)]) value = const_source(value);
    uses_[static_cast<size_t>(value)].push_back({process, slot, graph_.node(operand).shape});
  }

  // An input-independent value that must travel as a stream gets a process that emits it.
  NodeId const_source(NodeId id) {
    if (producer_[static_cast<size_t>(id)] < 0) {
      const Shape& shape = graph_.node(id).shape;
      if (!ir::has_batch(shape)) reject(graph_, id, "is streamed but does not depend on the points");
      Process process;
      process.kind = ProcessKind::ConstSource;
      process.node = id;
      process.name = "const_" + std::to_string(id);
      process.constant =
          strided_constant(folded_.at(id), tile_shape(shape, options_.tile_points), describe(graph_, id));
      producer_[static_cast<size_t>(id)] = add_process(std::move(process));
    }
    return id;
  }

  Tensor folded(NodeId id) const { return folded_.at(id); }

  void lower_node(NodeId id) {
    const Node& node = graph_.node(id);
    const int64_t k = options_.tile_points;
    const auto operand = [&](size_t slot) { return node.inputs[slot]; };
    const auto is_dynamic = [&](size_t slot) { return dynamic_[static_cast<size_t>(operand(slot))]; };
    const auto input_tile = [&](size_t slot) { return tile_shape(graph_.node(operand(slot)).shape, k); };
    const Shape out_tile = tile_shape(node.shape, k);
    int process = -1;
    switch (node.op) {
      case Op::Input: {
        Process read;
        read.kind = ProcessKind::ReadInput;
        read.node = id;
        read.port = node.attrs.name;
        read.name = unique_name("read_" + identifier(node.attrs.name));
        process = add_process(std::move(read));
        network_.inputs.push_back({node.attrs.name, node.shape, process});
        break;
      }
      case Op::Reshape:
        alias_[static_cast<size_t>(id)] = root(operand(0));
        return;
      case Op::MatMul: {
        Process matmul = make(ProcessKind::MatMul, id);
        const Shape a = input_tile(0);
        const size_t r = a.size();
        matmul.trans_a = node.attrs.trans_a;
        matmul.inner = matmul.trans_a ? a[r - 2] : a[r - 1];
        matmul.trans_a_m = matmul.trans_a ? a[r - 1] : 1;
        matmul.rows = product(a, 0, r) / matmul.inner;
        const Tensor b = folded(operand(1));
        matmul.cols = node.attrs.trans_b ? b.shape[0] : b.shape[1];
        matmul.weights.resize(static_cast<size_t>(matmul.inner * matmul.cols));
        for (int64_t i = 0; i < matmul.inner; ++i) {
          for (int64_t j = 0; j < matmul.cols; ++j) {
            matmul.weights[static_cast<size_t>(i * matmul.cols + j)] =
                b.data[static_cast<size_t>(node.attrs.trans_b ? j * matmul.inner + i : i * matmul.cols + j)];
          }
        }
        matmul.parallel = largest_power_of_two_dividing(matmul.cols, options_.matmul_parallel);
        process = add_process(std::move(matmul));
        break;
      }
      case Op::Broadcast: {
        Process reorder = make(ProcessKind::Reorder, id);
        const Shape from = input_tile(0);
        const auto from_strides = strides_of(from);
        const size_t offset = out_tile.size() - from.size();
        for_each_index(out_tile, [&](int64_t, const std::vector<int64_t>& index) {
          int64_t source = 0;
          for (size_t axis = 0; axis < from.size(); ++axis) {
            if (from[axis] != 1) source += index[axis + offset] * from_strides[axis];
          }
          reorder.index_map.push_back(source);
        });
        process = add_process(std::move(reorder));
        break;
      }
      case Op::Transpose: {
        Process reorder = make(ProcessKind::Reorder, id);
        const auto from_strides = strides_of(input_tile(0));
        for_each_index(out_tile, [&](int64_t, const std::vector<int64_t>& index) {
          int64_t source = 0;
          for (size_t axis = 0; axis < index.size(); ++axis) {
            source += index[axis] * from_strides[static_cast<size_t>(node.attrs.ints[axis])];
          }
          reorder.index_map.push_back(source);
        });
        process = add_process(std::move(reorder));
        break;
      }
      case Op::ReduceSum: {
        Process reduce = make(ProcessKind::Reduce, id);
        const Shape from = input_tile(0);
        Shape kept = from;
        for (int64_t axis : node.attrs.ints) kept[static_cast<size_t>(axis)] = 1;
        const auto kept_strides = strides_of(kept);
        for_each_index(from, [&](int64_t, const std::vector<int64_t>& index) {
          int64_t target = 0;
          for (size_t axis = 0; axis < from.size(); ++axis) {
            if (kept[axis] != 1) target += index[axis] * kept_strides[axis];
          }
          reduce.index_map.push_back(target);
        });
        process = add_process(std::move(reduce));
        break;
      }
      case Op::Slice:
      case Op::Gather: {
        const Shape from = input_tile(0);
        const auto axis = static_cast<size_t>(node.attrs.axis);
        std::vector<int64_t> positions;
        if (node.op == Op::Slice) {
          for (int64_t i = node.attrs.ints[0]; i < node.attrs.ints[1]; ++i) positions.push_back(i);
        } else {
          positions = node.attrs.ints;
        }
        const bool streaming = std::adjacent_find(positions.begin(), positions.end(),
                                                  [](int64_t a, int64_t b) { return a >= b; }) == positions.end();
        if (streaming) {
          Process select = make(ProcessKind::Select, id);
          select.outer = product(from, 0, axis);
          select.inner_size = product(from, axis + 1, from.size());
          select.axis_sizes = {from[axis]};
          select.keep.assign(static_cast<size_t>(from[axis]), false);
          for (int64_t i : positions) select.keep[static_cast<size_t>(i)] = true;
          process = add_process(std::move(select));
        } else {
          Process reorder = make(ProcessKind::Reorder, id);
          const auto from_strides = strides_of(from);
          for_each_index(out_tile, [&](int64_t, const std::vector<int64_t>& index) {
            int64_t source = 0;
            for (size_t a = 0; a < index.size(); ++a) {
              source += (a == axis ? positions[static_cast<size_t>(index[a])] : index[a]) * from_strides[a];
            }
            reorder.index_map.push_back(source);
          });
          process = add_process(std::move(reorder));
        }
        break;
      }
      case Op::Concat: {
        Process concat = make(ProcessKind::Concat, id);
        const auto axis = static_cast<size_t>(node.attrs.axis);
        concat.outer = product(out_tile, 0, axis);
        concat.inner_size = product(out_tile, axis + 1, out_tile.size());
        for (size_t slot = 0; slot < node.inputs.size(); ++slot) concat.axis_sizes.push_back(input_tile(slot)[axis]);
        process = add_process(std::move(concat));
        for (size_t slot = 0; slot < node.inputs.size(); ++slot) use(operand(slot), process, static_cast<int>(slot));
        producer_[static_cast<size_t>(id)] = process;
        return;
      }
      default:
        if (ir::is_elementwise_unary(node.op)) {
          Process unary = make(ProcessKind::Unary, id);
          unary.op = node.op;
          unary.scalar = node.attrs.scalar;
          process = add_process(std::move(unary));
          break;
        }
        if (!ir::is_elementwise_binary(node.op)) reject(graph_, id, "has no dataflow kernel");
        if (is_dynamic(0) && is_dynamic(1)) {
          Process binary = make(ProcessKind::Binary, id);
          binary.op = node.op;
          process = add_process(std::move(binary));
          use(operand(0), process, 0);
          use(operand(1), process, 1);
          producer_[static_cast<size_t>(id)] = process;
          return;
        }
        Process binary = make(ProcessKind::BinaryConst, id);
        binary.op = node.op;
        binary.constant_first = !is_dynamic(0);
        const size_t constant_slot = binary.constant_first ? 0 : 1;
        binary.constant = strided_constant(folded(operand(constant_slot)), out_tile, describe(graph_, id));
        process = add_process(std::move(binary));
        use(operand(1 - constant_slot), process, 0);
        producer_[static_cast<size_t>(id)] = process;
        return;
    }
    if (node.op != Op::Input) use(operand(0), process, 0);
    producer_[static_cast<size_t>(id)] = process;
  }

  void lower_output(const ir::Output& output) {
    const NodeId value = output.node;
    if (!ir::has_batch(graph_.node(value).shape)) {
      throw UserError("dataflow lowering: output \"" + output.name + "\" (" + describe(graph_, value) +
                      ") has no points axis");
    }
    Process write;
    write.kind = ProcessKind::WriteOutput;
    write.node = value;
    write.port = output.name;
    write.name = unique_name("write_" + identifier(output.name));
    const int process = add_process(std::move(write));
    network_.outputs.push_back({output.name, graph_.node(value).shape, process});
    use(value, process, 0);
  }

  std::string unique_name(const std::string& wanted) {
    std::string name = wanted;
    for (int k = 2; !names_.insert(name).second; ++k) name = wanted + "_" + std::to_string(k);
    return name;
  }

  // Creates the streams: one per use, through a fork where a value has several uses.
  void connect() {
    for (size_t value = 0; value < uses_.size(); ++value) {
      const auto& uses = uses_[value];
      if (uses.empty()) continue;
      const int producer = producer_[value];
      const NodeId id = static_cast<NodeId>(value);
      if (uses.size() == 1) {
        link(producer, uses[0], id);
        continue;
      }
      Process fork;
      fork.kind = ProcessKind::Fork;
      fork.node = id;
      fork.name = "fork_" + std::to_string(id);
      const int fork_index = add_process(std::move(fork));
      link(producer, {fork_index, 0, graph_.node(id).shape}, id);
      for (const Use& use : uses) link(fork_index, use, id);
    }
  }

  void link(int producer, const Use& use, NodeId value) {
    Stream stream;
    auto& processes = network_.processes;
    const std::string base =
        processes[static_cast<size_t>(producer)].name + "_to_" + processes[static_cast<size_t>(use.process)].name;
    stream.name = base;
    for (int k = 2; !stream_names_.insert(stream.name).second; ++k) stream.name = base + "_" + std::to_string(k);
    stream.shape = graph_.node(value).shape;
    stream.tile_elements = ir::element_count(stream.shape, options_.tile_points);
    stream.producer = producer;
    stream.consumer = use.process;
    stream.node = value;
    const int index = static_cast<int>(network_.streams.size());
    network_.streams.push_back(stream);
    views_.push_back(use.view);
    processes[static_cast<size_t>(producer)].outputs.push_back(index);
    auto& inputs = processes[static_cast<size_t>(use.process)].inputs;
    if (inputs.size() <= static_cast<size_t>(use.slot)) inputs.resize(static_cast<size_t>(use.slot) + 1, -1);
    inputs[static_cast<size_t>(use.slot)] = index;
  }

  // Kahn's algorithm, stable in creation order, so producers precede consumers (forks and
  // constant sources were created after some of their neighbours).
  void order_topologically() {
    auto& processes = network_.processes;
    const size_t count = processes.size();
    std::vector<int> pending(count, 0);
    for (size_t p = 0; p < count; ++p) pending[p] = static_cast<int>(processes[p].inputs.size());
    std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
    for (size_t p = 0; p < count; ++p) {
      if (pending[p] == 0) ready.push(static_cast<int>(p));
    }
    std::vector<int> order;
    while (!ready.empty()) {
      const int p = ready.top();
      ready.pop();
      order.push_back(p);
      for (int s : processes[static_cast<size_t>(p)].outputs) {
        const int consumer = network_.streams[static_cast<size_t>(s)].consumer;
        if (--pending[static_cast<size_t>(consumer)] == 0) ready.push(consumer);
      }
    }
    std::vector<int> position(count);
    for (size_t i = 0; i < count; ++i) position[static_cast<size_t>(order[i])] = static_cast<int>(i);
    std::vector<Process> sorted;
    for (int p : order) sorted.push_back(std::move(processes[static_cast<size_t>(p)]));
    processes = std::move(sorted);
    for (auto& stream : network_.streams) {
      stream.producer = position[static_cast<size_t>(stream.producer)];
      stream.consumer = position[static_cast<size_t>(stream.consumer)];
    }
    for (auto& port : network_.inputs) port.process = position[static_cast<size_t>(port.process)];
    for (auto& port : network_.outputs) port.process = position[static_cast<size_t>(port.process)];
  }

  // B per stream: elementwise kernels (and forks) process whole blocks, so all their streams share
  // one B; each B divides the innermost tile dimension of the stream as produced and as consumed.
  void choose_blocks() {
    const size_t count = network_.streams.size();
    std::vector<size_t> parent(count);
    std::iota(parent.begin(), parent.end(), 0);
    const auto find = [&](size_t s) {
      while (parent[s] != s) s = parent[s] = parent[parent[s]];
      return s;
    };
    for (const Process& process : network_.processes) {
      const bool lanes = process.kind == ProcessKind::Fork || process.kind == ProcessKind::Unary ||
                         process.kind == ProcessKind::Binary || process.kind == ProcessKind::BinaryConst;
      if (!lanes) continue;
      std::vector<int> streams = process.inputs;
      streams.insert(streams.end(), process.outputs.begin(), process.outputs.end());
      for (int s : streams) parent[find(static_cast<size_t>(s))] = find(static_cast<size_t>(streams.front()));
    }
    std::vector<int64_t> common(count, 0);
    for (size_t s = 0; s < count; ++s) {
      const auto innermost = [&](const Shape& shape) {
        return shape.empty() ? 1 : tile_shape(shape, options_.tile_points).back();
      };
      const int64_t fits = std::gcd(innermost(network_.streams[s].shape), innermost(views_[s]));
      common[find(s)] = std::gcd(common[find(s)], fits);
    }
    for (size_t s = 0; s < count; ++s) {
      network_.streams[s].block = largest_power_of_two_dividing(common[find(s)], std::max(1, options_.max_block));
    }
  }

  void choose_depths() {
    for (auto& stream : network_.streams) {
      const bool from_fork = network_.processes[static_cast<size_t>(stream.producer)].kind == ProcessKind::Fork;
      stream.depth = options_.depth_policy == DepthPolicy::ForkTile && from_fork
                         ? static_cast<int>(std::max<int64_t>(options_.default_depth, stream.tile_beats()))
                         : options_.default_depth;
    }
  }

  const Graph& graph_;
  LowerOptions options_;
  Network network_;
  std::vector<bool> needed_, dynamic_;
  std::map<NodeId, Tensor> folded_;
  std::vector<NodeId> alias_;
  std::vector<int> producer_;
  std::vector<std::vector<Use>> uses_;
  std::vector<Shape> views_;  // per stream: the consumer's view of the shape
  std::set<std::string> names_, stream_names_;
};

}  // namespace

const char* kind_name(ProcessKind kind) {
  switch (kind) {
    case ProcessKind::ReadInput:
      return "read_input";
    case ProcessKind::WriteOutput:
      return "write_output";
    case ProcessKind::Fork:
      return "fork";
    case ProcessKind::Unary:
      return "unary";
    case ProcessKind::Binary:
      return "binary";
    case ProcessKind::BinaryConst:
      return "binary_const";
    case ProcessKind::ConstSource:
      return "const_source";
    case ProcessKind::MatMul:
      return "matmul";
    case ProcessKind::Reduce:
      return "reduce";
    case ProcessKind::Select:
      return "select";
    case ProcessKind::Concat:
      return "concat";
    case ProcessKind::Reorder:
      return "reorder";
  }
  return "?";
}

Network lower(const ir::Graph& graph, const LowerOptions& options) { return Lowering(graph, options).run(); }

std::string to_text(const Network& network) {
  std::ostringstream text;
  text << "tile of " << network.tile_points << " points, " << network.processes.size() << " processes, "
       << network.streams.size() << " streams, " << fifo_elements(network) << " FIFO elements\n";
  for (size_t p = 0; p < network.processes.size(); ++p) {
    const Process& process = network.processes[p];
    text << "p" << p << " " << process.name << " [" << kind_name(process.kind) << "]";
    for (int s : process.inputs) text << " <" << network.streams[static_cast<size_t>(s)].name;
    for (int s : process.outputs) text << " >" << network.streams[static_cast<size_t>(s)].name;
    if (process.kind == ProcessKind::MatMul) {
      text << " rows=" << process.rows << " inner=" << process.inner << " cols=" << process.cols
           << " P=" << process.parallel;
    }
    text << "\n";
  }
  for (const Stream& stream : network.streams) {
    text << stream.name << " " << ir::shape_string(stream.shape) << " tile=" << stream.tile_elements
         << " B=" << stream.block << " depth=" << stream.depth << "\n";
  }
  return text.str();
}

int64_t fifo_elements(const Network& network) {
  int64_t total = 0;
  for (const Stream& stream : network.streams) total += static_cast<int64_t>(stream.depth) * stream.block;
  return total;
}

}  // namespace inrarch::dataflow
