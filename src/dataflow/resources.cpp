#include "dataflow/resources.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "util/error.h"

namespace inrarch::dataflow {
namespace {

constexpr int64_t kSmallMemoryBits = 1024;  // UG1399 auto_srl_max_bits; also our LUTRAM limit

// Per-lane cost of one elementwise operator. DSP48E2 multiplies 27 x 18 bits; the LUT/FF counts
// are rough figures for a 32-bit datapath at 300 MHz, not calibrated against synthesis.
Usage operator_cost(ir::Op op, const ResourceOptions& options) {
  const int64_t w = options.word_bits;
  const int64_t multiply_dsp = ((w + 26) / 27) * ((w + 17) / 18);
  Usage cost;
  const auto set = [&](int64_t dsp, int64_t lut, int64_t ff) {
    cost.dsp = dsp;
    cost.lut = lut;
    cost.ff = ff;
  };
  if (options.floating_point) {
    switch (op) {
      case ir::Op::Add:
      case ir::Op::Sub:
        set(2, 220, 350);
        break;
      case ir::Op::Mul:
      case ir::Op::Scale:
        set(3, 120, 250);
        break;
      case ir::Op::Div:
        set(0, 800, 1400);
        break;
      case ir::Op::Sin:
      case ir::Op::Cos:
        set(16, 3000, 4000);
        break;
      case ir::Op::Exp:
        set(7, 1000, 1500);
        break;
      case ir::Op::Tanh:
        set(20, 3000, 4000);
        break;
      case ir::Op::Sigmoid:
        set(9, 1800, 2800);
        break;
      default:
        set(0, 2 * w, w);
        break;  // neg, relu, step: a mux or a sign flip
    }
    return cost;
  }
  switch (op) {
    case ir::Op::Add:
    case ir::Op::Sub:
      set(0, w, w);
      break;
    case ir::Op::Mul:
    case ir::Op::Scale:
      set(multiply_dsp, 2 * w, 3 * w);
      break;
    case ir::Op::Div:
      set(0, 50 * w, 60 * w);
      break;
    case ir::Op::Sin:
    case ir::Op::Cos:
    case ir::Op::Exp:
      set(2 * multiply_dsp, 40 * w, 50 * w);
      break;
    case ir::Op::Tanh:
    case ir::Op::Sigmoid:
      set(2 * multiply_dsp, 90 * w, 100 * w);
      break;
    default:
      set(0, w, w);
      break;
  }
  return cost;
}

Usage times(Usage usage, int64_t factor) {
  usage.dsp *= factor;
  usage.bram18k *= factor;
  usage.lut *= factor;
  usage.ff *= factor;
  return usage;
}

// An on-chip array of `words` x `bits`, partitioned into `banks` equal banks.
Usage memory(int64_t words, int64_t bits, int64_t banks = 1) {
  Usage usage;
  const int64_t per_bank = (words + banks - 1) / banks;
  if (per_bank * bits <= kSmallMemoryBits) {
    usage.lut = banks * ((per_bank + 63) / 64) * bits;  // LUTRAM: 64 bits per LUT6
  } else {
    usage.bram18k = banks * bram18k_for(per_bank, bits);
  }
  return usage;
}

int64_t index_bits(int64_t count) {
  int64_t bits = 1;
  while ((int64_t{1} << bits) < count) ++bits;
  return bits;
}

// The control of one dataflow process: loop counters, FSM, stream handshakes.
Usage control(int64_t loops) {
  Usage usage;
  usage.lut = 60 + 40 * loops;
  usage.ff = 80 + 50 * loops;
  return usage;
}

Usage kernel_usage(const Network& network, const Process& process, const ResourceOptions& options) {
  const int64_t w = options.word_bits;
  const auto tile = [&](int s) { return network.streams.at(static_cast<size_t>(s)).tile_elements; };
  const auto block = [&](int s) { return static_cast<int64_t>(network.streams.at(static_cast<size_t>(s)).block); };
  Usage usage;
  switch (process.kind) {
    case ProcessKind::ReadInput:
    case ProcessKind::WriteOutput:
      // An m_axi adapter with its burst buffers.
      usage.lut = 1500;
      usage.ff = 2000;
      usage.bram18k = 2;
      usage += control(1);
      break;
    case ProcessKind::Fork:
      usage = control(1);
      usage.ff += w * block(process.inputs[0]);
      break;
    case ProcessKind::Unary:
    case ProcessKind::Binary:
      usage = times(operator_cost(process.op, options), block(process.outputs[0]));
      usage += control(1);
      break;
    case ProcessKind::BinaryConst:
    case ProcessKind::ConstSource: {
      const int64_t lanes = block(process.outputs[0]);
      if (process.kind == ProcessKind::BinaryConst) usage = times(operator_cost(process.op, options), lanes);
      const bool partitioned = lanes > 1 && process.constant.strides.at(3) != 0;
      usage += memory(static_cast<int64_t>(process.constant.values.size()), w, partitioned ? lanes : 1);
      usage += control(1);
      break;
    }
    case ProcessKind::MatMul: {
      const int64_t p = process.parallel;
      Usage lane = operator_cost(ir::Op::Mul, options);
      lane += operator_cost(ir::Op::Add, options);
      usage = times(lane, p);
      usage += memory(process.inner * process.cols, w, p);  // weights, cyclic by P
      if (options.kernels == KernelStyle::InrArch) {
        usage += memory(process.cols, w, p);  // one row's accumulators
        usage += control(2);
        break;
      }
      // matmul.h: two accumulator arrays (ping-pong), each cyclic by P; the main loop and the drain.
      usage += times(memory(matmul_loop(process, options.floating_point).accumulator_words() / 2, w, p), 2);
      usage += control(2);
      break;
    }
    case ProcessKind::Reduce: {
      usage = operator_cost(ir::Op::Add, options);
      usage += memory(tile(process.outputs[0]), w);
      usage += memory(tile(process.inputs[0]), index_bits(tile(process.outputs[0])));
      usage += control(3);
      break;
    }
    case ProcessKind::Reorder: {
      usage = memory(tile(process.inputs[0]), w);
      usage += memory(static_cast<int64_t>(process.index_map.size()), index_bits(tile(process.inputs[0])));
      usage += control(2);
      break;
    }
    case ProcessKind::Select:
      usage = memory(static_cast<int64_t>(process.keep.size()), 1);
      usage += control(1);
      break;
    case ProcessKind::Concat:
      usage = control(static_cast<int64_t>(process.inputs.size()));
      break;
  }
  return usage;
}

std::string percent_line(const std::string& what, int64_t used, int64_t available, const Part& part) {
  std::ostringstream line;
  line << what << ": " << used << " of " << available << " ("
       << std::lround(100.0 * static_cast<double>(used) / static_cast<double>(available)) << "%) on " << part.name
       << " (" << part.board << ")";
  return line.str();
}

}  // namespace

Usage& Usage::operator+=(const Usage& other) {
  dsp += other.dsp;
  bram18k += other.bram18k;
  lut += other.lut;
  ff += other.ff;
  return *this;
}

const std::vector<Part>& known_parts() {
  // Whole-device figures of the Alveo cards' FPGAs, from AMD's Alveo U50 (DS965) and U280 (DS963)
  // data sheets; a Vitis platform's shell takes a share of them.
  static const std::vector<Part> parts{
      {"xcu50-fsvh2104-2-e", "Alveo U50", 871680, 1743360, 2688, 5952, 640},
      {"xcu280-fsvh2892-2L-e", "Alveo U280", 1303680, 2607360, 4032, 9024, 960},
  };
  return parts;
}

const Part& part_named(const std::string& name) {
  std::string known;
  for (const Part& part : known_parts()) {
    if (part.name == name) return part;
    known += (known.empty() ? "" : ", ") + part.name;
  }
  throw UserError("--part " + name + ": no resource table for it (known: " + known + ")");
}

int64_t bram18k_for(int64_t words, int64_t bits) {
  if (words <= 0 || bits <= 0) return 0;
  static const int64_t shapes[][2] = {{16384, 1}, {8192, 2}, {4096, 4}, {2048, 9}, {1024, 18}, {512, 36}};
  int64_t best = -1;
  for (const auto& shape : shapes) {
    const int64_t count = ((words + shape[0] - 1) / shape[0]) * ((bits + shape[1] - 1) / shape[1]);
    if (best < 0 || count < best) best = count;
  }
  return best;
}

Usage fifo_usage(int64_t depth, int64_t width_bits, bool* srl) {
  Usage usage;
  const bool small = depth * width_bits <= kSmallMemoryBits;
  if (srl) *srl = small;
  if (small) {
    usage.lut = width_bits * ((depth + 31) / 32) + 10;  // one SRLC32E per bit per 32 stages
    usage.ff = width_bits + 10;
  } else {
    usage.bram18k = bram18k_for(depth, width_bits);
    usage.lut = 40;
    usage.ff = 60;
  }
  return usage;
}

ResourceEstimate estimate_resources(const Network& network, const Part& part, const ResourceOptions& options) {
  ResourceEstimate estimate;
  for (size_t p = 0; p < network.processes.size(); ++p) {
    KernelUsage kernel{static_cast<int>(p), kernel_usage(network, network.processes[p], options)};
    estimate.kernel_total += kernel.usage;
    estimate.kernels.push_back(kernel);
  }
  for (size_t s = 0; s < network.streams.size(); ++s) {
    const Stream& stream = network.streams[s];
    FifoUsage fifo;
    fifo.stream = static_cast<int>(s);
    fifo.words = static_cast<int64_t>(stream.depth) * stream.block;
    fifo.bits = fifo.words * options.word_bits;
    fifo.usage = fifo_usage(stream.depth, static_cast<int64_t>(stream.block) * options.word_bits, &fifo.srl);
    estimate.fifo_total += fifo.usage;
    estimate.fifo_words += fifo.words;
    estimate.fifos.push_back(fifo);
  }
  estimate.total = estimate.kernel_total;
  estimate.total += estimate.fifo_total;
  const auto check = [&](const char* what, int64_t used, int64_t available) {
    if (used > available) estimate.warnings.push_back("over budget: " + percent_line(what, used, available, part));
  };
  check("DSP", estimate.total.dsp, part.dsp);
  check("BRAM_18K", estimate.total.bram18k, part.bram18k);
  check("LUT", estimate.total.lut, part.lut);
  check("FF", estimate.total.ff, part.ff);
  return estimate;
}

void choose_parallelism(Network& network, int64_t dsp_budget, const TimingOptions& timing,
                        const ResourceOptions& options) {
  const Part& any_part = known_parts().front();  // DSP counts do not depend on the part
  std::vector<int> matmuls;
  for (size_t p = 0; p < network.processes.size(); ++p) {
    if (network.processes[p].kind == ProcessKind::MatMul) {
      matmuls.push_back(static_cast<int>(p));
      network.processes[p].parallel = 1;
    }
  }
  const auto dsp = [&] { return estimate_resources(network, any_part, options).total.dsp; };
  if (dsp() > dsp_budget) {
    throw UserError("--dsp-budget " + std::to_string(dsp_budget) + ": the design needs " + std::to_string(dsp()) +
                    " DSPs even with one column per cycle in every matmul");
  }
  // The next P of a matmul: the smallest divisor of its columns above the current one that makes
  // it faster (0 if none: a matmul bound by its writes gains nothing from more lanes).
  const auto faster_parallel = [&](int p) {
    Process& process = network.processes[static_cast<size_t>(p)];
    const int current = process.parallel;
    const int64_t cycles = kernel_spec(network, p, timing).cycles_per_tile();
    int faster = 0;
    for (int next = current + 1; next <= process.cols && faster == 0; ++next) {
      if (process.cols % next != 0) continue;
      process.parallel = next;
      if (kernel_spec(network, p, timing).cycles_per_tile() < cycles) faster = next;
    }
    process.parallel = current;
    return faster;
  };
  for (;;) {
    int best = -1, best_parallel = 0;
    int64_t slowest = -1;
    for (int p : matmuls) {
      Process& process = network.processes[static_cast<size_t>(p)];
      const int next = faster_parallel(p);
      if (next == 0) continue;
      const int current = process.parallel;
      process.parallel = next;
      const bool fits = dsp() <= dsp_budget;
      process.parallel = current;
      const int64_t cycles = kernel_spec(network, p, timing).cycles_per_tile();
      if (fits && cycles > slowest) {
        slowest = cycles;
        best = p;
        best_parallel = next;
      }
    }
    if (best < 0) return;
    network.processes[static_cast<size_t>(best)].parallel = best_parallel;
  }
}

}  // namespace inrarch::dataflow
