// Array streams: a tensor travels as its elements in row-major order, B elements per FIFO beat
// (a Block). Every stream of the process network carries whole tiles of K points, and B divides
// the innermost dimension, so a beat never straddles two tiles.
//
// Elementwise kernels work on whole blocks (B lanes per cycle). Kernels that reorder or buffer
// data read and write single elements through ElementReader / ElementWriter, which fetch or emit
// a block every B elements; their state persists across loop iterations, so any B works.
#pragma once

#include "inrarch_hls/stream.h"

namespace inrarch_hls {

template <typename T, int B>
struct Block {
  T data[B];
};

template <typename T, int B>
using ArrayStream = Stream<Block<T, B> >;

#if !INRARCH_VITIS
namespace csim {
template <typename T, int B>
struct ElementsPerItem<Block<T, B> > {
  static const int value = B;
};
}  // namespace csim
#endif

template <typename T, int B>
class ElementReader {
 public:
  explicit ElementReader(ArrayStream<T, B>& stream) : stream_(stream), position_(B) {}
  T read() {
    if (position_ == B) {
      block_ = stream_.read();
      position_ = 0;
    }
    return block_.data[position_++];
  }

 private:
  ArrayStream<T, B>& stream_;
  Block<T, B> block_;
  int position_;
};

template <typename T, int B>
class ElementWriter {
 public:
  explicit ElementWriter(ArrayStream<T, B>& stream) : stream_(stream), position_(0) {}
  void write(const T& value) {
    block_.data[position_++] = value;
    if (position_ == B) {
      stream_.write(block_);
      position_ = 0;
    }
  }

 private:
  ArrayStream<T, B>& stream_;
  Block<T, B> block_;
  int position_;
};

}  // namespace inrarch_hls
