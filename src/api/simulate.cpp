// include/inrarch/design.h: simulate, the cycle simulation and analysis of a design or of a
// project written by compile_hls.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>

#include "api/design_stages.h"
#include "dataflow/analysis.h"
#include "dataflow/charts.h"
#include "dataflow/resources.h"
#include "dataflow/simulate.h"
#include "inrarch/derivatives.h"
#include "inrarch/design.h"
#include "util/format.h"

namespace inrarch {
namespace {

namespace fs = std::filesystem;
using dataflow::Network;

// The network a project's model lowers to, before any choice: its P and depths come from report.json.
Network lower_model(const std::string& model, const DesignOptions& design) {
  const ir::Graph graph = derivative_graph(load_model({model, "f32"}), {.order = design.order, .method = design.method});
  return design_stages::lower(graph, design);
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
    DesignOptions design;
    design.order = report.at("order").get<int>();
    design.method = report.at("method").get<std::string>();
    design.tile = report.at("tile_points").get<int64_t>();
    design.block = 1;
    for (const auto& stream : report.at("streams"))
      design.block = std::max(design.block, stream.at("block").get<int>());
    Network network = lower_model(report.at("model").get<std::string>(), design);
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

SimulateResult simulate(const SimulateOptions& options) {
  const DesignOptions& given = options.design;
  if (options.num_points < 1)
    throw UserError("--num-points " + std::to_string(options.num_points) + " must be positive");
  const bool is_project = fs::is_directory(options.model);
  DesignOptions choices = given;
  if (choices.fifo_strategy.empty()) choices.fifo_strategy = "analytic";
  const DesignRun run{.points = options.num_points, .longer_runs = !options.exact_run};  // by default as compile sizes
  Project project;
  std::string sizing_line;
  if (is_project) {
    project = read_project(options.model);
    const bool keep_project = given.fifo_strategy.empty() && given.dsp_budget == 0;
    sizing_line = keep_project ? "FIFO depths: the project's own (stream_depths.h)"
                               : design_stages::apply_design_choices(
                                     project.network, {choices.dsp_budget, choices.fifo_strategy,
                                                       dataflow::tiles_for(project.network, run.points),
                                                       run.longer_runs,
                                                       design_stages::models_for(
                                                           hls::parse_number_format(project.number), given.kernels)});
  } else {
    Design design = build_design(load_model({options.model, "f32"}), choices, run);
    project = {std::move(design.network), given.dtype, given.part, given.clock_ns};
    sizing_line = design.sizing;
  }
  Network& network = project.network;
  const hls::NumberFormat number = hls::parse_number_format(project.number);
  const dataflow::Part& part = dataflow::part_named(project.part);
  const double clock_ns = project.clock_ns;
  const design_stages::Models models = design_stages::models_for(number, given.kernels);
  const dataflow::TimingOptions& timing = models.timing;
  const int64_t tiles = dataflow::tiles_for(network, options.num_points);

  SimulateResult result;
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
  const dataflow::ResourceEstimate resources = dataflow::estimate_resources(network, part, models.resources);
  if (analysis.deadlock != simulation.deadlock || analysis.cycles != simulation.cycles) {
    throw std::logic_error("simulate: the analysis and the simulator disagree");
  }

  const std::string design_name = is_project ? options.model
                                             : options.model + " order " + std::to_string(given.order) +
                                                   (given.order > 0 ? " (" + given.method + ")" : "");
  result.text += format(
      "inrarch simulate: %s\n  %s points in %s tiles of %s, %s kernels, %s latencies, %zu processes, %zu FIFOs\n",
      design_name.c_str(), thousands(options.num_points).c_str(), thousands(tiles).c_str(),
      thousands(network.tile_points).c_str(), given.kernels.c_str(), number.name().c_str(), network.processes.size(),
      network.streams.size());
  result.text += format("  %s\n\n", sizing_line.c_str());

  std::vector<size_t> order(network.processes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return simulation.processes[a].busy > simulation.processes[b].busy; });
  const size_t shown = std::min(order.size(), static_cast<size_t>(std::max(0, options.top)));
  result.text += format("%-24s %-13s %5s %12s %12s %12s %12s %8s %6s\n", "process", "kind", "P", "cycles/tile", "busy",
              "input stall", "output stall", "DSP", "BRAM");
  for (size_t i = 0; i < shown; ++i) {
    const size_t p = order[i];
    const auto& process = network.processes[p];
    const auto& activity = simulation.processes[p];
    const auto& usage = resources.kernels[p].usage;
    result.text += format(
        "%-24s %-13s %5s %12s %12s %12s %12s %8s %6s\n", process.name.c_str(), dataflow::kind_name(process.kind),
        process.kind == dataflow::ProcessKind::MatMul ? std::to_string(process.parallel).c_str() : "",
        thousands(dataflow::kernel_spec(network, static_cast<int>(p), timing).cycles_per_tile()).c_str(),
        thousands(activity.busy).c_str(), thousands(activity.input_stall).c_str(),
        thousands(activity.output_stall).c_str(), thousands(usage.dsp).c_str(), thousands(usage.bram18k).c_str());
  }
  if (shown < order.size())
    result.text += format("(%zu of %zu processes, the busiest; all in simulation.json)\n", shown, order.size());

  int64_t srl = 0;
  for (const auto& fifo : resources.fifos) srl += fifo.srl ? 1 : 0;
  const double milliseconds = static_cast<double>(analysis.cycles) * clock_ns * 1e-6;
  result.text += format("\n");
  if (analysis.deadlock) {
    result.text += format("DEADLOCK (analysis and simulator agree): %s\n", analysis.cycle.text.c_str());
  } else {
    result.text += format("cycles           %s (unbounded FIFOs: %s); analysis and simulator agree\n",
                thousands(analysis.cycles).c_str(), thousands(unbounded).c_str());
    result.text += format("modeled time     %.4f ms at %.2f ns (MODELED from the timing model, not measured)\n", milliseconds,
                clock_ns);
  }
  result.text += format("C-simulation     %s\n",
              csim.deadlock ? ("deadlocks: " + csim.cycle.text).c_str() : "deadlock-free (untimed)");
  result.text += format("FIFO words       %s in %zu FIFOs (%s as shift registers), %s BRAM_18K\n",
              thousands(resources.fifo_words).c_str(), network.streams.size(), thousands(srl).c_str(),
              thousands(resources.fifo_total.bram18k).c_str());
  const auto percent = [](int64_t used, int64_t available) {
    return 100.0 * static_cast<double>(used) / static_cast<double>(available);
  };
  result.text += format(
      "resources        DSP %s (%.0f%%), BRAM_18K %s (%.0f%%), LUT %s (%.0f%%), FF %s (%.0f%%) of %s (%s); estimates\n",
      thousands(resources.total.dsp).c_str(), percent(resources.total.dsp, part.dsp),
      thousands(resources.total.bram18k).c_str(), percent(resources.total.bram18k, part.bram18k),
      thousands(resources.total.lut).c_str(), percent(resources.total.lut, part.lut),
      thousands(resources.total.ff).c_str(), percent(resources.total.ff, part.ff), part.name.c_str(),
      part.board.c_str());
  for (const auto& warning : resources.warnings) result.text += format("WARNING          %s\n", warning.c_str());
  result.text += format("run time         analysis %.3f s, simulation %.3f s\n",
              std::chrono::duration<double>(analysed - start).count(),
              std::chrono::duration<double>(simulated - analysed).count());


  nlohmann::json json;
  json["design"] = {{"model", design_name},
                    {"tiles", tiles},
                    {"tile_points", network.tile_points},
                    {"num_points", options.num_points},
                    {"kernels", given.kernels},
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
  result.report = std::move(json);
  result.deadlock = analysis.deadlock;
  if (!options.output.empty()) {
    std::error_code error;
    fs::create_directories(options.output, error);
    if (error) throw UserError("simulate: cannot create " + options.output + ": " + error.message());
    const fs::path out = options.output;
    const std::vector<int> depths = dataflow::depths_of(network);
    write_file(out / "gantt.svg", dataflow::gantt_svg(network, simulation, "process activity: " + design_name));
    write_file(out / "fifo_occupancy.svg",
               dataflow::occupancy_svg(network, simulation, depths, "FIFO occupancy: " + design_name));
    write_file(out / "simulation.json", result.report.dump(2) + "\n");
    result.files = {(out / "simulation.json").string(), (out / "gantt.svg").string(),
                    (out / "fifo_occupancy.svg").string()};
  }
  return result;
}

}  // namespace inrarch
