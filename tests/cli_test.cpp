// End-to-end checks of the inrarch binary: exit codes, error lines, and files it writes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "models/npy.h"
#include "test_files.h"

namespace inrarch {
namespace {

using CliRun = testing::CommandResult;

CliRun run_cli(const std::string& arguments) { return testing::run_command(std::string(INRARCH_CLI) + " " + arguments); }

std::filesystem::path scratch(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "inrarch_cli_test";
  std::filesystem::create_directories(dir);
  return dir / name;
}

TEST(Cli, InfoOnTheBuiltInDefault) {
  const CliRun run = run_cli("info");
  ASSERT_EQ(run.status, 0) << run.output;
  // 2->256 (768) + 3 x 256->256 (65792 each) + 256->3 (771) parameters.
  EXPECT_NE(run.output.find("parameters: 198915"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("input  coords"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("sin(30*x)"), std::string::npos) << run.output;
}

TEST(Cli, BadInputGivesOneErrorLineAndExitCode2) {
  const struct {
    std::string arguments;
    std::string expected;
  } cases[] = {
      {"info siren:width=0", "width=0 out of range"},
      {"info siren:depth=3", "unknown key \"depth\""},
      {"info /nonexistent/model.onnx", "/nonexistent/model.onnx"},
      {"eval --grid 12xq -o /tmp/x.npy", "grid \"12xq\""},
      {"eval --grid 4x4x4 -o /tmp/x.npy", "takes 2-d coordinates"},
      {"grad --grid 4x4 --order 2 --method sideways -o /tmp/x.npy", "--method sideways"},
      {"grad --grid 4x4 --order -1 -o /tmp/x.npy", "order -1 out of range"},
      {"compile --points 4 -o /tmp/x", "--points"},  // the tile is --tile K; --points names an .npy file
      {"simulate --tile 0 -o /tmp/x", "--tile 0 out of range"},
      {"frobnicate", "frobnicate"},
  };
  for (const auto& c : cases) {
    const CliRun run = run_cli(c.arguments);
    EXPECT_EQ(run.status, 2) << c.arguments << "\n" << run.output;
    EXPECT_NE(run.output.find(c.expected), std::string::npos) << c.arguments << "\n" << run.output;
    EXPECT_NE(run.output.find("error"), std::string::npos) << c.arguments << "\n" << run.output;
  }
}

TEST(Cli, CorruptModelFileIsAnErrorNotACrash) {
  const auto path = scratch("corrupt.onnx");
  std::ofstream(path, std::ios::binary) << "\x08\x07garbage that is not a protobuf \xff\xfe";
  const CliRun run = run_cli("info " + path.string());
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_NE(run.output.find(path.string()), std::string::npos) << run.output;
}

TEST(Cli, EvalMatchesPyTorchOnAnExportedSiren) {
  const std::string data = INRARCH_TEST_DATA;
  const auto out = scratch("eval.npy");
  const CliRun run = run_cli("eval " + data + "/siren_2_3.onnx --dtype f64 --points " + data + "/siren_2_3_points.npy -o " +
                          out.string());
  ASSERT_EQ(run.status, 0) << run.output;
  const Tensor ours = models::read_npy(out.string());
  const Tensor torch = models::read_npy(data + "/siren_2_3_outputs.npy");
  ASSERT_EQ(ours.shape, torch.shape);
  for (size_t i = 0; i < ours.data.size(); ++i) {
    EXPECT_NEAR(ours.data[i], torch.data[i], 1e-6 * std::max(1.0, std::abs(torch.data[i]))) << i;
  }
}

TEST(Cli, GradWritesArrayAndSidecar) {
  const auto out = scratch("grad.npy");
  const CliRun run = run_cli("grad siren:width=16,hidden=1 --grid 3x5 --order 2 -o " + out.string());
  ASSERT_EQ(run.status, 0) << run.output;
  const Tensor values = models::read_npy(out.string());
  EXPECT_EQ(values.shape, (std::vector<int64_t>{15, 3, 6}));
  std::ifstream sidecar(scratch("grad.json"));
  ASSERT_TRUE(sidecar) << "no sidecar";
  const auto json = nlohmann::json::parse(sidecar);
  EXPECT_EQ(json["names"], nlohmann::json({"f", "f_x", "f_y", "f_xx", "f_xy", "f_yy"}));
  EXPECT_EQ(json["multi_indices"][4], nlohmann::json({1, 1}));
}

}  // namespace
}  // namespace inrarch

namespace inrarch {
namespace {

TEST(Cli, FitThenEditASmallImage) {
  const auto model = scratch("fit.onnx");
  const CliRun fit = run_cli("fit --size 24x24 --width 24 --hidden 1 --steps 60 --lr 1e-3 --batch 0 -o " + model.string());
  ASSERT_EQ(fit.status, 0) << fit.output;
  EXPECT_NE(fit.output.find("image PSNR"), std::string::npos) << fit.output;
  const auto image = scratch("edit.png");
  const CliRun edit = run_cli("edit " + model.string() + " --size 24x24 --op laplacian -o " + image.string());
  ASSERT_EQ(edit.status, 0) << edit.output;
  EXPECT_TRUE(std::filesystem::exists(image));
  EXPECT_NE(edit.output.find("PSNR"), std::string::npos) << edit.output;
  const CliRun bad = run_cli("edit " + model.string() + " --size 24x24 --op swirl -o " + image.string());
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("--op swirl"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace inrarch

namespace inrarch {
namespace {

// The README's main job, shrunk: every stage must run and leave its files, and the FPGA stage
// must end with a C-simulation that agrees with the CPU engine (its testbench's golden data).
TEST(Cli, DemoRunsEveryStageOnASmallImage) {
  const auto dir = scratch("demo");
  std::filesystem::remove_all(dir);
  const CliRun demo = run_cli("demo -o " + dir.string() +
                              " --size 24x24 --width 16 --hidden 1 --steps 20 --order 2 --hls-order 1 --hls-tile 2"
                              " --hls-test-points 4 --dsp-budget 1000");
  ASSERT_EQ(demo.status, 0) << demo.output;
  for (const char* file : {"panel.png", "model.onnx", "edit_blur.png", "hls/model.cpp", "hls/report.json",
                           "hls/simulation/simulation.json", "hls/simulation/gantt.svg"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / file)) << file;
  }
  for (const char* line : {"modeled time", "C-simulation of", "matches the CPU engine", "HLS project", "total"}) {
    EXPECT_NE(demo.output.find(line), std::string::npos) << line << " missing from:\n" << demo.output;
  }
}

}  // namespace
}  // namespace inrarch
