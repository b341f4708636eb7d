#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "dataflow/lower.h"
#include "exec/reference.h"
#include "hls/codegen.h"
#include "hls/include/inrarch_hls/fixed.h"
#include "hls/taylor_sine_table.h"
#include "hls_test_graphs.h"
#include "models/siren.h"

namespace inrarch {
namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
  double seconds = 0;
};

CommandResult run(const std::string& command) {
  CommandResult result;
  const auto start = std::chrono::steady_clock::now();
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::vector<double> read_values(const fs::path& file) {
  std::ifstream in(file);
  std::vector<double> values;
  for (double v; in >> v;) values.push_back(v);
  return values;
}

// A generated project in a scratch directory, compiled quickly (-O1) and strictly (-Werror).
class Project {
 public:
  Project(const std::string& name, const ir::Graph& graph, const dataflow::LowerOptions& lowering,
          const hls::ProjectOptions& options)
      : directory_(fs::temp_directory_path() / ("inrarch_hls_test_" + name + "_" + std::to_string(getpid()))),
        graph_(graph),
        network_(dataflow::lower(graph, lowering)) {
    fs::remove_all(directory_);
    hls::write_project(graph, network_, options, directory_);
  }
  ~Project() {
    if (!::testing::Test::HasFailure()) fs::remove_all(directory_);
  }

  void build() const {
    const CommandResult make = run("make -C " + directory_.string() +
                         " csim OPT=-O1 WARNINGS='-Wall -Wextra -Wno-unknown-pragmas -Werror'");
    ASSERT_EQ(make.status, 0) << make.output;
  }
  CommandResult simulate(const std::string& arguments = "", const std::string& environment = "") const {
    return run("cd " + directory_.string() + " && " + environment + " ./csim_model " + arguments);
  }
  const fs::path& directory() const { return directory_; }
  const dataflow::Network& network() const { return network_; }

  // Largest |csim - reference| per output, with the reference evaluator run here on the inputs
  // the testbench used; also checks the sizes.
  std::map<std::string, double> errors(double* largest_magnitude = nullptr) const {
    std::map<std::string, Tensor> inputs;
    for (ir::NodeId id : graph_.inputs()) {
      const ir::Node& node = graph_.node(id);
      const auto values = read_values(directory_ / ("csim_input_" + node.attrs.name + ".txt"));
      ir::Shape shape = node.shape;
      const int64_t points = static_cast<int64_t>(values.size()) / ir::element_count(shape);
      for (auto& dim : shape) dim = dim == ir::kBatch ? points : dim;
      inputs[node.attrs.name] = Tensor(shape, values);
    }
    const auto expected = exec::evaluate_reference(graph_, inputs);
    std::map<std::string, double> result;
    for (size_t k = 0; k < graph_.outputs().size(); ++k) {
      const auto actual = read_values(directory_ / ("csim_output_" + graph_.outputs()[k].name + ".txt"));
      EXPECT_EQ(actual.size(), expected[k].data.size());
      double error = 0, magnitude = 0;
      for (size_t i = 0; i < actual.size() && i < expected[k].data.size(); ++i) {
        error = std::max(error, std::fabs(actual[i] - expected[k].data[i]));
        magnitude = std::max(magnitude, std::fabs(expected[k].data[i]));
      }
      result[graph_.outputs()[k].name] = error;
      if (largest_magnitude) *largest_magnitude = std::max(*largest_magnitude, magnitude);
    }
    return result;
  }

 private:
  fs::path directory_;
  const ir::Graph& graph_;
  dataflow::Network network_;
};

// ---------------------------------------------------------------------------------------------
// The fixed-point model against integer arithmetic written independently (floor division and
// modular reduction on plain integers instead of shifts and masks on 128-bit raws).

int64_t floor_div(int64_t a, int64_t b) { return (a - ((a % b) + b) % b) / b; }
int64_t wrap_bits(int64_t value, int bits) {
  const int64_t modulus = int64_t{1} << bits;
  const int64_t low = ((value % modulus) + modulus) % modulus;
  return low >= modulus / 2 ? low - modulus : low;
}

using Q8 = inrarch_hls::Fixed<8, 4>;  // 4 fraction bits, range [-8, 8)

TEST(HlsFixedPoint, ArithmeticOnEveryPairOfEightBitValues) {
  for (int64_t a = -128; a < 128; ++a) {
    for (int64_t b = -128; b < 128; ++b) {
      const Q8 x = Q8::from_raw(a), y = Q8::from_raw(b);
      ASSERT_EQ(static_cast<int64_t>(Q8(x + y).raw()), wrap_bits(a + b, 8)) << a << " + " << b;
      ASSERT_EQ(static_cast<int64_t>(Q8(x - y).raw()), wrap_bits(a - b, 8)) << a << " - " << b;
      // The product is exact (8 fraction bits); assigning truncates toward -inf, then wraps.
      ASSERT_EQ(static_cast<int64_t>(Q8(x * y).raw()), wrap_bits(floor_div(a * b, 16), 8)) << a << " * " << b;
      ASSERT_EQ((x * y).to_double(), static_cast<double>(a * b) / 256);
      if (b != 0) {  // the quotient keeps 4 fraction bits, integer division truncates toward zero
        ASSERT_EQ(static_cast<int64_t>(Q8(x / y).raw()), wrap_bits((a * 16) / b, 8)) << a << " / " << b;
      }
      ASSERT_EQ(x < y, a < b);
      ASSERT_EQ(x == y, a == b);
    }
    ASSERT_EQ(static_cast<int64_t>(Q8(-Q8::from_raw(a)).raw()), wrap_bits(-a, 8));
  }
}

TEST(HlsFixedPoint, ConversionFromDoubleTruncatesTowardMinusInfinityAndWraps) {
  // Every multiple of 1/64 in [-625, 625]: 2 bits below the LSB, 78 times the range.
  for (int64_t k = -40000; k <= 40000; ++k) {
    const double value = static_cast<double>(k) / 64;
    ASSERT_EQ(static_cast<int64_t>(Q8(value).raw()), wrap_bits(floor_div(k, 4), 8)) << value;
  }
  // Requantizing a finer format is the same rule.
  using Q16 = inrarch_hls::Fixed<16, 6>;  // 10 fraction bits
  for (int64_t raw = -32768; raw < 32768; raw += 7) {
    ASSERT_EQ(static_cast<int64_t>(Q8(Q16::from_raw(raw)).raw()), wrap_bits(floor_div(raw, 64), 8)) << raw;
  }
}

TEST(HlsFixedPoint, ApFixed32_10EdgeCases) {
  using Q = inrarch_hls::Fixed<32, 10>;
  const double lsb = std::ldexp(1.0, -22);
  const auto raw_of = [](double value) {
    // floor(value * 2^22) as an integer (exact: |value * 2^22| < 2^62 here), then two's
    // complement wrap to 32 bits through an unsigned cast.
    const auto scaled = static_cast<int64_t>(std::floor(std::ldexp(value, 22)));
    return static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(scaled))));
  };
  for (double value : {0.0, 0.1, -0.1, 1e-9, -1e-9, lsb, -lsb, 0.5 * lsb, -0.5 * lsb, 511.9999997615814, 512.0,
                       513.25, -512.0, -512.0 - lsb, -700.125, 3.14159265358979, 1e12, -1e12, 123456.789}) {
    EXPECT_EQ(static_cast<int64_t>(Q(value).raw()), raw_of(value)) << value;
  }
  EXPECT_EQ(Q(512.0).to_double(), -512.0);
  EXPECT_EQ(Q(-1e-9).to_double(), -lsb);  // truncation toward -inf, not toward zero
  EXPECT_EQ(Q(1e-9).to_double(), 0.0);
  EXPECT_EQ(Q(Q(30.0) * Q(20.0)).to_double(), 600.0 - 1024.0);  // the product wraps on assignment
  // A multiply-accumulate keeps the product exact and truncates once, as acc = acc + x * w does.
  const Q acc = -0.3, x = 0.7, w = -0.9;
  const int64_t expected = wrap_bits(floor_div(static_cast<int64_t>(acc.raw()) * (int64_t{1} << 22) +
                                                   static_cast<int64_t>(x.raw()) * static_cast<int64_t>(w.raw()),
                                               int64_t{1} << 22),
                                     32);
  EXPECT_EQ(static_cast<int64_t>(Q(acc + x * w).raw()), expected);
}

