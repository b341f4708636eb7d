#include "dataflow/analysis.h"

#include <algorithm>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "util/error.h"

namespace inrarch::dataflow {
namespace {

std::vector<int> checked_depths(const Network& network, const std::vector<int>& depths) {
  if (depths.empty()) return depths_of(network);
  if (depths.size() != network.streams.size()) {
    throw UserError("dataflow analysis: " + std::to_string(depths.size()) + " depths for " +
                    std::to_string(network.streams.size()) + " streams");
  }
  for (size_t s = 0; s < depths.size(); ++s) {
    if (depths[s] < 1)
      throw UserError("dataflow analysis: stream " + network.streams[s].name + " has depth " +
                      std::to_string(depths[s]));
  }
  return depths;
}

// Evaluates the event graph in a topological order (see analysis.h).
class EventGraph {
 public:
  EventGraph(const Network& network, const Schedule& schedule, std::vector<int> depths, const AnalysisOptions& options)
      : network_(network), schedule_(schedule), depths_(std::move(depths)), options_(options) {
    const size_t streams = network.streams.size();
    const size_t processes = network.processes.size();
    if (schedule.processes.size() != processes || schedule.beats.size() != streams) {
      throw std::logic_error("dataflow analysis: the schedule was built for another network");
    }
    write_time_.resize(streams);
    read_time_.resize(streams);
    if (options.latest) step_of_.resize(streams);
    streams_.resize(streams);
    // Without records, a stream only needs the times of its last `depth` writes and reads: a ring.
    const bool full = options.record_events || options.latest || options.unbounded;
    for (size_t s = 0; s < streams; ++s) {
      const int64_t beats = schedule.beats[s];
      int64_t ring = 1;
      while (ring < std::min<int64_t>(beats, depths_[s])) ring *= 2;
      const auto size = static_cast<size_t>(full ? beats : ring);
      write_time_[s].resize(size);
      read_time_[s].resize(size);
      if (options.latest) step_of_[s].resize(size);
      StreamState& state = streams_[s];
      state.mask = full ? -1 : static_cast<int64_t>(size) - 1;
      state.write_time = write_time_[s].data();
      state.read_time = read_time_[s].data();
      state.steps = options.latest ? step_of_[s].data() : nullptr;
      state.depth = options.unbounded ? std::numeric_limits<int64_t>::max() : depths_[s];
      state.producer = network.streams[s].producer;
      state.consumer = network.streams[s].consumer;
    }
    processes_.resize(processes);
    for (size_t p = processes; p-- > 0;) worklist_.push_back(static_cast<int>(p));
  }

  Analysis run() {
    while (!worklist_.empty() && !late_) {
      const int p = worklist_.back();
      worklist_.pop_back();
      processes_[static_cast<size_t>(p)].queued = false;
      advance(p);
    }
    Analysis result;
    result.events = events_;
    if (late_) {
      result.late = true;
      return result;
    }
    result.process_done.assign(network_.processes.size(), -1);
    std::vector<int> blocked_on(network_.processes.size(), -1);
    std::vector<bool> blocked_writing(network_.processes.size(), false);
    for (size_t p = 0; p < network_.processes.size(); ++p) {
      const ProcessState& state = processes_[p];
      if (state.cursor < schedule_.processes[p].steps.size()) {
        result.deadlock = true;
        blocked_on[p] = state.blocked_on;
        blocked_writing[p] = state.blocked_writing;
        continue;
      }
      result.process_done[p] = state.previous + schedule_.processes[p].trailing;
      result.cycles = std::max(result.cycles, result.process_done[p] + 1);
    }
    if (result.deadlock) {
      result.cycles = 0;
      result.cycle = find_wait_cycle(network_, depths_, blocked_on, blocked_writing);
      return result;
    }
    if (options_.latest) latest(result);
    if (options_.record_events) {
      result.write_time = std::move(write_time_);
      result.read_time = std::move(read_time_);
    }
    return result;
  }

 private:
  struct Steps {
    uint32_t write, read;  // the producer's step that writes a beat and the consumer's that reads it
  };
  struct StreamState {
    int64_t written = 0, read = 0;  // beats so far
    int64_t* write_time = nullptr;  // per beat, at beat & mask
    int64_t* read_time = nullptr;
    int64_t mask = -1;
    Steps* steps = nullptr;  // latest only
    int64_t depth = 0;
    int producer = -1, consumer = -1;
  };
  struct ProcessState {
    size_t cursor = 0;     // next step
    int64_t previous = 0;  // cycle of the last step (0 before the first)
    int blocked_on = -1;
    bool blocked_writing = false;
    bool queued = true;
  };

