#include "apps/insp.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <optional>
#include <random>

#include "apps/pixel_filters.h"
#include "autodiff/multi_index.h"
#include "autodiff/reverse.h"
#include "models/onnx_import.h"
#include "models/points.h"
#include "passes/pipeline.h"
#include "passes/rebuild.h"
#include "util/error.h"

namespace inrarch::apps {
namespace {

constexpr const char* kInspPrefix = "insp_calls";
constexpr const char* kUniquePrefix = "unique_order";

// Points per runner call when a graph is evaluated over a whole grid: bounds the memory of
// executors that keep every intermediate tensor (the reference keeps them all).
constexpr int64_t kChunkPoints = 2048;

// A uniform draw in [low, high). std::mt19937_64's sequence is fixed by the C++ standard and the
// conversion is ours, so a seed gives the same numbers on every platform.
double uniform(std::mt19937_64& engine, double low, double high) {
  return low + (high - low) * static_cast<double>(engine() >> 11) * 0x1.0p-53;
}

// The digits after `prefix` in `name`, if `name` is exactly prefix + a positive number.
std::optional<int> suffix_number(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() || name.size() > prefix.size() + 4 || name.compare(0, prefix.size(), prefix) != 0) {
    return std::nullopt;
  }
  int value = 0;
  for (size_t i = prefix.size(); i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    value = value * 10 + (name[i] - '0');
  }
  return value > 0 ? std::optional<int>(value) : std::nullopt;
}

struct InrShape {
  int64_t channels = 0;
  int64_t dims = 0;
};

InrShape inr_shape(const ir::Graph& inr) {
  if (inr.outputs().size() != 1) throw UserError("insp: the INR must have one output");
  const ir::Shape& out = inr.node(inr.outputs()[0].node).shape;
  if (out.size() != 2 || out[0] != ir::kBatch) throw UserError("insp: the INR's output must be [N, channels]");
  return {out[1], inr.node(autodiff::coordinate_input(inr, "")).shape[1]};
}

// Imports the derivative graph of `inr` into `builder` and returns its features as [N, F]: INSP-Net's
// list as it is, the unique layout's [N, C, M] flattened channel-major.
ir::NodeId import_features(ir::Builder& builder, const ir::Graph& inr, const autodiff::DeriveSpec& features) {
  const ir::Graph derived = autodiff::derive(inr, features);
  const std::vector<ir::NodeId> ids = autodiff::import_graph(builder, derived);
  const ir::NodeId values = ids.at(static_cast<size_t>(derived.outputs().at(0).node));
  const ir::Shape& shape = builder.shape(values);
  if (shape.size() == 2) return values;
  return builder.reshape(values, {ir::kBatch, shape[1] * shape[2]});
}

// The dense layers of a head over `features`, with each layer's weight and bias given as nodes
// (named constants for inference, inputs for training).
struct LayerNodes {
  ir::NodeId weight;
  ir::NodeId bias;
};

ir::NodeId head_forward(ir::Builder& builder, ir::NodeId features, const std::vector<LayerNodes>& layers) {
  ir::NodeId h = features;
  for (size_t k = 0; k < layers.size(); ++k) {
    const int64_t out = builder.shape(layers[k].bias)[0];
    h = builder.matmul(h, layers[k].weight, false, true);
    h = builder.add(h, builder.broadcast(layers[k].bias, {ir::kBatch, out}));
    if (k + 1 < layers.size()) h = builder.unary(ir::Op::Relu, h);
  }
  return h;
}

std::string parameter_name(size_t layer, const char* kind) { return "head." + std::to_string(layer) + "." + kind; }

// Evaluates `graph` (one [N, d] coordinate input, one [N, ...] output) at `points` in chunks and
// returns the output rows flattened to [P, columns].
Tensor evaluate_in_chunks(const ir::Graph& graph, const Tensor& points, const RunnerFactory& runners,
                          const ProgressCallback& on_progress) {
  const std::string input = graph.node(autodiff::coordinate_input(graph, "")).attrs.name;
  const GraphRunner run = runners(graph);
  const int64_t count = points.shape[0], dims = points.shape[1];
  const ir::Shape& out_shape = graph.node(graph.outputs().at(0).node).shape;
  const int64_t columns = ir::element_count(out_shape, 1);
  Tensor result({count, columns});
  for (int64_t start = 0; start < count; start += kChunkPoints) {
    const int64_t size = std::min(kChunkPoints, count - start);
    Tensor chunk({size, dims}, std::vector<double>(points.data.begin() + start * dims,
                                                   points.data.begin() + (start + size) * dims));
    const Tensor out = run({{input, std::move(chunk)}}).at(0);
    std::copy(out.data.begin(), out.data.end(), result.data.begin() + start * columns);
    if (on_progress) on_progress(start + size, count);
  }
  return result;
}

// PyTorch's nn.Linear initialisation: weight and bias uniform in +-1 / sqrt(fan_in).
std::vector<models::DenseLayer> init_head(int64_t features, int64_t channels, const InspHeadSpec& spec,
                                          std::mt19937_64& engine) {
  std::vector<models::DenseLayer> layers;
  const int count = spec.hidden + 2;
  for (int k = 0; k < count; ++k) {
    models::DenseLayer layer;
    layer.in = k == 0 ? static_cast<int>(features) : spec.width;
    layer.out = k == count - 1 ? static_cast<int>(channels) : spec.width;
    const double bound = 1.0 / std::sqrt(static_cast<double>(layer.in));
    for (int i = 0; i < layer.in * layer.out; ++i) layer.weight.push_back(uniform(engine, -bound, bound));
    for (int i = 0; i < layer.out; ++i) layer.bias.push_back(uniform(engine, -bound, bound));
    layers.push_back(std::move(layer));
  }
  return layers;
}

// The training graph: inputs "features" [batch, F] (normalised), "target" [batch, C] and every
// parameter by its name; outputs "loss" (mean squared error over points and channels) and the
// gradient of the loss with respect to each parameter, in `names` order.
ir::Graph build_training_graph(const std::vector<models::DenseLayer>& layers, int64_t batch,
                               std::vector<std::string>& names) {
  ir::Builder builder(ir::DType::F64);
  const ir::NodeId features = builder.input("features", {ir::kBatch, layers.front().in});
  std::vector<LayerNodes> nodes;
  std::vector<ir::NodeId> parameters;
  for (size_t k = 0; k < layers.size(); ++k) {
    names.push_back(parameter_name(k, "weight"));
    names.push_back(parameter_name(k, "bias"));
    nodes.push_back({builder.input(names[names.size() - 2], {layers[k].out, layers[k].in}),
                     builder.input(names.back(), {layers[k].out})});
    parameters.push_back(nodes.back().weight);
    parameters.push_back(nodes.back().bias);
  }
  const ir::NodeId predicted = head_forward(builder, features, nodes);
  const ir::NodeId error = builder.sub(predicted, builder.input("target", {ir::kBatch, layers.back().out}));
  const ir::NodeId loss = builder.scale(builder.reduce_sum(builder.mul(error, error), {0, 1}, true),
                                        1.0 / static_cast<double>(batch * layers.back().out));
  const std::vector<ir::NodeId> gradients =
      autodiff::vjp(builder, loss, builder.scalar_constant(1.0, builder.shape(loss)), parameters);
  builder.add_output("loss", loss);
  for (size_t i = 0; i < parameters.size(); ++i) builder.add_output("grad." + names[i], gradients[i]);
  return passes::optimize(builder.finish());
}

void check_train_options(const InspTrainOptions& options) {
  if (options.head.width < 1 || options.head.width > 4096) throw UserError("insp train: width must be in [1, 4096]");
  if (options.head.hidden < 0 || options.head.hidden > 64) throw UserError("insp train: hidden must be in [0, 64]");
  if (options.steps < 0) throw UserError("insp train: steps must not be negative");
  if (!(options.lr > 0)) throw UserError("insp train: the learning rate must be positive");
  if (options.batch < 0) throw UserError("insp train: the batch size must not be negative");
}

}  // namespace

