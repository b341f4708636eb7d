#include "dataflow/timing.h"

#include <algorithm>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

#include "util/error.h"

namespace inrarch::dataflow {
namespace {

// Depths of the non-arithmetic parts of the kernels (cycles).
constexpr int kFifoAccessDepth = 1;  // a stream read or write stage
constexpr int kMemoryDepth = 1;      // one BRAM/ROM read (registered output)
constexpr int kAxiDepth = 3;         // a pipelined m_axi burst access, once the burst runs

int steps_of_depth(int depth, int ii) { return (depth + ii - 1) / ii; }

PortUse beat(int stream, bool write) {
  PortUse use;
  use.stream = stream;
  use.write = write;
  return use;
}

PortUse element(int stream, bool write, int64_t every = 1) {
  PortUse use = beat(stream, write);
  use.per_element = true;
  use.every = every;
  return use;
}

LoopSpec loop(std::string name, int64_t trips, int depth, std::vector<PortUse> ports, int ii = 1) {
  LoopSpec spec;
  spec.name = std::move(name);
  spec.trips = trips;
  spec.ii = ii;
  spec.depth = depth;
  spec.ports = std::move(ports);
  return spec;
}

KernelSpec single_loop(std::string kernel, LoopSpec spec, bool flattened) {
  KernelSpec result;
  result.kernel = std::move(kernel);
  result.groups.push_back({1, {std::move(spec)}});
  result.flattened = flattened;
  return result;
}

// One FIFO access per iteration on every stream of the process: the elementwise kernels of
// elementwise.h and bias_add.h, and fork.h, all one loop over all tiles.
KernelSpec streaming(std::string kernel, const Process& process, const Network& network, int depth) {
  std::vector<PortUse> ports;
  for (int s : process.inputs) ports.push_back(beat(s, false));
  for (int s : process.outputs) ports.push_back(beat(s, true));
  const int any = process.inputs.empty() ? process.outputs.front() : process.inputs.front();
  return single_loop(std::move(kernel),
                     loop("stream", network.streams[static_cast<size_t>(any)].tile_beats(), depth, ports), true);
}

}  // namespace

MatMulLoop matmul_loop(const Process& process, bool floating_point) {
  MatMulLoop shape;
  shape.group_rows = process.trans_a ? process.trans_a_m : 1;
  shape.groups = process.rows / shape.group_rows;
  const int64_t column_groups = process.cols / process.parallel;
  shape.compute = shape.group_rows * process.inner * column_groups;
  shape.writes = shape.group_rows * process.cols;
  shape.period = std::max(shape.compute, shape.writes);
  shape.distance = shape.group_rows * column_groups;
  // The recurrence acc = acc + x*w: the add, plus the accumulator memory read unless each lane's
  // bank holds a single word (a register).
  const int64_t recurrence = op_latency(ir::Op::Add, floating_point) + (shape.distance > 1 ? kMemoryDepth : 0);
  shape.ii = static_cast<int>((recurrence + shape.distance - 1) / shape.distance);
  return shape;
}

int op_latency(ir::Op op, bool floating_point) {
  // ap_fixed<32, 10>: adders are one carry chain; a 32x32 product takes a cascade of DSP48E2s;
  // the elementary functions of hls_math are polynomial/CORDIC pipelines. float: Vitis's
  // floating-point cores at this clock. Estimates, not synthesis reports.
  switch (op) {
    case ir::Op::Neg:
    case ir::Op::Relu:
    case ir::Op::Step:
      return 1;
    case ir::Op::Add:
    case ir::Op::Sub:
      return floating_point ? 5 : 1;
    case ir::Op::Mul:
    case ir::Op::Scale:
      return floating_point ? 4 : 3;
    case ir::Op::Div:
      return floating_point ? 12 : 36;
    case ir::Op::Sin:
    case ir::Op::Cos:
      return floating_point ? 30 : 20;
    case ir::Op::Exp:
      return floating_point ? 20 : 15;
    case ir::Op::Tanh:
      return floating_point ? 40 : 30;
    case ir::Op::Sigmoid:
      return floating_point ? 35 : 40;
    default:
      throw UserError(std::string("timing model: no elementwise operator ") + ir::op_name(op));
  }
}

int64_t LoopSpec::cycles() const { return (trips + steps_of_depth(depth, ii) - 1) * ii + 1; }

int64_t KernelSpec::cycles_per_tile() const {
  int64_t cycles = 0;
  for (const LoopGroup& group : groups) {
    for (const LoopSpec& spec : group.loops)
      cycles += group.repeat * (flattened ? spec.trips * spec.ii : spec.cycles());
  }
  return cycles;  // the epilogue runs once per run, not per tile
}

std::string KernelSpec::describe() const {
  std::ostringstream text;
  text << kernel << ": ";
  bool first = true;
  for (const LoopGroup& group : groups) {
    if (!first) text << " + ";
    first = false;
    if (group.repeat > 1) text << group.repeat << " x [";
    for (size_t k = 0; k < group.loops.size(); ++k) {
      const LoopSpec& spec = group.loops[k];
      text << (k ? " + " : "") << spec.name << " " << spec.trips << " (II " << spec.ii << ", depth " << spec.depth
           << ")";
    }
    if (group.repeat > 1) text << "]";
  }
  text << (flattened ? " over all tiles" : "");
  for (const LoopSpec& spec : epilogue) {
    text << " + " << spec.name << " " << spec.trips << " (II " << spec.ii << ", depth " << spec.depth << ") once";
  }
  text << "; " << cycles_per_tile() << " cycles per tile unstalled";
  return text.str();
}

KernelSpec kernel_spec(const Network& network, int index, const TimingOptions& options) {
  const Process& process = network.processes.at(static_cast<size_t>(index));
  const auto stream = [&](int s) -> const Stream& { return network.streams.at(static_cast<size_t>(s)); };
  const auto input = [&](size_t k) { return process.inputs.at(k); };
  const auto output = [&](size_t k) { return process.outputs.at(k); };
  const bool fp = options.floating_point;
  switch (process.kind) {
    case ProcessKind::ReadInput:  // io.h read_points: one flattened loop, one element per cycle
      return single_loop(
          "inrarch_hls::read_points",
          loop("read", stream(output(0)).tile_elements, kAxiDepth + kFifoAccessDepth, {element(output(0), true)}),
          true);
    case ProcessKind::WriteOutput:  // io.h write_points
      return single_loop(
          "inrarch_hls::write_points",
          loop("write", stream(input(0)).tile_elements, kFifoAccessDepth + kAxiDepth, {element(input(0), false)}),
          true);
    case ProcessKind::Fork:
      return streaming("inrarch_hls::fork", process, network, kFifoAccessDepth);
    case ProcessKind::Unary:
      return streaming("inrarch_hls::unary", process, network, kFifoAccessDepth + op_latency(process.op, fp));
    case ProcessKind::Binary:
      return streaming("inrarch_hls::binary", process, network, kFifoAccessDepth + op_latency(process.op, fp));
    case ProcessKind::BinaryConst:
      return streaming("inrarch_hls::binary_const", process, network,
                       kFifoAccessDepth + kMemoryDepth + op_latency(process.op, fp));
    case ProcessKind::ConstSource:
      return streaming("inrarch_hls::const_source", process, network, kMemoryDepth + kFifoAccessDepth);
    case ProcessKind::MatMul: {
      const int64_t p = process.parallel;
      if (p < 1 || process.cols % p != 0) {
        throw UserError("timing model: " + process.name + ": P=" + std::to_string(p) + " does not divide its " +
                        std::to_string(process.cols) + " columns");
      }
      const int mac = kMemoryDepth + op_latency(ir::Op::Mul, fp) + op_latency(ir::Op::Add, fp);
      const int fill = kFifoAccessDepth + kMemoryDepth;
      KernelSpec spec;
      if (options.kernels == KernelStyle::InrArch) {
        // Row streaming: each input element updates the row's accumulators, P columns per cycle;
        // the row's outputs leave once its last element arrived.
        spec.kernel = "inrarch-like matmul";
        spec.groups.push_back(
            {process.rows,
             {loop("mac", process.inner * (process.cols / p), mac, {element(input(0), false, process.cols / p)}),
              loop("write", process.cols, fill, {element(output(0), true)})}});
        return spec;
      }
      // matmul.h: one flattened loop over every group of rows of every tile; per group `period`
      // iterations that read an element every cols/P of the first `compute` ones and write the
      // previous group's outputs in the first `writes` ones (from the second period on); then an
      // epilogue loop writes the last group.
      const MatMulLoop shape = matmul_loop(process, fp);
      PortUse reads = element(input(0), false, process.cols / p);
      reads.period = shape.period;
      reads.window = shape.compute;
      PortUse writes = element(output(0), true);
      writes.period = shape.period;
      writes.window = shape.writes;
      writes.skip = shape.period;
      spec.kernel = "inrarch_hls::matmul";
      spec.flattened = true;
      spec.groups.push_back(
          {1, {loop("stream", shape.groups * shape.period, kFifoAccessDepth + mac, {reads, writes}, shape.ii)}});
      spec.epilogue.push_back(loop("drain", shape.writes, fill, {element(output(0), true)}));
      return spec;
    }
    case ProcessKind::Reduce: {
      // reduce.h: acc[target[i]] += x is a read-modify-write through the accumulator memory that
      // HLS cannot prove independent between iterations, so the accumulate loop's II is the
      // length of that recurrence (memory read + add), whatever the pragma asks.
      const int add = op_latency(ir::Op::Add, fp);
      const int64_t in_elements = stream(input(0)).tile_elements;
      const int64_t out_elements = stream(output(0)).tile_elements;
      KernelSpec spec;
      spec.kernel = "inrarch_hls::reduce_sum";
      spec.groups.push_back({1, {loop("zero", out_elements, 1, {})}});
      spec.groups.push_back({1,
                             {loop("accumulate", in_elements, kFifoAccessDepth + kMemoryDepth + add,
                                   {element(input(0), false)}, kMemoryDepth + add)}});
      spec.groups.push_back(
          {1, {loop("write", out_elements, kMemoryDepth + kFifoAccessDepth, {element(output(0), true)})}});
      return spec;
    }
    case ProcessKind::Select: {  // select_concat.h select: perfect nest, flattened
      PortUse kept = element(output(0), true);
      kept.keep = process.keep;
      kept.keep_run = process.inner_size;
      return single_loop(
          "inrarch_hls::select",
          loop("select", stream(input(0)).tile_elements, kFifoAccessDepth, {element(input(0), false), kept}), true);
    }
    case ProcessKind::Concat: {  // select_concat.h concat: per outer index, one loop per part
      KernelSpec spec;
      spec.kernel = "inrarch_hls::concat";
      LoopGroup group{process.outer, {}};
      for (size_t k = 0; k < process.inputs.size(); ++k) {
        group.loops.push_back(loop("part" + std::to_string(k), process.axis_sizes.at(k) * process.inner_size,
                                   kFifoAccessDepth, {element(input(k), false), element(output(0), true)}));
      }
      spec.groups.push_back(std::move(group));
      return spec;
    }
    case ProcessKind::Reorder: {  // select_concat.h reorder: buffer the tile, then emit
      KernelSpec spec;
      spec.kernel = "inrarch_hls::reorder";
      spec.groups.push_back({1,
                             {loop("read", stream(input(0)).tile_elements, kFifoAccessDepth + kMemoryDepth,
                                   {element(input(0), false)})}});
      spec.groups.push_back({1,
                             {loop("write", static_cast<int64_t>(process.index_map.size()),
                                   kMemoryDepth + kFifoAccessDepth, {element(output(0), true)})}});
      return spec;
    }
  }
  throw UserError("timing model: process " + process.name + " has no kernel");
}

namespace {

// Expands one process's kernel into its steps (see the execution model in timing.h).
class Expander {
 public:
  Expander(const Network& network, ProcessSchedule& out, bool untimed)
      : network_(network), out_(out), untimed_(untimed) {}