// ---------------------------------------------------------------------------------------------
// Generated projects in C-simulation against the reference evaluator.

models::SirenSpec test_siren() {
  models::SirenSpec spec;
  spec.in = 2;
  spec.out = 3;
  spec.width = 16;
  spec.hidden = 2;
  spec.omega = 30;
  return spec;
}

hls::ProjectOptions project_options(const std::string& dtype, int64_t test_points) {
  hls::ProjectOptions options;
  options.number = hls::parse_number_format(dtype);
  options.model = "test";
  options.test_points = test_points;
  return options;
}

TEST(HlsCsim, ForwardSirenFloatMatchesTheReference) {
  const auto spec = test_siren();
  const ir::Graph graph = models::build_siren(spec, models::init_siren(spec));
  dataflow::LowerOptions lowering;
  lowering.tile_points = 8;
  const Project project("siren_float", graph, lowering, project_options("float", 20));  // 3 tiles, last partial
  project.build();
  const CommandResult csim = project.simulate();
  ASSERT_EQ(csim.status, 0) << csim.output;
  EXPECT_NE(csim.output.find("csim: PASS"), std::string::npos) << csim.output;
  double magnitude = 0;
  const double error = project.errors(&magnitude).at("output");
  EXPECT_LE(error, 1e-5 * std::max(1.0, magnitude)) << "max |golden| " << magnitude;
}