autodiff::DeriveSpec insp_net_features() {
  autodiff::DeriveSpec spec;
  spec.method = autodiff::Method::Nested;
  spec.layout = autodiff::Layout::Insp;
  spec.insp_calls = 31;
  return spec;
}

std::string feature_input_name(const autodiff::DeriveSpec& features) {
  return features.layout == autodiff::Layout::Insp ? kInspPrefix + std::to_string(features.insp_calls)
                                                   : kUniquePrefix + std::to_string(features.order);
}

int64_t feature_count(const autodiff::DeriveSpec& features, int64_t channels, int64_t dims) {
  if (features.layout == autodiff::Layout::Insp) return channels + dims * features.insp_calls;
  return channels * autodiff::multi_index_count(static_cast<int>(dims), features.order);
}

autodiff::DeriveSpec head_features(const ir::Graph& head, int64_t channels, int64_t dims) {
  const auto inputs = head.inputs();
  if (inputs.size() != 1 || head.node(inputs[0]).shape.size() != 2) {
    throw UserError("insp: a head needs exactly one input of shape [N, features]");
  }
  const ir::Node& input = head.node(inputs[0]);
  const std::string& name = input.attrs.name;
  if (const auto calls = suffix_number(name, kInspPrefix)) {
    autodiff::DeriveSpec spec = insp_net_features();
    spec.insp_calls = *calls;
    return spec;
  }
  if (const auto order = suffix_number(name, kUniquePrefix)) {
    autodiff::DeriveSpec spec;
    spec.order = *order;
    return spec;
  }
  const int64_t width = input.shape.at(1);
  if (width <= channels || (width - channels) % dims != 0) {
    throw UserError("insp: the head's input \"" + name + "\" reads " + std::to_string(width) +
                    " features, which is no INSP-Net layout for an INR with " + std::to_string(channels) +
                    " channels and " + std::to_string(dims) + " coordinates; name it " + kInspPrefix + "<calls> or " +
                    kUniquePrefix + "<order>");
  }
  autodiff::DeriveSpec spec = insp_net_features();
  spec.insp_calls = static_cast<int>((width - channels) / dims);
  return spec;
}

