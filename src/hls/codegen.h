// The Vitis HLS code generator: a process network becomes a complete HLS project — a top
// function whose body is one #pragma HLS DATAFLOW region (one function call per process, one FIFO
// per stream, depths from a generated table), the header-only kernel library copied in, a
// testbench with golden values from the reference evaluator, a Makefile for the threaded
// C-simulation here (bounded FIFOs, deadlock watchdog), run_hls.tcl for Vitis (csim, csynth,
// cosim), a README and report.json.
//
// The same model.cpp compiles for synthesis and for the C-simulation: the kernel headers switch
// between hls::stream / ap_fixed / hls_math and their software models (inrarch_hls/config.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "dataflow/lower.h"
#include "ir/graph.h"

namespace inrarch::hls {

// The number type of every stream element, weight and accumulator in the design.
struct NumberFormat {
  bool fixed = false;  // false: float
  int width = 32;      // ap_fixed<width, integer_bits>
  int integer_bits = 10;          // 0: not chosen yet (fixed<W>_auto)
  std::string name() const;      // "float", "fixed32_10", "fixed32_auto"
  std::string cpp_type() const;  // "float", "ap_fixed<32, 10>"
};

// "float", "fixed<W>_<I>" such as "fixed32_10", or "fixed<W>_auto" (integer_bits 0: to be chosen
// by integer_bits_for); throws UserError otherwise.
NumberFormat parse_number_format(const std::string& text);

// INR-Arch's target: the Alveo U50 at 300 MHz.
inline constexpr const char* kDefaultPart = "xcu50-fsvh2104-2-e";
inline constexpr double kDefaultClockNs = 3.33;

struct ProjectOptions {
  NumberFormat number;
  std::string part = kDefaultPart;
  double clock_ns = kDefaultClockNs;
  std::string model;        // what was compiled, for README and report ("siren:...")
  int order = 0;            // derivative order (0: forward graph)
  std::string method;       // "taylor", "nested" or "" for a forward graph
  int64_t test_points = 0;  // points in the testbench; 0: one tile
  uint64_t seed = 1;        // of the testbench's random points in [-1, 1]
  // Per output name: the derivative order of each element of one point (the testbench reports
  // the error per order). Outputs not listed count as order 0.
  std::map<std::string, std::vector<int>> element_orders;
  // The testbench passes when max |error| <= tolerance * max(1, max |golden|) within each order.
  // 0: 1e-5 for float; 5e-2 for fixed point, which flags overflow while the printed errors show
  // the precision.
  double tolerance = 0.0;
};

// Writes the project for `network` (lowered from `graph`) into `directory`, creating it. Returns
// (and lists in report.json) the processes whose fixed-point values leave the type's range on the
// testbench points. Throws UserError if the directory cannot be written or the kernel library is
// missing.
std::vector<std::string> write_project(const ir::Graph& graph, const dataflow::Network& network,
                                       const ProjectOptions& options, const std::filesystem::path& directory);

// The fewest integer bits whose range holds every value of `graph` on the testbench points the
// project would get (test_points 0: one tile of `tile_points`): what fixed<W>_auto chooses, so
// that no value wraps on those points. More bits cost precision: W - I fraction bits remain.
int integer_bits_for(const ir::Graph& graph, const ProjectOptions& options, int64_t tile_points);

// Where the kernel headers and project templates are read from: $INRARCH_HLS_DIR if set, else
// src/hls of the source tree this binary was built from.
std::filesystem::path library_directory();

}  // namespace inrarch::hls
