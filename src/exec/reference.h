// The reference evaluator: a straightforward double-precision interpreter of any graph. It is the
// project's oracle for forward values, so it favours obviousness over speed: one loop nest per op,
// no fusion, no reuse of buffers.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/tensor.h"

namespace inrarch::exec {

// Sees the value of every node an output needs, once, as soon as it is computed (inputs and
// constants included): how a caller inspects intermediate values without the evaluator keeping them.
using ValueObserver = std::function<void(ir::NodeId, const Tensor&)>;

// Evaluates every output of `graph`. `inputs` maps input names to tensors; the batch symbol is bound
// from their shapes. Throws ir::Error on a missing input or inconsistent shapes.
std::vector<Tensor> evaluate_reference(const ir::Graph& graph, const std::map<std::string, Tensor>& inputs,
                                       const ValueObserver& observe = {});

// The number of points `inputs` bind the batch symbol to (1 when no input has a batch axis): the
// input checks every executor shares. Throws ir::Error on a missing input or a mismatched shape.
int64_t bind_batch(const ir::Graph& graph, const std::map<std::string, Tensor>& inputs);

}  // namespace inrarch::exec
