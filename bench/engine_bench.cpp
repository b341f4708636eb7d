// Throughput of the CPU engine on the SIREN forward pass (2 -> 256 x4 -> 3, the paper model), next
// to what its building blocks reach on their own in the same run: Eigen's single-precision GEMM at
// width 256 (the matmul roofline the engine can approach) and the vectorized sine against libm's.
//   ./build/release/bench/engine_bench [--benchmark_filter=Siren] [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

// GCC 12's false -Wmaybe-uninitialized in AVX-512 intrinsics under Eigen (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <random>

#include "exec/engine/engine.h"
#include "exec/engine/kernels.h"
#include "models/siren.h"

namespace inrarch {
namespace {

constexpr const char* kSpec = "siren:in=2,out=3,width=256,hidden=3,omega=30,seed=0";

// On a shared machine the fastest repetition is the one least disturbed by other work.
double fastest(const std::vector<double>& times) { return *std::min_element(times.begin(), times.end()); }

Tensor random_coords(int64_t points) {
  std::mt19937_64 random(1);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  Tensor coords({points, 2});
  for (double& value : coords.data) value = uniform(random);
  return coords;
}

// Arguments: points, threads (0: all), tile points (0: the engine's choice), 64 for double.
void SirenForward(benchmark::State& state) {
  const auto spec = models::parse_siren_spec(kSpec);
  const ir::Graph graph = models::build_siren(spec, models::init_siren(spec));
  const int64_t points = state.range(0);
  exec::Engine engine = exec::Engine::compile(
      graph, {.dtype = state.range(3) == 64 ? ir::DType::F64 : ir::DType::F32,
              .threads = static_cast<int>(state.range(1)),
              .tile_points = state.range(2)});
  const std::map<std::string, Tensor> inputs = {{"coords", random_coords(points)}};
  for (auto _ : state) benchmark::DoNotOptimize(engine.run(inputs));
  const double flops = 2.0 * static_cast<double>(ir::matmul_macs_per_point(graph) * points);
  state.counters["matmul_flops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["points"] = benchmark::Counter(static_cast<double>(points), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["tile"] = static_cast<double>(engine.tile_points());
  state.counters["threads"] = engine.threads();
}
BENCHMARK(SirenForward)
    ->ArgNames({"points", "threads", "tile", "bits"})
    ->Args({64, 0, 0, 32})
    ->Args({4096, 0, 0, 32})
    ->Args({65536, 0, 0, 32})
    ->Args({4096, 1, 0, 32})
    ->Args({65536, 1, 0, 32})
    ->Args({65536, 1, 64, 32})
    ->Args({65536, 1, 128, 32})
    ->Args({65536, 1, 256, 32})
    ->Args({65536, 1, 1024, 32})
    ->Args({65536, 1, 4096, 32})
    ->Args({4096, 0, 0, 64})
    ->Args({65536, 0, 0, 64})
    ->UseRealTime()
    ->MeasureProcessCPUTime()  // CPU time of all threads: a shared machine's wall time says little
    ->ComputeStatistics("min", fastest)
    ->Unit(benchmark::kMillisecond);

// C[rows, 256] = A[rows, 256] * B[256, 256]^T on one thread: the engine's per-layer product.
template <typename T>
void EigenGemm256(benchmark::State& state) {
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Index rows = state.range(0);
  const Matrix a = Matrix::Random(rows, 256);
  const Matrix b = Matrix::Random(256, 256);
  Matrix c(rows, 256);
  for (auto _ : state) {
    c.noalias() = a * b.transpose();
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["flops"] =
      benchmark::Counter(2.0 * static_cast<double>(rows) * 256 * 256, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(EigenGemm256<float>)
    ->ArgName("rows")
    ->Arg(256)
    ->Arg(1024)
    ->Arg(4096)
    ->ComputeStatistics("min", fastest)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(EigenGemm256<double>)->ArgName("rows")->Arg(1024)->ComputeStatistics("min", fastest)->Unit(benchmark::kMicrosecond);

std::vector<float> sine_arguments() {
  std::vector<float> x(4096);
  std::mt19937 random(2);
  std::uniform_real_distribution<float> uniform(-100.0f, 100.0f);
  for (float& value : x) value = uniform(random);
  return x;
}

void SineEngine(benchmark::State& state) {
  const std::vector<float> x = sine_arguments();
  std::vector<float> y(x.size());
  for (auto _ : state) {
    exec::engine::sin_array(x.data(), y.data(), static_cast<int64_t>(x.size()));
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["elements"] = benchmark::Counter(static_cast<double>(x.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(SineEngine)->ComputeStatistics("min", fastest);

void SineLibm(benchmark::State& state) {
  const std::vector<float> x = sine_arguments();
  std::vector<float> y(x.size());
  for (auto _ : state) {
    for (size_t i = 0; i < x.size(); ++i) y[i] = std::sin(x[i]);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["elements"] = benchmark::Counter(static_cast<double>(x.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(SineLibm)->ComputeStatistics("min", fastest);

}  // namespace
}  // namespace inrarch

BENCHMARK_MAIN();
