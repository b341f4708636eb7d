// Temporary stand-in so that this branch links without reverse.cpp; removed on merge.
#include "autodiff/reverse.h"
#include "util/error.h"

namespace inrarch::autodiff {

ir::Graph derive_nested(const ir::Graph&, ir::NodeId, const DeriveSpec&) {
  throw UserError("nested mode not built in this branch");
}

}  // namespace inrarch::autodiff
