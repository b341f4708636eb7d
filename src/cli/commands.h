// The CLI's subcommands: each is one call into the public API (include/inrarch/) and prints what
// it returns. main.cpp only parses flags into the API's option structs (CLI11).
#pragma once

#include <string>

#include "inrarch/apps.h"
#include "inrarch/derivatives.h"
#include "inrarch/design.h"
#include "inrarch/model.h"

namespace inrarch::cli {

struct ExportOptions {
  ModelOptions model;
  std::string output;
};

int run_info(const ModelOptions& options);
int run_export(const ExportOptions& options);
int run_eval(const EvalOptions& options);
int run_grad(const GradOptions& options);
int run_graph(const GraphOptions& options);
int run_fit(const FitImageOptions& options);
int run_edit(const EditOptions& options);
int run_demo(const DemoOptions& options);
int run_compile(const CompileOptions& options);
// Returns the C-simulation's exit status (0 pass, 1 mismatch, 3 deadlock, ...).
int run_csim(const CsimOptions& options);
// 3 when the design deadlocks.
int run_simulate(const SimulateOptions& options);

}  // namespace inrarch::cli