// A first-order a priori bound of |fixed - exact| for a SIREN computed in ap_fixed<W, I> with F
// fraction bits (u = 2^-F) by the generated kernels, from the actual weights:
//  - inputs and every weight and bias are truncated once: error <= u each;
//  - a matmul output sums n products, each exact, truncating the accumulator after every one
//    (<= n u), plus sum_i |W_ji| * (input error) and sum_i |h_i| u <= n u for the quantized
//    weights (|h_i| <= 1: coordinates in [-1, 1], sine outputs); the bias add is exact (+u for b);
//  - scaling by omega is exact (omega is representable) and multiplies the error by omega;
//  - sin is 1-Lipschitz, then truncated: + u.
// Values stay below 2^(I-1), so no wrap-around occurs (checked on the reference values).
double siren_fixed_bound(const models::SirenSpec& spec, const std::vector<models::DenseLayer>& layers, int fraction_bits) {
  const double u = std::ldexp(1.0, -fraction_bits);
  double error = u;
  for (size_t k = 0; k < layers.size(); ++k) {
    const auto& layer = layers[k];
    double worst = 0;
    for (int j = 0; j < layer.out; ++j) {
      double row = 0;
      for (int i = 0; i < layer.in; ++i) row += std::fabs(layer.weight[static_cast<size_t>(j * layer.in + i)]);
      worst = std::max(worst, row * error + 2.0 * layer.in * u + u);
    }
    error = k + 1 < layers.size() ? spec.omega * worst + u : worst;
  }
  return error;
}

TEST(HlsCsim, ForwardSirenFixedPointStaysWithinItsErrorBound) {
  const auto spec = test_siren();
  const auto layers = models::init_siren(spec);
  const ir::Graph graph = models::build_siren(spec, layers);
  dataflow::LowerOptions lowering;
  lowering.tile_points = 8;
  const Project project("siren_fixed", graph, lowering, project_options("fixed32_10", 16));
  project.build();
  const CommandResult csim = project.simulate();
  ASSERT_EQ(csim.status, 0) << csim.output;
  const double bound = siren_fixed_bound(spec, layers, 22);
  const double error = project.errors().at("output");
  EXPECT_LE(error, bound);
  // The design really computed in fixed point: every output is a multiple of 2^-22.
  for (double value : read_values(project.directory() / "csim_output_output.txt")) {
    EXPECT_EQ(std::ldexp(value, 22), std::floor(std::ldexp(value, 22))) << value;
  }
  std::printf("ap_fixed<32,10> forward SIREN: max error %.3e (a priori bound %.3e)\n", error, bound);
}

TEST(HlsCsim, DerivativeShapedGraphMatchesTheReference) {
  const ir::Graph graph = testing::build_derivative_like();
  dataflow::LowerOptions lowering;
  lowering.tile_points = 4;
  const Project project("derivative_like", graph, lowering, project_options("float", 10));
  project.build();
  const CommandResult csim = project.simulate();
  ASSERT_EQ(csim.status, 0) << csim.output;
  double magnitude = 0;
  for (const auto& [name, error] : project.errors(&magnitude)) EXPECT_LE(error, 1e-5 * std::max(1.0, magnitude)) << name;
}

