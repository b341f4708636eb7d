#include "exec/engine/engine.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <thread>

#include "exec/engine/kernels.h"
#include "exec/engine/plan.h"
#include "exec/engine/thread_pool.h"
#include "exec/reference.h"

namespace inrarch::exec {
namespace {

using engine::Dims;
using engine::Group;
using engine::kPhaseCount;
using engine::Layout;
using engine::LeafKind;
using engine::Phase;
using engine::Plan;
using engine::StepKind;
using ir::NodeId;

// Elements per register of a fused group: a few registers of this size stay in the L1 cache.
constexpr int64_t kChunk = 512;

size_t at(int64_t index) { return static_cast<size_t>(index); }
size_t at(Phase phase) { return static_cast<size_t>(phase); }

int batch_axis_of(const ir::Shape& shape) {
  const auto found = std::find(shape.begin(), shape.end(), ir::kBatch);
  return found == shape.end() ? -1 : static_cast<int>(found - shape.begin());
}

int normalized_axis(int64_t axis, int rank) { return static_cast<int>(axis < 0 ? axis + rank : axis); }

// Uninitialised, 64-byte aligned memory that only grows.
template <typename T>
class Buffer {
 public:
  T* data() const { return data_.get(); }
  void reserve(int64_t elements) {
    if (elements <= capacity_) return;
    const size_t bytes = (at(elements) * sizeof(T) + 63) / 64 * 64;
    T* memory = static_cast<T*>(std::aligned_alloc(64, bytes));
    if (!memory) throw std::bad_alloc();
    data_.reset(memory);
    capacity_ = elements;
  }

 private:
  struct Free {
    void operator()(T* memory) const { std::free(memory); }
  };
  std::unique_ptr<T, Free> data_;
  int64_t capacity_ = 0;
};

// Where the values of every phase live during one execution of a phase's steps.
template <typename T>
struct Frame {
  const Plan* plan = nullptr;
  std::array<T*, kPhaseCount> base{};
  std::array<const Layout*, kPhaseCount> layout{};
  T* scratch = nullptr;  // Plan::max_group_slots chunks
  const std::map<std::string, Tensor>* inputs = nullptr;
  int64_t batch = 0;       // points in this execution
  int64_t first_point = 0;  // of the whole batch

