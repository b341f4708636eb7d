// inrarch: the command line. A thin layer: CLI11 parses flags into the option structs of
// commands.h, and every failure becomes one "inrarch: error: ..." line with exit code 2.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "cli/hls_commands.h"
#include "cli/simulate.h"
#include "models/siren.h"

namespace {

using namespace inrarch::cli;

void add_model(CLI::App& command, ModelOptions& options) {
  command.add_option("model", options.model, "ONNX file or built-in spec, e.g. " + std::string(inrarch::models::kDefaultSiren))
      ->default_val(inrarch::models::kDefaultSiren);
  command.add_option("--dtype", options.dtype, "f32 or f64")->capture_default_str();
}

void add_points(CLI::App& command, PointOptions& options) {
  command.add_option("--points", options.points, "coordinates as .npy [P, d]");
  command.add_option("--grid", options.grid, "a regular grid over [-1,1]^d: W, HxW or DxHxW");
}

template <typename Options>
void add_derivative(CLI::App& command, Options& options) {
  command.add_option("--order,-n", options.order, "highest derivative order")->capture_default_str();
  command.add_option("--method", options.method, "taylor or nested")->capture_default_str();
  command.add_option("--layout", options.layout, "unique or insp")->capture_default_str();
  command.add_option("--insp-calls", options.insp_calls, "grad calls of INSP-Net's loop (layout insp)")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"inrarch: arbitrary-order input derivatives of implicit neural representations, on CPU and FPGA"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "help for every subcommand");

  InfoOptions info;
  auto* info_command = app.add_subcommand("info", "inputs, outputs, layers, parameters and ops of a model");
  add_model(*info_command, info.model);

  EvalOptions eval;
  auto* eval_command = app.add_subcommand("eval", "evaluate a model at points (reference evaluator, f64)");
  add_model(*eval_command, eval.model);
  add_points(*eval_command, eval.points);
  eval_command->add_option("-o,--output", eval.output, "output .npy [P, channels]")->required();

  GradOptions grad;
  auto* grad_command = app.add_subcommand("grad", "all partial derivatives up to order n at points");
  add_model(*grad_command, grad.model);
  add_points(*grad_command, grad.points);
  add_derivative(*grad_command, grad);
  grad_command->add_option("-o,--output", grad.output, "output .npy [P, channels, M] (+ .json sidecar)")->required();

  GraphOptions graph;
  auto* graph_command = app.add_subcommand("graph", "derivative graph statistics, before and after passes");
  add_model(*graph_command, graph.model);
  add_derivative(*graph_command, graph);
  graph_command->add_flag("--stats", graph.stats, "also print graph size and MACs/point for orders 1..n, both methods");
  graph_command->add_option("--dot", graph.dot, "write the optimized graph as Graphviz dot");
  graph_command->add_option("--print-after", graph.print_after, "print the graph after these passes (comma list or all)");

  // FPGA backend (cli/hls_commands.h).
  CompileOptions compile;
  auto* compile_command = app.add_subcommand("compile", "write a Vitis HLS dataflow project for a model's derivatives");
  compile_command->add_option("model", compile.model, "ONNX file or built-in spec")->capture_default_str();
  compile_command->add_option("--order,-n", compile.order, "highest derivative order (0: the forward model)")->capture_default_str();
  compile_command->add_option("--method", compile.method, "taylor or nested")->capture_default_str();
  compile_command->add_option("--points", compile.points, "points per tile (K)")->capture_default_str();
  compile_command->add_option("--test-points", compile.test_points, "testbench points (0: one tile)")->capture_default_str();
  compile_command->add_option("--dtype", compile.dtype, "float or fixed<W>_<I>, e.g. fixed32_10")->capture_default_str();
  compile_command->add_option("--part", compile.part, "FPGA part for Vitis")->capture_default_str();
  compile_command->add_option("--clock-ns", compile.clock_ns, "clock period in ns")->capture_default_str();
  compile_command->add_option("--depths", compile.depths, "FIFO depth policy: fork-tile or uniform")->capture_default_str();
  compile_command->add_option("--depth", compile.depth, "depth of the FIFOs the policy does not size")->capture_default_str();
  compile_command->add_option("--block", compile.block, "largest elements per FIFO beat")->capture_default_str();
  compile_command->add_option("--parallel", compile.parallel, "largest matmul columns per cycle")->capture_default_str();
  compile_command->add_option("-o,--output", compile.output, "project directory")->required();
  compile_command->add_option("--fifo-strategy", compile.fifo_strategy, "analytic, double-shrink, uniform:D, or none (keep --depths)")
      ->capture_default_str();
  compile_command->add_option("--dsp-budget", compile.dsp_budget, "choose each matmul's P to fit this many DSPs");

