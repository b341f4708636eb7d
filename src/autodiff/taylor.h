// Taylor mode: multivariate truncated Taylor propagation. Every node becomes its M = C(n+d, d)
// normalized Taylor coefficients (∂^α f / α!), one graph node per non-zero coefficient; each op's
// propagation rule sits next to the op in taylor.cpp. Only unique partials are ever formed, which is
// why the cost grows polynomially in n instead of 2^n as with nested reverse mode.
#pragma once

#include "autodiff/derive.h"

namespace inrarch::autodiff {

// derive() for Method::Taylor, Layout::Unique. `coords` is the resolved coordinate input.
ir::Graph derive_taylor(const ir::Graph& forward, ir::NodeId coords, int order);

}  // namespace inrarch::autodiff
