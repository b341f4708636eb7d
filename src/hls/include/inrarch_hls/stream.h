// Streams between dataflow processes. One source serves synthesis and the C-simulation here, as
// in hlslib: under Vitis HLS (INRARCH_VITIS, see config.h)
// Stream<T> is hls::stream<T>; otherwise it is a bounded blocking FIFO with exactly the depth the
// hardware FIFO gets, watched by the deadlock detector of csim_runtime.h.
//
// INRARCH_STREAM(TYPE, VAR, DEPTH) declares a stream and its FIFO depth. Under Vitis it expands to
// `hls::stream<TYPE> VAR; #pragma HLS stream variable=VAR depth=DEPTH`, written through _Pragma
// with one level of macro indirection as UG1399 ("Using Constants with Pragmas") prescribes;
// DEPTH is a constant from the generated depth table (stream_depths.h), which UG1399 allows in a
// pragma's depth option. TYPE must not contain a comma (use a typedef).
#pragma once

#include "inrarch_hls/config.h"

#define INRARCH_PRAGMA_SUB(x) _Pragma(#x)
#define INRARCH_PRAGMA(x) INRARCH_PRAGMA_SUB(x)

#if INRARCH_VITIS

#include <hls_stream.h>

namespace inrarch_hls {
template <typename T>
using Stream = hls::stream<T>;
}  // namespace inrarch_hls

// The pragma text must read "variable=VAR depth=DEPTH" (clang-format would space the "=").
// clang-format off
#define INRARCH_STREAM(TYPE, VAR, DEPTH) \
  hls::stream<TYPE> VAR(#VAR);           \
  INRARCH_PRAGMA(HLS stream variable=VAR depth=DEPTH)
// clang-format on

#else

#include "inrarch_hls/csim_runtime.h"

namespace inrarch_hls {

template <typename T>
class Stream : public csim::StreamBase {
 public:
  Stream(const char* name, int depth) : StreamBase(name, depth, csim::ElementsPerItem<T>::value) {}

  T read() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (queue_.empty()) {
      BlockedGuard blocked(this, csim::Access::Read);
      not_empty_.wait(lock, [this] { return !queue_.empty(); });
    }
    T value = queue_.front();
    queue_.pop_front();
    count_access(csim::Access::Read);
    not_full_.notify_one();
    return value;
  }

  void write(const T& value) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (queue_.size() >= static_cast<size_t>(depth())) {
      BlockedGuard blocked(this, csim::Access::Write);
      not_full_.wait(lock, [this] { return queue_.size() < static_cast<size_t>(depth()); });
    }
    queue_.push_back(value);
    count_access(csim::Access::Write);
    not_empty_.notify_one();
  }

  bool empty() { return size() == 0; }
  bool full() { return size() >= static_cast<size_t>(depth()); }

 private:
  size_t size_locked() const override { return queue_.size(); }
  std::deque<T> queue_;
};

}  // namespace inrarch_hls

#define INRARCH_STREAM(TYPE, VAR, DEPTH) ::inrarch_hls::Stream<TYPE> VAR(#VAR, DEPTH)

#endif
