#include "dataflow/fifo_sizing.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "dataflow/analysis.h"
#include "util/error.h"

namespace inrarch::dataflow {
namespace {

int clamp_depth(int64_t depth) {
  if (depth > std::numeric_limits<int>::max())
    throw UserError("FIFO sizing: a depth of " + std::to_string(depth) + " beats");
  return static_cast<int>(depth);
}

int64_t words(const Network& network, const std::vector<int>& depths) {
  int64_t total = 0;
  for (size_t s = 0; s < depths.size(); ++s) total += static_cast<int64_t>(depths[s]) * network.streams[s].block;
  return total;
}

int64_t need_of(const Analysis& run, size_t s) { return required_depth(run.write_time[s], run.read_time[s]); }

// Runs the analyses a strategy needs, on the two schedules every check uses: the timed model and
// the C-simulation's untimed one.
class Checker {
 public:
  Checker(const Network& network, const SizingOptions& options) : network_(network) {
    TimingOptions timed = options.timing;
    timed.untimed = false;
    TimingOptions untimed = options.timing;
    untimed.untimed = true;
    timed_ = build_schedule(network, timed, options.tiles);
    untimed_ = build_schedule(network, untimed, options.tiles);
  }

  const Schedule& timed() const { return timed_; }
  const Schedule& untimed() const { return untimed_; }
  int analyses() const { return analyses_; }

  Analysis run(const Schedule& schedule, const std::vector<int>& depths, const AnalysisOptions& options = {}) {
    ++analyses_;
    return analyze(network_, schedule, depths, options);
  }

  // Deadlock-free in both semantics, and the timed run takes at most `cycles`. A timed step that
  // passes its deadline (see refresh) ends the check early.
  bool accept(const std::vector<int>& depths, int64_t cycles) {
    AnalysisOptions options;
    options.deadline = deadline_.empty() ? nullptr : &deadline_;
    const Analysis timed = run(timed_, depths, options);
    return !timed.late && !timed.deadlock && timed.cycles <= cycles && !run(untimed_, depths).deadlock;
  }

  // For the accepted `depths`: the slots each stream needs in the earliest schedules of both
  // semantics, and as deadlines the latest timed schedule that still ends within `cycles`. The
  // deadlines stay valid for every shallower network (its steps can only come later), so a check
  // stops at the first step past its deadline instead of running to the end.
  std::vector<int64_t> refresh(const std::vector<int>& depths, int64_t cycles) {
    AnalysisOptions options;
    options.record_events = true;
    const Analysis untimed = run(untimed_, depths, options);
    options.latest = true;
    Analysis timed = run(timed_, depths, options);
    std::vector<int64_t> needs(depths.size(), 0);
    for (size_t s = 0; s < needs.size(); ++s) needs[s] = std::max(need_of(timed, s), need_of(untimed, s));
    deadline_ = std::move(timed.latest_step_time);
    for (auto& steps : deadline_) {
      for (int64_t& time : steps) time += cycles - timed.cycles;
    }
    return needs;
  }

