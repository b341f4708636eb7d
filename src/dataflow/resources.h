// Resource estimate of a process network on an FPGA part: DSP, BRAM_18K, LUT and FF per kernel
// and per FIFO, summed and compared with the part; and the choice of each matmul's parallelism P
// under a DSP budget.
//
// Why an estimate before synthesis: choosing P and the tile size, and comparing FIFO strategies,
// needs thousands of evaluations; Vitis needs an hour for one. The memory rules follow the
// documented primitives and are exact given the array shapes; the DSP/LUT/FF figures per
// operator are rough, uncalibrated per-lane costs (see resources.cpp) meant for ranking designs
// and catching gross overuse, not for sign-off.
//
// Memory rule, for every FIFO and on-chip array (bank) of `words` x `bits`:
//  - FIFOs of depth x width <= 1024 bits are shift registers (SRL, in LUTs): Vitis HLS's FIFO
//    binding default auto_srl_max_bits = 1024 (UG1399, config_storage / syn.storage);
//    arrays of <= 1024 bits are LUTRAM.
//  - otherwise BRAM_18K primitives in the cheapest aspect ratio of a RAMB18E2 (UG573, UltraScale
//    Memory Resources; UG974 FIFO18E2): 16K x 1, 8K x 2, 4K x 4, 2K x 9, 1K x 18 or 512 x 36,
//    ceil(words / depth) * ceil(bits / width) of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataflow/lower.h"
#include "dataflow/timing.h"

namespace inrarch::dataflow {

struct Part {
  std::string name;   // Vitis part name
  std::string board;  // "Alveo U50"
  int64_t lut = 0, ff = 0, bram18k = 0, dsp = 0, uram = 0;
};

// xcu50-fsvh2104-2-e (Alveo U50) and xcu280-fsvh2892-2L-e (Alveo U280); UserError otherwise.
const Part& part_named(const std::string& name);
const std::vector<Part>& known_parts();

struct Usage {
  int64_t dsp = 0, bram18k = 0, lut = 0, ff = 0;
  Usage& operator+=(const Usage& other);
};

struct ResourceOptions {
  int word_bits = 32;                          // width of data_t (ap_fixed<32, 10> or float)
  bool floating_point = false;                 // float operators instead of fixed-point ones
  KernelStyle kernels = KernelStyle::Library;  // which matmul's buffers to count
};

struct KernelUsage {
  int process = -1;
  Usage usage;
};

struct FifoUsage {
  int stream = -1;
  int64_t words = 0;  // elements held: depth * block
  int64_t bits = 0;   // depth * block * word bits
  bool srl = false;   // shift register (LUTs) rather than BRAM
  Usage usage;
};

struct ResourceEstimate {
  std::vector<KernelUsage> kernels;
  std::vector<FifoUsage> fifos;
  Usage kernel_total, fifo_total, total;
  int64_t fifo_words = 0;
  std::vector<std::string> warnings;  // one per resource over the part's total
};

ResourceEstimate estimate_resources(const Network& network, const Part& part, const ResourceOptions& options = {});

// BRAM_18K primitives for an array of `words` x `bits` (0 when it stays in LUTs, see above).
int64_t bram18k_for(int64_t words, int64_t bits);

// Usage of one FIFO of `depth` beats of `width_bits` each.
Usage fifo_usage(int64_t depth, int64_t width_bits, bool* srl = nullptr);

// Sets each matmul's P (a divisor of its columns, as the kernel needs) so that the design's DSPs
// stay within `dsp_budget`: starting from P = 1, repeatedly raises the P of the matmul with the
// most cycles per tile (timing.h) among those whose raise still fits, to the next divisor that
// makes it faster (a matmul bound by its writes or its accumulation recurrence gets no more lanes).
// Throws UserError when even P = 1 everywhere exceeds the budget.
void choose_parallelism(Network& network, int64_t dsp_budget, const TimingOptions& timing,
                        const ResourceOptions& options = {});

}  // namespace inrarch::dataflow
