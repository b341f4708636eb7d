#include "cli/simulate.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>

#include "cli/common.h"
#include "dataflow/analysis.h"
#include "dataflow/charts.h"
#include "dataflow/fifo_sizing.h"
#include "dataflow/resources.h"
#include "dataflow/simulate.h"
#include "dataflow/timing.h"
#include "hls/codegen.h"
#include "util/error.h"

namespace inrarch::cli {
namespace {

namespace fs = std::filesystem;
using dataflow::Network;

// What the design is built from: a model and the lowering's choices.
struct Design {
  std::string model;
  int order = 0;
  std::string method;
  int64_t tile_points = 16;
  int block = 4;
  int parallel = 4;
};

Network build_network(const Design& design) {
  const ir::Graph graph = optimized_derivatives(load(ModelOptions{design.model, "f32"}), design.order, design.method);
  dataflow::LowerOptions lowering;
  lowering.tile_points = design.tile_points;
  lowering.max_block = design.block;
  lowering.matmul_parallel = design.parallel;
  return dataflow::lower(graph, lowering);
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw UserError("simulate: cannot read " + path.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& error) {
    throw UserError("simulate: " + path.string() + " is not valid JSON: " + error.what());
  }
}

// A project written by `inrarch compile`: its network rebuilt from report.json, with the
// project's own P per matmul and FIFO depths, and the number format, part and clock it targets.
struct Project {
  Network network;
  std::string number, part;
  double clock_ns = 0;
};

Project read_project(const fs::path& directory) {
  const nlohmann::json report = read_json(directory / "report.json");
  try {
    Design design;
    design.model = report.at("model").get<std::string>();
    design.order = report.at("order").get<int>();
    design.method = report.at("method").get<std::string>();
    design.tile_points = report.at("tile_points").get<int64_t>();
    design.block = 1;
    for (const auto& stream : report.at("streams"))
      design.block = std::max(design.block, stream.at("block").get<int>());
    Network network = build_network(design);
    std::map<std::string, int> parallel;
    for (const auto& process : report.at("processes")) {
      if (process.contains("parallel"))
        parallel[process.at("name").get<std::string>()] = process.at("parallel").get<int>();
    }
    for (auto& process : network.processes) {
      if (process.kind == dataflow::ProcessKind::MatMul) process.parallel = parallel.at(process.name);
    }
    const auto& streams = report.at("streams");
    if (streams.size() != network.streams.size()) throw UserError("");
    for (size_t s = 0; s < streams.size(); ++s) {
      auto& stream = network.streams[s];
      if (streams[s].at("name").get<std::string>() != stream.name ||
          streams[s].at("block").get<int>() != stream.block) {
        throw UserError("");
      }
      stream.depth = streams[s].at("depth").get<int>();
    }
    return {std::move(network), report.at("number").get<std::string>(), report.at("part").get<std::string>(),
            report.at("clock_ns").get<double>()};
  } catch (const std::exception&) {
    throw UserError(
        "simulate: " + (directory / "report.json").string() +
        " does not describe the design its model lowers to (rewritten by hand, or from another inrarch version)");
  }
}

std::string thousands(int64_t value) {
  std::string digits = std::to_string(std::llabs(value));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return (value < 0 ? "-" : "") + digits;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw UserError("simulate: cannot write " + path.string());
}

}  // namespace

std::string apply_design_choices(Network& network, const DesignChoices& choices) {
  if (choices.dsp_budget > 0)
    dataflow::choose_parallelism(network, choices.dsp_budget, choices.timing, choices.resources);
  if (choices.fifo_strategy == "none") {
    // The policy's depths are rules of thumb: say at once whether the C-simulation would deadlock.
    dataflow::TimingOptions untimed = choices.timing;
    untimed.untimed = true;
    const auto csim = dataflow::analyze(network, dataflow::build_schedule(network, untimed, choices.tiles));
    return csim.deadlock ? "FIFO depths: the lowering's depth policy; DEADLOCKS: " + csim.cycle.text
                         : "FIFO depths: the lowering's depth policy (deadlock-free for " +
                               std::to_string(choices.tiles) + " tiles in the untimed analysis)";
  }
  const auto strategy = dataflow::parse_fifo_strategy(choices.fifo_strategy);
  dataflow::SizingOptions options;
  options.tiles = choices.tiles;
  options.timing = choices.timing;
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

int run_simulate(const SimulateOptions& options) {
  if (options.output.empty()) throw UserError("simulate: give the output directory with -o DIR");
  if (options.points < 1 || options.points > 4096)
    throw UserError("--points " + std::to_string(options.points) + " out of range [1, 4096]");
  if (options.num_points < 1)
    throw UserError("--num-points " + std::to_string(options.num_points) + " must be positive");
  const bool is_project = fs::is_directory(options.model);
  Project project;
  if (is_project) {
    project = read_project(options.model);
  } else {
    project = {
        build_network({options.model, options.order, options.method, options.points, options.block, options.parallel}),
        options.dtype, options.part, options.clock_ns};
  }
  Network& network = project.network;
  const hls::NumberFormat number = hls::parse_number_format(project.number);
  const dataflow::Part& part = dataflow::part_named(project.part);
  const double clock_ns = project.clock_ns;
  dataflow::TimingOptions timing;
  timing.floating_point = !number.fixed;
  if (options.kernels == "inrarch") {
    timing.kernels = dataflow::KernelStyle::InrArch;
  } else if (options.kernels != "library") {
    throw UserError("--kernels " + options.kernels + ": expected library or inrarch");
  }
  dataflow::ResourceOptions resource_options;
  resource_options.word_bits = number.width;
  resource_options.floating_point = !number.fixed;
  resource_options.kernels = timing.kernels;

  const int64_t tiles = dataflow::tiles_for(network, options.num_points);
  DesignChoices choices;
  choices.dsp_budget = options.dsp_budget;
  choices.fifo_strategy = options.fifo_strategy.empty() ? "analytic" : options.fifo_strategy;
  choices.tiles = tiles;
  choices.longer_runs = !options.exact_run;  // by default the depths compile would write
  choices.timing = timing;
  choices.resources = resource_options;
  const bool keep_project = is_project && options.fifo_strategy.empty() && options.dsp_budget == 0;
  const std::string sizing_line =
      keep_project ? "FIFO depths: the project's own (stream_depths.h)" : apply_design_choices(network, choices);

  const auto start = std::chrono::steady_clock::now();
  const dataflow::Schedule schedule = dataflow::build_schedule(network, timing, tiles);
  const dataflow::Analysis analysis = dataflow::analyze(network, schedule);
  const auto analysed = std::chrono::steady_clock::now();
  const dataflow::Simulation simulation = dataflow::simulate(network, schedule);
  const auto simulated = std::chrono::steady_clock::now();
  dataflow::TimingOptions untimed = timing;
  untimed.untimed = true;
  const dataflow::Analysis csim = dataflow::analyze(network, dataflow::build_schedule(network, untimed, tiles));
  dataflow::AnalysisOptions unbounded_options;
  unbounded_options.unbounded = true;
  const int64_t unbounded = dataflow::analyze(network, schedule, {}, unbounded_options).cycles;
  const dataflow::ResourceEstimate resources = dataflow::estimate_resources(network, part, resource_options);
  if (analysis.deadlock != simulation.deadlock || analysis.cycles != simulation.cycles) {
    throw std::logic_error("simulate: the analysis and the simulator disagree");
  }

  const std::string design_name = is_project ? options.model
                                             : options.model + " order " + std::to_string(options.order) +
                                                   (options.order > 0 ? " (" + options.method + ")" : "");
  std::printf(
      "inrarch simulate: %s\n  %s points in %s tiles of %s, %s kernels, %s latencies, %zu processes, %zu FIFOs\n",
      design_name.c_str(), thousands(options.num_points).c_str(), thousands(tiles).c_str(),
      thousands(network.tile_points).c_str(), options.kernels.c_str(), number.name().c_str(), network.processes.size(),
      network.streams.size());
  std::printf("  %s\n\n", sizing_line.c_str());

  std::vector<size_t> order(network.processes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return simulation.processes[a].busy > simulation.processes[b].busy; });
  const size_t shown = std::min(order.size(), static_cast<size_t>(std::max(0, options.top)));
  std::printf("%-24s %-13s %5s %12s %12s %12s %12s %8s %6s\n", "process", "kind", "P", "cycles/tile", "busy",
              "input stall", "output stall", "DSP", "BRAM");
  for (size_t i = 0; i < shown; ++i) {
    const size_t p = order[i];
    const auto& process = network.processes[p];
    const auto& activity = simulation.processes[p];
    const auto& usage = resources.kernels[p].usage;
    std::printf(
        "%-24s %-13s %5s %12s %12s %12s %12s %8s %6s\n", process.name.c_str(), dataflow::kind_name(process.kind),
        process.kind == dataflow::ProcessKind::MatMul ? std::to_string(process.parallel).c_str() : "",
        thousands(dataflow::kernel_spec(network, static_cast<int>(p), timing).cycles_per_tile()).c_str(),
        thousands(activity.busy).c_str(), thousands(activity.input_stall).c_str(),
        thousands(activity.output_stall).c_str(), thousands(usage.dsp).c_str(), thousands(usage.bram18k).c_str());
  }
  if (shown < order.size())
    std::printf("(%zu of %zu processes, the busiest; all in simulation.json)\n", shown, order.size());

  int64_t srl = 0;
  for (const auto& fifo : resources.fifos) srl += fifo.srl ? 1 : 0;
  const double milliseconds = static_cast<double>(analysis.cycles) * clock_ns * 1e-6;
  std::printf("\n");
  if (analysis.deadlock) {
    std::printf("DEADLOCK (analysis and simulator agree): %s\n", analysis.cycle.text.c_str());
  } else {
    std::printf("cycles           %s (unbounded FIFOs: %s); analysis and simulator agree\n",
                thousands(analysis.cycles).c_str(), thousands(unbounded).c_str());
    std::printf("modeled time     %.4f ms at %.2f ns (MODELED from the timing model, not measured)\n", milliseconds,
                clock_ns);
  }
  std::printf("C-simulation     %s\n",
              csim.deadlock ? ("deadlocks: " + csim.cycle.text).c_str() : "deadlock-free (untimed)");
  std::printf("FIFO words       %s in %zu FIFOs (%s as shift registers), %s BRAM_18K\n",
              thousands(resources.fifo_words).c_str(), network.streams.size(), thousands(srl).c_str(),
              thousands(resources.fifo_total.bram18k).c_str());
  const auto percent = [](int64_t used, int64_t available) {
    return 100.0 * static_cast<double>(used) / static_cast<double>(available);
  };
  std::printf(
      "resources        DSP %s (%.0f%%), BRAM_18K %s (%.0f%%), LUT %s (%.0f%%), FF %s (%.0f%%) of %s (%s); estimates\n",
      thousands(resources.total.dsp).c_str(), percent(resources.total.dsp, part.dsp),
      thousands(resources.total.bram18k).c_str(), percent(resources.total.bram18k, part.bram18k),
      thousands(resources.total.lut).c_str(), percent(resources.total.lut, part.lut),
      thousands(resources.total.ff).c_str(), percent(resources.total.ff, part.ff), part.name.c_str(),
      part.board.c_str());
  for (const auto& warning : resources.warnings) std::printf("WARNING          %s\n", warning.c_str());
  std::printf("run time         analysis %.3f s, simulation %.3f s\n",
              std::chrono::duration<double>(analysed - start).count(),
              std::chrono::duration<double>(simulated - analysed).count());

  std::error_code error;
  fs::create_directories(options.output, error);
  if (error) throw UserError("simulate: cannot create " + options.output + ": " + error.message());
  const fs::path out = options.output;
  const std::vector<int> depths = dataflow::depths_of(network);
  write_file(out / "gantt.svg", dataflow::gantt_svg(network, simulation, "process activity: " + design_name));
  write_file(out / "fifo_occupancy.svg",
             dataflow::occupancy_svg(network, simulation, depths, "FIFO occupancy: " + design_name));

  nlohmann::json json;
  json["design"] = {{"model", design_name},
                    {"tiles", tiles},
                    {"tile_points", network.tile_points},
                    {"num_points", options.num_points},
                    {"kernels", options.kernels},
                    {"number", number.name()}};
  json["fifo_sizing"] = sizing_line;
  json["deadlock"] = analysis.deadlock;
  json["deadlock_cycle"] = analysis.cycle.text;
  json["csim_deadlock"] = csim.deadlock;
  json["cycles"] = analysis.cycles;
  json["unbounded_cycles"] = unbounded;
  json["clock_ns"] = clock_ns;
  json["modeled_ms"] = milliseconds;
  json["fifo_words"] = resources.fifo_words;
  json["resources"] = {{"part", part.name},
                       {"dsp", resources.total.dsp},
                       {"bram18k", resources.total.bram18k},
                       {"lut", resources.total.lut},
                       {"ff", resources.total.ff},
                       {"fifo_bram18k", resources.fifo_total.bram18k},
                       {"warnings", resources.warnings}};
  for (size_t p = 0; p < network.processes.size(); ++p) {
    const auto& activity = simulation.processes[p];
    json["processes"].push_back({{"name", network.processes[p].name},
                                 {"kind", dataflow::kind_name(network.processes[p].kind)},
                                 {"parallel", network.processes[p].parallel},
                                 {"timing", dataflow::kernel_spec(network, static_cast<int>(p), timing).describe()},
                                 {"busy", activity.busy},
                                 {"input_stall", activity.input_stall},
                                 {"output_stall", activity.output_stall},
                                 {"done", activity.done},
                                 {"dsp", resources.kernels[p].usage.dsp},
                                 {"bram18k", resources.kernels[p].usage.bram18k}});
  }
  for (size_t s = 0; s < network.streams.size(); ++s) {
    json["streams"].push_back({{"name", network.streams[s].name},
                               {"depth", network.streams[s].depth},
                               {"block", network.streams[s].block},
                               {"max_occupancy", simulation.streams[s].max_occupancy},
                               {"srl", resources.fifos[s].srl},
                               {"bram18k", resources.fifos[s].usage.bram18k}});
  }
  write_file(out / "simulation.json", json.dump(2) + "\n");
  std::printf("wrote %s, %s, %s\n", (out / "simulation.json").c_str(), (out / "gantt.svg").c_str(),
              (out / "fifo_occupancy.svg").c_str());
  return analysis.deadlock ? 3 : 0;
}

}  // namespace inrarch::cli
