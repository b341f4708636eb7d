// The CLI's subcommands as plain functions over option structs: main.cpp only parses flags into
// these structs (CLI11), so the commands stay testable and free of parsing code.
#pragma once

#include <string>

namespace inrarch::cli {

struct ModelOptions {
  std::string model;  // .onnx path or siren:... spec
  std::string dtype = "f32";
};

// Which executor runs the graph: the fast engine (default) or the f64 reference evaluator (the
// oracle, slow).
struct ExecutionOptions {
  std::string engine = "fast";
  int threads = 0;  // 0: all cores
};

struct PointOptions {
  std::string points;  // .npy [P, d]
  std::string grid;    // "HxW"
};

struct InfoOptions {
  ModelOptions model;
};

struct EvalOptions {
  ModelOptions model;
  PointOptions points;
  ExecutionOptions execution;
  std::string output;
};

struct GradOptions {
  ModelOptions model;
  PointOptions points;
  ExecutionOptions execution;
  int order = 1;
  std::string method = "taylor";
  std::string layout = "unique";
  int insp_calls = 31;
  std::string output;
};

struct GraphOptions {
  ModelOptions model;
  int order = 1;
  std::string method = "taylor";
  std::string layout = "unique";
  int insp_calls = 31;
  bool stats = false;
  std::string dot;
  std::string print_after;  // comma-separated pass names or "all"
};

struct ExportOptions {
  ModelOptions model;
  std::string output;
};

int run_info(const InfoOptions& options);
int run_export(const ExportOptions& options);
int run_eval(const EvalOptions& options);
int run_grad(const GradOptions& options);
int run_graph(const GraphOptions& options);

}  // namespace inrarch::cli