  // Commits the process's steps while their predecessors are known.
  void advance(int p) {
    const ProcessSchedule& process = schedule_.processes[static_cast<size_t>(p)];
    ProcessState& state = processes_[static_cast<size_t>(p)];
    state.blocked_on = -1;
    const size_t count = process.steps.size();
    while (state.cursor < count) {
      const ProcessSchedule::Step& step = process.steps[state.cursor];
      const auto reads = process.reads(step);
      const auto writes = process.writes(step);
      int64_t time = state.previous + step.delay;
      for (int s : reads) {
        const StreamState& stream = streams_[static_cast<size_t>(s)];
        if (stream.read >= stream.written) return block(state, s, false);
        time = std::max(time, stream.write_time[stream.read & stream.mask] + 1);
      }
      for (int s : writes) {
        const StreamState& stream = streams_[static_cast<size_t>(s)];
        const int64_t freeing = stream.written - stream.depth;  // the read that frees this slot
        if (freeing < 0) continue;
        if (freeing >= stream.read) return block(state, s, true);
        time = std::max(time, stream.read_time[freeing & stream.mask] + 1);
      }
      for (int s : reads) {
        StreamState& stream = streams_[static_cast<size_t>(s)];
        if (stream.steps) stream.steps[stream.read].read = static_cast<uint32_t>(state.cursor);
        stream.read_time[stream.read++ & stream.mask] = time;
        wake(stream.producer, s, true);
      }
      for (int s : writes) {
        StreamState& stream = streams_[static_cast<size_t>(s)];
        if (stream.steps) stream.steps[stream.written].write = static_cast<uint32_t>(state.cursor);
        stream.write_time[stream.written++ & stream.mask] = time;
        wake(stream.consumer, s, false);
      }
      if (options_.deadline && time > (*options_.deadline)[static_cast<size_t>(p)][state.cursor]) {
        late_ = true;
        return;
      }
      state.previous = time;
      ++state.cursor;
      ++events_;
      if (options_.latest) order_.push_back(p);
    }
  }

  static void block(ProcessState& state, int stream, bool writing) {
    state.blocked_on = stream;
    state.blocked_writing = writing;
  }

  // Re-examines process q if it waits on `stream` in the given direction.
  void wake(int q, int stream, bool writing) {
    ProcessState& state = processes_[static_cast<size_t>(q)];
    if (state.blocked_on != stream || state.blocked_writing != writing || state.queued) return;
    state.queued = true;
    worklist_.push_back(q);
  }

  // Latest times: the longest path from each event to the end, walked in the reverse of the
  // topological order in which the events were committed; an event can happen as late as the
  // total minus that path without delaying the end. A step's successors: its next step, the reads
  // of the beats it writes, and (bounded FIFOs) the writes that the beats it reads make room for.
  void latest(Analysis& result) {
    const size_t processes = network_.processes.size();
    const int64_t end = result.cycles - 1;
    std::vector<std::vector<int64_t>> tail(processes);  // per process, per step: longest path to the end
    std::vector<size_t> cursor(processes);
    result.latest_step_time.resize(processes);
    for (size_t p = 0; p < processes; ++p) {
      tail[p].resize(schedule_.processes[p].steps.size());
      result.latest_step_time[p].resize(schedule_.processes[p].steps.size());
      cursor[p] = schedule_.processes[p].steps.size();
    }
    result.latest_write_time.resize(streams_.size());
    result.latest_read_time.resize(streams_.size());
    for (size_t s = 0; s < streams_.size(); ++s) {
      result.latest_write_time[s].resize(static_cast<size_t>(streams_[s].written));
      result.latest_read_time[s].resize(static_cast<size_t>(streams_[s].read));
    }
    for (size_t e = order_.size(); e-- > 0;) {
      const auto p = static_cast<size_t>(order_[e]);
      const ProcessSchedule& process = schedule_.processes[p];
      const size_t k = --cursor[p];
      const ProcessSchedule::Step& step = process.steps[k];
      int64_t longest = k + 1 < process.steps.size() ? tail[p][k + 1] + process.steps[k + 1].delay : process.trailing;
      // Undoing the counters in reverse names this step's beats.
      for (int s : process.writes(step)) {
        StreamState& stream = streams_[static_cast<size_t>(s)];
        const int64_t beat = --stream.written;
        longest = std::max(longest, 1 + tail[static_cast<size_t>(stream.consumer)][stream.steps[beat].read]);
      }
      for (int s : process.reads(step)) {
        StreamState& stream = streams_[static_cast<size_t>(s)];
        const int64_t beat = --stream.read;
        if (options_.unbounded || beat + stream.depth >= schedule_.beats[static_cast<size_t>(s)]) continue;
        const int64_t frees = beat + stream.depth;
        longest = std::max(longest, 1 + tail[static_cast<size_t>(stream.producer)][stream.steps[frees].write]);
      }
      tail[p][k] = longest;
      result.latest_step_time[p][k] = end - longest;
      for (int s : process.writes(step)) {
        result
            .latest_write_time[static_cast<size_t>(s)][static_cast<size_t>(streams_[static_cast<size_t>(s)].written)] =
            end - longest;
      }
      for (int s : process.reads(step)) {
        result.latest_read_time[static_cast<size_t>(s)][static_cast<size_t>(streams_[static_cast<size_t>(s)].read)] =
            end - longest;
      }
    }
  }

