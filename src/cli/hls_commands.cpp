#include "cli/hls_commands.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "autodiff/derive.h"
#include "cli/common.h"
#include "cli/simulate.h"
#include "dataflow/lower.h"
#include "hls/codegen.h"
#include "util/error.h"

namespace inrarch::cli {
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

int run_compile(const CompileOptions& options) {
  if (options.output.empty()) throw UserError("compile: give the project directory with -o DIR");
  if (options.points < 1 || options.points > 4096)
    throw UserError("--points " + std::to_string(options.points) + " out of range [1, 4096]");
  hls::ProjectOptions project;
  project.number = hls::parse_number_format(options.dtype);
  project.part = options.part;
  project.clock_ns = options.clock_ns;
  project.model = options.model;
  project.order = options.order;
  project.test_points = options.test_points;

  const ir::Graph forward = load(ModelOptions{options.model, "f32"});
  const ir::Graph graph = optimized_derivatives(forward, options.order, options.method);
  if (options.order > 0) {
    project.method = options.method;
    const auto dims = forward.node(autodiff::coordinate_input(forward, "")).shape[1];
    const auto orders = element_orders(graph, static_cast<int>(dims), options.order);
    if (!orders.empty()) project.element_orders[graph.outputs().at(0).name] = orders;
  }
  if (project.number.fixed && project.number.integer_bits == 0) {
    project.number.integer_bits = hls::integer_bits_for(graph, project, options.points);
    std::printf("--dtype %s: %s holds every value of the graph on the testbench points\n", options.dtype.c_str(),
                project.number.cpp_type().c_str());
  }

  dataflow::LowerOptions lowering;
  lowering.tile_points = options.points;
  lowering.depth_policy = parse_depths(options.depths);
  lowering.default_depth = options.depth;
  lowering.max_block = options.block;
  lowering.matmul_parallel = options.parallel;
  dataflow::Network network = dataflow::lower(graph, lowering);
  DesignChoices choices{options.dsp_budget, options.fifo_strategy, 1, true, {}, {}};
  choices.tiles = std::max<int64_t>(4, dataflow::tiles_for(network, std::max<int64_t>(1, options.test_points)));
  choices.timing.floating_point = choices.resources.floating_point = !project.number.fixed;
  choices.resources.word_bits = project.number.width;
  std::printf("%s\n", apply_design_choices(network, choices).c_str());
  for (const std::string& warning : hls::write_project(graph, network, project, options.output)) {
    std::printf("WARNING: %s\n", warning.c_str());
  }
  std::printf("wrote %s: %zu processes, %zu streams, %lld FIFO elements, tile of %lld points (%s)\n",
              options.output.c_str(), network.processes.size(), network.streams.size(),
              static_cast<long long>(dataflow::fifo_elements(network)), static_cast<long long>(options.points),
              project.number.name().c_str());
  std::printf("C-simulation: inrarch csim %s   Vitis: cd %s && vitis_hls -f run_hls.tcl\n", options.output.c_str(),
              options.output.c_str());
  return 0;
}

int run_csim(const CsimOptions& options) {
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

}  // namespace inrarch::cli
