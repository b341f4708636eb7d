// Deadlock and latency analysis of a process network with given FIFO depths, exactly, without
// simulating cycles: the event graph of the run has one node per pipeline step of each process
// (timing.h) and three kinds of edges, all weighted by the cycles they force:
//   program order  step k-1 -> step k of the same process (its delay: II, a loop boundary, ...)
//   data           write of beat j of a stream -> read of beat j             (1 cycle)
//   capacity       read of beat j -> write of beat j + depth of that stream  (1 cycle)
// A step happens at the longest path to it (it waits for all its predecessors); the run takes the
// longest path overall. A cycle in the graph is a deadlock: every event on it waits for another
// one on it. The graph is never materialised: the edges follow from the schedule and the depths,
// and the nodes are visited in a topological order by advancing each process while its next
// step's predecessors are known. When no process can advance and some are unfinished, each stuck
// process waits for exactly one other (the producer of the empty FIFO it reads, or the consumer of
// the full FIFO it writes); following those waits closes the cycle that is reported.
//
// INR-Arch builds the same kind of graph from a LightningSim trace of one synthesized design;
// here it comes from the static schedule, so changing a depth costs one linear pass.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataflow/lower.h"
#include "dataflow/timing.h"

namespace inrarch::dataflow {

// A wait-for cycle: processes[i] is blocked on streams[i] (writing when writing[i], else reading)
// and so waits for processes[(i + 1) % n].
struct WaitCycle {
  std::vector<int> processes;
  std::vector<int> streams;
  std::vector<bool> writing;
  std::string text;  // "fork_9 cannot write fork_9_to_cos_15 (full, depth 2) -> cos_15 ..."
};

// Closes the wait-for cycle among stuck processes. blocked_on[p] is the stream process p waits
// on (-1: finished or not stuck), blocked_writing[p] whether it waits to write it.
WaitCycle find_wait_cycle(const Network& network, const std::vector<int>& depths, const std::vector<int>& blocked_on,
                          const std::vector<bool>& blocked_writing);

struct AnalysisOptions {
  bool unbounded = false;      // ignore the depths: no capacity edges (FIFOs never fill)
  bool record_events = false;  // keep every beat's write and read cycle (and step) in the result
  bool latest = false;         // also each event's latest cycle that keeps the total
  // Per process, per step: a cycle the step must not pass (another analysis's latest times, for a
  // network with the same or deeper FIFOs). The analysis stops at the first step that does, since
  // the run then ends later than that analysis's: it reports `late` and no cycle count.
  const std::vector<std::vector<int64_t>>* deadline = nullptr;
};

struct Analysis {
  bool deadlock = false;
  bool late = false;                  // a step passed its deadline (AnalysisOptions::deadline)
  WaitCycle cycle;                    // when deadlocked
  int64_t cycles = 0;                 // when not: the run's length (last event + 1)
  std::vector<int64_t> process_done;  // the cycle each process finished (-1: stuck)
  int64_t events = 0;                 // steps visited
  // record_events: per stream, per beat, the cycle it was written and read (earliest schedule);
  // latest: the same in the latest schedule that still ends at `cycles`.
  std::vector<std::vector<int64_t>> write_time, read_time;
  std::vector<std::vector<int64_t>> latest_write_time, latest_read_time;
  std::vector<std::vector<int64_t>> latest_step_time;  // latest: per process, per step
};

// depths: one per stream, in beats (empty: the network's own depths).
Analysis analyze(const Network& network, const Schedule& schedule, const std::vector<int>& depths = {},
                 const AnalysisOptions& options = {});

// The network's current depths, one per stream.
std::vector<int> depths_of(const Network& network);

}  // namespace inrarch::dataflow
