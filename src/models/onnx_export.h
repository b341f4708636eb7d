// Writes an IR graph as a standard ONNX model (opset 13), so that a graph built or transformed here
// (a built-in SIREN, a derivative graph) runs in any ONNX runtime and comes back through
// import_onnx unchanged in value.
//
// Encoding: named constants become initializers under their names, unnamed ones Constant nodes;
// the batch symbol becomes the dim_param "N"; Scale is Mul by a scalar constant, Step is
// Greater(x, 0) then Cast, Broadcast is Expand and Reshape takes a shape tensor that, where the
// batch is involved, is assembled from Shape(input) at run time; outputs are Identity nodes that
// carry the graph's output names.
#pragma once

#include <string>

#include "ir/graph.h"

namespace inrarch::models {

// Throws UserError if the file cannot be written or the graph's names clash (an output named like
// an input).
void export_onnx(const ir::Graph& graph, const std::string& path);

}  // namespace inrarch::models
