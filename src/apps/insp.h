// INSP-Net (Xu et al., "Signal Processing for Implicit Neural Representations", NeurIPS 2022) in
// inrarch: an INR is edited by a small per-pixel MLP, the head, applied to the INR's derivative
// features at each point. INSP-Net computes the features once with nested torch.autograd.grad calls
// and stores them; here the head runs fused after the derivative graph, as ONE ir::Graph
// (coordinates in, edited colour out), so every executor and the FPGA flow see an ordinary graph,
// and nothing between the INR and the edited colour is ever stored.
//
// The head has INSP-Net's architecture (VITA-Group/INSP, eval_insp.py; docs/insp.md): dense layers
// with ReLU after all but the last, width 256 and 3 hidden width -> width layers by default. A head
// is an ir::Graph with one input, the features [N, F], and one output [N, C]. The derivative layout it
// reads is carried by its input's name (feature_input_name), so a head file alone says how to feed
// it; a head trained in PyTorch and exported to ONNX works when its input is named that way, and an
// input with any other name is read as INSP-Net's own layout.
//
// Training (train_insp_head) fits the head with Adam so that head(features of an INR at each pixel)
// matches a target image made by a pixel-domain filter (apps/pixel_filters.h). Parameter gradients
// come from autodiff::vjp on a training graph, and every graph runs through a RunnerFactory, so the
// fast engine runs training as well as inference.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "apps/fit.h"
#include "apps/image.h"
#include "autodiff/derive.h"
#include "ir/graph.h"
#include "models/siren.h"

namespace inrarch::apps {

// ---- The head ----------------------------------------------------------------------------------

// INSP-Net's head: `hidden` + 1 dense layers of `width` units with ReLU, then a dense layer to the
// output channels. INSP-Net: width 256, hidden 3 (its fc1, fc2, fc3, fc5, then fc4).
struct InspHeadSpec {
  int width = 256;
  int hidden = 3;
};

// A head with its weights. `layers` are in PyTorch layout (weight [out, in], bias [out]) and read
// the raw features of `features` (any normalisation is folded into the first layer).
struct InspHead {
  autodiff::DeriveSpec features;
  std::vector<models::DenseLayer> layers;
};

// INSP-Net's own layout: 31 nested grad calls (65 features for RGB), reverse mode as the layout needs.
autodiff::DeriveSpec insp_net_features();

// The name of a head's input for a feature layout: "insp_calls<K>" (Layout::Insp, K grad calls) or
// "unique_order<n>" (Layout::Unique up to order n, flattened channel-major to [N, C * M]).
std::string feature_input_name(const autodiff::DeriveSpec& features);

// How many features a head reads from an INR with `channels` outputs and `dims` coordinates.
int64_t feature_count(const autodiff::DeriveSpec& features, int64_t channels, int64_t dims);

// The features a head graph expects from an INR with `channels` outputs and `dims` coordinates: from
// its input's name, or, for any other name, INSP-Net's layout with as many grad calls as its width
// implies. Throws UserError naming the input when the width does not fit.
autodiff::DeriveSpec head_features(const ir::Graph& head, int64_t channels, int64_t dims);

// The head as a graph: input feature_input_name(head.features) [N, F], output "output" [N, C],
// parameters named "head.<k>.weight" / "head.<k>.bias".
ir::Graph build_head_graph(const InspHead& head, ir::DType dtype = ir::DType::F32);

// Reads a head from ONNX (ours or PyTorch's). Throws UserError naming the file unless it has one
// input [N, F] and one output [N, C].
ir::Graph load_head(const std::string& path, ir::DType dtype = ir::DType::F32);

// ---- Fusion ------------------------------------------------------------------------------------

// ONE graph: the derivative graph of `inr` in the layout the head expects, followed by the head,
// optimized with passes::optimize. Input: the INR's coordinate input; output "output" [N, C_head].
// The head's parameters are renamed "insp_head.<name>" so they cannot clash with the INR's. Throws
// UserError when the INR's features do not match the head's width.
ir::Graph build_insp_graph(const ir::Graph& inr, const ir::Graph& head);

// Evaluates a graph with one [N, 2] coordinate input and one [N, C] output on the H x W pixel grid
// (models::grid_points) in chunks of points, reporting the points done after each chunk.
using ProgressCallback = std::function<void(int64_t done, int64_t total)>;
Image render_on_grid(const ir::Graph& graph, int64_t height, int64_t width, const RunnerFactory& runners,
                     const ProgressCallback& on_progress = {});

// ---- Tasks and training ------------------------------------------------------------------------

enum class InspTask { Blur, Denoise, Sharpen };

// "blur", "denoise" or "sharpen"; UserError otherwise.
InspTask parse_insp_task(const std::string& name);
std::string insp_task_name(InspTask task);

// Parameters of the pixel-domain operations that define each task, in pixels and [0, 1] units.
struct InspTaskOptions {
  double blur_sigma = 1.5;      // Gaussian blur (INSP-Net's target: 7 diffusion steps, ~1.5 px)
  double noise_sigma = 0.1;     // additive Gaussian noise of the denoising task's input
  double sharpen_amount = 1.0;  // pixel_filters' laplacian_sharpen
};

// What the INR of a task represents: the clean image, or for denoising the clean image plus
// Gaussian noise drawn from `noise_seed`.
Image task_input(InspTask task, const Image& clean, const InspTaskOptions& options, uint64_t noise_seed);
// What the head should produce: the blurred or sharpened clean image, or for denoising the clean
// image itself.
Image task_target(InspTask task, const Image& clean, const InspTaskOptions& options);

// One training (or test) pair: an INR and the target image on the grid of the target's size.
struct InspExample {
  ir::Graph inr;
  Image target;
};

struct InspTrainOptions {
  autodiff::DeriveSpec features = insp_net_features();
  InspHeadSpec head;
  int steps = 2000;
  double lr = 1e-3;     // INSP-Net trains its heads with lr 1e-3
  int64_t batch = 4096; // pixels per step, drawn from all examples; 0: every pixel every step
  uint64_t seed = 0;    // head initialisation and minibatch order
};

// Called after every step with the step number (1 .. steps) and the minibatch loss before the update.
using InspStepCallback = std::function<void(int step, double loss)>;

// Fits a head. Features are computed once per example (derive + runner) and normalised per feature
// by their root mean square over all examples for training; the returned head has that
// normalisation folded into its first layer, so it reads raw features. Throws UserError for no
// examples, examples whose INRs differ in channels or coordinates, or options out of range.
InspHead train_insp_head(const std::vector<InspExample>& examples, const InspTrainOptions& options,
                         const InspStepCallback& on_step = {},
                         const RunnerFactory& runners = reference_runner_factory());

// The features of `inr` on the H x W grid, [H * W, F], as a head with these features reads them.
Tensor grid_features(const ir::Graph& inr, const autodiff::DeriveSpec& features, int64_t height, int64_t width,
                     const RunnerFactory& runners);

}  // namespace inrarch::apps