  CsimOptions csim;
  auto* csim_command = app.add_subcommand("csim", "build and run a compiled project's threaded C-simulation");
  csim_command->add_option("directory", csim.directory, "project directory written by compile")->required();
  csim_command->add_option("--depth", csim.depth, "force every FIFO to this depth (deadlock exploration)");

  // Dataflow analysis (cli/simulate.h).
  SimulateOptions simulate;
  auto* simulate_command = app.add_subcommand("simulate", "size the FIFOs of a dataflow design, simulate it cycle by cycle, estimate resources");
  simulate_command->add_option("model", simulate.model, "ONNX file, built-in spec, or a project directory from compile")->capture_default_str();
  simulate_command->add_option("--order,-n", simulate.order, "highest derivative order (0: the forward model)")->capture_default_str();
  simulate_command->add_option("--method", simulate.method, "taylor or nested")->capture_default_str();
  simulate_command->add_option("--points", simulate.points, "points per tile (K)")->capture_default_str();
  simulate_command->add_option("--num-points", simulate.num_points, "points the simulated run processes")->capture_default_str();
  simulate_command->add_option("--kernels", simulate.kernels, "library, or inrarch (INR-Arch-like row-streaming matmul)")->capture_default_str();
  simulate_command->add_option("--fifo-strategy", simulate.fifo_strategy, "analytic, double-shrink or uniform:D (default analytic; a project keeps its depths)");
  simulate_command->add_option("--dsp-budget", simulate.dsp_budget, "choose each matmul's P to fit this many DSPs");
  simulate_command->add_flag("--exact-run", simulate.exact_run, "size the FIFOs for exactly --num-points (a design always called with that many), not for any run as compile does");
  simulate_command->add_option("--block", simulate.block, "largest elements per FIFO beat")->capture_default_str();
  simulate_command->add_option("--parallel", simulate.parallel, "largest matmul columns per cycle (without --dsp-budget)")->capture_default_str();
  simulate_command->add_option("--dtype", simulate.dtype, "float or fixed<W>_<I>: operator latencies and word width")->capture_default_str();
  simulate_command->add_option("--part", simulate.part, "FPGA part whose resources the estimate is compared with")->capture_default_str();
  simulate_command->add_option("--clock-ns", simulate.clock_ns, "clock period in ns")->capture_default_str();
  simulate_command->add_option("--top", simulate.top, "processes listed in the table")->capture_default_str();
  simulate_command->add_option("-o,--output", simulate.output, "directory for simulation.json and the charts")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    std::fprintf(stderr, "inrarch: error: %s (see --help)\n", error.what());
    return 2;
  }

  try {
    if (*info_command) return run_info(info);
    if (*eval_command) return run_eval(eval);
    if (*grad_command) return run_grad(grad);
    if (*graph_command) return run_graph(graph);
    if (*compile_command) return run_compile(compile);
    if (*csim_command) return run_csim(csim);
    if (*simulate_command) return run_simulate(simulate);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "inrarch: error: %s\n", error.what());
    return 2;
  }
  return 2;
}