  void run(const KernelSpec& spec, int64_t tiles) {
    if (spec.flattened) {
      LoopSpec whole = spec.groups.at(0).loops.at(0);
      whole.trips *= tiles;
      expand(whole);
      for (const LoopSpec& drain : spec.epilogue) expand(drain);
    } else {
      for (int64_t tile = 0; tile < tiles; ++tile) {
        for (const LoopGroup& group : spec.groups) {
          for (int64_t r = 0; r < group.repeat; ++r) {
            for (const LoopSpec& spec_loop : group.loops) expand(spec_loop);
          }
        }
      }
    }
    out_.trailing = now_ - last_emitted_;
  }

 private:
  // The steps (relative to the loop's first step) at which one port accesses a beat.
  struct Accesses {
    int stream = -1;
    bool write = false;
    int64_t first = 0, stride = 1, count = 0;  // an arithmetic progression, or
    std::vector<int64_t> explicit_steps;       // when a keep mask or windows break the progression
    bool is_explicit = false;
    int64_t taken = 0;
    bool done() const { return taken >= (is_explicit ? static_cast<int64_t>(explicit_steps.size()) : count); }
    int64_t next() const { return is_explicit ? explicit_steps[static_cast<size_t>(taken)] : first + taken * stride; }
  };

  Accesses accesses_of(const PortUse& use, int64_t trips, int64_t latency) {
    Accesses result;
    result.stream = use.stream;
    result.write = use.write;
    const int64_t shift = use.write ? latency : 0;
    if (!use.per_element) {
      result.first = shift;
      result.count = trips;
      return result;
    }
    const int64_t block = network_.streams.at(static_cast<size_t>(use.stream)).block;
    int64_t& done = elements_[use.stream];
    // A reader fetches before element g with g % B == 0, a writer emits after g % B == B - 1.
    const int64_t phase = use.write ? block - 1 : 0;
    if (use.period > 0) {  // windows: enumerate the element iterations
      result.is_explicit = true;
      for (int64_t start = use.skip; start < trips; start += use.period) {
        for (int64_t i = start; i < std::min(start + use.window, trips); i += use.every) {
          if (done++ % block == phase) result.explicit_steps.push_back(i + shift);
        }
      }
      return result;
    }
    const int64_t elements = (trips + use.every - 1) / use.every;
    if (!use.keep.empty()) {
      result.is_explicit = true;
      const auto size = static_cast<int64_t>(use.keep.size());
      for (int64_t e = 0; e < elements; ++e) {
        if (!use.keep[static_cast<size_t>((e / use.keep_run) % size)]) continue;
        if (done++ % block == phase) result.explicit_steps.push_back(e * use.every + shift);
      }
      return result;
    }
    const int64_t first_element = ((phase - done % block) % block + block) % block;
    result.first = first_element * use.every + shift;
    result.stride = block * use.every;
    result.count = first_element < elements ? (elements - first_element - 1) / block + 1 : 0;
    done += elements;
    return result;
  }