 private:
  const Network& network_;
  Schedule timed_, untimed_;
  int analyses_ = 0;
  std::vector<std::vector<int64_t>> deadline_;  // per process, per step (empty: none yet)
};

// Lowers each FIFO (deepest first) to the smallest depth that keeps the design deadlock-free and
// within `cycles`, the others fixed. Where the current earliest schedules already need fewer
// slots the depth drops without a check (the schedules do not change); otherwise one beat less
// is tried first, since most FIFOs are tight by then, then the floor, then larger and larger
// steps down and a bisection of the last one.
void shrink_each(std::vector<int>& depths, int min_depth, int64_t cycles, Checker& checker) {
  if (!checker.accept(depths, cycles)) throw std::logic_error("FIFO sizing: shrinking from depths that do not pass");
  std::vector<size_t> order(depths.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return depths[a] > depths[b]; });
  std::vector<int64_t> needs;  // of the earliest schedules under the current depths; empty: stale
  const auto try_depth = [&](size_t s, int depth) {
    const int before = depths[s];
    depths[s] = depth;
    if (checker.accept(depths, cycles)) {
      needs.clear();
      return true;
    }
    depths[s] = before;
    return false;
  };
  for (size_t s : order) {
    if (depths[s] <= min_depth) continue;
    if (needs.empty()) needs = checker.refresh(depths, cycles);
    depths[s] = std::min(depths[s], clamp_depth(std::max<int64_t>(min_depth, needs[s])));
    if (depths[s] <= min_depth || !try_depth(s, depths[s] - 1) || try_depth(s, min_depth)) continue;
    const int top = depths[s];
    int good = top, bad = min_depth;  // good passes, bad fails
    for (int64_t drop = 1; top - drop > bad; drop *= 2) {
      const auto probe = static_cast<int>(top - drop);
      if (!try_depth(s, probe)) {
        bad = probe;
        break;
      }
      good = probe;
    }
    while (good - bad > 1) {
      const int middle = bad + (good - bad) / 2;
      if (try_depth(s, middle)) {
        good = middle;
      } else {
        bad = middle;
      }
    }
  }
}

// The depths two feasible schedules need: the earliest and the latest one under `depths` (empty:
// unbounded), in both semantics; returns whichever needs fewer words. Each schedule stays
// feasible with what it needs, so the result keeps the run's length and cannot deadlock.
std::vector<int> tighten(const Network& network, const std::vector<int>& depths, int min_depth, Checker& checker) {
  AnalysisOptions options;
  options.unbounded = depths.empty();
  options.record_events = true;
  options.latest = true;
  std::vector<int> earliest(network.streams.size(), min_depth), latest(network.streams.size(), min_depth);
  for (const Schedule* schedule : {&checker.timed(), &checker.untimed()}) {
    const Analysis run = checker.run(*schedule, depths, options);
    if (run.deadlock) throw std::logic_error("FIFO sizing: a deadlock where none can be: " + run.cycle.text);
    for (size_t s = 0; s < network.streams.size(); ++s) {
      earliest[s] = std::max(earliest[s], clamp_depth(need_of(run, s)));
      latest[s] = std::max(latest[s], clamp_depth(required_depth(run.latest_write_time[s], run.latest_read_time[s])));
    }
  }
  return words(network, earliest) < words(network, latest) ? earliest : latest;
}

FifoSizing analytic(const Network& network, const SizingOptions& options, Checker& checker) {
  FifoSizing sizing;
  AnalysisOptions unbounded;
  unbounded.unbounded = true;
  sizing.unbounded_cycles = checker.run(checker.timed(), {}, unbounded).cycles;
  sizing.depths = tighten(network, {}, options.min_depth, checker);
  // Tightening never raises a depth; repeat while it still saves words.
  for (;;) {
    std::vector<int> tighter = tighten(network, sizing.depths, options.min_depth, checker);
    if (words(network, tighter) >= words(network, sizing.depths)) break;
    sizing.depths = std::move(tighter);
  }
  std::ostringstream detail;
  detail << "latest/earliest-schedule fixpoint: " << words(network, sizing.depths) << " words after "
         << checker.analyses() << " analyses; ";
  shrink_each(sizing.depths, options.min_depth, sizing.unbounded_cycles, checker);
  detail << "1-minimal trim: " << words(network, sizing.depths) << " words";
  sizing.detail = detail.str();
  return sizing;
}

FifoSizing double_shrink(const Network& network, const SizingOptions& options, Checker& checker) {
  FifoSizing sizing;
  sizing.depths.assign(network.streams.size(), options.min_depth);
  for (;;) {
    Analysis check = checker.run(checker.timed(), sizing.depths);
    if (!check.deadlock) check = checker.run(checker.untimed(), sizing.depths);
    if (!check.deadlock) break;
    bool grown = false;
    for (size_t i = 0; i < check.cycle.streams.size(); ++i) {
      if (!check.cycle.writing[i]) continue;  // only a full FIFO can be the cause
      int& depth = sizing.depths[static_cast<size_t>(check.cycle.streams[i])];
      depth = clamp_depth(2 * static_cast<int64_t>(depth));
      grown = true;
    }
    if (!grown) throw std::logic_error("FIFO sizing: a deadlock cycle without a full FIFO: " + check.cycle.text);
  }
  const int64_t doubled_cycles = checker.run(checker.timed(), sizing.depths).cycles;
  std::ostringstream detail;
  detail << "doubling: " << words(network, sizing.depths) << " words, " << doubled_cycles << " cycles after "
         << checker.analyses() << " analyses; ";
  shrink_each(sizing.depths, options.min_depth, doubled_cycles, checker);
  detail << "shrinking: " << words(network, sizing.depths) << " words";
  sizing.detail = detail.str();
  AnalysisOptions unbounded;
  unbounded.unbounded = true;
  sizing.unbounded_cycles = checker.run(checker.timed(), {}, unbounded).cycles;
  return sizing;
}

// One sizing for exactly `options.tiles` tiles, checked in both semantics.
FifoSizing size_for_run(const Network& network, const FifoStrategySpec& strategy, const SizingOptions& options) {
  Checker checker(network, options);
  FifoSizing sizing;
  switch (strategy.strategy) {
    case FifoStrategy::Analytic:
      sizing = analytic(network, options, checker);
      break;
    case FifoStrategy::DoubleShrink:
      sizing = double_shrink(network, options, checker);
      break;
    case FifoStrategy::Uniform: {
      sizing.depths.assign(network.streams.size(), strategy.uniform_depth);
      AnalysisOptions unbounded;
      unbounded.unbounded = true;
      sizing.unbounded_cycles = checker.run(checker.timed(), {}, unbounded).cycles;
      break;
    }
  }
  const Analysis timed = checker.run(checker.timed(), sizing.depths);
  const Analysis untimed = checker.run(checker.untimed(), sizing.depths);
  sizing.deadlock_free = !timed.deadlock && !untimed.deadlock;
  sizing.deadlock = timed.deadlock     ? timed.cycle.text
                    : untimed.deadlock ? "in the C-simulation (untimed): " + untimed.cycle.text
                                       : "";
  sizing.cycles = timed.deadlock ? 0 : timed.cycles;
  sizing.analyses = checker.analyses();
  return sizing;
}

// Whether `sizing` also holds on a run of `tiles` tiles: deadlock-free in both semantics and, when
// it lost no cycle on its own run, none on this one either.
bool holds_for(const Network& network, const FifoSizing& sizing, const SizingOptions& options, int64_t tiles,
               int& analyses) {
  SizingOptions longer = options;
  longer.tiles = tiles;
  Checker checker(network, longer);
  AnalysisOptions unbounded;
  unbounded.unbounded = true;
  const bool optimal = sizing.cycles == sizing.unbounded_cycles;
  const int64_t limit =
      optimal ? checker.run(checker.timed(), {}, unbounded).cycles : std::numeric_limits<int64_t>::max();
  const bool holds = checker.accept(sizing.depths, limit);
  analyses += checker.analyses();
  return holds;
}

}  // namespace

