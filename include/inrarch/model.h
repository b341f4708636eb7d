// The public API, part 1: models. What a user names as a model (an ONNX file or a built-in spec)
// becomes a graph; `describe_model` is what `inrarch info` prints and `Model.info()` returns.
//
// The headers in include/inrarch/ are the whole surface the two front ends (the CLI in src/cli and
// the Python module in python/) use: every user-visible job is one call with an options struct
// and a result struct. Failures caused by the user's input throw inrarch::UserError with one line
// naming the file, node, op or option at fault.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "models/siren.h"
#include "util/error.h"

namespace inrarch {

struct ModelOptions {
  std::string model = models::kDefaultSiren;  // .onnx path or siren:... spec
  std::string dtype = "f32";                  // f32 | f64: the arithmetic of everything run on it
};

// "f32" or "f64"; UserError naming --dtype otherwise.
ir::DType parse_dtype(const std::string& text);
ir::Graph load_model(const ModelOptions& options);

struct TensorInfo {
  std::string name;
  std::string dtype;           // f32 | f64
  std::vector<int64_t> shape;  // ir::kBatch (-1) for the points axis
};

// One matmul of the model with the bias and the chain of unary ops that follow it.
struct LayerInfo {
  std::string weight;
  std::vector<int64_t> shape;
  std::string bias;        // "-" without one
  std::string activation;  // "linear", or e.g. "sin(30*x)"
};

struct ModelInfo {
  std::vector<TensorInfo> inputs, outputs;
  std::vector<LayerInfo> layers;
  int64_t parameters = 0;
  int64_t macs_per_point = 0;
  std::vector<std::pair<std::string, int>> ops;  // op name -> count
};

ModelInfo describe_model(const ir::Graph& graph);

// Writes the graph as an ONNX file (e.g. a built-in spec, or a fitted model).
void export_model(const ir::Graph& graph, const std::string& path);

}  // namespace inrarch
