#include "exec/engine/plan.h"

#include <algorithm>
#include <map>
#include <string>

#include "exec/engine/kernels.h"

namespace inrarch::exec::engine {
namespace {

using ir::Node;
using ir::NodeId;
using ir::Op;

size_t at(NodeId id) { return static_cast<size_t>(id); }

bool is_elementwise(Op op) { return ir::is_elementwise_unary(op) || ir::is_elementwise_binary(op); }

int64_t normalized_axis(int64_t axis, size_t rank) { return axis < 0 ? axis + static_cast<int64_t>(rank) : axis; }

int batch_axis_count(const ir::Shape& shape) { return static_cast<int>(std::count(shape.begin(), shape.end(), ir::kBatch)); }

// Elements before the batch axis: a reshape keeps every point's data in place iff it keeps this.
int64_t count_before_batch(const ir::Shape& shape) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim == ir::kBatch) break;
    count *= dim;
  }
  return count;
}

// Why `node` mixes the data of different points, or nullptr if it keeps points apart.
const char* coupling_reason(const ir::Graph& graph, const Node& node) {
  const auto shape_of = [&](size_t k) -> const ir::Shape& { return graph.node(node.inputs[k]).shape; };
  if (batch_axis_count(node.shape) > 1) return "two batch axes";
  switch (node.op) {
    case Op::ReduceSum:
      for (int64_t axis : node.attrs.ints) {
        if (shape_of(0)[static_cast<size_t>(normalized_axis(axis, shape_of(0).size()))] == ir::kBatch) {
          return "sum over the batch axis";
        }
      }
      return nullptr;
    case Op::MatMul: {
      const ir::Shape& b = shape_of(1);
      return (node.attrs.trans_b ? b[1] : b[0]) == ir::kBatch ? "contraction over the batch axis" : nullptr;
    }
    case Op::Reshape:
      return ir::has_batch(node.shape) && count_before_batch(node.shape) != count_before_batch(shape_of(0))
                 ? "reshape across points"
                 : nullptr;
    default:
      return nullptr;
  }
}

// A Slice is a view when every axis before the sliced one has size 1: the slice is one contiguous block.
bool slice_is_contiguous(const ir::Graph& graph, const Node& node) {
  const ir::Shape& from = graph.node(node.inputs[0]).shape;
  const auto axis = normalized_axis(node.attrs.axis, from.size());
  for (int64_t a = 0; a < axis; ++a) {
    if (from[static_cast<size_t>(a)] != 1) return false;
  }
  return true;
}

class Planner {
 public:
  explicit Planner(const ir::Graph& graph) : graph_(graph), size_(graph.size()) {}

  Plan run() {
    Plan plan;
    find_needed_values();
    for (size_t i = 0; i < size_; ++i) plan.batch_coupled |= needed_[i] && coupling_reason(graph_, graph_.nodes()[i]);
    find_epilogues();
    find_needed_values();  // again: the nodes an epilogue absorbs are no longer computed on their own
    assign_phases(plan);
    assign_residences(plan);
    form_groups(plan);
    std::vector<std::vector<NodeId>> members(plan.groups.size());
    for (size_t i = 0; i < size_; ++i) {
      if (needed_[i] && plan.values[i].group >= 0) members[at(plan.values[i].group)].push_back(static_cast<NodeId>(i));
    }
    for (size_t g = 0; g < plan.groups.size(); ++g) compile_group(plan, static_cast<int>(g), members[g]);
    schedule_steps(plan);
    for (int phase = 0; phase < kPhaseCount; ++phase) assign_storages(plan, static_cast<Phase>(phase));
    plan.graph = graph_;
    return plan;
  }

 private:
  // The values node i reads when it is computed: a matmul epilogue reads the matmul's operands and
  // the bias instead of the nodes it absorbed.
  std::vector<NodeId> reads(NodeId i) const {
    const auto found = epilogues_.find(i);
    if (found == epilogues_.end()) return graph_.node(i).inputs;
    std::vector<NodeId> read = graph_.node(found->second.matmul).inputs;
    if (found->second.bias >= 0) read.push_back(found->second.bias);
    return read;
  }

