#include "apps/fit.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "autodiff/reverse.h"
#include "exec/reference.h"
#include "passes/constants.h"
#include "passes/pipeline.h"
#include "passes/rebuild.h"
#include "util/error.h"

namespace inrarch::apps {
namespace {

// Points per call when the trained network is evaluated over the whole image: bounds the memory of
// executors that keep every intermediate tensor (the reference keeps them all).
constexpr int64_t kEvaluationChunk = 4096;

void check_fit_inputs(const Tensor& coords, const Tensor& target, const FitOptions& options) {
  if (coords.shape.size() != 2 || coords.shape[1] < 1 || coords.shape[1] > 3) {
    throw UserError("fit: coordinates must be [pixels, 1..3], got " + ir::shape_string(coords.shape));
  }
  if (target.shape.size() != 2 || target.shape[1] < 1 || target.shape[1] > 64) {
    throw UserError("fit: target colours must be [pixels, 1..64], got " + ir::shape_string(target.shape));
  }
  if (coords.shape[0] != target.shape[0]) {
    throw UserError("fit: " + std::to_string(coords.shape[0]) + " coordinates but " + std::to_string(target.shape[0]) +
                    " target colours");
  }
  if (coords.shape[0] == 0) throw UserError("fit: the image has no pixels");
  if (options.width < 1 || options.width > 4096) throw UserError("fit: width must be in [1, 4096]");
  if (options.hidden < 0 || options.hidden > 64) throw UserError("fit: hidden must be in [0, 64]");
  if (!(options.omega > 0)) throw UserError("fit: omega must be positive");
  if (options.steps < 0) throw UserError("fit: steps must not be negative");
  if (!(options.lr > 0)) throw UserError("fit: the learning rate must be positive");
  if (options.batch < 0) throw UserError("fit: the batch size must not be negative");
}

// Minibatches of pixel indices: a pass over a shuffled order of all pixels, reshuffled when fewer
// than a batch remain. std::mt19937_64's sequence is fixed by the C++ standard and the index draw
// is ours (not a library distribution), so a seed gives the same batches on every platform.
class PixelSampler {
 public:
  PixelSampler(int64_t pixels, int64_t batch, uint64_t seed)
      : order_(static_cast<size_t>(pixels)), batch_(batch), random_(seed) {
    std::iota(order_.begin(), order_.end(), 0);
    cursor_ = pixels;  // shuffle before the first batch
  }

  // The next `batch` pixel indices.
  const int64_t* next() {
    if (cursor_ + batch_ > static_cast<int64_t>(order_.size())) {
      for (size_t i = order_.size(); i-- > 1;) std::swap(order_[i], order_[random_() % (i + 1)]);
      cursor_ = 0;
    }
    const int64_t* batch = order_.data() + cursor_;
    cursor_ += batch_;
    return batch;
  }

