// Reverse mode: vector-Jacobian products per op, applied repeatedly to build the nested-gradient
// graphs INR-Arch and INSP-Net build with torch.autograd.grad(create_graph=True).
//
// vjp() works on nodes already inside a builder and returns ordinary builder nodes, so it composes
// with itself (a gradient of a gradient is another vjp call) and with any other transform: nested
// input derivatives use it on the coordinates, fitting uses it on the named weight constants.
// Hash-consing in the builder merges the forward and backward nodes that repeated calls share,
// which is INR-Arch's "graph merging".
#pragma once

#include <vector>

#include "autodiff/derive.h"
#include "ir/graph.h"

namespace inrarch::autodiff {

// Copies every node of `graph` into `builder` (merging it with equal nodes already there) and
// returns the new id of each old node, indexed by old id. The graph's outputs are not copied.
std::vector<ir::NodeId> import_graph(ir::Builder& builder, const ir::Graph& graph);

// Builds, in `builder`, the adjoint of each node in `wrt`: seed^T d(output)/d(w), where `seed` has
// the shape of `output` (for a sum over points, a tensor of ones). Only nodes on a path from some
// node of `wrt` to `output` receive adjoints; a node of `wrt` that `output` does not depend on gets a
// zero tensor. Throws ir::Error when `seed`'s shape differs from `output`'s.
std::vector<ir::NodeId> vjp(ir::Builder& builder, ir::NodeId output, ir::NodeId seed,
                            const std::vector<ir::NodeId>& wrt);

// INSP-Net's export loop divides the value before every grad call by 63 * 3 = 189
// (VITA-Group/INSP, export_colorray.py, `new_grad_lastdim(y, x, 63 * 3)`; see docs/insp_layout.md).
inline constexpr double kInspGradDivisor = 189.0;

// derive() for Method::Nested. `coords` is the resolved coordinate input.
//  Layout::Unique: for each channel, spec.order levels of grad calls over every ordered partial
//    (d^(k-1) calls per channel at level k, as PyTorch loops do, duplicates such as f_yx included);
//    "derivatives" [N, C, M] holds the first ordered partial of each multi-index in BFS order.
//  Layout::Insp: INSP-Net's loop, spec.insp_calls grad calls over one list that starts with the C
//    channels and gains the d components of each call's gradient; every call differentiates its
//    entry divided by kInspGradDivisor. "derivatives" is [N, C + d * insp_calls]; spec.order is not
//    used (the call count fixes the features). Throws UserError when the calls exceed order 12.
ir::Graph derive_nested(const ir::Graph& forward, ir::NodeId coords, const DeriveSpec& spec);

}  // namespace inrarch::autodiff