  void find_needed_values() {
    needed_.assign(size_, false);
    is_output_.assign(size_, false);
    users_.assign(size_, {});
    for (const auto& output : graph_.outputs()) needed_[at(output.node)] = is_output_[at(output.node)] = true;
    for (size_t i = size_; i-- > 0;) {
      if (!needed_[i]) continue;
      for (NodeId input : reads(static_cast<NodeId>(i))) needed_[at(input)] = true;
    }
    for (size_t i = 0; i < size_; ++i) {
      if (!needed_[i]) continue;
      const Node& node = graph_.nodes()[i];
      if (node.shape.size() > static_cast<size_t>(kMaxRank)) {
        throw ir::Error("engine: %" + std::to_string(i) + " " + ir::op_name(node.op) + " has rank " +
                        std::to_string(node.shape.size()) + ", more than the engine's " + std::to_string(kMaxRank));
      }
      for (NodeId input : reads(static_cast<NodeId>(i))) users_[at(input)].push_back(static_cast<NodeId>(i));
    }
  }

  // Folds `scale(matmul + broadcast(bias row))`, or a part of it, into the matmul: the output is
  // prefilled with scale * bias and the product accumulated onto it with scale as GEMM's alpha, so
  // the result is written once instead of zeroed, multiplied, then read and rewritten.
  void find_epilogues() {
    const auto sole_user = [&](NodeId id) -> NodeId {
      return is_output_[at(id)] || users_[at(id)].size() != 1 ? -1 : users_[at(id)][0];
    };
    for (size_t i = 0; i < size_; ++i) {
      if (!needed_[i] || graph_.nodes()[i].op != Op::MatMul) continue;
      Epilogue epilogue;
      epilogue.matmul = static_cast<NodeId>(i);
      NodeId end = epilogue.matmul;
      NodeId next = sole_user(end);
      if (next >= 0 && graph_.node(next).op == Op::Add) {
        const auto& operands = graph_.node(next).inputs;
        const NodeId other = operands[0] == end ? operands[1] : operands[0];
        if (other == end || !is_row_broadcast(other, graph_.node(end).shape)) continue;
        epilogue.bias = graph_.node(other).inputs[0];
        end = next;
        next = sole_user(end);
      }
      if (next >= 0 && graph_.node(next).op == Op::Scale) {
        epilogue.scale = graph_.node(next).attrs.scalar;
        end = next;
      }
      if (end != epilogue.matmul) epilogues_.emplace(end, epilogue);
    }
  }

  // A broadcast of one row of `shape`'s last axis over all its other axes: a bias.
  bool is_row_broadcast(NodeId id, const ir::Shape& shape) const {
    const Node& node = graph_.node(id);
    if (node.op != Op::Broadcast) return false;
    const ir::Shape& source = graph_.node(node.inputs[0]).shape;
    return !source.empty() && !ir::has_batch(source) && source.back() == shape.back() &&
           ir::element_count(source) == shape.back();
  }

  bool is_grouped_elementwise(NodeId id) const { return is_elementwise(graph_.node(id).op) && !epilogues_.count(id); }

  void assign_phases(Plan& plan) {
    plan.values.assign(size_, Value{});
    for (size_t i = 0; i < size_; ++i) {
      if (!needed_[i]) continue;
      const Node& node = graph_.nodes()[i];
      Phase phase = Phase::Static;
      if (node.op == Op::Input) phase = Phase::Prelude;
      for (NodeId input : reads(static_cast<NodeId>(i))) phase = std::max(phase, plan.values[at(input)].phase);
      if (ir::has_batch(node.shape)) phase = Phase::Main;
      plan.values[i].phase = phase;
    }
    // Coupled graphs run their point-dependent part once on all points; a separate prelude would
    // only split that single pass in two.
    if (plan.batch_coupled) {
      for (auto& value : plan.values) {
        if (value.phase == Phase::Prelude) value.phase = Phase::Main;
      }
    }
  }

  bool all_users_elementwise(size_t i) const {
    if (is_output_[i]) return false;
    return std::all_of(users_[i].begin(), users_[i].end(),
                       [&](NodeId user) { return is_grouped_elementwise(user); });
  }

  void assign_residences(Plan& plan) {
    for (size_t i = 0; i < size_; ++i) {
      if (!needed_[i]) continue;
      const Node& node = graph_.nodes()[i];
      Residence residence = Residence::Owned;
      switch (node.op) {
        case Op::Reshape:
          residence = Residence::View;
          break;
        case Op::Broadcast:
          if (node.shape == graph_.node(node.inputs[0]).shape) {
            residence = Residence::View;
          } else if (all_users_elementwise(i)) {
            residence = Residence::Virtual;
          }
          break;
        case Op::Slice:
          if (slice_is_contiguous(graph_, node)) residence = Residence::View;
          break;
        default:
          break;
      }
      plan.values[i].residence = residence;
    }
  }

