// include/inrarch/design.h: build_design as a list of stages, compile_hls and csim.
#include "inrarch/design.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "api/design_stages.h"
#include "autodiff/derive.h"
#include "dataflow/analysis.h"
#include "dataflow/fifo_sizing.h"
#include "inrarch/derivatives.h"
#include "util/format.h"

namespace inrarch {
namespace {

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

int exit_status(int status) {
  if (status == -1) throw UserError("cannot start a shell");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

dataflow::DepthPolicy parse_depths(const std::string& text) {
  if (text == "fork-tile") return dataflow::DepthPolicy::ForkTile;
  if (text == "uniform") return dataflow::DepthPolicy::Uniform;
  throw UserError("--depths " + text + ": expected fork-tile or uniform");
}

dataflow::KernelStyle parse_kernels(const std::string& text) {
  if (text == "library") return dataflow::KernelStyle::Library;
  if (text == "inrarch") return dataflow::KernelStyle::InrArch;
  throw UserError("--kernels " + text + ": expected library or inrarch");
}

// The derivative order of each element of one point of the output [N, channels, M].
std::vector<int> element_orders(const ir::Graph& derived, int dims, int order) {
  const auto& shape = derived.node(derived.outputs().at(0).node).shape;
  const auto alphas = autodiff::multi_indices(dims, order);
  std::vector<int> orders;
  if (shape.size() != 3 || shape[2] != static_cast<int64_t>(alphas.size())) return orders;
  for (int64_t c = 0; c < shape[1]; ++c) {
    for (const auto& alpha : alphas) orders.push_back(autodiff::degree(alpha));
  }
  return orders;
}

}  // namespace

namespace design_stages {

dataflow::Network lower(const ir::Graph& graph, const DesignOptions& options) {
  if (options.tile < 1 || options.tile > 4096)
    throw UserError("--tile " + std::to_string(options.tile) + " out of range [1, 4096]");
  dataflow::LowerOptions lowering;
  lowering.tile_points = options.tile;
  lowering.depth_policy = parse_depths(options.depths);
  lowering.default_depth = options.depth;
  lowering.max_block = options.block;
  lowering.matmul_parallel = options.parallel;
  return dataflow::lower(graph, lowering);
}

Models models_for(const hls::NumberFormat& number, const std::string& kernels) {
  Models models;
  models.timing.floating_point = models.resources.floating_point = !number.fixed;
  models.timing.kernels = models.resources.kernels = parse_kernels(kernels);
  models.resources.word_bits = number.width;
  return models;
}

std::string apply_design_choices(dataflow::Network& network, const DesignChoices& choices) {
  const dataflow::TimingOptions& timing = choices.models.timing;
  if (choices.dsp_budget > 0)
    dataflow::choose_parallelism(network, choices.dsp_budget, timing, choices.models.resources);
  if (choices.fifo_strategy == "none") {
    // The policy's depths are rules of thumb: say at once whether the C-simulation would deadlock.
    dataflow::TimingOptions untimed = timing;
    untimed.untimed = true;
    const auto csim = dataflow::analyze(network, dataflow::build_schedule(network, untimed, choices.tiles));
    return csim.deadlock ? "FIFO depths: the lowering's depth policy; DEADLOCKS: " + csim.cycle.text
                         : "FIFO depths: the lowering's depth policy (deadlock-free for " +
                               std::to_string(choices.tiles) + " tiles in the untimed analysis)";
  }
  const auto strategy = dataflow::parse_fifo_strategy(choices.fifo_strategy);
  dataflow::SizingOptions options;
  options.tiles = choices.tiles;
  options.timing = timing;
  options.longer_runs = choices.longer_runs;
  const dataflow::FifoSizing sizing = dataflow::size_fifos(network, strategy, options);
  dataflow::apply_depths(network, sizing.depths);
  std::string line = "FIFO sizing " + dataflow::to_string(strategy) + " for " + std::to_string(sizing.sized_tiles) +
                     " tiles: " + std::to_string(sizing.analyses) + " analyses in ";
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f s", sizing.seconds);
  line += seconds;
  if (!sizing.detail.empty()) line += "; " + sizing.detail;
  if (!sizing.deadlock_free) line += "; DEADLOCKS: " + sizing.deadlock;
  return line;
}

}  // namespace design_stages

Design build_design(const ir::Graph& forward, const DesignOptions& options, const DesignRun& run) {
  Design design;
  design.number = hls::parse_number_format(options.dtype);
  design.graph = derivative_graph(forward, {.order = options.order, .method = options.method});
  if (options.order > 0) {
    design.element_orders =
        element_orders(design.graph, static_cast<int>(coordinate_input(forward).dims), options.order);
  }
  design.network = design_stages::lower(design.graph, options);
  design_stages::DesignChoices choices;
  choices.dsp_budget = options.dsp_budget;
  choices.fifo_strategy = options.fifo_strategy;
  choices.tiles = dataflow::tiles_for(design.network, std::max<int64_t>(1, run.points));
  choices.longer_runs = run.longer_runs;
  choices.models = design_stages::models_for(design.number, options.kernels);
  design.sizing = design_stages::apply_design_choices(design.network, choices);
  return design;
}

CompileResult compile_hls(const CompileOptions& options) {
  if (options.output.empty()) throw UserError("compile: give the project directory with -o DIR");
  if (options.design.kernels != "library")
    throw UserError("--kernels " + options.design.kernels + ": compile writes the library's kernels only");
  const ir::Graph forward = load_model({options.model, "f32"});
  // The depths are planned for the testbench's points but at least four tiles.
  const int64_t planned = std::max(options.test_points, 4 * options.design.tile);
  const Design design = build_design(forward, options.design, {.points = planned, .longer_runs = true});

  hls::ProjectOptions project;
  project.number = design.number;
  project.part = options.design.part;
  project.clock_ns = options.design.clock_ns;
  project.model = options.model;
  project.order = options.design.order;
  project.test_points = options.test_points;
  if (options.design.order > 0) {
    project.method = options.design.method;
    if (!design.element_orders.empty()) project.element_orders[design.graph.outputs().at(0).name] = design.element_orders;
  }
  CompileResult result;
  if (project.number.fixed && project.number.integer_bits == 0) {
    project.number.integer_bits = hls::integer_bits_for(design.graph, project, options.design.tile);
    result.number_note = "--dtype " + options.design.dtype + ": " + project.number.cpp_type() +
                         " holds every value of the graph on the testbench points";
  }
  result.sizing = design.sizing;
  result.warnings = hls::write_project(design.graph, design.network, project, options.output);
  result.number = project.number.name();
  result.processes = design.network.processes.size();
  result.streams = design.network.streams.size();
  result.fifo_elements = dataflow::fifo_elements(design.network);
  result.tile = options.design.tile;
  return result;
}

std::string compile_report(const CompileOptions& options, const CompileResult& result) {
  std::string text;
  if (!result.number_note.empty()) text += result.number_note + "\n";
  text += result.sizing + "\n";
  for (const std::string& warning : result.warnings) text += "WARNING: " + warning + "\n";
  text += format("wrote %s: %zu processes, %zu streams, %lld FIFO elements, tile of %lld points (%s)\n",
                 options.output.c_str(), result.processes, result.streams,
                 static_cast<long long>(result.fifo_elements), static_cast<long long>(result.tile),
                 result.number.c_str());
  text += format("C-simulation: inrarch csim %s   Vitis: cd %s && vitis_hls -f run_hls.tcl\n", options.output.c_str(),
                 options.output.c_str());
  return text;
}

int csim(const CsimOptions& options) {
  const std::filesystem::path directory = options.directory;
  if (!std::filesystem::exists(directory / "Makefile")) {
    throw UserError("csim: " + options.directory + " is not a project written by inrarch compile (no Makefile)");
  }
  const int built = exit_status(std::system(("make -C " + shell_quote(options.directory) + " csim").c_str()));
  if (built != 0) throw UserError("csim: building the C-simulation in " + options.directory + " failed");
  std::string command = "cd " + shell_quote(options.directory) + " && ./csim_model";
  if (options.depth > 0) command += " --depth " + std::to_string(options.depth);
  return exit_status(std::system(command.c_str()));
}

}  // namespace inrarch
