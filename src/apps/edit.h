// Training-free INR editing: an image operation that is a linear combination of partial
// derivatives can be applied to an INR by evaluating its derivatives instead of retraining or
// filtering pixels. These functions turn a derivative array [P, C, M] of order n on an H x W grid
// (models::grid_points({H, W}), multi-indices in autodiff::multi_indices(2, n) order) into images,
// so they can be compared one to one with the pixel-domain filters in apps/pixel_filters.h.
//
// Units. The INR's derivatives are per coordinate unit; pixels are h_x = 2 / (W - 1) apart along
// x (columns) and h_y = 2 / (H - 1) along y (rows). Every result here is in PIXEL units, like the
// pixel filters: ∂^α f is multiplied by h_x^{a_x} h_y^{a_y}, so "Δf" below means
// h_x² f_xx + h_y² f_yy (per pixel²) and a gradient is per pixel step. Parameters are in pixels too.
//
// Display. Results that are images (blur, sharpen) are in the INR's own range; signed results
// (Laplacian, directional and partial derivatives) and magnitudes are returned raw, to be shown
// with signed_to_display / magnitude_to_display from apps/image.h.
//
// Angles: theta from +x (columns, rightwards) towards +y (rows, downwards), as in pixel_filters.h.
#pragma once

#include "apps/image.h"
#include "autodiff/multi_index.h"
#include "ir/tensor.h"

namespace inrarch::apps {

// An INR's derivatives on the H x W image grid: values is [H * W, C, M] with M = C(n + 2, 2); the
// order n is implied by M. H and W must be at least 2 (the pixel spacing is 2 / (size - 1)).
struct DerivativeField {
  Tensor values;
  int64_t height = 0;
  int64_t width = 0;
};

// Order n of a field whose values have the right shape; throws UserError naming the shape if not.
int derivative_order(const DerivativeField& field);

// ∂^α f in pixel units (α = {a_x, a_y}); α = {0, 0} is the INR's image itself.
Image partial_derivative(const DerivativeField& field, const autodiff::MultiIndex& alpha);

// Gaussian blur with standard deviation sigma pixels through the heat equation u_t = Δu: a
// Gaussian of variance σ² is the heat flow at time t = σ² / 2, i.e. u(t) = exp(tΔ) f, truncated to
//   u ≈ Σ_{k=0..K} (tΔ)^k f / k!,   (tΔ)^k = t^k Σ_{i=0..k} C(k, i) ∂x^{2i} ∂y^{2(k-i)},   K = floor(n / 2).
// In coordinate units that is t = σ_x² / 2 with σ_x = σ · 2 / (W - 1) (and likewise along y
// with H); working in pixel units makes it t = σ² / 2 on both axes at once. Exact for
// polynomials of degree <= 2K + 1. On a wave of frequency ω rad/pixel it multiplies by the
// truncated series of e^{-s}, s = σ²ω²/2, with error below s^{K+1} / (K + 1)! for s <= 1, so it needs
// σ ω ≲ 1: wide blurs of fine detail need far more orders than narrow ones. A SIREN fitted to
// pixels carries frequencies near π rad/pixel at edges, so with n = 4 only σ of about half a pixel
// tracks a pixel-domain Gaussian; larger σ makes the series blow up there. Needs n >= 2.
Image heat_series_blur(const DerivativeField& field, double sigma);

// f - amount · Δf (per pixel², needs n >= 2): the derivative form of pixel_filters' laplacian_sharpen.
Image laplacian_sharpen(const DerivativeField& field, double amount);

// Δf = f_xx + f_yy per pixel², signed (needs n >= 2).
Image laplacian(const DerivativeField& field);

// |∇f| per pixel step (needs n >= 1): edges.
Image gradient_magnitude(const DerivativeField& field);

// cos(theta) f_x + sin(theta) f_y per pixel step, signed (needs n >= 1).
Image directional_derivative(const DerivativeField& field, double theta_degrees);

}  // namespace inrarch::apps