ir::Graph build_head_graph(const InspHead& head, ir::DType dtype) {
  ir::Builder builder(dtype);
  const ir::NodeId features = builder.input(feature_input_name(head.features), {ir::kBatch, head.layers.front().in});
  std::vector<LayerNodes> nodes;
  for (size_t k = 0; k < head.layers.size(); ++k) {
    const models::DenseLayer& layer = head.layers[k];
    nodes.push_back({builder.constant({layer.out, layer.in}, layer.weight, parameter_name(k, "weight")),
                     builder.constant({layer.out}, layer.bias, parameter_name(k, "bias"))});
  }
  builder.add_output("output", head_forward(builder, features, nodes));
  return builder.finish();
}

ir::Graph load_head(const std::string& path, ir::DType dtype) {
  ir::Graph head = models::import_onnx(path, dtype);
  const auto inputs = head.inputs();
  const auto is_rows = [](const ir::Shape& shape) { return shape.size() == 2 && shape[0] == ir::kBatch && shape[1] > 0; };
  if (inputs.size() != 1 || !is_rows(head.node(inputs[0]).shape)) {
    throw UserError(path + ": an INSP head needs exactly one input of shape [N, features]");
  }
  if (head.outputs().size() != 1 || !is_rows(head.node(head.outputs()[0].node).shape)) {
    throw UserError(path + ": an INSP head needs exactly one output of shape [N, channels]");
  }
  return head;
}

