#include "dataflow/simulate.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <stdexcept>

#include "util/error.h"

namespace inrarch::dataflow {
namespace {

// Per-bin series whose bin width doubles (merging pairs of bins) whenever the run outgrows them.
class Series {
 public:
  explicit Series(int bins) : bins_(std::max(2, bins + bins % 2)) {}  // even, so bins pair up

  int64_t width() const { return width_; }
  size_t bins() const { return static_cast<size_t>(bins_); }

  // Grows the bin width until cycle `c` falls into one of the bins.
  void cover(int64_t c, std::vector<ProcessActivity>& processes, std::vector<std::vector<int64_t>>& peak,
             std::vector<std::vector<int64_t>>& last) {
    while (c / width_ >= bins_) {
      width_ *= 2;
      for (ProcessActivity& process : processes) {
        for (auto* values : {&process.busy_series, &process.input_stall_series, &process.output_stall_series}) {
          halve(*values, std::plus<int64_t>(), 0);
        }
      }
      for (auto& values : peak)
        halve(
            values, [](int64_t a, int64_t b) { return std::max(a, b); }, -1);
      for (auto& values : last)
        halve(
            values, [](int64_t a, int64_t b) { return b >= 0 ? b : a; }, -1);
    }
  }

  // Adds the cycles [begin, end) to `values` (bins must already cover end - 1).
  void add_range(std::vector<int64_t>& values, int64_t begin, int64_t end) const {
    while (begin < end) {
      const int64_t bin = begin / width_;
      const int64_t stop = std::min(end, (bin + 1) * width_);
      values[static_cast<size_t>(bin)] += stop - begin;
      begin = stop;
    }
  }

 private:
  // Bin i takes bins 2i and 2i + 1; the freed upper half starts empty.
  template <typename Combine>
  static void halve(std::vector<int64_t>& values, Combine combine, int64_t empty) {
    for (size_t i = 0; i < values.size() / 2; ++i) values[i] = combine(values[2 * i], values[2 * i + 1]);
    std::fill(values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2), values.end(), empty);
  }

  int64_t bins_;
  int64_t width_ = 1;
};

class Simulator {
 public:
  Simulator(const Network& network, const Schedule& schedule, std::vector<int> depths, const SimulationOptions& options)
      : network_(network), schedule_(schedule), depths_(std::move(depths)), series_(options.series_bins) {
    const size_t processes = network.processes.size();
    const size_t streams = network.streams.size();
    if (schedule.processes.size() != processes || schedule.beats.size() != streams) {
      throw std::logic_error("simulator: the schedule was built for another network");
    }
    const size_t bins = series_.bins();
    state_.resize(processes);
    result_.processes.resize(processes);
    for (ProcessActivity& activity : result_.processes) {
      activity.busy_series.assign(bins, 0);
      activity.input_stall_series.assign(bins, 0);
      activity.output_stall_series.assign(bins, 0);
    }
    fifos_.resize(streams);
    result_.streams.resize(streams);
    peak_.assign(streams, std::vector<int64_t>(bins, -1));
    last_.assign(streams, std::vector<int64_t>(bins, -1));
  }

  Simulation run() {
    for (size_t p = 0; p < state_.size(); ++p) start(static_cast<int>(p));
    while (!agenda_.empty()) {
      const auto [cycle, p] = agenda_.top();
      agenda_.pop();
      if (state_[static_cast<size_t>(p)].scheduled != cycle) continue;  // superseded
      try_step(p, cycle);
    }
    finish();
    return std::move(result_);
  }

 private:
  struct ProcessState {
    size_t cursor = 0;
    int64_t ready = 0;       // earliest cycle of the next step (program order)
    int64_t scheduled = -1;  // the cycle it is queued for (-1: waiting on a FIFO or done)
    int blocked_on = -1;     // the stream it waits on
    bool writing = false;
    bool done = false;
    int64_t waiting_since = 0;  // start of the current wait and its reason (for stall accounting)
    int waiting_reason = 0;     // 0: none, 1: input, 2: output
  };
  struct Fifo {
    int64_t written = 0, read = 0;
    int64_t last_write = -1, last_read = -1;  // cycles of the latest accesses
  };

