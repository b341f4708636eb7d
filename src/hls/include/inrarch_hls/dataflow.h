// A dataflow region: the processes of one #pragma HLS DATAFLOW function body (UG1399 "pragma HLS
// dataflow", canonical form: a sequence of function calls connected by streams). Written once, it
// becomes plain calls under Vitis HLS and one thread per process in the C-simulation here:
//
//   INRARCH_DATAFLOW_BEGIN();
//   INRARCH_PROCESS("matmul_4", p_matmul_4, s_in, s_out, tiles);   // arguments must be lvalues
//   INRARCH_DATAFLOW_END();
//
// Under Vitis the calls run in program order (its csim runs each process to completion over
// unbounded streams), so processes are emitted in a topological order.
#pragma once

#include "inrarch_hls/stream.h"

#if INRARCH_VITIS

#define INRARCH_DATAFLOW_BEGIN()
#define INRARCH_PROCESS(NAME, FUNCTION, ...) FUNCTION(__VA_ARGS__)
#define INRARCH_DATAFLOW_END()

#else

#define INRARCH_DATAFLOW_BEGIN() ::inrarch_hls::csim::Dataflow inrarch_dataflow_region
#define INRARCH_PROCESS(NAME, FUNCTION, ...) inrarch_dataflow_region.process(NAME, FUNCTION, __VA_ARGS__)
#define INRARCH_DATAFLOW_END() inrarch_dataflow_region.join()

#endif