 private:
  std::vector<int64_t> order_;
  int64_t batch_;
  int64_t cursor_;
  std::mt19937_64 random_;
};

// Rows `indices[0 .. count)` of the [P, columns] tensor `all`, written into `rows`.
void gather_rows(const Tensor& all, const int64_t* indices, int64_t count, Tensor& rows) {
  const int64_t columns = all.shape[1];
  rows.shape = {count, columns};
  rows.data.resize(static_cast<size_t>(count * columns));
  for (int64_t r = 0; r < count; ++r) {
    std::copy_n(all.data.begin() + indices[r] * columns, columns, rows.data.begin() + r * columns);
  }
}

std::vector<models::DenseLayer> layers_from_inputs(const std::vector<models::DenseLayer>& shapes,
                                                   const std::map<std::string, Tensor>& inputs) {
  std::vector<models::DenseLayer> layers = shapes;
  for (size_t k = 0; k < layers.size(); ++k) {
    const std::string prefix = "net." + std::to_string(k);
    layers[k].weight = inputs.at(prefix + ".weight").data;
    layers[k].bias = inputs.at(prefix + ".bias").data;
  }
  return layers;
}

double mean_squared_error_over_image(const ir::Graph& model, const RunnerFactory& runners, const Tensor& coords,
                                     const Tensor& target) {
  const GraphRunner run = runners(model);
  const int64_t pixels = coords.shape[0], in = coords.shape[1], out = target.shape[1];
  double sum = 0.0;
  for (int64_t start = 0; start < pixels; start += kEvaluationChunk) {
    const int64_t count = std::min(kEvaluationChunk, pixels - start);
    Tensor chunk({count, in}, std::vector<double>(coords.data.begin() + start * in,
                                                  coords.data.begin() + (start + count) * in));
    const std::vector<Tensor> outputs = run({{"coords", std::move(chunk)}});
    const std::vector<double>& predicted = outputs.at(0).data;
    for (int64_t i = 0; i < count * out; ++i) {
      const double error = predicted[static_cast<size_t>(i)] - target.data[static_cast<size_t>(start * out + i)];
      sum += error * error;
    }
  }
  return sum / static_cast<double>(pixels * out);
}

}  // namespace

RunnerFactory reference_runner_factory() {
  return [](const ir::Graph& graph) -> GraphRunner {
    return [graph](const std::map<std::string, Tensor>& inputs) { return exec::evaluate_reference(graph, inputs); };
  };
}

TrainingGraph build_training_graph(const models::SirenSpec& spec, int64_t batch) {
  if (batch < 1) throw UserError("fit: the training batch must hold at least one point");
  // The forward is models::build_siren's graph with each named constant turned into an input of the
  // same name and shape, so training and inference cannot disagree about the architecture.
  const ir::Graph forward = models::build_siren(spec, models::init_siren(spec));
  ir::Builder builder = passes::builder_like(forward);
  TrainingGraph training;
  training.batch = batch;
  std::vector<ir::NodeId> parameters;
  std::vector<ir::NodeId> new_ids;
  for (const ir::Node& node : forward.nodes()) {
    if (passes::is_parameter(node)) {
      new_ids.push_back(builder.input(node.attrs.name, node.shape));
      parameters.push_back(new_ids.back());
      training.parameter_names.push_back(node.attrs.name);
    } else {
      new_ids.push_back(builder.clone(node, passes::mapped_inputs(node, new_ids)));
    }
  }
  const ir::NodeId predicted = new_ids.at(static_cast<size_t>(forward.outputs().at(0).node));
  const ir::NodeId target = builder.input("target", {ir::kBatch, spec.out});
  const ir::NodeId error = builder.sub(predicted, target);
  const ir::NodeId squared_sum = builder.reduce_sum(builder.mul(error, error), {0, 1}, true);
  const ir::NodeId loss = builder.scale(squared_sum, 1.0 / static_cast<double>(batch * spec.out));
  const std::vector<ir::NodeId> gradients =
      autodiff::vjp(builder, loss, builder.scalar_constant(1.0, builder.shape(loss)), parameters);

  builder.add_output("loss", loss);
  for (size_t i = 0; i < parameters.size(); ++i) {
    builder.add_output("grad." + training.parameter_names[i], gradients[i]);
  }
  training.graph = passes::optimize(builder.finish());
  return training;
}

std::map<std::string, Tensor> parameter_inputs(const std::vector<models::DenseLayer>& layers) {
  std::map<std::string, Tensor> inputs;
  for (size_t k = 0; k < layers.size(); ++k) {
    const models::DenseLayer& layer = layers[k];
    const std::string prefix = "net." + std::to_string(k);
    inputs[prefix + ".weight"] = Tensor({layer.out, layer.in}, layer.weight);
    inputs[prefix + ".bias"] = Tensor({layer.out}, layer.bias);
  }
  return inputs;
}

Adam::Adam(AdamOptions options, const std::vector<int64_t>& sizes) : options_(options) {
  for (int64_t size : sizes) {
    first_moment_.emplace_back(static_cast<size_t>(size), 0.0);
    second_moment_.emplace_back(static_cast<size_t>(size), 0.0);
  }
}

void Adam::step(const std::vector<std::vector<double>*>& parameters,
                const std::vector<const std::vector<double>*>& gradients) {
  if (parameters.size() != first_moment_.size() || gradients.size() != first_moment_.size()) {
    throw std::invalid_argument("Adam::step: wrong number of parameter tensors");
  }
  ++steps_;
  const double correction1 = 1.0 - std::pow(options_.beta1, static_cast<double>(steps_));
  const double correction2 = 1.0 - std::pow(options_.beta2, static_cast<double>(steps_));
  for (size_t t = 0; t < parameters.size(); ++t) {
    std::vector<double>& value = *parameters[t];
    const std::vector<double>& gradient = *gradients[t];
    std::vector<double>& m = first_moment_[t];
    std::vector<double>& v = second_moment_[t];
    if (value.size() != m.size() || gradient.size() != m.size()) {
      throw std::invalid_argument("Adam::step: parameter tensor " + std::to_string(t) + " changed size");
    }
    for (size_t i = 0; i < value.size(); ++i) {
      m[i] = options_.beta1 * m[i] + (1.0 - options_.beta1) * gradient[i];
      v[i] = options_.beta2 * v[i] + (1.0 - options_.beta2) * gradient[i] * gradient[i];
      value[i] -= options_.lr * (m[i] / correction1) / (std::sqrt(v[i] / correction2) + options_.eps);
    }
  }
}

double psnr_from_mse(double mse) { return -10.0 * std::log10(mse); }

FitResult fit_siren(const Tensor& coords, const Tensor& target, const FitOptions& options, const FitCallback& on_step,
                    const RunnerFactory& runners) {
  check_fit_inputs(coords, target, options);
  FitResult result;
  result.spec.in = static_cast<int>(coords.shape[1]);
  result.spec.out = static_cast<int>(target.shape[1]);
  result.spec.width = options.width;
  result.spec.hidden = options.hidden;
  result.spec.omega = options.omega;
  result.spec.seed = options.seed;
  const std::vector<models::DenseLayer> initial = models::init_siren(result.spec);

  const int64_t pixels = coords.shape[0];
  const bool full_batch = options.batch == 0 || options.batch >= pixels;
  const int64_t batch = full_batch ? pixels : options.batch;
  const TrainingGraph training = build_training_graph(result.spec, batch);
  const GraphRunner run = runners(training.graph);

  // The parameters live in the runner's input map, so Adam updates them where the runner reads them.
  std::map<std::string, Tensor> inputs = parameter_inputs(initial);
  std::vector<std::vector<double>*> parameters;
  std::vector<int64_t> sizes;
  for (const std::string& name : training.parameter_names) {
    parameters.push_back(&inputs.at(name).data);
    sizes.push_back(inputs.at(name).size());
  }
  Adam adam(AdamOptions{.lr = options.lr}, sizes);
  inputs["coords"] = coords;
  inputs["target"] = target;
  PixelSampler sampler(pixels, batch, options.seed);

  for (int step = 1; step <= options.steps; ++step) {
    if (!full_batch) {
      const int64_t* indices = sampler.next();
      gather_rows(coords, indices, batch, inputs["coords"]);
      gather_rows(target, indices, batch, inputs["target"]);
    }
    const std::vector<Tensor> outputs = run(inputs);
    if (outputs.size() != parameters.size() + 1) {
      throw ir::Error("fit: the training graph's runner returned " + std::to_string(outputs.size()) + " outputs, not " +
                      std::to_string(parameters.size() + 1));
    }
    const double loss = outputs[0].data.at(0);
    if (!std::isfinite(loss)) {
      throw UserError("fit: the loss became " + std::to_string(loss) + " at step " + std::to_string(step) +
                      " (try a smaller learning rate)");
    }
    std::vector<const std::vector<double>*> gradients;
    for (size_t i = 1; i < outputs.size(); ++i) gradients.push_back(&outputs[i].data);
    adam.step(parameters, gradients);
    if (on_step) on_step(step, loss, psnr_from_mse(loss));
  }

  result.layers = layers_from_inputs(initial, inputs);
  result.psnr = psnr_from_mse(mean_squared_error_over_image(trained_graph(result), runners, coords, target));
  return result;
}

ir::Graph trained_graph(const FitResult& result, ir::DType dtype) {
  return models::build_siren(result.spec, result.layers, dtype);
}

}  // namespace inrarch::apps
