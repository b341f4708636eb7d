// A cycle-level simulator of the process network: every process executes its schedule
// (timing.h) against FIFOs of the given depths, cycle by cycle, and the run reports its length,
// how full each FIFO got, and how long each process stalled waiting for input or for space.
//
// Why a simulator next to the analysis (analysis.h): it is the independent check. It keeps FIFO
// state (counts, the cycle of the last access) and moves forward in time; the analysis keeps no
// state and orders events by dependencies. Both implement the execution model of timing.h, so on
// every design they must agree exactly on deadlock and on the cycle count; the tests hold them to
// that. The simulator is event-driven (a process is looked at only in cycles where it can act or
// was woken by its FIFO partner), which makes it exact per cycle and fast: the 64-point order-2
// Taylor SIREN design runs in well under a second. It also records the activity and occupancy
// series that `inrarch simulate` draws.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataflow/analysis.h"
#include "dataflow/lower.h"
#include "dataflow/timing.h"

namespace inrarch::dataflow {

struct SimulationOptions {
  int series_bins = 512;  // the activity and occupancy series have at most this many bins
};

struct ProcessActivity {
  int64_t steps = 0;
  int64_t done = -1;         // the cycle it finished (-1: deadlocked)
  int64_t busy = 0;          // cycles it advanced or computed
  int64_t input_stall = 0;   // cycles it waited for an empty FIFO
  int64_t output_stall = 0;  // cycles it waited for a full FIFO
  // Per bin: cycles busy, waiting for input, waiting for space.
  std::vector<int64_t> busy_series, input_stall_series, output_stall_series;
};

struct StreamActivity {
  int64_t max_occupancy = 0;       // beats
  std::vector<int64_t> occupancy;  // per bin: the largest occupancy in the bin
};

struct Simulation {
  bool deadlock = false;
  WaitCycle cycle;         // when deadlocked
  int64_t cycles = 0;      // when not: the run's length
  int64_t bin_cycles = 1;  // cycles per series bin
  std::vector<ProcessActivity> processes;
  std::vector<StreamActivity> streams;
};

// depths: one per stream, in beats (empty: the network's own depths).
Simulation simulate(const Network& network, const Schedule& schedule, const std::vector<int>& depths = {},
                    const SimulationOptions& options = {});

}  // namespace inrarch::dataflow
