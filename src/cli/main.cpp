// inrarch: the command line. A thin layer: CLI11 parses flags into the option structs of
// commands.h, and every failure becomes one "inrarch: error: ..." line with exit code 2.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "cli/insp_commands.h"
#include "models/siren.h"

namespace {

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

template <typename Options>
void add_derivative(CLI::App& command, Options& options) {
  command.add_option("--order,-n", options.order, "highest derivative order")->capture_default_str();
  command.add_option("--method", options.method, "taylor or nested")->capture_default_str();
  command.add_option("--layout", options.layout, "unique or insp")->capture_default_str();
  command.add_option("--insp-calls", options.insp_calls, "grad calls of INSP-Net's loop (layout insp)")
      ->capture_default_str();
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
  t.add_option("--fit-width", train.fit_width, "width of the fitted SIRENs")->capture_default_str();
  t.add_option("--fit-hidden", train.fit_hidden, "hidden layers of the fitted SIRENs")->capture_default_str();
  t.add_option("--fit-steps", train.fit_steps, "Adam steps per fitted SIREN")->capture_default_str();
  t.add_option("--fit-lr", train.fit_lr, "learning rate of the SIREN fits")->capture_default_str();
  t.add_option("--omega", train.omega, "omega of the fitted SIRENs")->capture_default_str();
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

  apply_command = insp->add_subcommand("apply", "edit an INR with a head, fused after its derivative graph");
  add_model(*apply_command, apply.model);
  apply_command->add_option("--head", apply.head, "the head (.onnx, ours or PyTorch's)")->required();
  apply_command->add_option("--size", apply.size, "image size HxW")->capture_default_str();
  apply_command->add_option("-o,--output", apply.output, "the edited image (PNG)")->required();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"inrarch: arbitrary-order input derivatives of implicit neural representations, on CPU and FPGA"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "help for every subcommand");

  InfoOptions info;
  auto* info_command = app.add_subcommand("info", "inputs, outputs, layers, parameters and ops of a model");
  add_model(*info_command, info.model);

  EvalOptions eval;
  auto* eval_command = app.add_subcommand("eval", "evaluate a model at points (reference evaluator, f64)");
  add_model(*eval_command, eval.model);
  add_points(*eval_command, eval.points);
  eval_command->add_option("-o,--output", eval.output, "output .npy [P, channels]")->required();

  GradOptions grad;
  auto* grad_command = app.add_subcommand("grad", "all partial derivatives up to order n at points");
  add_model(*grad_command, grad.model);
  add_points(*grad_command, grad.points);
  add_derivative(*grad_command, grad);
  grad_command->add_option("-o,--output", grad.output, "output .npy [P, channels, M] (+ .json sidecar)")->required();

  GraphOptions graph;
  auto* graph_command = app.add_subcommand("graph", "derivative graph statistics, before and after passes");
  add_model(*graph_command, graph.model);
  add_derivative(*graph_command, graph);
  graph_command->add_flag("--stats", graph.stats, "also print graph size and MACs/point for orders 1..n, both methods");
  graph_command->add_option("--dot", graph.dot, "write the optimized graph as Graphviz dot");
  graph_command->add_option("--print-after", graph.print_after, "print the graph after these passes (comma list or all)");

  CLI::App* insp_train_command = nullptr;
  CLI::App* insp_apply_command = nullptr;
  InspTrainCommand insp_train;
  InspApplyCommand insp_apply;
  add_insp(app, insp_train_command, insp_train, insp_apply_command, insp_apply);

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
    if (*grad_command) return run_grad(grad);
    if (*graph_command) return run_graph(graph);
    if (*insp_train_command) return run_insp_train(insp_train);
    if (*insp_apply_command) return run_insp_apply(insp_apply);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "inrarch: error: %s\n", error.what());
    return 2;
  }
  return 2;
}
