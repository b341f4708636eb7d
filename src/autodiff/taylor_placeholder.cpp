// Temporary: the Taylor-mode helper's branch provides derive_taylor; this stand-in lets the reverse
// branch link on its own and is deleted when the branches merge.
#include "autodiff/taylor.h"

#include "util/error.h"

namespace inrarch::autodiff {

ir::Graph derive_taylor(const ir::Graph&, ir::NodeId, int) {
  throw UserError("taylor mode not built in this branch");
}

}  // namespace inrarch::autodiff
