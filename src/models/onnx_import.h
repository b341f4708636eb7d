// Reads an ONNX model (as torch.onnx.export writes coordinate MLPs) into the IR, so that users
// bring their trained INRs without writing any model description by hand.
//
// The import resolves everything that is known before any point arrives: shape-computing
// subgraphs (Shape/Gather/Unsqueeze/Concat of static sizes) are folded, numpy broadcasting becomes
// an explicit Broadcast, multiplication by an unnamed scalar constant becomes Scale and division by
// an unnamed constant becomes multiplication by its reciprocal (Scale for scalars). Initializers
// become named constants under their ONNX names; they are parameters, so they are never folded
// into attributes (dividing by a parameter stays a division). A dynamic or unknown input dimension
// becomes the batch symbol ir::kBatch. Graph inputs and outputs keep their ONNX names.
//
// Every failure is a UserError of one line naming the file and, where one is at fault, the node
// and its op; no input bytes can crash or hang the importer.
#pragma once

#include <string>

#include "ir/graph.h"

namespace inrarch::models {

ir::Graph import_onnx(const std::string& path, ir::DType dtype);

}  // namespace inrarch::models
