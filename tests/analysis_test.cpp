// The dataflow analysis: timing model against hand-derived schedules, the event-graph analysis
// against the cycle simulator (two independent algorithms over the same execution model) and
// against the threaded C-simulation of a generated project, FIFO sizing strategies, resources.
#include "dataflow/analysis.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "autodiff/derive.h"
#include "dataflow/charts.h"
#include "dataflow/fifo_sizing.h"
#include "dataflow/resources.h"
#include "dataflow/simulate.h"
#include "dataflow/timing.h"
#include "hls/codegen.h"
#include "hls_test_graphs.h"
#include "models/siren.h"
#include "passes/pipeline.h"
#include "test_files.h"
#include "util/error.h"

namespace inrarch {
namespace {

namespace fs = std::filesystem;
using namespace dataflow;

Network lower_with(const ir::Graph& graph, int64_t tile_points, int max_block, int parallel = 4) {
  LowerOptions options;
  options.tile_points = tile_points;
  options.max_block = max_block;
  options.matmul_parallel = parallel;
  options.depth_policy = DepthPolicy::Uniform;
  options.default_depth = 2;
  return lower(graph, options);
}

ir::Graph siren_derivatives(int order, autodiff::Method method, int64_t width, int hidden) {
  models::SirenSpec spec;
  spec.in = 2;
  spec.out = 3;
  spec.width = width;
  spec.hidden = hidden;
  const ir::Graph forward = models::build_siren(spec, models::init_siren(spec));
  autodiff::DeriveSpec derive;
  derive.order = order;
  derive.method = method;
  return passes::optimize(autodiff::derive(forward, derive));
}

Schedule schedule_of(const Network& network, int64_t tiles, bool untimed = false) {
  TimingOptions options;
  options.untimed = untimed;
  return build_schedule(network, options, tiles);
}

int process_of_kind(const Network& network, ProcessKind kind) {
  for (size_t p = 0; p < network.processes.size(); ++p) {
    if (network.processes[p].kind == kind) return static_cast<int>(p);
  }
  ADD_FAILURE() << "no " << kind_name(kind) << " process";
  return 0;
}

int loop_depth(const Network& network, int process, const std::string& loop) {
  for (const LoopGroup& group : kernel_spec(network, process, {}).groups) {
    for (const LoopSpec& spec : group.loops) {
      if (spec.name == loop) return spec.depth;
    }
  }
  ADD_FAILURE() << "no loop " << loop << " in " << network.processes[static_cast<size_t>(process)].name;
  return 0;
}

std::set<std::string> cycle_processes(const Network& network, const WaitCycle& cycle) {
  std::set<std::string> names;
  for (int p : cycle.processes) names.insert(network.processes[static_cast<size_t>(p)].name);
  return names;
}

std::vector<int> uniform(const Network& network, int depth) { return std::vector<int>(network.streams.size(), depth); }

SizingOptions sizing_for(int64_t tiles) {
  SizingOptions options;
  options.tiles = tiles;
  return options;
}

// x [N, 4] -> sin -> y, one element per beat, two tiles of 4 points: 32 beats on each stream.
TEST(DataflowTiming, StreamingPipelineFollowsTheHandSchedule) {
  ir::Builder b(ir::DType::F32);
  b.add_output("y", b.unary(ir::Op::Sin, b.input("x", {ir::kBatch, 4})));
  const Network network = lower_with(b.finish(), 4, 1);
  ASSERT_EQ(network.processes.size(), 3u);
  const int read = process_of_kind(network, ProcessKind::ReadInput), sin = process_of_kind(network, ProcessKind::Unary),
            write = process_of_kind(network, ProcessKind::WriteOutput);
  const int64_t beats = 32;
  const int64_t lr = loop_depth(network, read, "read"), ls = loop_depth(network, sin, "stream"),
                lw = loop_depth(network, write, "write");
  EXPECT_EQ(ls, 1 + op_latency(ir::Op::Sin, false));
  // The reader writes beat j in its step j + lr, cycle j + lr. The sin pipeline reads beat j one
  // cycle after it was written (step j at j + lr + 1) and writes it ls steps later, at
  // j + lr + ls + 1; the writer reads it at j + lr + ls + 2 and drains lw steps after its last
  // read. Each FIFO of depth 2 frees a slot exactly when the next write comes: nothing stalls.
  const int64_t expected = beats + lr + ls + lw + 2;
  const Schedule schedule = schedule_of(network, 2);
  const Analysis analysis = analyze(network, schedule);
  const Simulation simulation = simulate(network, schedule);
  ASSERT_FALSE(analysis.deadlock);
  ASSERT_FALSE(simulation.deadlock);
  EXPECT_EQ(analysis.cycles, expected);
  EXPECT_EQ(simulation.cycles, expected);
  EXPECT_EQ(simulation.processes[static_cast<size_t>(read)].done, beats - 1 + lr);
  EXPECT_EQ(simulation.processes[static_cast<size_t>(sin)].done, beats - 1 + lr + 1 + ls);
  EXPECT_EQ(simulation.processes[static_cast<size_t>(write)].done, expected - 1);
  EXPECT_EQ(simulation.processes[static_cast<size_t>(read)].output_stall, 0);
  EXPECT_EQ(simulation.processes[static_cast<size_t>(sin)].input_stall, lr + 1);  // waits for the first beat
  EXPECT_EQ(simulation.processes[static_cast<size_t>(sin)].output_stall, 0);
  EXPECT_EQ(simulation.processes[static_cast<size_t>(write)].input_stall, lr + ls + 2);
  for (const StreamActivity& stream : simulation.streams) EXPECT_LE(stream.max_occupancy, 2);
  // Without pipeline depths (the C-simulation's semantics) each process trails its producer by one.
  EXPECT_EQ(analyze(network, schedule_of(network, 2, true)).cycles, beats + 2);
}

// x [N, 2] -> matmul by [2, 4] (P = 2) -> y, one element per beat, two tiles of 2 points.
TEST(DataflowTiming, MatMulStreamsRowsAndWritesEachWhileComputingTheNext) {
  ir::Builder b(ir::DType::F32);
  const auto x = b.input("x", {ir::kBatch, 2});
  b.add_output("y", b.matmul(x, b.constant({2, 4}, testing::ramp(8, 0.5), "w")));
  const Network network = lower_with(b.finish(), 2, 1, 2);
  const int read = process_of_kind(network, ProcessKind::ReadInput), mm = process_of_kind(network, ProcessKind::MatMul),
            write = process_of_kind(network, ProcessKind::WriteOutput);
  const Process& matmul = network.processes[static_cast<size_t>(mm)];
  ASSERT_EQ(matmul.rows, 2);
  ASSERT_EQ(matmul.inner, 2);
  ASSERT_EQ(matmul.cols, 4);
  ASSERT_EQ(matmul.parallel, 2);
  // Per row: inner * cols / P = 4 MAC iterations (an element read every cols / P = 2), and the
  // previous row's 4 outputs written in the same 4 iterations: 2 rows x 4 iterations per tile.
  const KernelSpec spec = kernel_spec(network, mm, {});
  ASSERT_TRUE(spec.flattened);
  ASSERT_EQ(spec.groups.at(0).loops.at(0).trips, 2 * 4);
  ASSERT_EQ(spec.groups.at(0).loops.at(0).ii, 1);
  const int64_t lr = loop_depth(network, read, "read"), lw = loop_depth(network, write, "write");
  const int64_t main = loop_depth(network, mm, "stream");
  ASSERT_EQ(spec.epilogue.size(), 1u);
  const int64_t drain = spec.epilogue[0].depth;
  const int64_t iterations = 2 * 2 * 4;  // two tiles
  // The loop's first step reads element 0, written by the reader at lr: it happens at lr + 1, and
  // nothing stalls it afterwards (the reader delivers an element per cycle, the loop needs one
  // every two; the writer takes one per cycle). Writes of rows 0..2 leave from iteration 4 on,
  // main steps later; the last step is iteration 15's write. The drain loop then writes row 3,
  // element i at its step drain + i.
  const int64_t start = lr + 1;
  const int64_t drain_start = start + iterations + main;
  const int64_t last_write = drain_start + drain + 3;
  const int64_t expected = last_write + 1 + lw + 1;  // the writer reads it a cycle later and drains
  const Schedule schedule = schedule_of(network, 2);
  const Analysis analysis = analyze(network, schedule);
  const Simulation simulation = simulate(network, schedule);
  ASSERT_FALSE(analysis.deadlock);
  EXPECT_EQ(analysis.cycles, expected);
  EXPECT_EQ(simulation.cycles, expected);
  EXPECT_EQ(simulation.processes[static_cast<size_t>(mm)].done, last_write);
  EXPECT_EQ(simulation.processes[static_cast<size_t>(mm)].input_stall, lr + 1);  // only the first element
  EXPECT_GT(simulation.processes[static_cast<size_t>(read)].output_stall, 0);    // the matmul reads every other cycle
  EXPECT_EQ(spec.cycles_per_tile(), 2 * 4);
}

// INR-Arch's Mm-vs-Cos fork/join: the matmul needs a whole row (32 elements, 8 beats) and the
// next row's first element before it writes the row, so the cos branch must hold more than a row;
// at depth 2 (4 beats in the branch) the fork stops and nothing moves.
TEST(DataflowAnalysis, FindsTheMmVsCosDeadlockAtDepthTwoAndNoneWithSizedDepths) {
  const auto design = testing::build_fork_join(32);
  const Network network = lower_with(design.graph, 8, 4);
  const auto id = [](ir::NodeId node) { return std::to_string(node); };
  const std::set<std::string> expected{"fork_" + id(design.sin), "matmul_" + id(design.matmul), "cos_" + id(design.cos),
                                       "add_" + id(design.add)};
  for (bool untimed : {false, true}) {
    const Schedule schedule = schedule_of(network, 2, untimed);
    const Analysis analysis = analyze(network, schedule, uniform(network, 2));
    const Simulation simulation = simulate(network, schedule, uniform(network, 2));
    ASSERT_TRUE(analysis.deadlock) << "untimed " << untimed;
    ASSERT_TRUE(simulation.deadlock);
    EXPECT_EQ(cycle_processes(network, analysis.cycle), expected) << analysis.cycle.text;
    EXPECT_EQ(analysis.cycle.text, simulation.cycle.text);
    EXPECT_NE(analysis.cycle.text.find("fork_" + id(design.sin) + " cannot write"), std::string::npos)
        << analysis.cycle.text;
  }
  const FifoSizing sizing = size_fifos(network, parse_fifo_strategy("analytic"), sizing_for(2));
  ASSERT_TRUE(sizing.deadlock_free) << sizing.deadlock;
  for (bool untimed : {false, true}) {
    const Schedule schedule = schedule_of(network, 2, untimed);
    const Analysis analysis = analyze(network, schedule, sizing.depths);
    const Simulation simulation = simulate(network, schedule, sizing.depths);
    ASSERT_FALSE(analysis.deadlock) << analysis.cycle.text;
    ASSERT_FALSE(simulation.deadlock);
    EXPECT_EQ(analysis.cycles, simulation.cycles);
  }
  // The cos branch (fork -> cos -> add) holds more than a row but at most two (plus the floor
  // depth 2 of its two FIFOs), far from the tile of 8 rows x 32 / B beats that INR-Arch's
  // tile-buffering matmul needs.
  int64_t branch = 0;
  for (size_t s = 0; s < network.streams.size(); ++s) {
    const Stream& stream = network.streams[s];
    const std::string& producer = network.processes[static_cast<size_t>(stream.producer)].name;
    if (producer == "fork_" + id(design.sin) || producer == "cos_" + id(design.cos)) {
      if (network.processes[static_cast<size_t>(stream.consumer)].name != "matmul_" + id(design.matmul))
        branch += sizing.depths[s];
    }
  }
  EXPECT_GT(branch, 32 / 4);
  EXPECT_LE(branch, 2 * 32 / 4 + 4);
}

struct Case {
  std::string name;
  Network network;
};

std::vector<Case> small_designs() {
  std::vector<Case> cases;
  cases.push_back({"fork_join", lower_with(testing::build_fork_join(8).graph, 4, 4)});
  cases.push_back({"derivative_like", lower_with(testing::build_derivative_like(), 4, 4)});
  cases.push_back({"siren_taylor2", lower_with(siren_derivatives(2, autodiff::Method::Taylor, 8, 1), 2, 4)});
  cases.push_back({"siren_nested1", lower_with(siren_derivatives(1, autodiff::Method::Nested, 8, 1), 4, 2)});
  return cases;
}

TEST(DataflowAnalysis, AgreesWithTheSimulatorOnDeadlockCyclesAndEveryFinishTime) {
  for (const Case& design : small_designs()) {
    const Network& network = design.network;
    const FifoSizing sized = size_fifos(network, parse_fifo_strategy("analytic"), sizing_for(3));
    for (bool untimed : {false, true}) {
      const Schedule schedule = schedule_of(network, 3, untimed);
      for (const auto& depths :
           {uniform(network, 2), uniform(network, 3), uniform(network, 17), depths_of(network), sized.depths}) {
        const Analysis analysis = analyze(network, schedule, depths);
        const Simulation simulation = simulate(network, schedule, depths);
        SCOPED_TRACE(design.name + (untimed ? " untimed" : " timed") + " depth[0]=" + std::to_string(depths[0]));
        ASSERT_EQ(analysis.deadlock, simulation.deadlock);
        if (analysis.deadlock) {
          EXPECT_EQ(analysis.cycle.text, simulation.cycle.text);
          continue;
        }
        EXPECT_EQ(analysis.cycles, simulation.cycles);
        for (size_t p = 0; p < network.processes.size(); ++p) {
          EXPECT_EQ(analysis.process_done[p], simulation.processes[p].done) << network.processes[p].name;
        }
      }
    }
  }
}

TEST(FifoSizing, AnalyticDepthsLoseNoCycleAndNoneCanLoseABeat) {
  for (const Case& design : small_designs()) {
    if (design.name == "derivative_like") continue;  // covered by the agreement test; keeps this one fast
    const Network& network = design.network;
    SCOPED_TRACE(design.name);
    const int64_t tiles = 3;
    const Schedule timed = schedule_of(network, tiles), untimed = schedule_of(network, tiles, true);
    const int64_t best = simulate(network, timed, uniform(network, 1 << 20)).cycles;
    const FifoSizing sizing = size_fifos(network, parse_fifo_strategy("analytic"), sizing_for(tiles));
    ASSERT_TRUE(sizing.deadlock_free) << sizing.deadlock;
    EXPECT_EQ(sizing.unbounded_cycles, best);
    const Simulation run = simulate(network, timed, sizing.depths);
    ASSERT_FALSE(run.deadlock);
    EXPECT_EQ(run.cycles, best);
    EXPECT_FALSE(simulate(network, untimed, sizing.depths).deadlock);
    for (size_t s = 0; s < network.streams.size(); ++s) {
      if (sizing.depths[s] <= 2) continue;
      std::vector<int> smaller = sizing.depths;
      --smaller[s];
      const Simulation shorter = simulate(network, timed, smaller);
      const bool worse = shorter.deadlock || shorter.cycles > best || simulate(network, untimed, smaller).deadlock;
      EXPECT_TRUE(worse) << network.streams[s].name << " at depth " << smaller[s];
    }
  }
}

TEST(FifoSizing, DoubleShrinkEndsDeadlockFree) {
  for (const Case& design : small_designs()) {
    const Network& network = design.network;
    SCOPED_TRACE(design.name);
    const FifoSizing sizing = size_fifos(network, parse_fifo_strategy("double-shrink"), sizing_for(2));
    ASSERT_TRUE(sizing.deadlock_free) << sizing.deadlock;
    const Simulation timed = simulate(network, schedule_of(network, 2), sizing.depths);
    ASSERT_FALSE(timed.deadlock);
    EXPECT_EQ(timed.cycles, sizing.cycles);
    EXPECT_GE(timed.cycles, sizing.unbounded_cycles);
    EXPECT_FALSE(simulate(network, schedule_of(network, 2, true), sizing.depths).deadlock);
    for (int depth : sizing.depths) EXPECT_GE(depth, 2);
  }
}

TEST(FifoSizing, UniformDepthsReportTheirDeadlock) {
  const Network network = lower_with(testing::build_fork_join(32).graph, 8, 4);
  const FifoSizing two = size_fifos(network, parse_fifo_strategy("uniform:2"), sizing_for(1));
  EXPECT_FALSE(two.deadlock_free);
  EXPECT_NE(two.deadlock.find("cannot write"), std::string::npos) << two.deadlock;
  EXPECT_EQ(two.depths, uniform(network, 2));
  EXPECT_TRUE(size_fifos(network, parse_fifo_strategy("uniform:64"), sizing_for(1)).deadlock_free);
  EXPECT_THROW(parse_fifo_strategy("uniform:0"), UserError);
  EXPECT_THROW(parse_fifo_strategy("genetic"), UserError);
}

TEST(FifoSizing, RequiredDepthCountsBeatsWrittenButNotYetRead) {
  // Reads trail writes by one cycle: a read in the cycle of a write frees nothing in time.
  EXPECT_EQ(required_depth({0, 1, 2, 3}, {1, 2, 3, 4}), 2);
  // All five written before the first read.
  EXPECT_EQ(required_depth({0, 1, 2, 3, 4}, {10, 11, 12, 13, 14}), 5);
  // Written every 3 cycles, read 1 cycle later: one slot.
  EXPECT_EQ(required_depth({0, 3, 6}, {1, 4, 7}), 1);
  EXPECT_EQ(required_depth({}, {}), 0);
}

TEST(Resources, MemoryRulesFollowTheBramShapesAndTheSrlLimit) {
  EXPECT_EQ(bram18k_for(512, 32), 1);  // 512 x 36
  EXPECT_EQ(bram18k_for(513, 32), 2);
  EXPECT_EQ(bram18k_for(1024, 18), 1);   // 1K x 18
  EXPECT_EQ(bram18k_for(1024, 128), 8);  // 2 x ceil(128 / 36) = 8 = ceil(128 / 18)
  EXPECT_EQ(bram18k_for(16384, 1), 1);
  EXPECT_EQ(bram18k_for(4096, 32), 8);  // 8 x 512 x 36
  bool srl = false;
  EXPECT_EQ(fifo_usage(32, 32, &srl).bram18k, 0);  // 1024 bits: shift register
  EXPECT_TRUE(srl);
  EXPECT_EQ(fifo_usage(33, 32, &srl).bram18k, 1);
  EXPECT_FALSE(srl);
  EXPECT_EQ(fifo_usage(1024, 128, &srl).bram18k, 8);
  EXPECT_THROW(part_named("xc7z020"), UserError);
  EXPECT_EQ(part_named("xcu50-fsvh2104-2-e").dsp, 5952);
  EXPECT_EQ(part_named("xcu280-fsvh2892-2L-e").dsp, 9024);
}

TEST(Resources, TotalsAreTheSumsAndOveruseIsReported) {
  Network network = lower_with(siren_derivatives(1, autodiff::Method::Taylor, 16, 1), 4, 4);
  const ResourceEstimate estimate = estimate_resources(network, part_named("xcu50-fsvh2104-2-e"));
  Usage kernels, fifos;
  int64_t words = 0;
  for (const KernelUsage& kernel : estimate.kernels) kernels += kernel.usage;
  for (const FifoUsage& fifo : estimate.fifos) fifos += fifo.usage;
  for (const Stream& stream : network.streams) words += static_cast<int64_t>(stream.depth) * stream.block;
  EXPECT_EQ(estimate.kernel_total.dsp, kernels.dsp);
  EXPECT_EQ(estimate.kernel_total.lut, kernels.lut);
  EXPECT_EQ(estimate.fifo_total.bram18k, fifos.bram18k);
  EXPECT_EQ(estimate.total.dsp, kernels.dsp + fifos.dsp);
  EXPECT_EQ(estimate.total.bram18k, kernels.bram18k + fifos.bram18k);
  EXPECT_EQ(estimate.total.ff, kernels.ff + fifos.ff);
  EXPECT_EQ(estimate.fifo_words, words);
  EXPECT_TRUE(estimate.warnings.empty());
  // A 32-bit product takes 2 x 2 DSP48E2 (27 x 18): a matmul with P lanes has 4P DSPs.
  const int mm = process_of_kind(network, ProcessKind::MatMul);
  EXPECT_EQ(estimate.kernels[static_cast<size_t>(mm)].usage.dsp,
            4 * network.processes[static_cast<size_t>(mm)].parallel);
  apply_depths(network, uniform(network, 1 << 20));
  const ResourceEstimate huge = estimate_resources(network, part_named("xcu50-fsvh2104-2-e"));
  ASSERT_FALSE(huge.warnings.empty());
  EXPECT_NE(huge.warnings[0].find("BRAM_18K"), std::string::npos) << huge.warnings[0];
}

TEST(Resources, ParallelismFitsTheBudgetAndCannotGrowFurther) {
  Network network = lower_with(siren_derivatives(1, autodiff::Method::Taylor, 16, 1), 4, 4);
  const Part& part = part_named("xcu50-fsvh2104-2-e");
  const int64_t budget = 300;
  choose_parallelism(network, budget, {});
  EXPECT_LE(estimate_resources(network, part).total.dsp, budget);
  for (size_t p = 0; p < network.processes.size(); ++p) {
    Process& process = network.processes[p];
    if (process.kind != ProcessKind::MatMul) continue;
    EXPECT_EQ(process.cols % process.parallel, 0) << process.name;
    // A row of the first layer (2 inputs, 16 columns) takes max(2 * 16 / P MACs, 16 writes)
    // iterations: more than 2 lanes would only wait for the writes.
    if (process.inner == 2) {
      EXPECT_LE(process.parallel, 2) << process.name;
    }
    const int chosen = process.parallel;
    const int64_t cycles = kernel_spec(network, static_cast<int>(p), {}).cycles_per_tile();
    for (int next = chosen + 1; next <= process.cols; ++next) {
      if (process.cols % next != 0) continue;
      process.parallel = next;
      const bool faster = kernel_spec(network, static_cast<int>(p), {}).cycles_per_tile() < cycles;
      if (faster) {
        EXPECT_GT(estimate_resources(network, part).total.dsp, budget) << process.name << " could use P=" << next;
      }
      process.parallel = chosen;
      if (faster) break;
    }
  }
  EXPECT_THROW(choose_parallelism(network, 10, {}), UserError);
}

TEST(DataflowCharts, SvgShowsEveryProcessAndTheDeepestFifos) {
  const Network network = lower_with(testing::build_fork_join(8).graph, 8, 4);
  const FifoSizing sizing = size_fifos(network, parse_fifo_strategy("analytic"), sizing_for(2));
  const Simulation simulation = simulate(network, schedule_of(network, 2), sizing.depths);
  const std::string gantt = gantt_svg(network, simulation, "fork <join>");
  EXPECT_EQ(gantt.rfind("<svg", 0), 0u);
  EXPECT_NE(gantt.find("fork &lt;join&gt;"), std::string::npos);
  for (const Process& process : network.processes)
    EXPECT_NE(gantt.find(">" + process.name + "<"), std::string::npos) << process.name;
  const std::string occupancy = occupancy_svg(network, simulation, sizing.depths, "occupancy", 2);
  size_t deepest = 0;
  for (size_t s = 0; s < network.streams.size(); ++s) {
    const auto words = [&](size_t t) { return simulation.streams[t].max_occupancy * network.streams[t].block; };
    if (words(s) > words(deepest)) deepest = s;
  }
  EXPECT_NE(occupancy.find(">" + network.streams[deepest].name + ": depth"), std::string::npos);
  size_t polylines = 0;
  for (size_t at = occupancy.find("<polyline"); at != std::string::npos; at = occupancy.find("<polyline", at + 1))
    ++polylines;
  EXPECT_EQ(polylines, 2u);
}

using testing::CommandResult;
using testing::run_command;

fs::path scratch(const std::string& name) {
  const fs::path directory =
      fs::temp_directory_path() / ("inrarch_analysis_test_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(directory);
  return directory;
}

// The threaded C-simulation of the generated project deadlocks exactly where the untimed analysis
// says, on the same processes, and runs with the depths the analytic sizing wrote.
TEST(DataflowAnalysis, AgreesWithTheThreadedCSimulation) {
  const auto design = testing::build_fork_join(32);
  Network network = lower_with(design.graph, 8, 4);
  const int64_t test_points = 16;
  const int64_t tiles = tiles_for(network, test_points);
  const Analysis shallow = analyze(network, schedule_of(network, tiles, true), uniform(network, 2));
  ASSERT_TRUE(shallow.deadlock);
  apply_depths(network, size_fifos(network, parse_fifo_strategy("analytic"), sizing_for(tiles)).depths);
  hls::ProjectOptions options;
  options.test_points = test_points;
  options.model = "fork_join";
  const fs::path directory = scratch("csim");
  hls::write_project(design.graph, network, options, directory);
  const CommandResult build = run_command("make -C " + directory.string() + " csim OPT=-O1");
  ASSERT_EQ(build.status, 0) << build.output;
  const CommandResult sized = run_command("cd " + directory.string() + " && ./csim_model");
  EXPECT_EQ(sized.status, 0) << sized.output;
  const CommandResult deadlocked = run_command("cd " + directory.string() + " && ./csim_model --depth 2");
  EXPECT_EQ(deadlocked.status, 3) << deadlocked.output;
  const std::string marker = "csim: wait-for cycle: ";
  const size_t at = deadlocked.output.find(marker);
  ASSERT_NE(at, std::string::npos) << deadlocked.output;
  const std::string line =
      deadlocked.output.substr(at + marker.size(), deadlocked.output.find('\n', at) - at - marker.size());
  std::set<std::string> csim_processes;
  std::istringstream words(line);
  for (std::string word; words >> word;) {
    if (word != "->" && word.find("_to_") == std::string::npos) csim_processes.insert(word);
  }
  EXPECT_EQ(csim_processes, cycle_processes(network, shallow.cycle)) << line << "\n" << shallow.cycle.text;
  std::ifstream source(directory / "model.cpp");
  const std::string text((std::istreambuf_iterator<char>(source)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("// timing model: inrarch_hls::matmul: stream"), std::string::npos);
  fs::remove_all(directory);
}

// Without sizing, compile keeps the lowering's depths and says whether they deadlock; the
// threaded C-simulation of that project must agree.
TEST(DataflowCli, CompileWithUnsizedDepthsReportsTheDeadlockTheCSimulationHits) {
  const std::string cli = INRARCH_CLI;
  const std::string model = "'siren:in=2,out=2,width=32,hidden=1,omega=30,seed=0'";
  const fs::path project = scratch("unsized");
  const CommandResult compiled =
      run_command(cli + " compile " + model + " --order 1 --method nested --tile 8 --fifo-strategy none" +
                  " --depths uniform --depth 2 -o " + project.string());
  ASSERT_EQ(compiled.status, 0) << compiled.output;
  EXPECT_NE(compiled.output.find("the lowering's depth policy; DEADLOCKS: "), std::string::npos) << compiled.output;
  const CommandResult csim = run_command(cli + " csim " + project.string());
  EXPECT_EQ(csim.status, 3) << csim.output;
  EXPECT_NE(csim.output.find("csim: wait-for cycle: "), std::string::npos) << csim.output;
  fs::remove_all(project);
}

TEST(DataflowCli, SimulateReportsChartsAndCompileWritesTheSizedDepths) {
  const std::string cli = INRARCH_CLI;
  const std::string model = "'siren:in=2,out=3,width=8,hidden=1,omega=30,seed=0'";
  const fs::path out = scratch("simulate");
  const CommandResult simulated = run_command(
      cli + " simulate " + model + " --order 2 --tile 2 --num-points 8 --dsp-budget 1000 -o " + out.string());
  ASSERT_EQ(simulated.status, 0) << simulated.output;
  EXPECT_NE(simulated.output.find("analysis and simulator agree"), std::string::npos) << simulated.output;
  EXPECT_NE(simulated.output.find("MODELED"), std::string::npos);
  for (const char* file : {"gantt.svg", "fifo_occupancy.svg"}) {
    std::ifstream in(out / file);
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first.rfind("<svg", 0), 0u) << file;
  }
  std::ifstream json_file(out / "simulation.json");
  const nlohmann::json json = nlohmann::json::parse(json_file);
  EXPECT_FALSE(json.at("deadlock").get<bool>());
  EXPECT_LE(json.at("resources").at("dsp").get<int64_t>(), 1000);
  EXPECT_EQ(json.at("design").at("number"), "fixed32_10");  // the default compile writes too

  const fs::path project = scratch("compile");
  const CommandResult compiled =
      run_command(cli + " compile " + model + " --order 1 --tile 4 --test-points 8 -o " + project.string());
  ASSERT_EQ(compiled.status, 0) << compiled.output;
  EXPECT_NE(compiled.output.find("FIFO sizing analytic"), std::string::npos) << compiled.output;
  std::ifstream report_file(project / "report.json");
  EXPECT_EQ(nlohmann::json::parse(report_file).at("number"), "fixed32_10");
  const CommandResult rerun =
      run_command(cli + " simulate " + project.string() + " --num-points 16 -o " + out.string());
  ASSERT_EQ(rerun.status, 0) << rerun.output;
  EXPECT_NE(rerun.output.find("the project's own"), std::string::npos) << rerun.output;
  std::ifstream depths(project / "stream_depths.h");
  std::map<std::string, int> table;  // lines "const int kDepth_<stream> = <depth>;  // ..."
  const std::string prefix = "const int kDepth_";
  for (std::string text; std::getline(depths, text);) {
    if (text.rfind(prefix, 0) != 0) continue;
    const size_t equals = text.find(" = ");
    table[text.substr(prefix.size(), equals - prefix.size())] = std::stoi(text.substr(equals + 3));
  }
  std::ifstream rerun_file(out / "simulation.json");
  const nlohmann::json rerun_json = nlohmann::json::parse(rerun_file);
  ASSERT_EQ(table.size(), rerun_json.at("streams").size());
  bool any_sized = false;
  for (const auto& stream : rerun_json.at("streams")) {
    EXPECT_EQ(table.at(stream.at("name").get<std::string>()), stream.at("depth").get<int>());
    any_sized = any_sized || stream.at("depth").get<int>() > 2;
  }
  EXPECT_TRUE(any_sized);
  EXPECT_FALSE(rerun_json.at("deadlock").get<bool>());
  fs::remove_all(out);
  fs::remove_all(project);
}

}  // namespace
}  // namespace inrarch