// INR-Arch's Mm-vs-Cos fork/join: with depth-2 FIFOs the fork stalls on the full cos branch while
// the matmul still waits for the rest of its tile; with the fork-tile policy's depths it runs.
TEST(HlsCsim, ForkJoinDeadlocksWithShallowFifosAndTheReportNamesTheCycle) {
  const auto design = testing::build_fork_join(8);
  dataflow::LowerOptions lowering;
  lowering.tile_points = 8;
  const Project project("fork_join", design.graph, lowering, project_options("float", 16));
  project.build();

  const CommandResult sized = project.simulate();
  ASSERT_EQ(sized.status, 0) << sized.output;
  EXPECT_LE(project.errors().at("y"), 1e-5 * 8);

  const auto id = [](ir::NodeId node) { return std::to_string(node); };
  const std::string fork = "fork_" + id(design.sin), mm = "matmul_" + id(design.matmul), cos = "cos_" + id(design.cos),
                    add = "add_" + id(design.add);
  const std::string cycle = "csim: wait-for cycle: " + fork + " -> " + fork + "_to_" + cos + " -> " + cos + " -> " + cos +
                            "_to_" + add + " -> " + add + " -> " + mm + "_to_" + add + " -> " + mm + " -> " + fork +
                            "_to_" + mm + " -> " + fork + "\n";
  for (const auto& [arguments, environment] :
       std::vector<std::pair<std::string, std::string>>{{"--depth 2", ""}, {"", "INRARCH_CSIM_DEPTH=2"}}) {
    const CommandResult deadlocked = project.simulate(arguments, environment);
    EXPECT_EQ(deadlocked.status, 3) << deadlocked.output;
    EXPECT_NE(deadlocked.output.find(cycle), std::string::npos) << deadlocked.output;
    EXPECT_NE(deadlocked.output.find("  " + fork + " waits to write " + fork + "_to_" + cos + " (full: depth 2"),
              std::string::npos)
        << deadlocked.output;
    EXPECT_NE(deadlocked.output.find("  " + add + " waits to read " + mm + "_to_" + add + " (empty: depth 2 x 4 elements, holds 0"),
              std::string::npos)
        << deadlocked.output;
    EXPECT_LT(deadlocked.seconds, 10.0);
  }

  // The depth table drives the FIFOs: writing depth 2 into it (as a FIFO-sizing pass would write
  // its depths) and rebuilding deadlocks without any override.
  const fs::path table = project.directory() / "stream_depths.h";
  std::ifstream in(table);
  std::stringstream text;
  text << in.rdbuf();
  in.close();
  std::ofstream(table) << std::regex_replace(text.str(), std::regex(R"(= \d+;)"), "= 2;");
  project.build();
  const CommandResult shallow = project.simulate();
  EXPECT_EQ(shallow.status, 3) << shallow.output;
  EXPECT_NE(shallow.output.find(cycle), std::string::npos) << shallow.output;
}

TEST(HlsCompile, CliWritesACompleteProjectAndRunsItsCsim) {
  const fs::path directory = fs::temp_directory_path() / ("inrarch_hls_test_cli_" + std::to_string(getpid()));
  fs::remove_all(directory);
  const std::string cli = INRARCH_CLI;
  const CommandResult compile = run(cli + " compile siren:in=2,out=2,width=8,hidden=1,omega=30,seed=3 --points 4 --test-points 6" +
                          " --dtype fixed32_10 -o " + directory.string());
  ASSERT_EQ(compile.status, 0) << compile.output;
  for (const char* file : {"model.cpp", "model.h", "stream_depths.h", "testbench.cpp", "testbench_data.h", "Makefile",
                           "run_hls.tcl", "README.md", "report.json", "include/inrarch_hls/matmul.h",
                           "include/inrarch_hls/fixed.h"}) {
    EXPECT_TRUE(fs::exists(directory / file)) << file;
  }
  std::ifstream tcl(directory / "run_hls.tcl");
  const std::string script((std::istreambuf_iterator<char>(tcl)), std::istreambuf_iterator<char>());
  for (const char* step : {"csim_design", "csynth_design", "cosim_design", "set_part {xcu50-fsvh2104-2-e}", "-period 3.33"}) {
    EXPECT_NE(script.find(step), std::string::npos) << step;
  }
  std::ifstream model(directory / "model.cpp");
  const std::string source((std::istreambuf_iterator<char>(model)), std::istreambuf_iterator<char>());
  EXPECT_NE(source.find("#pragma HLS DATAFLOW"), std::string::npos);
  EXPECT_NE(source.find("INRARCH_STREAM("), std::string::npos);
  std::ifstream json(directory / "report.json");
  const auto report = nlohmann::json::parse(json);
  EXPECT_EQ(report["number"], "fixed32_10");
  EXPECT_EQ(report["tile_points"], 4);
  EXPECT_EQ(report["processes"].size(), report["streams"].size() + 1);  // a chain: one stream fewer
  const CommandResult csim = run(cli + " csim " + directory.string());
  EXPECT_EQ(csim.status, 0) << csim.output;
  EXPECT_NE(csim.output.find("csim: PASS"), std::string::npos) << csim.output;
  if (!HasFailure()) fs::remove_all(directory);
}

