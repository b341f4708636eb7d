#include "passes/batch_shared_matmul.h"

#include <algorithm>
#include <map>
#include <optional>

#include "passes/rebuild.h"

namespace inrarch::passes {
namespace {

using ir::Graph;
using ir::Node;
using ir::NodeId;

// Matmuls of one group can share a single stacked product.
struct GroupKey {
  NodeId weight;
  bool trans_a;
  bool trans_b;
  ir::Shape left_shape;
  auto operator<=>(const GroupKey&) const = default;
};

std::optional<GroupKey> group_of(const Graph& graph, const Node& node) {
  if (node.op != ir::Op::MatMul) return std::nullopt;
  const NodeId weight = node.inputs[1];
  const ir::Shape& left_shape = graph.node(node.inputs[0]).shape;
  if (graph.node(weight).op != ir::Op::Constant || left_shape.size() != 2) return std::nullopt;
  return GroupKey{weight, node.attrs.trans_a, node.attrs.trans_b, left_shape};
}

using MergeSet = std::vector<NodeId>;  // members in id order

// The sets of `key`'s members that can merge: members of equal depth, where a member's depth is
// the longest chain of members above it. No member lies above another of its own depth.
std::vector<MergeSet> independent_sets(const Graph& graph, const GroupKey& key) {
  std::vector<int> chain(graph.size(), 0);  // longest chain of members in the node's cone, itself included
  std::map<int, MergeSet> by_depth;
  for (size_t i = 0; i < graph.size(); ++i) {
    const Node& node = graph.nodes()[i];
    int depth = 0;
    for (NodeId input : node.inputs) depth = std::max(depth, chain[static_cast<size_t>(input)]);
    chain[i] = depth;
    if (group_of(graph, node) == key) {
      by_depth[depth].push_back(static_cast<NodeId>(i));
      chain[i] = depth + 1;
    }
  }
  std::vector<MergeSet> sets;
  for (auto& [depth, members] : by_depth) {
    if (members.size() >= 2) sets.push_back(std::move(members));
  }
  return sets;
}

// The merge sets of the first group (in order of its first member) that has any.
std::vector<MergeSet> next_merge(const Graph& graph) {
  std::map<GroupKey, int> group_sizes;
  std::vector<GroupKey> groups_in_order;
  for (const Node& node : graph.nodes()) {
    const auto key = group_of(graph, node);
    if (key && ++group_sizes[*key] == 1) groups_in_order.push_back(*key);
  }
  for (const GroupKey& key : groups_in_order) {
    if (group_sizes[key] < 2) continue;
    auto sets = independent_sets(graph, key);
    if (!sets.empty()) return sets;
  }
  return {};
}

// An order of the old nodes in which every node follows its operands and every member of a merge
// set follows the operands of all members of its set (so the stacked operand can be built there).
std::vector<NodeId> build_order(const Graph& graph, const std::vector<int>& set_of, const std::vector<MergeSet>& sets) {
  const auto dependencies = [&](NodeId id) {
    const int set = set_of[static_cast<size_t>(id)];
    if (set < 0) return graph.node(id).inputs;
    std::vector<NodeId> operands;
    for (NodeId member : sets[static_cast<size_t>(set)]) {
      const auto& inputs = graph.node(member).inputs;
      operands.insert(operands.end(), inputs.begin(), inputs.end());
    }
    return operands;
  };
  enum class State : uint8_t { Unvisited, Open, Done };
  std::vector<State> state(graph.size(), State::Unvisited);
  std::vector<NodeId> order;
  order.reserve(graph.size());
  std::vector<std::pair<NodeId, bool>> stack;  // (node, its dependencies already pushed)
  for (NodeId root = 0; root < static_cast<NodeId>(graph.size()); ++root) {
    stack.emplace_back(root, false);
    while (!stack.empty()) {
      const auto [id, expanded] = stack.back();
      stack.pop_back();
      State& visit = state[static_cast<size_t>(id)];
      if (expanded) {
        visit = State::Done;
        order.push_back(id);
        continue;
      }
      if (visit == State::Done) continue;
      if (visit == State::Open) {
        throw ir::Error("batch_shared_matmul: merging the matmuls around %" + std::to_string(id) + " would create a cycle");
      }
      visit = State::Open;
      stack.emplace_back(id, true);
      for (NodeId dependency : dependencies(id)) {
        if (state[static_cast<size_t>(dependency)] != State::Done) stack.emplace_back(dependency, false);
      }
    }
  }
  return order;
}

Graph merge(const Graph& graph, const std::vector<MergeSet>& sets) {
  std::vector<int> set_of(graph.size(), -1);
  for (size_t s = 0; s < sets.size(); ++s) {
    for (NodeId member : sets[s]) set_of[static_cast<size_t>(member)] = static_cast<int>(s);
  }
  ir::Builder builder = builder_like(graph);
  std::vector<NodeId> new_ids(graph.size(), -1);
  for (NodeId id : build_order(graph, set_of, sets)) {
    const Node& node = graph.node(id);
    const int set = set_of[static_cast<size_t>(id)];
    if (set < 0) {
      new_ids[static_cast<size_t>(id)] = builder.clone(node, mapped_inputs(node, new_ids));
      continue;
    }
    if (new_ids[static_cast<size_t>(id)] >= 0) continue;  // built with an earlier member of its set
    const MergeSet& members = sets[static_cast<size_t>(set)];
    std::vector<NodeId> stacked;
    for (NodeId member : members) {
      const NodeId left = new_ids[static_cast<size_t>(graph.node(member).inputs[0])];
      const ir::Shape& shape = builder.shape(left);
      stacked.push_back(builder.reshape(left, {1, shape[0], shape[1]}));
    }
    const NodeId product = builder.matmul(builder.concat(stacked, 0), new_ids[static_cast<size_t>(node.inputs[1])],
                                          node.attrs.trans_a, node.attrs.trans_b);
    for (size_t i = 0; i < members.size(); ++i) {
      const auto row = static_cast<int64_t>(i);
      new_ids[static_cast<size_t>(members[i])] =
          builder.reshape(builder.slice(product, 0, row, row + 1), graph.node(members[i]).shape);
    }
  }
  add_outputs(graph, new_ids, builder);
  return builder.finish();
}

}  // namespace

ir::Graph batch_shared_matmul(const ir::Graph& graph) {
  // Each merge replaces two or more candidate matmuls by one that is no candidate, so this ends.
  Graph current = graph;
  for (auto sets = next_merge(current); !sets.empty(); sets = next_merge(current)) current = merge(current, sets);
  return current;
}

}  // namespace inrarch::passes
