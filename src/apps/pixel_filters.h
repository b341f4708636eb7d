// Pixel-domain reference filters: the classical discrete operators an INR edit computed from
// derivatives is meant to reproduce. They are the yardstick for apps/edit.h (same quantities, same
// units, same display mappings), so every filter here returns values in PIXEL units: a derivative
// is per pixel step, a Laplacian per pixel squared. Each channel is filtered independently.
//
// Border handling, all filters: replicate (clamp-to-edge). A sample outside the image takes the
// value of the nearest edge pixel, so a constant image stays constant and derivatives across the
// border are zero; within a filter's radius of the border results are therefore biased, and
// comparisons with the INR (whose derivatives need no border) should use the interior.
//
// Angles: theta is measured from +x (increasing column, to the right) towards +y (increasing row,
// downwards on screen), matching the grid convention of models::grid_points.
#pragma once

#include "apps/image.h"

namespace inrarch::apps {

// Separable convolution with the sampled Gaussian exp(-k^2 / (2 sigma^2)), |k| <= ceil(4 sigma),
// normalised to sum 1 (so the variance is sigma^2 up to the truncation). sigma in pixels, >= 0;
// sigma = 0 returns the image unchanged. Throws UserError for a negative or non-finite sigma.
Image gaussian_blur(const Image& image, double sigma);

// 5-point stencil f(r-1,c) + f(r+1,c) + f(r,c-1) + f(r,c+1) - 4 f(r,c).
Image laplacian(const Image& image);

// f - amount * laplacian(f): amount 1 is the classic [0 -1 0; -1 5 -1; 0 -1 0] sharpening kernel.
Image laplacian_sharpen(const Image& image, double amount);

// f + amount * (f - gaussian_blur(f, sigma)). Since f - blur(f) ~ -(sigma^2 / 2) laplacian(f) for
// smooth f, this matches laplacian_sharpen with amount * sigma^2 / 2 on smooth regions.
Image unsharp_mask(const Image& image, double sigma, double amount);

// Sobel derivatives divided by 8 (the kernel weights), i.e. a smoothed central difference per
// pixel step: exact for a linear ramp. gx runs along columns (x), gy along rows (y).
Image sobel_gradient_magnitude(const Image& image);                      // sqrt(gx^2 + gy^2)
Image directional_derivative(const Image& image, double theta_degrees);  // cos(theta) gx + sin(theta) gy

}  // namespace inrarch::apps