ir::Graph build_insp_graph(const ir::Graph& inr, const ir::Graph& head) {
  const InrShape shape = inr_shape(inr);
  const autodiff::DeriveSpec spec = head_features(head, shape.channels, shape.dims);
  ir::Builder builder = passes::builder_like(inr);
  const ir::NodeId features = import_features(builder, inr, spec);
  const ir::Node& head_input = head.node(head.inputs()[0]);
  if (builder.shape(features) != head_input.shape) {
    throw UserError("insp: the head reads " + std::to_string(head_input.shape[1]) + " features (" +
                    feature_input_name(spec) + ") but the INR gives " + std::to_string(builder.shape(features)[1]));
  }
  std::vector<ir::NodeId> ids;
  for (const ir::Node& node : head.nodes()) {
    if (node.op == ir::Op::Input) {
      ids.push_back(features);
    } else if (node.op == ir::Op::Constant && !node.attrs.name.empty()) {
      ids.push_back(builder.constant(node.shape, *node.data, "insp_head." + node.attrs.name));
    } else {
      ids.push_back(builder.clone(node, passes::mapped_inputs(node, ids)));
    }
  }
  builder.add_output("output", ids.at(static_cast<size_t>(head.outputs()[0].node)));
  return passes::optimize(builder.finish());
}

Image render_on_grid(const ir::Graph& graph, int64_t height, int64_t width, const RunnerFactory& runners,
                     const ProgressCallback& on_progress) {
  return tensor_to_image(evaluate_in_chunks(graph, models::grid_points({height, width}), runners, on_progress), height,
                         width);
}

Tensor grid_features(const ir::Graph& inr, const autodiff::DeriveSpec& features, int64_t height, int64_t width,
                     const RunnerFactory& runners) {
  ir::Builder builder = passes::builder_like(inr);
  builder.add_output("features", import_features(builder, inr, features));
  return evaluate_in_chunks(passes::optimize(builder.finish()), models::grid_points({height, width}), runners, {});
}

InspTask parse_insp_task(const std::string& name) {
  if (name == "blur") return InspTask::Blur;
  if (name == "denoise") return InspTask::Denoise;
  if (name == "sharpen") return InspTask::Sharpen;
  throw UserError("insp: unknown task \"" + name + "\" (known: blur, denoise, sharpen)");
}

std::string insp_task_name(InspTask task) {
  switch (task) {
    case InspTask::Blur: return "blur";
    case InspTask::Denoise: return "denoise";
    case InspTask::Sharpen: return "sharpen";
  }
  return "?";
}

Image task_input(InspTask task, const Image& clean, const InspTaskOptions& options, uint64_t noise_seed) {
  if (task != InspTask::Denoise) return clean;
  // Box-Muller on our own uniforms, for the same noise on every platform.
  std::mt19937_64 engine(noise_seed);
  Image noisy = clean;
  for (float& value : noisy.pixels) {
    const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform(engine, 0.0, 1.0)));
    value += static_cast<float>(options.noise_sigma * radius * std::cos(2.0 * std::numbers::pi * uniform(engine, 0.0, 1.0)));
  }
  return noisy;
}

Image task_target(InspTask task, const Image& clean, const InspTaskOptions& options) {
  switch (task) {
    case InspTask::Blur: return gaussian_blur(clean, options.blur_sigma);
    case InspTask::Denoise: return clean;
    case InspTask::Sharpen: return laplacian_sharpen(clean, options.sharpen_amount);
  }
  return clean;
}