FifoStrategySpec parse_fifo_strategy(const std::string& text) {
  FifoStrategySpec spec;
  if (text == "analytic") return spec;
  if (text == "double-shrink") {
    spec.strategy = FifoStrategy::DoubleShrink;
    return spec;
  }
  const std::string prefix = "uniform:";
  const std::string digits = text.substr(std::min(text.size(), prefix.size()));
  if (text.rfind(prefix, 0) == 0 && !digits.empty() && digits.size() <= 9 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      std::stoi(digits) >= 1) {
    spec.strategy = FifoStrategy::Uniform;
    spec.uniform_depth = std::stoi(digits);
    return spec;
  }
  throw UserError("--fifo-strategy " + text + ": expected analytic, double-shrink or uniform:D with D >= 1");
}

std::string to_string(const FifoStrategySpec& spec) {
  switch (spec.strategy) {
    case FifoStrategy::Analytic:
      return "analytic";
    case FifoStrategy::DoubleShrink:
      return "double-shrink";
    case FifoStrategy::Uniform:
      return "uniform:" + std::to_string(spec.uniform_depth);
  }
  return "?";
}

int64_t required_depth(const std::vector<int64_t>& write_time, const std::vector<int64_t>& read_time) {
  int64_t need = 0;
  size_t freed = 0;  // reads strictly before the current write
  for (size_t j = 0; j < write_time.size(); ++j) {
    while (freed < read_time.size() && read_time[freed] < write_time[j]) ++freed;
    need = std::max(need, static_cast<int64_t>(j + 1) - static_cast<int64_t>(freed));
  }
  return need;
}

FifoSizing size_fifos(const Network& network, const FifoStrategySpec& strategy, const SizingOptions& options) {
  if (options.min_depth < 1) throw UserError("FIFO sizing: minimum depth " + std::to_string(options.min_depth));
  if (options.tiles < 1) throw UserError("FIFO sizing: a run of " + std::to_string(options.tiles) + " tiles");
  const auto begin = std::chrono::steady_clock::now();
  SizingOptions run = options;
  int analyses = 0;
  FifoSizing sizing;
  for (;;) {
    sizing = size_for_run(network, strategy, run);
    analyses += sizing.analyses;
    if (!options.longer_runs || strategy.strategy == FifoStrategy::Uniform || !sizing.deadlock_free ||
        run.tiles >= 64 * options.tiles || holds_for(network, sizing, options, 2 * run.tiles, analyses)) {
      break;
    }
    run.tiles *= 2;
  }
  sizing.sized_tiles = run.tiles;
  sizing.analyses = analyses;
  sizing.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  return sizing;
}

void apply_depths(Network& network, const std::vector<int>& depths) {
  if (depths.size() != network.streams.size()) {
    throw UserError("FIFO sizing: " + std::to_string(depths.size()) + " depths for " +
                    std::to_string(network.streams.size()) + " streams");
  }
  for (size_t s = 0; s < depths.size(); ++s) network.streams[s].depth = depths[s];
}

}  // namespace inrarch::dataflow
