// Lowering: an optimized graph becomes a process network, the plain-data description of a
// dataflow accelerator that the HLS code generator, the timing model and the FIFO sizing read.
//
// Why a separate representation: the graph says what is computed, the network says how data
// moves. Every input-dependent value becomes a process that streams it, tile by tile (K points
// per tile), in row-major order with a static per-tile shape; fan-out becomes an explicit fork
// process (a FIFO has one reader); everything that does not depend on an input is folded at
// compile time into constants held on chip inside the process that uses them (matmul weights,
// the constant operand of an elementwise op, broadcast by strides rather than materialised).
// Reshapes move no data and vanish. Ops that would mix different points (a reduction over the
// points, a matmul contracting over them, a reshape moving them) cannot be streamed per tile and
// are rejected with a UserError naming the node.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace inrarch::dataflow {

enum class ProcessKind {
  ReadInput,    // a top-level input array -> stream
  WriteOutput,  // stream -> a top-level output array
  Fork,         // one stream -> several identical streams
  Unary,        // elementwise op of one stream (neg, scale, sin, ...)
  Binary,       // elementwise op of two streams
  BinaryConst,  // elementwise op of a stream and an on-chip constant (bias add and the like)
  ConstSource,  // streams an on-chip constant once per tile
  MatMul,       // stream [rows, inner] x on-chip weights [inner, cols]; streams row groups
  Reduce,       // sum over axes other than the points; buffers its output tile
  Select,       // keeps sorted distinct positions of one axis (slice, gather); streaming
  Concat,       // joins its inputs along one axis; streaming
  Reorder,      // any other rearrangement of a tile (transpose, broadcast, gather); buffers
};

const char* kind_name(ProcessKind kind);

struct Stream {
  std::string name;
  ir::Shape shape;            // the value's IR shape (kBatch: the points)
  int64_t tile_elements = 0;  // elements per tile of K points
  int block = 1;              // elements per FIFO beat (B); divides the innermost dimension
  int depth = 2;              // FIFO depth in beats
  int producer = -1;          // process indices
  int consumer = -1;
  ir::NodeId node = -1;  // the value it carries
  int64_t tile_beats() const { return tile_elements / block; }
};

// A constant broadcast over a tile: the tile viewed as row-major `dims` (rank <= 4 after merging
// axes), element i reads values[sum_a i_a * strides[a]]; stride 0 broadcasts along that axis.
struct StridedConstant {
  std::vector<int64_t> dims;
  std::vector<int64_t> strides;
  std::vector<double> values;
};

struct Process {
  std::string name;
  ProcessKind kind = ProcessKind::Unary;
  ir::NodeId node = -1;         // the value it computes (forks: the value they copy)
  std::vector<int> inputs;      // stream indices, in operand order
  std::vector<int> outputs;     // stream indices
  ir::Op op = ir::Op::Input;    // Unary, Binary, BinaryConst: the elementwise op
  double scalar = 0.0;          // Unary scale: the factor
  std::string port;             // ReadInput, WriteOutput: the graph's input or output name
  bool constant_first = false;  // BinaryConst: the constant is the left operand (c - x)
  StridedConstant constant;     // BinaryConst, ConstSource
  // MatMul: the input tile is `rows` rows of `inner` elements (trans_a: [rows/m][inner][m]).
  int64_t rows = 0, inner = 0, cols = 0, trans_a_m = 1;
  bool trans_a = false;
  int parallel = 1;             // output columns computed per cycle (P)
  std::vector<double> weights;  // [inner, cols] row-major, trans_b already applied
  // Select, Concat: the tile viewed as [outer][axis][inner_size] around the op's axis.
  int64_t outer = 0, inner_size = 0;
  std::vector<int64_t> axis_sizes;  // Concat: each input's axis size; Select: the input's
  std::vector<bool> keep;           // Select: which positions of the axis survive
  // Reduce: target[i] is the output element input element i adds into.
  // Reorder: source[i] is the input element output element i copies.
  std::vector<int64_t> index_map;
};

// A top-level array: the graph's input or output named `name`, whose process is `process`.
struct Port {
  std::string name;
  ir::Shape shape;
  int process = -1;
};

struct Network {
  int64_t tile_points = 0;         // K
  std::vector<Process> processes;  // topological order: producers before their consumers
  std::vector<Stream> streams;
  std::vector<Port> inputs;
  std::vector<Port> outputs;
};

enum class DepthPolicy {
  Uniform,   // every FIFO gets `default_depth` beats (may deadlock at fork/joins)
  ForkTile,  // FIFOs leaving a fork hold a whole tile, all others `default_depth`: a fork can
             // always push its whole tile, so a branch that holds back at most a tile (a reduce,
             // a reorder, matmuls holding a row group each) never starves
};

struct LowerOptions {
  int64_t tile_points = 16;  // K
  int max_block = 4;         // largest B; B is the largest power of two <= this that fits
  int matmul_parallel = 4;   // largest P; P is the largest power of two <= this dividing cols
  DepthPolicy depth_policy = DepthPolicy::ForkTile;
  int default_depth = 2;
};

// Throws UserError for graphs the dataflow backend cannot stream (naming the node and op).
Network lower(const ir::Graph& graph, const LowerOptions& options = {});

// One line per process and per stream, for dumps and the generated README.
std::string to_text(const Network& network);

// FIFO storage in elements: the sum over streams of depth * block.
int64_t fifo_elements(const Network& network);

}  // namespace inrarch::dataflow
