// inrarch: the command line. A thin layer: CLI11 parses flags into the option structs of
// commands.h, and every failure becomes one "inrarch: error: ..." line with exit code 2.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "cli/insp_commands.h"

namespace {

using namespace inrarch;
using namespace inrarch::cli;

void add_model(CLI::App& command, ModelOptions& options) {
  command.add_option("model", options.model, "ONNX file or built-in spec, e.g. " + std::string(inrarch::models::kDefaultSiren))
      ->default_val(inrarch::models::kDefaultSiren);
  command.add_option("--dtype", options.dtype, "f32 or f64")->capture_default_str();
}

void add_points(CLI::App& command, PointOptions& options) {
  command.add_option("--points", options.points, "coordinates as .npy [P, d]");
  command.add_option("--grid", options.grid, "a regular grid over [-1,1]^d: W, HxW or DxHxW");
}

void add_execution(CLI::App& command, ExecutionOptions& options) {
  command.add_option("--engine", options.engine, "fast (CPU engine) or reference (f64 oracle)")->capture_default_str();
  command.add_option("--threads", options.threads, "worker threads of the fast engine (0: all cores)")
      ->capture_default_str();
}

void add_derivative(CLI::App& command, DerivativeOptions& options) {
  command.add_option("--order,-n", options.order, "highest derivative order")->capture_default_str();
  command.add_option("--method", options.method, "taylor or nested")->capture_default_str();
  command.add_option("--layout", options.layout, "unique or insp")->capture_default_str();
  command.add_option("--insp-calls", options.insp_calls, "grad calls of INSP-Net's loop (layout insp)")
      ->capture_default_str();
}

// The design options compile and simulate share, with the same defaults (include/inrarch/design.h).
void add_design(CLI::App& command, DesignOptions& options) {
  command.add_option("--order,-n", options.order, "highest derivative order (0: the forward model)")->capture_default_str();
  command.add_option("--method", options.method, "taylor or nested")->capture_default_str();
  command.add_option("--tile", options.tile, "points per tile (K)")->capture_default_str();
  command.add_option("--dtype", options.dtype, "float, fixed<W>_<I> (e.g. fixed32_10) or, for compile, fixed<W>_auto (fewest integer bits that hold the testbench's values)")
      ->capture_default_str();
  command.add_option("--part", options.part, "FPGA part (Vitis target; resources compared with)")->capture_default_str();
  command.add_option("--clock-ns", options.clock_ns, "clock period in ns")->capture_default_str();
  command.add_option("--block", options.block, "largest elements per FIFO beat")->capture_default_str();
  command.add_option("--parallel", options.parallel, "largest matmul columns per cycle (without --dsp-budget)")->capture_default_str();
  command.add_option("--dsp-budget", options.dsp_budget, "choose each matmul's P to fit this many DSPs");
}

void add_insp(CLI::App& app, CLI::App*& train_command, InspTrainCommand& train, CLI::App*& apply_command,
              InspApplyCommand& apply) {
  auto* insp = app.add_subcommand("insp", "INSP-Net heads: edit an INR by an MLP on its derivative features");
  insp->require_subcommand(1);
  train_command = insp->add_subcommand("train", "train a head so head(features of an INR) matches a filtered image");
  auto& t = *train_command;
  t.add_option("--task", train.task, "blur, denoise or sharpen")->capture_default_str();
  t.add_option("--model", train.model, "train on this INR (ONNX or siren: spec) instead of fitted built-in images");
  t.add_option("--image", train.image, "the clean picture (PNG); with --model, what the INR stands for");
  t.add_option("--size", train.size, "training and test grid HxW")->capture_default_str();
  t.add_option("--images", train.images, "training images: the default image and its variants")->capture_default_str();
  t.add_option("--test-images", train.test_images, "held-out variants for the PSNR report")->capture_default_str();
  t.add_option("--fit-width", train.fit.width, "width of the fitted SIRENs")->capture_default_str();
  t.add_option("--fit-hidden", train.fit.hidden, "hidden layers of the fitted SIRENs")->capture_default_str();
  t.add_option("--fit-steps", train.fit.steps, "Adam steps per fitted SIREN")->capture_default_str();
  t.add_option("--fit-lr", train.fit.lr, "learning rate of the SIREN fits")->capture_default_str();
  t.add_option("--omega", train.fit.omega, "omega of the fitted SIRENs")->capture_default_str();
  t.add_option("--inr-cache", train.inr_cache, "folder where fitted SIRENs are kept and reused");
  t.add_option("--layout", train.layout, "features: insp (INSP-Net's) or unique")->capture_default_str();
  t.add_option("--order", train.order, "derivative order of the unique layout")->capture_default_str();
  t.add_option("--insp-calls", train.insp_calls, "grad calls of INSP-Net's loop (layout insp)")->capture_default_str();
  t.add_option("--width", train.width, "head width (INSP-Net: 256)")->capture_default_str();
  t.add_option("--hidden", train.hidden, "head hidden width->width layers (INSP-Net: 3)")->capture_default_str();
  t.add_option("--steps", train.steps, "Adam steps of the head")->capture_default_str();
  t.add_option("--lr", train.lr, "learning rate of the head")->capture_default_str();
  t.add_option("--batch", train.batch, "pixels per head step (0: all)")->capture_default_str();
  t.add_option("--seed", train.seed, "initialisation and minibatch seed")->capture_default_str();
  t.add_option("--sigma", train.sigma, "blur: Gaussian sigma in pixels")->capture_default_str();
  t.add_option("--noise", train.noise, "denoise: noise standard deviation")->capture_default_str();
  t.add_option("--amount", train.amount, "sharpen: Laplacian amount")->capture_default_str();
  t.add_option("-o,--output", train.output, "the trained head (.onnx)")->required();
  t.add_option("--panel", train.panel, "PNG of INR | head | target per image");
  t.add_option("--threads", train.threads, "engine threads (0: all)")->capture_default_str();

  apply_command = insp->add_subcommand("apply", "edit an INR with a head, fused after its derivative graph");
  add_model(*apply_command, apply.model);
  apply_command->add_option("--head", apply.head, "the head (.onnx, ours or PyTorch's)")->required();
  apply_command->add_option("--size", apply.size, "image size HxW")->capture_default_str();
  apply_command->add_option("-o,--output", apply.output, "the edited image (PNG)")->required();
  apply_command->add_option("--threads", apply.threads, "engine threads (0: all)")->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  // Progress bars go to stderr; line-buffered stdout keeps results and bars in order in a pipe or log.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  CLI::App app{"inrarch: arbitrary-order input derivatives of implicit neural representations, on CPU and FPGA"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "help for every subcommand");

  ModelOptions info;
  auto* info_command = app.add_subcommand("info", "inputs, outputs, layers, parameters and ops of a model");
  add_model(*info_command, info);

  EvalOptions eval;
  auto* eval_command = app.add_subcommand("eval", "evaluate a model at points");
  add_model(*eval_command, eval.model);
  add_points(*eval_command, eval.points);
  add_execution(*eval_command, eval.execution);
  eval_command->add_option("-o,--output", eval.output, "output .npy [P, channels]")->required();

  ExportOptions export_options;
  auto* export_command = app.add_subcommand("export", "write a model (e.g. a built-in spec) as an ONNX file");
  add_model(*export_command, export_options.model);
  export_command->add_option("-o,--output", export_options.output, "output .onnx")->required();

  GradOptions grad;
  auto* grad_command = app.add_subcommand("grad", "all partial derivatives up to order n at points");
  add_model(*grad_command, grad.model);
  add_points(*grad_command, grad.points);
  add_execution(*grad_command, grad.execution);
  add_derivative(*grad_command, grad.derivatives);
  grad_command->add_option("-o,--output", grad.output, "output .npy [P, channels, M] (+ .json sidecar)")->required();

  GraphOptions graph;
  auto* graph_command = app.add_subcommand("graph", "derivative graph statistics, before and after passes");
  add_model(*graph_command, graph.model);
  add_derivative(*graph_command, graph.derivatives);
  graph_command->add_flag("--stats", graph.stats, "also print graph size and MACs/point for orders 1..n, both methods");
  graph_command->add_option("--dot", graph.dot, "write the optimized graph as Graphviz dot");
  graph_command->add_option("--print-after", graph.print_after, "print the graph after these passes (comma list or all)");

  FitImageOptions fit;
  auto* fit_command = app.add_subcommand("fit", "fit a SIREN to an image (default: the built-in image) with Adam");
  fit_command->add_option("image", fit.image, "PNG image; omitted: the built-in default image");
  fit_command->add_option("-o,--output", fit.output, "output .onnx")->capture_default_str();
  fit_command->add_option("--size", fit.size, "HxW of the built-in image (default 256x256)");
  fit_command->add_option("--width", fit.fit.width, "hidden width")->capture_default_str();
  fit_command->add_option("--hidden", fit.fit.hidden, "hidden sine layers")->capture_default_str();
  fit_command->add_option("--omega", fit.fit.omega, "SIREN frequency omega")->capture_default_str();
  fit_command->add_option("--steps", fit.fit.steps, "Adam steps")->capture_default_str();
  fit_command->add_option("--lr", fit.fit.lr, "Adam learning rate")->capture_default_str();
  fit_command->add_option("--batch", fit.fit.batch, "pixels per step (0: all)")->capture_default_str();
  fit_command->add_option("--seed", fit.fit.seed, "initialisation and minibatch seed")->capture_default_str();
  fit_command->add_option("--threads", fit.threads, "engine threads (0: all cores)")->capture_default_str();

  EditOptions edit;
  auto* edit_command = app.add_subcommand("edit", "edit an INR through its derivatives and render it");
  add_model(*edit_command, edit.model);
  edit_command->add_option("--op", edit.op, "blur, sharpen, laplacian, edges or direction")->capture_default_str();
  edit_command->add_option("-o,--output", edit.output, "output .png")->capture_default_str();
  edit_command->add_option("--size", edit.size, "HxW to render")->capture_default_str();
  edit_command->add_option("--sigma", edit.sigma, "blur: Gaussian sigma in pixels")->capture_default_str();
  edit_command->add_option("--amount", edit.amount, "sharpen: f - amount * laplacian")->capture_default_str();
  edit_command->add_option("--angle", edit.angle, "direction: degrees from +x towards +y")->capture_default_str();
  edit_command->add_option("--order,-n", edit.order, "derivative order (blur uses floor(n/2) heat terms)")
      ->capture_default_str();
  edit_command->add_option("--threads", edit.threads, "engine threads (0: all cores)")->capture_default_str();

  DemoOptions demo;
  auto* demo_command = app.add_subcommand("demo", "the whole pipeline on the built-in default image");
  demo_command->add_option("-o,--output-dir", demo.output_dir, "where images and the model go")->capture_default_str();
  demo_command->add_option("--steps", demo.fit.steps, "fit steps")->capture_default_str();
  demo_command->add_option("--width", demo.fit.width, "SIREN hidden width")->capture_default_str();
  demo_command->add_option("--hidden", demo.fit.hidden, "SIREN hidden sine layers")->capture_default_str();
  demo_command->add_option("--order,-n", demo.order, "derivative order")->capture_default_str();
  demo_command->add_option("--size", demo.size, "image HxW")->capture_default_str();
  demo_command->add_option("--threads", demo.threads, "engine threads (0: all cores)")->capture_default_str();
  demo_command->add_option("--hls-order", demo.hls_order, "derivative order of the FPGA design")->capture_default_str();
  demo_command->add_option("--hls-tile", demo.hls_tile, "FPGA design: points per tile (K)")->capture_default_str();
  demo_command->add_option("--hls-test-points", demo.hls_test_points, "points the C-simulation checks")
      ->capture_default_str();
  demo_command->add_option("--hls-dtype", demo.hls_dtype, "FPGA design: float, fixed<W>_<I> or fixed<W>_auto")->capture_default_str();
  demo_command->add_option("--dsp-budget", demo.dsp_budget, "FPGA design: DSPs to choose each matmul's P for")
      ->capture_default_str();

  // FPGA backend (include/inrarch/design.h).
  CompileOptions compile;
  auto* compile_command = app.add_subcommand("compile", "write a Vitis HLS dataflow project for a model's derivatives");
  compile_command->add_option("model", compile.model, "ONNX file or built-in spec")->capture_default_str();
  add_design(*compile_command, compile.design);
  compile_command->add_option("--depths", compile.design.depths, "FIFO depth policy: fork-tile or uniform")->capture_default_str();
  compile_command->add_option("--depth", compile.design.depth, "depth of the FIFOs the policy does not size")->capture_default_str();
  compile_command->add_option("--test-points", compile.test_points, "testbench points (0: one tile)")->capture_default_str();
  compile_command->add_option("--fifo-strategy", compile.design.fifo_strategy, "analytic, double-shrink, uniform:D, or none (keep --depths)")
      ->capture_default_str();
  compile_command->add_option("-o,--output", compile.output, "project directory")->required();

  CsimOptions csim;
  auto* csim_command = app.add_subcommand("csim", "build and run a compiled project's threaded C-simulation");
  csim_command->add_option("directory", csim.directory, "project directory written by compile")->required();
  csim_command->add_option("--depth", csim.depth, "force every FIFO to this depth (deadlock exploration)");

  // Dataflow analysis (include/inrarch/design.h).
  SimulateOptions simulate;
  auto* simulate_command = app.add_subcommand("simulate", "size the FIFOs of a dataflow design, simulate it cycle by cycle, estimate resources");
  simulate_command->add_option("model", simulate.model, "ONNX file, built-in spec, or a project directory from compile")->capture_default_str();
  add_design(*simulate_command, simulate.design);
  simulate_command->add_option("--num-points", simulate.num_points, "points the simulated run processes")->capture_default_str();
  simulate_command->add_option("--kernels", simulate.design.kernels, "library, or inrarch (INR-Arch-like row-streaming matmul)")->capture_default_str();
  simulate_command->add_option("--fifo-strategy", simulate.design.fifo_strategy, "analytic, double-shrink or uniform:D (default analytic; a project keeps its depths)");
  simulate_command->add_flag("--exact-run", simulate.exact_run, "size the FIFOs for exactly --num-points (a design always called with that many), not for any run as compile does");
  simulate_command->add_option("--top", simulate.top, "processes listed in the table")->capture_default_str();
  simulate_command->add_option("-o,--output", simulate.output, "directory for simulation.json and the charts")->required();

  CLI::App* insp_train_command = nullptr;
  CLI::App* insp_apply_command = nullptr;
  InspTrainCommand insp_train;
  InspApplyCommand insp_apply;
  add_insp(app, insp_train_command, insp_train, insp_apply_command, insp_apply);

  if (argc > 1 && argv[1][0] != '-') {
    const std::string name = argv[1];
    std::string known;
    bool found = false;
    for (const auto* command : app.get_subcommands({})) {
      known += (known.empty() ? "" : ", ") + command->get_name();
      found = found || command->get_name() == name;
    }
    if (!found) {
      std::fprintf(stderr, "inrarch: error: unknown command '%s' (commands: %s)\n", name.c_str(), known.c_str());
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    std::fprintf(stderr, "inrarch: error: %s (see --help)\n", error.what());
    return 2;
  }

  try {
    if (*info_command) return run_info(info);
    if (*eval_command) return run_eval(eval);
    if (*export_command) return run_export(export_options);
    if (*grad_command) return run_grad(grad);
    if (*graph_command) return run_graph(graph);
    if (*fit_command) return run_fit(fit);
    if (*edit_command) return run_edit(edit);
    if (*demo_command) return run_demo(demo);
    if (*compile_command) return run_compile(compile);
    if (*csim_command) return run_csim(csim);
    if (*simulate_command) return run_simulate(simulate);
    if (*insp_train_command) return run_insp_train(insp_train);
    if (*insp_apply_command) return run_insp_apply(insp_apply);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "inrarch: error: %s\n", error.what());
    return 2;
  }
  return 2;
}
