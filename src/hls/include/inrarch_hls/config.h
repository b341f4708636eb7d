// INRARCH_VITIS is 1 when the Vitis HLS headers are in use: during synthesis (__SYNTHESIS__), or
// when a user builds with -DINRARCH_USE_VITIS_HEADERS (Vitis csim/cosim, see run_hls.tcl). Then
// streams are hls::stream, data_t = ap_fixed is the real type, and math comes from hls_math.h.
// Otherwise the software models of this library stand in: the threaded bounded-FIFO shim, the
// Fixed<W, I> emulation, and <cmath>.
#pragma once

#if defined(__SYNTHESIS__) || defined(INRARCH_USE_VITIS_HEADERS)
#define INRARCH_VITIS 1
#else
#define INRARCH_VITIS 0
#endif