  const Network& network_;
  const Schedule& schedule_;
  std::vector<int> depths_;
  AnalysisOptions options_;
  std::vector<StreamState> streams_;
  std::vector<ProcessState> processes_;
  std::vector<std::vector<int64_t>> write_time_, read_time_;  // per stream, per beat
  std::vector<std::vector<Steps>> step_of_;                   // latest: per stream, per beat
  std::vector<int> worklist_;
  std::vector<int> order_;  // latest: the process of each committed step, in commit order
  int64_t events_ = 0;
  bool late_ = false;
};

}  // namespace

std::vector<int> depths_of(const Network& network) {
  std::vector<int> depths;
  for (const Stream& stream : network.streams) depths.push_back(stream.depth);
  return depths;
}

WaitCycle find_wait_cycle(const Network& network, const std::vector<int>& depths, const std::vector<int>& blocked_on,
                          const std::vector<bool>& blocked_writing) {
  const auto waits_for = [&](int p) {
    const Stream& stream = network.streams.at(static_cast<size_t>(blocked_on.at(static_cast<size_t>(p))));
    return blocked_writing[static_cast<size_t>(p)] ? stream.consumer : stream.producer;
  };
  int start = -1;
  for (size_t p = 0; p < blocked_on.size() && start < 0; ++p) {
    if (blocked_on[p] >= 0) start = static_cast<int>(p);
  }
  if (start < 0) throw std::logic_error("dataflow analysis: a deadlock without a blocked process");
  // Walk the waits until a process repeats; the walk from its first visit is the cycle.
  std::vector<int> visited_at(blocked_on.size(), -1);
  std::vector<int> walk;
  int p = start;
  while (visited_at[static_cast<size_t>(p)] < 0) {
    if (blocked_on[static_cast<size_t>(p)] < 0) {
      throw std::logic_error("dataflow analysis: " + network.processes[static_cast<size_t>(p)].name +
                             " finished but a process still waits for it (its kernel's beat counts disagree)");
    }
    visited_at[static_cast<size_t>(p)] = static_cast<int>(walk.size());
    walk.push_back(p);
    p = waits_for(p);
  }
  WaitCycle cycle;
  std::ostringstream text;
  for (size_t i = static_cast<size_t>(visited_at[static_cast<size_t>(p)]); i < walk.size(); ++i) {
    const int q = walk[i];
    const int s = blocked_on[static_cast<size_t>(q)];
    const bool writing = blocked_writing[static_cast<size_t>(q)];
    cycle.processes.push_back(q);
    cycle.streams.push_back(s);
    cycle.writing.push_back(writing);
    text << network.processes[static_cast<size_t>(q)].name << (writing ? " cannot write " : " cannot read ")
         << network.streams[static_cast<size_t>(s)].name;
    if (writing) {
      text << " (full, depth " << depths.at(static_cast<size_t>(s)) << ")";
    } else {
      text << " (empty)";
    }
    text << " -> ";
  }
  text << network.processes[static_cast<size_t>(p)].name;
  cycle.text = text.str();
  return cycle;
}

Analysis analyze(const Network& network, const Schedule& schedule, const std::vector<int>& depths,
                 const AnalysisOptions& options) {
  return EventGraph(network, schedule, checked_depths(network, depths), options).run();
}

}  // namespace inrarch::dataflow