  void schedule(int p, int64_t cycle) {
    ProcessState& state = state_[static_cast<size_t>(p)];
    if (state.scheduled == cycle) return;
    state.scheduled = cycle;
    agenda_.push({cycle, p});
  }

  void start(int p) {
    const ProcessSchedule& process = schedule_.processes[static_cast<size_t>(p)];
    ProcessState& state = state_[static_cast<size_t>(p)];
    if (process.steps.empty()) {
      state.done = true;
      result_.processes[static_cast<size_t>(p)].done = process.trailing;
      return;
    }
    state.ready = process.steps[0].delay;
    mark_busy(p, 0, state.ready);
    schedule(p, state.ready);
  }

  void mark_busy(int p, int64_t begin, int64_t end) {
    if (end <= begin) return;
    cover(end - 1);
    ProcessActivity& activity = result_.processes[static_cast<size_t>(p)];
    activity.busy += end - begin;
    series_.add_range(activity.busy_series, begin, end);
  }

  void cover(int64_t cycle) { series_.cover(cycle, result_.processes, peak_, last_); }

  void note_wait(ProcessState& state, ProcessActivity& activity, int reason, int64_t cycle) {
    if (state.waiting_reason == reason) return;
    settle_wait(state, activity, cycle);
    state.waiting_reason = reason;
    state.waiting_since = cycle;
  }

  void settle_wait(ProcessState& state, ProcessActivity& activity, int64_t cycle) {
    if (state.waiting_reason != 0 && cycle > state.waiting_since) {
      const bool input = state.waiting_reason == 1;
      (input ? activity.input_stall : activity.output_stall) += cycle - state.waiting_since;
      cover(cycle - 1);
      series_.add_range(input ? activity.input_stall_series : activity.output_stall_series, state.waiting_since, cycle);
    }
    state.waiting_reason = 0;
  }

  void try_step(int p, int64_t cycle) {
    const ProcessSchedule& process = schedule_.processes[static_cast<size_t>(p)];
    ProcessState& state = state_[static_cast<size_t>(p)];
    ProcessActivity& activity = result_.processes[static_cast<size_t>(p)];
    state.scheduled = -1;
    const ProcessSchedule::Step& step = process.steps[state.cursor];
    for (int s : process.reads(step)) {
      const Fifo& fifo = fifos_[static_cast<size_t>(s)];
      const int64_t visible = fifo.written - (fifo.last_write == cycle ? 1 : 0);
      if (fifo.read < visible) continue;
      note_wait(state, activity, 1, cycle);
      if (fifo.read < fifo.written) return schedule(p, cycle + 1);  // written this cycle: readable next
      state.blocked_on = s;
      state.writing = false;
      return;
    }
    for (int s : process.writes(step)) {
      const Fifo& fifo = fifos_[static_cast<size_t>(s)];
      const int64_t freed = fifo.read - (fifo.last_read == cycle ? 1 : 0);
      const int depth = depths_[static_cast<size_t>(s)];
      if (fifo.written - freed < depth) continue;
      note_wait(state, activity, 2, cycle);
      if (fifo.written - fifo.read < depth) return schedule(p, cycle + 1);  // freed this cycle
      state.blocked_on = s;
      state.writing = true;
      return;
    }
    // The step happens in this cycle.
    state.blocked_on = -1;
    settle_wait(state, activity, cycle);
    for (int s : process.reads(step)) {
      Fifo& fifo = fifos_[static_cast<size_t>(s)];
      ++fifo.read;
      fifo.last_read = cycle;
      record_occupancy(s, cycle);
      wake(network_.streams[static_cast<size_t>(s)].producer, s, true, cycle);
    }
    for (int s : process.writes(step)) {
      Fifo& fifo = fifos_[static_cast<size_t>(s)];
      ++fifo.written;
      fifo.last_write = cycle;
      record_occupancy(s, cycle);
      wake(network_.streams[static_cast<size_t>(s)].consumer, s, false, cycle);
    }
    ++activity.steps;
    if (++state.cursor < process.steps.size()) {
      state.ready = cycle + process.steps[state.cursor].delay;
      mark_busy(p, cycle, state.ready);
      schedule(p, state.ready);
    } else {
      state.done = true;
      activity.done = cycle + process.trailing;
      mark_busy(p, cycle, activity.done + 1);
    }
  }

