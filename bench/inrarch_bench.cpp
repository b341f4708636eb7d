// One benchmark point for bench/run.py: all derivatives up to order N at P points of a model, on
// the fast engine, timed R times, with Eigen's sgemm of the model's own matmul size measured in
// the same process so the two share the machine's state. Prints one JSON line (bench/README.md).
//   build/release/bench/inrarch_bench --model SPEC --points P --order N --method taylor --threads T --repeats R
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 + Eigen AVX-512, GCC bug 105593
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "autodiff/derive.h"
#include "exec/engine/engine.h"
#include "exec/engine/thread_pool.h"
#include "models/model.h"
#include "passes/pipeline.h"

namespace inrarch {
namespace {

using Clock = std::chrono::steady_clock;
using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : 0.5 * (values[middle - 1] + values[middle]);
}

// GFLOPS of [rows, width] x [width, width] in float, rows split over the threads of a pool made
// beforehand, as the engine splits points, best of a few runs.
double sgemm_gflops(int64_t rows, int64_t width, int threads) {
  const RowMajor a = RowMajor::Random(rows, width);
  const RowMajor b = RowMajor::Random(width, width);
  RowMajor c(rows, width);
  exec::engine::ThreadPool pool(threads);
  const int64_t per_thread = (rows + threads - 1) / threads;
  double best_ms = 1e300;
  for (int run = 0; run < 5; ++run) {
    const auto start = Clock::now();
    pool.parallel_for(threads, [&](int64_t t, int) {
      const int64_t first = t * per_thread;
      const int64_t count = std::min(per_thread, rows - first);
      if (count > 0) c.middleRows(first, count).noalias() = a.middleRows(first, count) * b;
    });
    best_ms = std::min(best_ms, milliseconds_since(start));
  }
  return 2.0 * static_cast<double>(rows * width * width) / (best_ms * 1e6);
}

// Resident now; the difference to the later peak over-counts rather than under-counts the growth.
double current_rss_mb() {
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0, resident_pages = 0;
  statm >> size_pages >> resident_pages;
  return static_cast<double>(resident_pages * sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace
}  // namespace inrarch

int main(int argc, char** argv) {
  using namespace inrarch;
  std::string model = "siren:in=2,out=3,width=256,hidden=3,omega=30,seed=0";
  std::string method = "taylor";
  int64_t points = 4096;
  int order = 1;
  int threads = 0;
  int repeats = 10;
  CLI::App app{"inrarch_bench: time one derivative workload on the fast engine (bench/README.md)"};
  app.add_option("--model", model)->capture_default_str();
  app.add_option("--points", points)->check(CLI::Range(int64_t{1}, int64_t{1} << 24))->capture_default_str();
  app.add_option("--order", order)->check(CLI::Range(0, 12))->capture_default_str();
  app.add_option("--method", method)->check(CLI::IsMember({"taylor", "nested"}))->capture_default_str();
  app.add_option("--threads", threads, "0: all cores")->check(CLI::Range(0, 1024))->capture_default_str();
  app.add_option("--repeats", repeats)->check(CLI::Range(1, 100000))->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    const ir::Graph forward = models::load_model(model, ir::DType::F32);
    autodiff::DeriveSpec spec;
    spec.order = order;
    spec.method = method == "taylor" ? autodiff::Method::Taylor : autodiff::Method::Nested;
    const ir::Graph graph = passes::optimize(autodiff::derive(forward, spec));
    const double rss_before_engine_mb = current_rss_mb();
    exec::Engine engine = exec::Engine::compile(graph, {.dtype = ir::DType::F32, .threads = threads});
    const ir::NodeId coords = autodiff::coordinate_input(forward, "");
    const int64_t dims = forward.node(coords).shape[1];
    std::mt19937_64 random(7);
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    Tensor inputs({points, dims});
    for (double& value : inputs.data) value = uniform(random);
    const std::map<std::string, Tensor> feed = {{forward.node(coords).attrs.name, inputs}};

    engine.run(feed);  // warm-up: page in the arenas, start the workers
    std::vector<double> times;
    for (int r = 0; r < repeats; ++r) {
      const auto start = Clock::now();
      const auto outputs = engine.run(feed);
      times.push_back(milliseconds_since(start));
      if (outputs.empty()) return 1;
    }
    // Work counted: the matmuls' multiply-adds (2 flops each); the elementwise Taylor rules are
    // left out, so GFLOPS here is a lower bound comparable to sgemm's.
    const double flops = 2.0 * static_cast<double>(ir::matmul_macs_per_point(graph)) * static_cast<double>(points);
    const double median_ms = median(times);
    int64_t width = 0;
    for (const auto& node : graph.nodes()) {
      if (node.op == ir::Op::MatMul) width = std::max(width, graph.node(node.inputs[1]).shape[0]);
    }
    const double rss_mb = peak_rss_mb();
    const auto memory = engine.memory_report(engine.batch_coupled() ? points : 0);
    const auto megabytes = [](int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); };
    // The least memory any plan of this graph needs: every worker's largest live set, plus the
    // constants. The plan's memory is its arenas plus the same constants.
    const double minimal_mb = megabytes(memory.working_set_bytes * memory.workers + memory.static_bytes);
    nlohmann::json result = {
        {"median_ms", median_ms},
        {"min_ms", *std::min_element(times.begin(), times.end())},
        {"gflops", flops / (median_ms * 1e6)},
        {"peak_rss_mb", rss_mb},
        {"sgemm_gflops", sgemm_gflops(points, width, engine.threads())},
        {"working_set_mb", megabytes(memory.working_set_bytes * memory.workers)},
        {"arena_mb", megabytes(memory.arena_bytes * memory.workers)},
        {"plan_memory_ratio", megabytes(memory.arena_bytes * memory.workers + memory.static_bytes) / minimal_mb},
        // What the process grew by from just before the engine was compiled: the plan, its
        // arenas, the thread stacks and this call's output tensors.
        {"rss_growth_ratio", (rss_mb - rss_before_engine_mb) / minimal_mb},
        {"threads", engine.threads()},
        {"tile_points", engine.tile_points()},
    };
    std::printf("%s\n", result.dump().c_str());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "inrarch_bench: error: %s\n", error.what());
    return 2;
  }
  return 0;
}
