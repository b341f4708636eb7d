// Reverse mode: vector-Jacobian products per op, applied repeatedly to build the nested-gradient
// graphs INR-Arch and INSP-Net build with torch.autograd.grad(create_graph=True).
#pragma once

#include "autodiff/derive.h"

namespace inrarch::autodiff {

// derive() for Method::Nested (either layout). `coords` is the resolved coordinate input.
ir::Graph derive_nested(const ir::Graph& forward, ir::NodeId coords, const DeriveSpec& spec);

}  // namespace inrarch::autodiff