  void expand(const LoopSpec& spec) {
    if (spec.trips == 0) return;
    const int64_t latency = untimed_ ? 0 : steps_of_depth(spec.depth, spec.ii);
    const int64_t start = now_ + 1;  // the first loop of a process starts at cycle 0
    now_ = start + (spec.trips + latency - 1) * spec.ii;
    if (spec.ports.empty()) return;
    std::vector<Accesses> ports;
    for (const PortUse& use : spec.ports) ports.push_back(accesses_of(use, spec.trips, latency));
    std::vector<int32_t> reads, writes;
    for (;;) {
      int64_t step = std::numeric_limits<int64_t>::max();
      for (const Accesses& port : ports) {
        if (!port.done()) step = std::min(step, port.next());
      }
      if (step == std::numeric_limits<int64_t>::max()) break;
      reads.clear();
      writes.clear();
      for (Accesses& port : ports) {
        if (port.done() || port.next() != step) continue;
        (port.write ? writes : reads).push_back(port.stream);
        ++port.taken;
      }
      emit(start + step * spec.ii, reads, writes);
    }
  }

  void emit(int64_t time, const std::vector<int32_t>& reads, const std::vector<int32_t>& writes) {
    const int64_t delay = time - last_emitted_;
    if (delay < 0 || delay > std::numeric_limits<uint32_t>::max()) {
      throw UserError("timing model: a delay of " + std::to_string(delay) + " cycles does not fit the schedule");
    }
    std::vector<int32_t> pattern{static_cast<int32_t>(reads.size()), static_cast<int32_t>(writes.size())};
    pattern.insert(pattern.end(), reads.begin(), reads.end());
    pattern.insert(pattern.end(), writes.begin(), writes.end());
    auto [found, inserted] = pattern_offsets_.emplace(pattern, static_cast<uint32_t>(out_.accesses.size()));
    if (inserted) out_.accesses.insert(out_.accesses.end(), pattern.begin(), pattern.end());
    out_.steps.push_back({static_cast<uint32_t>(delay), found->second});
    last_emitted_ = time;
  }