// The Taylor-mode sine kernel on its own: coefficients of sin(u) and cos(u) for polynomial u
// against closed-form derivatives.
TEST(HlsKernels, TaylorSineProducesAllCoefficientsFromOneEvaluation) {
  const fs::path directory = fs::temp_directory_path() / ("inrarch_hls_test_taylor_" + std::to_string(getpid()));
  fs::create_directories(directory);
  // Two coordinates, order 3 (M = 10); u's coefficients: a + b x + c y + d x^2 + e xy + f y^2 + g x^3.
  const double a = 0.7, b = -1.3, c = 0.4, d = 0.9, e = -0.6, f = 0.25, g = 0.8;
  const std::vector<double> u = {a, b, c, d, e, f, g, 0, 0, 0};
  const auto table = hls::taylor_sine_table(2, 3);
  ASSERT_EQ(table.coefficients, 10);
  const auto list = [](const auto& values) {
    std::ostringstream text;
    text.precision(17);
    for (size_t i = 0; i < values.size(); ++i) text << (i ? ", " : "") << values[i];
    return text.str();
  };
  std::ofstream(directory / "main.cpp") << R"(#include <cstdio>
#include "inrarch_hls/taylor_sine.h"
int main() {
  typedef inrarch_hls::Block<double, 1> Item;
  inrarch_hls::Stream<Item> in("in", 64), sine("sine", 64), cosine("cosine", 64);
  const double u[] = {)" << list(u) << R"(};
  static const int first[] = {)" << list(table.first) << R"(};
  static const int beta[] = {)" << list(table.beta) << R"(};
  static const int rest[] = {)" << list(table.rest) << R"(};
  static const double weight[] = {)" << list(table.weight) << R"(};
  for (double value : u) in.write(Item{{value}});
  inrarch_hls::taylor_sine<double, 1, 1, 10, 1, )" << table.beta.size() << R"(>(in, sine, cosine, first, beta, rest, weight, 1);
  for (int i = 0; i < 10; ++i) std::printf("%.17g %.17g\n", sine.read().data[0], cosine.read().data[0]);
}
)";
  const std::string include = (hls::library_directory() / "include").string();
  const CommandResult build = run("g++ -std=c++14 -O1 -Wall -Wextra -Wno-unknown-pragmas -Werror -pthread -I" + include + " " +
                        (directory / "main.cpp").string() + " -o " + (directory / "taylor").string());
  ASSERT_EQ(build.status, 0) << build.output;
  const CommandResult result = run((directory / "taylor").string());
  ASSERT_EQ(result.status, 0) << result.output;
  std::istringstream lines(result.output);
  std::vector<double> s(10), co(10);
  for (int i = 0; i < 10; ++i) lines >> s[static_cast<size_t>(i)] >> co[static_cast<size_t>(i)];
  // Normalized coefficients (derivative / a!) of sin(u(x, y)) and cos(u(x, y)) at 0, by the
  // chain rule with u_x = b, u_y = c, u_xx = 2d, u_xy = e, u_yy = 2f, u_xxx = 6g.
  const double sa = std::sin(a), ca = std::cos(a);
  const std::vector<std::pair<double, double>> expected = {
      {sa, ca},
      {ca * b, -sa * b},
      {ca * c, -sa * c},
      {(-sa * b * b + ca * 2 * d) / 2, (-ca * b * b - sa * 2 * d) / 2},
      {-sa * b * c + ca * e, -ca * b * c - sa * e},
      {(-sa * c * c + ca * 2 * f) / 2, (-ca * c * c - sa * 2 * f) / 2},
      {(-ca * b * b * b - 3 * sa * b * 2 * d + ca * 6 * g) / 6, (sa * b * b * b - 3 * ca * b * 2 * d - sa * 6 * g) / 6},
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(s[i], expected[i].first, 1e-12) << "sin coefficient " << i;
    EXPECT_NEAR(co[i], expected[i].second, 1e-12) << "cos coefficient " << i;
  }
  if (!HasFailure()) fs::remove_all(directory);
}

}  // namespace
}  // namespace inrarch