  T* at(NodeId id) const {
    const auto phase = static_cast<size_t>(plan->values[static_cast<size_t>(id)].phase);
    return base[phase] + layout[phase]->value_offsets[static_cast<size_t>(id)];
  }
  Dims dims(NodeId id) const { return engine::bind_dims(plan->graph.node(id).shape, batch); }
};

// The per-leaf state of a fused group while it walks its rows.
template <typename T>
struct LeafCursor {
  const T* base = nullptr;
  const T* row = nullptr;  // Scalar and Strided: this block's elements, or one repeated value
  T* slot = nullptr;       // the leaf's own chunk of scratch, for values it cannot point at
  bool repeat = false;     // `row` holds one value repeated, not consecutive elements
  bool periodic = false;   // Strided: depends on the last axis only (a bias row), same in every block
  std::array<int64_t, engine::kMaxRank> strides{};  // Strided: source stride per output axis, 0 if broadcast
};

// Runs a fused group chunk by chunk. A group with Strided leaves walks its output in blocks of whole
// rows: rows shorter than a chunk are gathered several to a block, so that narrow tensors ([N, 3])
// still run long vector loops; longer rows are split into chunks.
template <typename T>
void run_group(const Frame<T>& frame, const Group& group) {
  const Dims out_dims = frame.dims(group.root);
  const int64_t total = out_dims.count();
  if (total == 0) return;
  const int last = out_dims.rank - 1;
  const int64_t width = group.by_rows ? out_dims[last] : total;
  const int64_t rows = total / width;
  const int64_t rows_per_block = group.by_rows && width < kChunk ? kChunk / width : 1;
  const int64_t fill_length = std::min(kChunk, rows_per_block * width);
  T* const out = frame.at(group.root);
  T* const registers = frame.scratch;

  thread_local std::vector<LeafCursor<T>> cursors;
  cursors.assign(group.leaves.size(), LeafCursor<T>{});
  for (size_t k = 0; k < group.leaves.size(); ++k) {
    const engine::Leaf& leaf = group.leaves[k];
    LeafCursor<T>& cursor = cursors[k];
    cursor.base = frame.at(leaf.value);
    cursor.slot = registers + (at(group.registers) + k) * kChunk;
    if (leaf.kind == LeafKind::Scalar) {
      std::fill(cursor.slot, cursor.slot + fill_length, cursor.base[0]);
      cursor.row = cursor.slot;
      cursor.repeat = true;
    } else if (leaf.kind == LeafKind::Strided) {
      const Dims source = frame.dims(leaf.value);
      const int offset = out_dims.rank - source.rank;
      int64_t stride = 1;
      for (int a = source.rank; a-- > 0;) {
        if (source[a] != 1) cursor.strides[at(a + offset)] = stride;
        stride *= source[a];
      }
      cursor.periodic = std::all_of(cursor.strides.begin(), cursor.strides.begin() + last, [](int64_t s) { return s == 0; });
      cursor.repeat = rows_per_block == 1 && cursor.strides[at(last)] == 0;
    }
  }

  std::array<int64_t, engine::kMaxRank> index{};
  for (int64_t first_row = 0; first_row < rows; first_row += rows_per_block) {
    const int64_t block_rows = std::min(rows_per_block, rows - first_row);
    for (int64_t r = 0; r < block_rows; ++r) {
      for (size_t k = 0; k < group.leaves.size(); ++k) {
        LeafCursor<T>& cursor = cursors[k];
        if (group.leaves[k].kind != LeafKind::Strided || (cursor.periodic && first_row > 0 && rows_per_block > 1)) continue;
        int64_t source = 0;
        for (int a = 0; a < last; ++a) source += index[at(a)] * cursor.strides[at(a)];
        const T* from = cursor.base + source;
        if (rows_per_block > 1) {  // gather the row into the block
          T* to = cursor.slot + r * width;
          const int64_t step = cursor.strides[at(last)];
          for (int64_t j = 0; j < width; ++j) to[j] = from[j * step];
          cursor.row = cursor.slot;
        } else if (cursor.repeat) {
          std::fill(cursor.slot, cursor.slot + fill_length, *from);
          cursor.row = cursor.slot;
        } else {
          cursor.row = from;
        }
      }
      for (int a = last; a-- > 0;) {
        if (++index[at(a)] < out_dims[a]) break;
        index[at(a)] = 0;
      }
    }
    const int64_t block_length = block_rows * width;
    T* const block_out = out + first_row * width;
    for (int64_t begin = 0; begin < block_length; begin += kChunk) {
      const int64_t length = std::min(kChunk, block_length - begin);
      const auto operand = [&](const engine::Operand& operand) -> const T* {
        if (!operand.is_leaf) return registers + at(operand.index) * kChunk;
        const LeafCursor<T>& cursor = cursors[at(operand.index)];
        if (group.leaves[at(operand.index)].kind == LeafKind::Dense) return cursor.base + first_row * width + begin;
        return cursor.repeat ? cursor.row : cursor.row + begin;
      };
      for (const engine::Instruction& instruction : group.program) {
        T* target = instruction.target < 0 ? block_out + begin : registers + at(instruction.target) * kChunk;
        if (ir::is_elementwise_binary(instruction.op)) {
          engine::binary_array(instruction.op, operand(instruction.a), operand(instruction.b), target, length);
        } else {
          engine::unary_array(instruction.op, operand(instruction.a), static_cast<T>(instruction.scalar), target, length);
        }
      }
    }
  }
}

template <typename T>
void run_step(const Frame<T>& frame, const engine::Step& step) {
  const ir::Node& node = frame.plan->graph.node(step.node);
  T* const out = frame.at(step.node);
  const auto input = [&](size_t k) { return frame.at(node.inputs[k]); };
  const auto input_dims = [&](size_t k) { return frame.dims(node.inputs[k]); };
  const int rank = static_cast<int>(node.shape.size());
  switch (step.kind) {
    case StepKind::LoadInput: {
      const Tensor& tensor = frame.inputs->at(node.attrs.name);
      Dims full;
      full.rank = rank;
      std::copy(tensor.shape.begin(), tensor.shape.end(), full.size.begin());
      engine::load_points(tensor.data.data(), full, batch_axis_of(node.shape), frame.first_point, frame.batch, out);
      return;
    }
    case StepKind::LoadConstant:
      std::transform(node.data->begin(), node.data->end(), out, [](double value) { return static_cast<T>(value); });
      return;
    case StepKind::MatMul: {
      const engine::Epilogue& epilogue = step.epilogue;
      const ir::Node& product = frame.plan->graph.node(epilogue.matmul);
      const NodeId a = product.inputs[0];
      const NodeId b = product.inputs[1];
      engine::matmul(frame.at(a), frame.dims(a), product.attrs.trans_a, frame.at(b), frame.dims(b), product.attrs.trans_b,
                     epilogue.bias >= 0 ? frame.at(epilogue.bias) : nullptr, static_cast<T>(epilogue.scale), out);
      return;
    }
    case StepKind::Elementwise:
      run_group(frame, frame.plan->groups[at(step.group)]);
      return;
    case StepKind::Slice: {
      const int64_t start = node.attrs.ints[0];
      engine::slice_axis(input(0), input_dims(0), normalized_axis(node.attrs.axis, rank), start, node.attrs.ints[1] - start, out);
      return;
    }
    case StepKind::Gather:
      engine::gather_axis(input(0), input_dims(0), normalized_axis(node.attrs.axis, rank), std::span(node.attrs.ints), out);
      return;
    case StepKind::Concat: {
      std::vector<const T*> parts;
      std::vector<Dims> part_dims;
      for (size_t k = 0; k < node.inputs.size(); ++k) {
        parts.push_back(input(k));
        part_dims.push_back(input_dims(k));
      }
      engine::concat_axis(std::span<const T* const>(parts), std::span<const Dims>(part_dims),
                          normalized_axis(node.attrs.axis, rank), out);
      return;
    }
    case StepKind::Transpose:
      engine::transpose(input(0), input_dims(0), std::span(node.attrs.ints), out);
      return;
    case StepKind::ReduceSum: {
      const Dims from = input_dims(0);
      std::array<bool, engine::kMaxRank> reduced{};
      for (int64_t axis : node.attrs.ints) reduced[at(normalized_axis(axis, from.rank))] = true;
      engine::reduce_sum(input(0), from, reduced, out);
      return;
    }
  }
}

template <typename T>
void execute(const Frame<T>& frame, Phase phase) {
  for (const engine::Step& step : frame.plan->schedules[at(phase)].steps) run_step(frame, step);
}

int64_t level2_cache_bytes() {
  const long bytes = sysconf(_SC_LEVEL2_CACHE_SIZE);
  return bytes > 0 ? bytes : int64_t{1} << 20;
}

// The plan run in one element type: the arenas and the tile loop.
template <typename T>
class Runtime {
 public:
  using Element = T;