  // Walking users before operands, an elementwise node joins its users' group when all its users
  // are elementwise nodes of one group and phase; otherwise it roots a group of its own.
  void form_groups(Plan& plan) {
    for (size_t i = size_; i-- > 0;) {
      if (!needed_[i]) continue;
      const Node& node = graph_.nodes()[i];
      Value& value = plan.values[i];
      const bool materialised_broadcast = node.op == Op::Broadcast && value.residence == Residence::Owned;
      if (!is_grouped_elementwise(static_cast<NodeId>(i)) && !materialised_broadcast) continue;
      int group = -1;
      bool fuse = !materialised_broadcast && all_users_elementwise(i) && !users_[i].empty();
      for (NodeId user : users_[i]) {
        if (!fuse) break;
        const Value& user_value = plan.values[at(user)];
        if (user_value.phase != value.phase || (group >= 0 && user_value.group != group)) fuse = false;
        group = user_value.group;
      }
      if (fuse) {
        value.group = group;
        value.residence = Residence::Fused;
      } else {
        value.group = static_cast<int>(plan.groups.size());
        value.residence = Residence::Owned;
        plan.groups.emplace_back().root = static_cast<NodeId>(i);
      }
    }
  }

  int leaf_for(const Plan& plan, Group& group, std::map<NodeId, int>& leaves, NodeId input) {
    if (auto found = leaves.find(input); found != leaves.end()) return found->second;
    Leaf leaf;
    const bool materialised_broadcast = input == group.root;  // only a Broadcast root reads itself
    if (plan.values[at(input)].residence == Residence::Virtual || materialised_broadcast) {
      const ir::Shape& source = graph_.node(graph_.node(input).inputs[0]).shape;
      leaf.kind = !ir::has_batch(source) && ir::element_count(source) == 1 ? LeafKind::Scalar : LeafKind::Strided;
      leaf.value = graph_.node(input).inputs[0];
      leaf.broadcast = input;
      group.by_rows |= leaf.kind == LeafKind::Strided;
    } else {
      leaf.value = input;
    }
    const int index = static_cast<int>(group.leaves.size());
    group.leaves.push_back(leaf);
    leaves.emplace(input, index);
    return index;
  }

  // Register allocation over the group's members in topological order; a register is free again
  // after the last member reading it, so long chains need few registers.
  void compile_group(Plan& plan, int g, const std::vector<NodeId>& members) {
    Group& group = plan.groups[at(g)];
    std::map<NodeId, size_t> last_read;  // member -> position of its last reader
    for (size_t p = 0; p < members.size(); ++p) {
      for (NodeId input : graph_.node(members[p]).inputs) {
        if (plan.values[at(input)].residence == Residence::Fused && plan.values[at(input)].group == g) last_read[input] = p;
      }
    }
    std::map<NodeId, int> register_of;
    std::map<NodeId, int> leaves;
    std::vector<int> free_registers;
    for (size_t p = 0; p < members.size(); ++p) {
      const NodeId member = members[p];
      const Node& node = graph_.node(member);
      Instruction instruction;
      instruction.op = node.op;
      instruction.scalar = node.attrs.scalar;
      std::vector<Operand> operands;
      if (node.op == Op::Broadcast) {
        operands.push_back({true, leaf_for(plan, group, leaves, member)});
      } else {
        for (NodeId input : node.inputs) {
          if (auto reg = register_of.find(input); reg != register_of.end()) {
            operands.push_back({false, reg->second});
          } else {
            operands.push_back({true, leaf_for(plan, group, leaves, input)});
          }
        }
      }
      for (NodeId input : node.inputs) {
        auto reg = register_of.find(input);
        if (reg != register_of.end() && last_read[input] == p) {
          free_registers.push_back(reg->second);
          register_of.erase(reg);
        }
      }
      if (member != group.root) {
        if (free_registers.empty()) free_registers.push_back(group.registers++);
        instruction.target = free_registers.back();
        free_registers.pop_back();
        register_of[member] = instruction.target;
      }
      instruction.a = operands[0];
      if (operands.size() > 1) instruction.b = operands[1];
      group.program.push_back(instruction);
    }
    plan.max_group_slots = std::max(plan.max_group_slots, group.registers + static_cast<int>(group.leaves.size()));
  }

