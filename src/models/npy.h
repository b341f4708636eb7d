// NumPy .npy files: how points go in and values and derivatives come out, so that results load
// directly in NumPy/PyTorch and PyTorch's reference values load here. Only what those exchanges
// need: little-endian float32/float64 in C order, header versions 1.0 and 2.0 (3.0 is read too: it
// differs only in the header's text encoding).
#pragma once

#include <string>

#include "ir/graph.h"
#include "ir/tensor.h"

namespace inrarch::models {

// Reads a float32 or float64 array (values widened to double). Throws UserError naming the file
// and the problem: missing file, bad magic, truncated header or data, unsupported dtype,
// fortran_order True, trailing bytes.
Tensor read_npy(const std::string& path);

// Writes `tensor` as float32 (values rounded) or float64. Throws UserError if the file cannot be
// written or the tensor's data does not match its shape.
void write_npy(const std::string& path, const Tensor& tensor, ir::DType dtype = ir::DType::F64);

}  // namespace inrarch::models