  Runtime(const Plan& plan, engine::ThreadPool& pool, int64_t tile_points)
      : plan_(plan), pool_(pool), fixed_tile_(tile_points > 0) {
    static_layout_ = engine::lay_out(plan_, Phase::Static, 1);
    static_arena_.reserve(static_layout_.arena_elements);
    prelude_layout_ = engine::lay_out(plan_, Phase::Prelude, 1);
    prelude_arena_.reserve(prelude_layout_.arena_elements);
    workers_.resize(at(pool_.size()));
    execute(frame_for(Phase::Static, static_layout_, workers_[0], nullptr), Phase::Static);
    tile_points_ = fixed_tile_ ? tile_points : default_tile_points();
  }

  int64_t tile_points() const { return tile_points_; }
  const Layout& static_layout() const { return static_layout_; }
  const Layout& prelude_layout() const { return prelude_layout_; }

  std::vector<Tensor> run(const std::map<std::string, Tensor>& inputs) {
    const int64_t points = bind_batch(plan_.graph, inputs);
    if (main_layouts_.size() > 8) main_layouts_.clear();  // layouts of earlier batch sizes
    std::vector<Tensor> results;
    for (const auto& output : plan_.graph.outputs()) {
      results.emplace_back(bound_shape(output.node, points));
    }
    Frame<T> prelude = frame_for(Phase::Prelude, prelude_layout_, workers_[0], &inputs);
    execute(prelude, Phase::Prelude);
    store_outputs(prelude, {Phase::Static, Phase::Prelude}, points, results);

    if (plan_.batch_coupled) {
      const Layout& layout = main_layout(points);
      const Frame<T> frame = frame_for(Phase::Main, layout, workers_[0], &inputs);
      execute(frame, Phase::Main);
      store_outputs(frame, {Phase::Main}, points, results);
      return results;
    }
    const int64_t tile = std::max<int64_t>(1, fixed_tile_ ? tile_points_ : balanced_tile(points));
    const int64_t tiles = (points + tile - 1) / tile;
    const Layout& full = main_layout(tile);
    const Layout& rest = main_layout(points % tile == 0 ? tile : points % tile);
    for (Worker& worker : workers_) reserve(worker, std::max(full.arena_elements, rest.arena_elements));
    pool_.parallel_for(tiles, [&](int64_t index, int worker) {
      const int64_t first = index * tile;
      const int64_t count = std::min(tile, points - first);
      Frame<T> frame = frame_for(Phase::Main, count == tile ? full : rest, workers_[at(worker)], &inputs);
      frame.first_point = first;
      execute(frame, Phase::Main);
      store_outputs(frame, {Phase::Main}, points, results);
    });
    return results;
  }


