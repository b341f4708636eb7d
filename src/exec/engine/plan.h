// The engine's compiled form of a graph: where every value lives and when. Keeping these decisions
// (phases, fusion of elementwise chains, views, in-place reuse, liveness, arena offsets) apart from
// the loops that execute them lets memory_report read exactly the plan that runs, and lets tests
// check the plan's invariants without running anything.
//
// Phases: INR graphs are per-point functions, so whatever does not depend on the points is
// computed once, not once per tile. Static values depend on constants only (computed at compile
// time), Prelude values on inputs without a batch axis (once per run), Main values on the points
// (once per tile of points). A graph with an op that couples points (a sum over the batch axis, a
// matmul contracting it, a reshape that moves data across points, a shape with two batch axes) is
// "batch coupled": its Main phase runs on all points at once, never split into tiles.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace inrarch::exec::engine {

enum class Phase : uint8_t { Static, Prelude, Main };
inline constexpr int kPhaseCount = 3;

// How a needed value exists at run time.
enum class Residence : uint8_t {
  Unused,   // no output depends on it
  Owned,    // a step writes it into a storage of its phase's arena
  View,     // it is (part of) its operand's memory: Reshape, same-shape Broadcast, Slice of a leading axis
  Virtual,  // a Broadcast that fused elementwise groups read in place, never materialised
  Fused,    // an interior node of an elementwise group, alive only in the group's registers
};

struct Value {
  Phase phase = Phase::Main;
  Residence residence = Residence::Unused;
  int storage = -1;  // Owned and View: the storage of the phase holding it
  int group = -1;    // elementwise groups: the group it belongs to
};

enum class StepKind : uint8_t {
  LoadInput,
  LoadConstant,
  MatMul,
  Elementwise,  // one fused group
  Slice,
  Gather,
  Concat,
  Transpose,
  ReduceSum,
};

// A MatMul step computes scale * (matmul + broadcast bias row): the bias add and scale that follow
// a matmul are folded into it when nothing else reads the intermediate values.
struct Epilogue {
  ir::NodeId matmul = -1;
  ir::NodeId bias = -1;  // a value holding one row (the last axis), or -1
  double scale = 1.0;
};

struct Step {
  StepKind kind = StepKind::Elementwise;
  ir::NodeId node = -1;  // the value the step writes
  int group = -1;        // Elementwise steps: index into Plan::groups
  Epilogue epilogue;     // MatMul steps; node is the matmul itself or the last node folded into it
};

// An operand of a fused group that lives outside it.
enum class LeafKind : uint8_t {
  Dense,    // a value of the group's shape, read element by element
  Scalar,   // a broadcast of a single element
  Strided,  // any other broadcast, read through zero strides on its broadcast axes
};

struct Leaf {
  LeafKind kind = LeafKind::Dense;
  ir::NodeId value = -1;      // the value in memory that is read
  ir::NodeId broadcast = -1;  // Scalar and Strided: the Broadcast node (its shape is the group's)
};

struct Operand {
  bool is_leaf = false;
  int index = 0;  // into Group::leaves, or a register
};

// One elementwise op over a chunk of the group's elements. A materialised Broadcast is a group of
// one instruction with op Broadcast: a copy of its (expanded) leaf.
struct Instruction {
  ir::Op op = ir::Op::Neg;
  int target = -1;  // a register, or -1 for the group's output
  Operand a;
  Operand b;  // binary ops only
  double scalar = 0.0;
};

// A maximal set of elementwise nodes evaluated together chunk by chunk, so that intermediate values
// never leave the cache (e.g. a matmul's bias add, omega scale and sine in one pass).
struct Group {
  ir::NodeId root = -1;
  std::vector<Leaf> leaves;
  std::vector<Instruction> program;
  int registers = 0;
  bool by_rows = false;  // a Strided leaf: walk the output row by row (last axis)
};

// A block of arena memory, live from the step that first writes it to the last step reading it.
struct Storage {
  ir::NodeId root = -1;  // the value that sizes it (in-place successors have equal size)
  int first_step = 0;
  int last_step = 0;     // steps.size() when the value is needed after the phase ends
};

struct Schedule {
  std::vector<Step> steps;
  std::vector<Storage> storages;
};

struct Plan {
  ir::Graph graph;
  std::vector<Value> values;  // one per node
  std::vector<Group> groups;
  std::array<Schedule, kPhaseCount> schedules;
  bool batch_coupled = false;
  int max_group_slots = 0;  // registers + leaves of the widest group: scratch chunks per worker
};

// Throws ir::Error for an invalid graph or one the engine cannot run (rank above kMaxRank).
Plan make_plan(const ir::Graph& graph);

inline constexpr int64_t kAlignElements = 16;  // every storage starts on a 64-byte boundary

// The arena layout of one phase with the batch symbol bound to `batch`.
struct Layout {
  int64_t batch = 0;
  std::vector<int64_t> value_offsets;  // per node, in elements from the arena start; -1 elsewhere
  int64_t arena_elements = 0;
  int64_t working_set_elements = 0;  // most elements live during any one step
  int64_t unshared_elements = 0;     // every owned value in its own block
};

Layout lay_out(const Plan& plan, Phase phase, int64_t batch);

}  // namespace inrarch::exec::engine
