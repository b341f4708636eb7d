#include "autodiff/derive.h"

#include "autodiff/reverse.h"
#include "autodiff/taylor.h"
#include "util/error.h"

namespace inrarch::autodiff {

ir::NodeId coordinate_input(const ir::Graph& forward, const std::string& wrt) {
  if (!wrt.empty()) {
    const auto found = forward.find_input(wrt);
    if (!found) throw UserError("derive: the model has no input named \"" + wrt + "\"");
    return *found;
  }
  std::vector<ir::NodeId> candidates;
  for (ir::NodeId id : forward.inputs()) {
    const auto& shape = forward.node(id).shape;
    if (shape.size() == 2 && shape[0] == ir::kBatch) candidates.push_back(id);
  }
  if (candidates.size() != 1) {
    throw UserError("derive: the model has " + std::to_string(candidates.size()) +
                    " inputs of shape [N, d]; name the coordinate input");
  }
  return candidates[0];
}

ir::Graph derive(const ir::Graph& forward, const DeriveSpec& spec) {
  if (spec.order < 0 || spec.order > 12) {
    throw UserError("derive: order " + std::to_string(spec.order) + " out of range [0, 12]");
  }
  if (forward.outputs().size() != 1) {
    throw UserError("derive: the model must have exactly one output, it has " +
                    std::to_string(forward.outputs().size()));
  }
  const auto& out_shape = forward.node(forward.outputs()[0].node).shape;
  if (out_shape.size() != 2 || out_shape[0] != ir::kBatch) {
    throw UserError("derive: the model output must have shape [N, channels], it has " +
                    ir::shape_string(out_shape));
  }
  const ir::NodeId coords = coordinate_input(forward, spec.wrt);
  const auto dims = forward.node(coords).shape[1];
  if (dims < 1 || dims > 3) {
    throw UserError("derive: coordinate input has " + std::to_string(dims) + " dimensions; 1 to 3 are supported");
  }
  if (spec.layout == Layout::Insp && spec.method != Method::Nested) {
    throw UserError("derive: --layout insp reproduces INSP-Net's nested gradients; use --method nested");
  }
  return spec.method == Method::Taylor ? derive_taylor(forward, coords, spec.order)
                                       : derive_nested(forward, coords, spec);
}

}  // namespace inrarch::autodiff