 private:
  // Cached by batch size; references stay valid until the next run starts.
  const Layout& main_layout(int64_t batch) {
    auto found = main_layouts_.find(batch);
    if (found != main_layouts_.end()) return found->second;
    return main_layouts_.emplace(batch, engine::lay_out(plan_, Phase::Main, batch)).first->second;
  }

  struct Worker {
    Buffer<T> arena;
    Buffer<T> scratch;
  };

  ir::Shape bound_shape(NodeId id, int64_t points) const {
    ir::Shape shape = plan_.graph.node(id).shape;
    for (auto& dim : shape) dim = dim == ir::kBatch ? points : dim;
    return shape;
  }

  void reserve(Worker& worker, int64_t arena_elements) {
    worker.arena.reserve(arena_elements);
    worker.scratch.reserve(plan_.max_group_slots * kChunk);
  }

  Frame<T> frame_for(Phase phase, const Layout& layout, Worker& worker, const std::map<std::string, Tensor>* inputs) {
    reserve(worker, phase == Phase::Main ? layout.arena_elements : 0);
    Frame<T> frame;
    frame.plan = &plan_;
    frame.base = {static_arena_.data(), prelude_arena_.data(), worker.arena.data()};
    frame.layout = {&static_layout_, &prelude_layout_, phase == Phase::Main ? &layout : nullptr};
    frame.scratch = worker.scratch.data();
    frame.inputs = inputs;
    frame.batch = layout.batch;
    return frame;
  }

  // Copies the outputs computed in `phases` from `frame` into the results: the frame's points of a
  // per-point output, all of any other.
  void store_outputs(const Frame<T>& frame, std::initializer_list<Phase> phases, int64_t points,
                     std::vector<Tensor>& results) const {
    const auto& outputs = plan_.graph.outputs();
    for (size_t k = 0; k < outputs.size(); ++k) {
      const NodeId id = outputs[k].node;
      const Phase phase = plan_.values[at(id)].phase;
      if (std::find(phases.begin(), phases.end(), phase) == phases.end()) continue;
      const ir::Shape& shape = plan_.graph.node(id).shape;
      const int batch_axis = phase == Phase::Main && !plan_.batch_coupled ? batch_axis_of(shape) : -1;
      engine::store_points(frame.at(id), engine::bind_dims(shape, points), batch_axis, frame.first_point, frame.batch,
                           results[k].data.data());
    }
  }