  static StepKind step_kind(Op op) {
    switch (op) {
      case Op::Input: return StepKind::LoadInput;
      case Op::Constant: return StepKind::LoadConstant;
      case Op::MatMul: return StepKind::MatMul;
      case Op::Slice: return StepKind::Slice;
      case Op::Gather: return StepKind::Gather;
      case Op::Concat: return StepKind::Concat;
      case Op::Transpose: return StepKind::Transpose;
      case Op::ReduceSum: return StepKind::ReduceSum;
      default: return StepKind::Elementwise;
    }
  }

  void schedule_steps(Plan& plan) {
    for (size_t i = 0; i < size_; ++i) {
      const Value& value = plan.values[i];
      if (value.residence != Residence::Owned) continue;
      Step step;
      step.node = static_cast<NodeId>(i);
      step.group = value.group;
      if (const auto epilogue = epilogues_.find(static_cast<NodeId>(i)); epilogue != epilogues_.end()) {
        step.kind = StepKind::MatMul;
        step.epilogue = epilogue->second;
      } else {
        step.kind = value.group >= 0 ? StepKind::Elementwise : step_kind(graph_.nodes()[i].op);
        if (step.kind == StepKind::MatMul) step.epilogue.matmul = step.node;
      }
      auto& steps = plan.schedules[static_cast<size_t>(value.phase)].steps;
      steps.push_back(step);
    }
  }

  // The owned value whose storage `id` lives in, and whether it covers that storage entirely.
  std::pair<NodeId, bool> owner_of(const Plan& plan, NodeId id) const {
    bool whole = true;
    while (plan.values[at(id)].residence == Residence::View) {
      whole &= graph_.node(id).op != Op::Slice;
      id = graph_.node(id).inputs[0];
    }
    return {id, whole};
  }

  std::vector<NodeId> values_read(const Plan& plan, const Step& step) const {
    std::vector<NodeId> read;
    if (step.kind == StepKind::Elementwise) {
      for (const Leaf& leaf : plan.groups[at(step.group)].leaves) read.push_back(leaf.value);
    } else {
      read = reads(step.node);
    }
    return read;
  }

  void assign_storages(Plan& plan, Phase phase) {
    Schedule& schedule = plan.schedules[static_cast<size_t>(phase)];
    const int end = static_cast<int>(schedule.steps.size());
    // Last reading step of each owned value of this phase; values needed after the phase (by a later
    // phase, or as an output) stay until its end.
    std::vector<int> last_read(size_, -1);
    for (int later = static_cast<int>(phase); later < kPhaseCount; ++later) {
      const auto& steps = plan.schedules[static_cast<size_t>(later)].steps;
      for (size_t s = 0; s < steps.size(); ++s) {
        for (NodeId read : values_read(plan, steps[s])) {
          const NodeId owner = owner_of(plan, read).first;
          if (plan.values[at(owner)].phase != phase) continue;
          last_read[at(owner)] = std::max(last_read[at(owner)], later == static_cast<int>(phase) ? static_cast<int>(s) : end);
        }
      }
    }
    for (const auto& output : graph_.outputs()) {
      const NodeId owner = owner_of(plan, output.node).first;
      if (plan.values[at(owner)].phase == phase) last_read[at(owner)] = end;
    }

    for (int s = 0; s < end; ++s) {
      const Step& step = schedule.steps[at(s)];
      const int reuse = step.kind == StepKind::Elementwise ? in_place_storage(plan, schedule, step, s) : -1;
      const int own_last = std::max(last_read[at(step.node)], s);
      if (reuse >= 0) {
        schedule.storages[at(reuse)].last_step = std::max(schedule.storages[at(reuse)].last_step, own_last);
        plan.values[at(step.node)].storage = reuse;
      } else {
        plan.values[at(step.node)].storage = static_cast<int>(schedule.storages.size());
        schedule.storages.push_back(Storage{step.node, s, own_last});
      }
    }
    for (size_t i = 0; i < size_; ++i) {
      Value& value = plan.values[i];
      if (value.residence == Residence::View && value.phase == phase) {
        value.storage = plan.values[at(owner_of(plan, static_cast<NodeId>(i)).first)].storage;
      }
    }
  }