InspHead train_insp_head(const std::vector<InspExample>& examples, const InspTrainOptions& options,
                         const InspStepCallback& on_step, const RunnerFactory& runners) {
  check_train_options(options);
  if (examples.empty()) throw UserError("insp train: no training examples");
  const InrShape shape = inr_shape(examples[0].inr);
  const int64_t channels = examples[0].target.channels;
  const int64_t feature_width = feature_count(options.features, shape.channels, shape.dims);

  // All pixels of all examples as rows of one feature table and one target table.
  Tensor features({0, feature_width});
  Tensor targets({0, channels});
  for (const InspExample& example : examples) {
    const InrShape example_shape = inr_shape(example.inr);
    if (example_shape.channels != shape.channels || example_shape.dims != shape.dims ||
        example.target.channels != channels) {
      throw UserError("insp train: every example needs an INR and a target of the same channels and coordinates");
    }
    const Tensor rows = grid_features(example.inr, options.features, example.target.height, example.target.width, runners);
    features.data.insert(features.data.end(), rows.data.begin(), rows.data.end());
    const Tensor target = image_to_tensor(example.target);
    targets.data.insert(targets.data.end(), target.data.begin(), target.data.end());
  }
  const int64_t pixels = static_cast<int64_t>(targets.data.size()) / channels;
  features.shape[0] = targets.shape[0] = pixels;

  // Features of different orders differ by orders of magnitude; dividing each by its root mean
  // square gives Adam a well-conditioned problem. The scale is folded into the first layer at the end.
  std::vector<double> scale(static_cast<size_t>(feature_width), 0.0);
  for (int64_t p = 0; p < pixels; ++p) {
    for (int64_t i = 0; i < feature_width; ++i) scale[i] += std::pow(features.data[p * feature_width + i], 2);
  }
  for (double& s : scale) s = s > 0 ? 1.0 / std::sqrt(s / static_cast<double>(pixels)) : 1.0;
  for (int64_t p = 0; p < pixels; ++p) {
    for (int64_t i = 0; i < feature_width; ++i) features.data[p * feature_width + i] *= scale[i];
  }

  std::mt19937_64 engine(options.seed);
  std::vector<models::DenseLayer> layers = init_head(feature_width, channels, options.head, engine);
  const bool full_batch = options.batch == 0 || options.batch >= pixels;
  const int64_t batch = full_batch ? pixels : options.batch;
  std::vector<std::string> names;
  const GraphRunner run = runners(build_training_graph(layers, batch, names));

  std::map<std::string, Tensor> inputs;
  std::vector<std::vector<double>*> parameters;
  std::vector<int64_t> sizes;
  for (size_t k = 0; k < layers.size(); ++k) {
    inputs[names[2 * k]] = Tensor({layers[k].out, layers[k].in}, layers[k].weight);
    inputs[names[2 * k + 1]] = Tensor({layers[k].out}, layers[k].bias);
  }
  for (const std::string& name : names) {
    parameters.push_back(&inputs.at(name).data);
    sizes.push_back(inputs.at(name).size());
  }
  Adam adam(AdamOptions{.lr = options.lr}, sizes);
  if (full_batch) {
    inputs["features"] = features;
    inputs["target"] = targets;
  } else {
    inputs["features"] = Tensor({batch, feature_width});
    inputs["target"] = Tensor({batch, channels});
  }
  for (int step = 1; step <= options.steps; ++step) {
    // Pixels drawn uniformly with replacement from all examples.
    for (int64_t b = 0; !full_batch && b < batch; ++b) {
      const auto p = static_cast<int64_t>(engine() % static_cast<uint64_t>(pixels));
      std::copy_n(features.data.begin() + p * feature_width, feature_width,
                  inputs["features"].data.begin() + b * feature_width);
      std::copy_n(targets.data.begin() + p * channels, channels, inputs["target"].data.begin() + b * channels);
    }
    const std::vector<Tensor> outputs = run(inputs);
    const double loss = outputs.at(0).data.at(0);
    if (!std::isfinite(loss)) {
      throw UserError("insp train: the loss became " + std::to_string(loss) + " at step " + std::to_string(step) +
                      " (try a smaller learning rate)");
    }
    std::vector<const std::vector<double>*> gradients;
    for (size_t i = 1; i < outputs.size(); ++i) gradients.push_back(&outputs[i].data);
    adam.step(parameters, gradients);
    if (on_step) on_step(step, loss);
  }

  InspHead head{options.features, layers};
  for (size_t k = 0; k < layers.size(); ++k) {
    head.layers[k].weight = inputs.at(names[2 * k]).data;
    head.layers[k].bias = inputs.at(names[2 * k + 1]).data;
  }
  models::DenseLayer& first = head.layers.front();
  for (int o = 0; o < first.out; ++o) {
    for (int i = 0; i < first.in; ++i) first.weight[static_cast<size_t>(o * first.in + i)] *= scale[static_cast<size_t>(i)];
  }
  return head;
}

}  // namespace inrarch::apps
