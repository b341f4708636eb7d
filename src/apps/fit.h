// Fitting a SIREN to an image: the first half of INR editing (fit, then edit the fitted network's
// derivatives). Training is itself a compiled graph: ONE graph holds the SIREN forward over a
// minibatch, the mean squared error and, through the IR's reverse mode, the gradient of that loss
// with respect to every weight. Weights enter that graph as inputs, so it is built and optimised
// once and each Adam step only feeds new values; whichever executor runs inference (the reference
// interpreter, the fast CPU engine) therefore also runs training, through GraphRunner.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/tensor.h"
#include "models/siren.h"

namespace inrarch::apps {

// One compiled graph, ready to run: input name -> tensor in, the graph's outputs in order out.
using GraphRunner = std::function<std::vector<Tensor>(const std::map<std::string, Tensor>&)>;
// Compiles a graph into a runner (once per graph; the runner is then called many times).
using RunnerFactory = std::function<GraphRunner(const ir::Graph&)>;
// The default: exec::evaluate_reference, in double.
RunnerFactory reference_runner_factory();

// The training graph of a SIREN. Inputs: "coords" [N, in], "target" [N, out], and one input per
// parameter named as models::build_siren names its constants ("net.<k>.weight" [out, in],
// "net.<k>.bias" [out]). Outputs: "loss" [1, 1], the mean over points and channels of the squared
// error, then "grad.<parameter>" for each parameter, in parameter_names order.
// The mean divides by `batch` * out: run the graph with exactly `batch` points.
struct TrainingGraph {
  ir::Graph graph;
  std::vector<std::string> parameter_names;  // net.0.weight, net.0.bias, net.1.weight, ...
  int64_t batch = 0;
};
TrainingGraph build_training_graph(const models::SirenSpec& spec, int64_t batch);

// The input map of a training graph (or any graph that reads the parameters by name).
std::map<std::string, Tensor> parameter_inputs(const std::vector<models::DenseLayer>& layers);

// Adam (Kingma & Ba 2015) as torch.optim.Adam computes it, bias corrections included.
struct AdamOptions {
  double lr = 1e-4;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

class Adam {
 public:
  // `sizes`: the element count of each parameter tensor, in the order step() receives them.
  Adam(AdamOptions options, const std::vector<int64_t>& sizes);
  // One update of every parameter from its gradient; parameters[i] and gradients[i] have sizes[i]
  // elements.
  void step(const std::vector<std::vector<double>*>& parameters, const std::vector<const std::vector<double>*>& gradients);
  int64_t steps_taken() const { return steps_; }

 private:
  AdamOptions options_;
  int64_t steps_ = 0;
  std::vector<std::vector<double>> first_moment_;
  std::vector<std::vector<double>> second_moment_;
};

struct FitOptions {
  int width = 256;
  int hidden = 3;
  double omega = 30.0;
  int steps = 1000;
  double lr = 1e-4;
  // Pixels per step, drawn without replacement and reshuffled after each pass over the image;
  // 0 or at least the pixel count: every pixel in every step.
  int64_t batch = 0;
  uint64_t seed = 0;  // weight initialisation (models::init_siren) and minibatch order
};

// Called after every step with the step number (1 .. steps), the minibatch loss before the step's
// update and its PSNR for values in [0, 1], -10 log10(loss).
using FitCallback = std::function<void(int step, double loss, double psnr)>;

struct FitResult {
  models::SirenSpec spec;
  std::vector<models::DenseLayer> layers;
  double psnr = 0.0;  // of the trained network over all pixels
};

// PSNR in dB of a mean squared error for values in [0, 1].
double psnr_from_mse(double mse);

// Fits a SIREN with spec.in = coords' columns and spec.out = target's columns. `coords` is [P, in],
// `target` [P, out], the colour of pixel p in row p. Throws UserError on mismatched or empty
// tensors and options out of range.
FitResult fit_siren(const Tensor& coords, const Tensor& target, const FitOptions& options,
                    const FitCallback& on_step = {}, const RunnerFactory& runners = reference_runner_factory());

// The trained network as an ordinary model graph (models::build_siren: parameters are constants).
ir::Graph trained_graph(const FitResult& result, ir::DType dtype = ir::DType::F32);

}  // namespace inrarch::apps