  void wake(int q, int stream, bool writing, int64_t cycle) {
    ProcessState& state = state_[static_cast<size_t>(q)];
    if (state.blocked_on != stream || state.writing != writing) return;
    state.blocked_on = -1;
    schedule(q, cycle + 1);
  }

  // Occupancy after the accesses of `cycle`: beats written minus beats read so far.
  void record_occupancy(int s, int64_t cycle) {
    const Fifo& fifo = fifos_[static_cast<size_t>(s)];
    const int64_t occupancy = fifo.written - fifo.read;
    cover(cycle);
    const auto bin = static_cast<size_t>(cycle / series_.width());
    auto& peak = peak_[static_cast<size_t>(s)];
    peak[bin] = std::max(peak[bin], occupancy);
    last_[static_cast<size_t>(s)][bin] = occupancy;
    StreamActivity& activity = result_.streams[static_cast<size_t>(s)];
    activity.max_occupancy = std::max(activity.max_occupancy, occupancy);
  }

  void finish() {
    result_.bin_cycles = series_.width();
    std::vector<int> blocked_on(state_.size(), -1);
    std::vector<bool> writing(state_.size(), false);
    for (size_t p = 0; p < state_.size(); ++p) {
      if (state_[p].done) {
        result_.cycles = std::max(result_.cycles, result_.processes[p].done + 1);
        continue;
      }
      result_.deadlock = true;
      blocked_on[p] = state_[p].blocked_on;
      writing[p] = state_[p].writing;
    }
    // Each bin's occupancy is the largest within it, or the level carried in from before.
    for (size_t s = 0; s < fifos_.size(); ++s) {
      const int64_t used_bins = result_.cycles / series_.width() + 1;
      int64_t level = 0;
      auto& series = result_.streams[s].occupancy;
      for (int64_t bin = 0; bin < used_bins && bin < static_cast<int64_t>(peak_[s].size()); ++bin) {
        const auto b = static_cast<size_t>(bin);
        series.push_back(std::max(level, peak_[s][b]));
        if (last_[s][b] >= 0) level = last_[s][b];
      }
    }
    if (result_.deadlock) {
      result_.cycles = 0;
      result_.cycle = find_wait_cycle(network_, depths_, blocked_on, writing);
    }
  }

  const Network& network_;
  const Schedule& schedule_;
  std::vector<int> depths_;
  Series series_;
  Simulation result_;
  std::vector<ProcessState> state_;
  std::vector<Fifo> fifos_;
  std::vector<std::vector<int64_t>> peak_, last_;  // per stream, per bin: peak and final occupancy (-1: none)
  std::priority_queue<std::pair<int64_t, int>, std::vector<std::pair<int64_t, int>>, std::greater<>> agenda_;
};

}  // namespace

Simulation simulate(const Network& network, const Schedule& schedule, const std::vector<int>& depths,
                    const SimulationOptions& options) {
  std::vector<int> checked = depths.empty() ? depths_of(network) : depths;
  if (checked.size() != network.streams.size()) {
    throw UserError("simulator: " + std::to_string(checked.size()) + " depths for " +
                    std::to_string(network.streams.size()) + " streams");
  }
  for (int depth : checked) {
    if (depth < 1) throw UserError("simulator: a FIFO depth of " + std::to_string(depth));
  }
  return Simulator(network, schedule, std::move(checked), options).run();
}

}  // namespace inrarch::dataflow
