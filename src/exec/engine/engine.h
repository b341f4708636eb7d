// The fast CPU engine: runs any ir::Graph on many points, in float (default) or double.
//
// The reference evaluator is an obvious double interpreter; this is what runs real workloads. It
// compiles a graph once into a plan (exec/engine/plan.h): values that depend only on constants are
// computed at compile time; chains of elementwise ops are fused into one cache-resident pass;
// Reshape and leading-axis Slice are views, not copies; buffers share one arena by liveness. Since
// INR graphs are per-point functions, the points are split into cache-sized tiles that run in
// parallel on all cores, each tile through the whole graph. A graph that couples points (a sum over
// the batch, a matmul contracting it) runs on all points at once instead, on one core.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/tensor.h"

namespace inrarch::exec {

struct EngineOptions {
  ir::DType dtype = ir::DType::F32;  // the arithmetic inside; the graph's own dtype is not consulted
  int threads = 0;                   // 0: all hardware threads
  int64_t tile_points = 0;           // 0: as many as keep a tile's arena within half the L2 cache
};

// Figures of one worker's arena for a tile of `points` points, in bytes.
struct MemoryReport {
  int64_t points = 0;             // a full tile; all points when the graph is batch coupled
  int64_t arena_bytes = 0;        // the arena as laid out
  int64_t working_set_bytes = 0;  // most bytes live at one step: no layout can use less
  int64_t unshared_bytes = 0;     // every buffer of its own: what no reuse would take
  int64_t static_bytes = 0;       // values computed at compile time, shared by all workers
  int workers = 0;                // arenas that exist at once
  bool batch_coupled = false;
  int steps = 0;                  // kernels run per tile
  int fused_groups = 0;           // of which fused elementwise passes
  int epilogues = 0;              // of which matmuls with the following bias add and/or scale folded in
  int views = 0;                  // values that are views instead of copies
};

class Engine {
 public:
  // Throws ir::Error if the graph fails ir::verify or has a rank above 8.
  static Engine compile(const ir::Graph& graph, const EngineOptions& options = {});

  // The graph's outputs, in order. Inputs are bound as by evaluate_reference (same checks, same
  // ir::Error). Not safe to call concurrently on one engine: the arenas are reused between runs.
  std::vector<Tensor> run(const std::map<std::string, Tensor>& inputs);

  // points = 0: the figures for the engine's tile size. The arena of a batch-coupled graph holds all
  // points at once: pass the number of points to see it.
  MemoryReport memory_report(int64_t points = 0) const;

  int threads() const;  // 1 for a batch-coupled graph
  int64_t tile_points() const;
  bool batch_coupled() const;
  ir::DType dtype() const;

  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;
  ~Engine();

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace inrarch::exec
