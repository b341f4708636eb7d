// FIFO sizing: the smallest depths that make a process network deadlock-free without making it
// slower than with unbounded FIFOs, computed from its static schedule instead of searched for.
//
// Why analytic: every kernel's reads and writes are fixed functions of the shapes (timing.h), so
// any schedule of the run is known exactly (analysis.h). In a feasible schedule a stream needs, at
// each write, as many slots as beats written and not yet read; giving every FIFO what one
// schedule needs keeps that schedule feasible, so the run cannot deadlock (a feasible schedule is
// a topological order of the event graph) nor end later than that schedule. Starting from the
// unbounded run, whose earliest and latest schedules both end at the optimum, the strategy takes
// the cheaper of the two schedules' needs, recomputes both schedules under the new depths, and
// repeats while that saves words: each step keeps the optimum and never raises a depth (the
// latest schedule is the lazy one, in which producers that could run ahead do not pile data into
// FIFOs). Both the timed pipeline model and the C-simulation's untimed one are sized and the larger
// need is kept, so `inrarch csim` passes on a sized project too. A final greedy pass lowers each
// depth while the analysis shows no deadlock and no extra cycle, so that no FIFO can lose a beat
// without a deadlock or a slower run (1-minimal: each judged with the others fixed); it costs most
// of the analyses and often saves little.
//
// INR-Arch sizes FIFOs by synthesizing, tracing (LightningSim) and a search; its strategy is
// available for comparison as `double-shrink`: all depths 2, double the FIFOs of each deadlock
// cycle until none is left, then shrink each FIFO while the design stays deadlock-free and no
// slower than after the doubling.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataflow/lower.h"
#include "dataflow/timing.h"

namespace inrarch::dataflow {

enum class FifoStrategy { Analytic, DoubleShrink, Uniform };

struct FifoStrategySpec {
  FifoStrategy strategy = FifoStrategy::Analytic;
  int uniform_depth = 2;  // Uniform
};

// "analytic", "double-shrink" or "uniform:D"; throws UserError otherwise.
FifoStrategySpec parse_fifo_strategy(const std::string& text);
std::string to_string(const FifoStrategySpec& spec);

struct SizingOptions {
  int64_t tiles = 1;     // the run the depths are sized for (tiles of the network's K points)
  TimingOptions timing;  // `untimed` is ignored: both semantics are checked
  int min_depth = 2;     // Vitis's default FIFO depth; no FIFO is sized below it
  // The depths must also hold for longer runs (a generated design runs any number of points):
  // each sizing is checked on a run twice as long and redone for that run until it holds there
  // (up to 64 times `tiles`). Depths exact for N tiles can fall short for more: the last tile of
  // a run has slack that a following tile takes away.
  bool longer_runs = false;
};

struct FifoSizing {
  std::vector<int> depths;       // per stream, in beats
  bool deadlock_free = true;     // false only for a uniform depth that deadlocks
  std::string deadlock;          // the wait-for cycle when not
  int64_t cycles = 0;            // the timed run with these depths (0 when deadlocked)
  int64_t unbounded_cycles = 0;  // the same run with unbounded FIFOs: the lower bound
  int64_t sized_tiles = 0;       // the run the depths were finally sized for
  int analyses = 0;              // event-graph passes the strategy took
  double seconds = 0.0;          // wall time of the sizing
  std::string detail;            // what the strategy's phases achieved
};

FifoSizing size_fifos(const Network& network, const FifoStrategySpec& strategy, const SizingOptions& options);

// The depth a stream needs for a schedule given as each beat's write and read cycle: the most
// beats ever written but not yet read when a beat is written (a read in the same cycle does not
// free its slot in time).
int64_t required_depth(const std::vector<int64_t>& write_time, const std::vector<int64_t>& read_time);

// Writes `depths` into the network's streams (what the code generator's depth table prints).
void apply_depths(Network& network, const std::vector<int>& depths);

}  // namespace inrarch::dataflow
