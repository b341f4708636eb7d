// Fork: copies one stream to several consumers. Fan-out is explicit in the process network
// because an hls::stream has exactly one reader (UG1399, dataflow "single-producer-consumer"
// rule). A fork stalls while any of its outputs is full, which is what couples the branches of a
// fork/join: a branch that buffers a whole tile (a matmul) starves while the other branch's FIFO
// is full, unless that FIFO can hold the tile.
#pragma once

#include "inrarch_hls/array_stream.h"

namespace inrarch_hls {

template <typename Item>
void write_all(const Item&) {}

template <typename Item, typename... Rest>
void write_all(const Item& item, Stream<Item>& first, Rest&... rest) {
#pragma HLS INLINE
  first.write(item);
  write_all(item, rest...);
}

// ITEMS: beats per tile.
template <typename Item, int ITEMS, typename... Outputs>
void fork(Stream<Item>& in, int tiles, Outputs&... outputs) {
  for (int i = 0; i < tiles * ITEMS; ++i) {
#pragma HLS PIPELINE II=1
    const Item item = in.read();
    write_all(item, outputs...);
  }
}

}  // namespace inrarch_hls