  // Largest tile whose arena stays within half the L2 cache, leaving the rest to the weights.
  int64_t default_tile_points() {
    constexpr int64_t kProbe = 256;
    const int64_t per_point = (main_layout(2 * kProbe).arena_elements - main_layout(kProbe).arena_elements) / kProbe;
    const int64_t budget = level2_cache_bytes() / 2 / static_cast<int64_t>(sizeof(T));
    const int64_t fit = per_point > 0 ? budget / per_point : 4096;
    return std::clamp<int64_t>(fit / 16 * 16, 16, 4096);
  }

  // A smaller tile when there are too few points to give every thread work.
  int64_t balanced_tile(int64_t points) const {
    const int64_t threads = pool_.size();
    const int64_t share = ((points + threads - 1) / threads + 15) / 16 * 16;
    return std::min(tile_points_, std::max<int64_t>(share, 16));
  }

  const Plan& plan_;
  engine::ThreadPool& pool_;
  bool fixed_tile_;
  int64_t tile_points_ = 0;
  Layout static_layout_;
  Layout prelude_layout_;
  Buffer<T> static_arena_;
  Buffer<T> prelude_arena_;
  std::map<int64_t, Layout> main_layouts_;
  std::vector<Worker> workers_;
};

}  // namespace

struct Engine::Impl {
  EngineOptions options;
  Plan plan;
  std::unique_ptr<engine::ThreadPool> pool;
  std::unique_ptr<Runtime<float>> f32;  // exactly one of the two exists
  std::unique_ptr<Runtime<double>> f64;

  template <typename Visit>
  decltype(auto) visit(Visit visit_runtime) const {
    return f32 ? visit_runtime(*f32) : visit_runtime(*f64);
  }
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;
Engine::~Engine() = default;

Engine Engine::compile(const ir::Graph& graph, const EngineOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (impl->options.threads <= 0) impl->options.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  impl->plan = engine::make_plan(graph);
  impl->pool = std::make_unique<engine::ThreadPool>(impl->plan.batch_coupled ? 1 : impl->options.threads);
  if (options.dtype == ir::DType::F64) {
    impl->f64 = std::make_unique<Runtime<double>>(impl->plan, *impl->pool, options.tile_points);
  } else {
    impl->f32 = std::make_unique<Runtime<float>>(impl->plan, *impl->pool, options.tile_points);
  }
  return Engine(std::move(impl));
}

std::vector<Tensor> Engine::run(const std::map<std::string, Tensor>& inputs) {
  return impl_->visit([&](auto& runtime) { return runtime.run(inputs); });
}

MemoryReport Engine::memory_report(int64_t points) const {
  return impl_->visit([&](const auto& runtime) {
    const auto element = static_cast<int64_t>(sizeof(typename std::decay_t<decltype(runtime)>::Element));
    const Plan& plan = impl_->plan;
    MemoryReport report;
    report.points = points > 0 ? points : runtime.tile_points();
    const Layout layout = engine::lay_out(plan, Phase::Main, report.points);
    report.arena_bytes = layout.arena_elements * element;
    report.working_set_bytes = layout.working_set_elements * element;
    report.unshared_bytes = layout.unshared_elements * element;
    report.static_bytes = (runtime.static_layout().arena_elements + runtime.prelude_layout().arena_elements) * element;
    report.workers = impl_->pool->size();
    report.batch_coupled = plan.batch_coupled;
    for (const engine::Step& step : plan.schedules[at(Phase::Main)].steps) {
      ++report.steps;
      report.fused_groups += step.kind == StepKind::Elementwise;
      report.epilogues += step.kind == StepKind::MatMul && step.epilogue.matmul != step.node;
    }
    for (const engine::Value& value : plan.values) {
      report.views += value.phase == Phase::Main && value.residence == engine::Residence::View;
    }
    return report;
  });
}

int Engine::threads() const { return impl_->pool->size(); }
int64_t Engine::tile_points() const {
  return impl_->visit([](auto& runtime) { return runtime.tile_points(); });
}
bool Engine::batch_coupled() const { return impl_->plan.batch_coupled; }
ir::DType Engine::dtype() const { return impl_->options.dtype; }

}  // namespace inrarch::exec
