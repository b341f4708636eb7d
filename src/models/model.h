// The one place where what a user names as a model ("siren:in=2,..." or a path to an .onnx file)
// becomes a graph, so that every command accepts the same sources with the same errors.
#pragma once

#include <string>

#include "ir/graph.h"

namespace inrarch::models {

// A built-in SIREN spec (see siren.h) or an ONNX file. Throws UserError for a bad spec, a missing
// file or a model the importer rejects.
ir::Graph load_model(const std::string& source, ir::DType dtype);

}  // namespace inrarch::models