  const Network& network_;
  ProcessSchedule& out_;
  bool untimed_;
  int64_t now_ = -1;                 // time of the latest step or loop cycle, unstalled
  int64_t last_emitted_ = 0;         // time of the latest emitted step (0 before the first)
  std::map<int, int64_t> elements_;  // per stream: elements this process's reader/writer handled
  std::map<std::vector<int32_t>, uint32_t> pattern_offsets_;
};

}  // namespace

Schedule build_schedule(const Network& network, const TimingOptions& options, int64_t tiles) {
  if (tiles < 1) throw UserError("timing model: " + std::to_string(tiles) + " tiles");
  Schedule schedule;
  schedule.tiles = tiles;
  schedule.processes.resize(network.processes.size());
  for (size_t p = 0; p < network.processes.size(); ++p) {
    Expander(network, schedule.processes[p], options.untimed)
        .run(kernel_spec(network, static_cast<int>(p), options), tiles);
  }
  for (const Stream& stream : network.streams) schedule.beats.push_back(stream.tile_beats() * tiles);
  // Every beat a producer writes must be read once: a mismatch is a bug of a kernel description.
  std::vector<int64_t> written(network.streams.size(), 0), read(network.streams.size(), 0);
  for (const ProcessSchedule& process : schedule.processes) {
    for (const ProcessSchedule::Step& step : process.steps) {
      for (int s : process.reads(step)) ++read[static_cast<size_t>(s)];
      for (int s : process.writes(step)) ++written[static_cast<size_t>(s)];
    }
  }
  for (size_t s = 0; s < network.streams.size(); ++s) {
    if (written[s] != schedule.beats[s] || read[s] != schedule.beats[s]) {
      throw std::logic_error("timing model: stream " + network.streams[s].name + " carries " +
                             std::to_string(schedule.beats[s]) + " beats but its kernels write " +
                             std::to_string(written[s]) + " and read " + std::to_string(read[s]));
    }
  }
  return schedule;
}

int64_t tiles_for(const Network& network, int64_t points) {
  if (points < 1) throw UserError("timing model: " + std::to_string(points) + " points");
  return (points + network.tile_points - 1) / network.tile_points;
}

}  // namespace inrarch::dataflow