  // A group may write its output over a dense operand whose storage nobody reads afterwards: each
  // element is read before the same element is written, chunk by chunk.
  int in_place_storage(const Plan& plan, const Schedule& schedule, const Step& step, int s) const {
    const Group& group = plan.groups[at(step.group)];
    const Phase phase = plan.values[at(step.node)].phase;
    const auto storage_in_phase = [&](NodeId owner) {
      return plan.values[at(owner)].phase == phase ? plan.values[at(owner)].storage : -1;
    };
    std::vector<int> broadcast_sources;
    for (const Leaf& leaf : group.leaves) {
      if (leaf.kind != LeafKind::Dense) broadcast_sources.push_back(storage_in_phase(owner_of(plan, leaf.value).first));
    }
    for (const Leaf& leaf : group.leaves) {
      if (leaf.kind != LeafKind::Dense) continue;
      const auto [owner, whole] = owner_of(plan, leaf.value);
      const int storage = storage_in_phase(owner);
      if (!whole || storage < 0 || schedule.storages[at(storage)].last_step != s) continue;
      if (std::find(broadcast_sources.begin(), broadcast_sources.end(), storage) != broadcast_sources.end()) continue;
      return storage;
    }
    return -1;
  }

  const ir::Graph& graph_;
  size_t size_;
  std::vector<bool> needed_;
  std::vector<bool> is_output_;
  std::vector<std::vector<NodeId>> users_;  // the nodes reading each value (as reads() tells)
  std::map<NodeId, Epilogue> epilogues_;    // by the last node each one absorbs
};

}  // namespace

Plan make_plan(const ir::Graph& graph) {
  ir::verify(graph);
  return Planner(graph).run();
}

Layout lay_out(const Plan& plan, Phase phase, int64_t batch) {
  const Schedule& schedule = plan.schedules[static_cast<size_t>(phase)];
  const auto& nodes = plan.graph.nodes();
  const auto aligned = [](int64_t count) { return (count + kAlignElements - 1) / kAlignElements * kAlignElements; };
  const size_t count = schedule.storages.size();
  std::vector<int64_t> sizes(count);
  for (size_t k = 0; k < count; ++k) sizes[k] = aligned(ir::element_count(nodes[at(schedule.storages[k].root)].shape, batch));

  Layout layout;
  layout.batch = batch;
  // Greedy by size: place the largest blocks first, each at the lowest offset that does not overlap
  // a placed block alive at the same time.
  std::vector<size_t> order(count);
  for (size_t k = 0; k < count; ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });
  std::vector<int64_t> offsets(count, 0);
  std::vector<size_t> placed;
  for (size_t k : order) {
    const Storage& storage = schedule.storages[k];
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of blocks alive together with k
    for (size_t other : placed) {
      const Storage& o = schedule.storages[other];
      if (o.first_step <= storage.last_step && storage.first_step <= o.last_step) {
        busy.emplace_back(offsets[other], offsets[other] + sizes[other]);
      }
    }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (begin - offset >= sizes[k]) break;
      offset = std::max(offset, end);
    }
    offsets[k] = offset;
    placed.push_back(k);
    layout.arena_elements = std::max(layout.arena_elements, offset + sizes[k]);
  }

  std::vector<int64_t> live_change(schedule.steps.size() + 2, 0);
  for (size_t k = 0; k < count; ++k) {
    live_change[at(schedule.storages[k].first_step)] += sizes[k];
    live_change[at(schedule.storages[k].last_step + 1)] -= sizes[k];
  }
  int64_t live = 0;
  for (int64_t change : live_change) layout.working_set_elements = std::max(layout.working_set_elements, live += change);

  layout.value_offsets.assign(nodes.size(), -1);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Value& value = plan.values[i];
    if (value.phase != phase) continue;
    if (value.residence == Residence::Owned) {
      layout.value_offsets[i] = offsets[at(value.storage)];
      layout.unshared_elements += aligned(ir::element_count(nodes[i].shape, batch));
    } else if (value.residence == Residence::View) {
      const Node& node = nodes[i];
      int64_t offset = layout.value_offsets[at(node.inputs[0])];
      if (node.op == Op::Slice) {
        const auto from = bind_dims(nodes[at(node.inputs[0])].shape, batch);
        offset += node.attrs.ints[0] * from.count_after(static_cast<int>(normalized_axis(node.attrs.axis, at(from.rank))));
      }
      layout.value_offsets[i] = offset;
    }
  }
  return layout;
}

}  // namespace inrarch::exec::engine
