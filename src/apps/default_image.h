// A built-in test picture, so fitting and editing demos need no download and no file: generated
// here from closed-form shapes, deterministic, the same on every machine. It is meant to be easy
// enough for a SIREN 2->256x3->3 to fit well while giving every edit something to show:
//   - a smooth colour gradient background with a gentle low-frequency wave (blur leaves it alone,
//     the Laplacian is ~0 there);
//   - a disc and a triangle with sharp (~1.5 pixel) edges (edges, sharpening);
//   - a square with soft (~10 pixel) edges and a Gaussian blob (what a blur already looks like);
//   - concentric rings of ~16 pixel period in a soft window (texture; orientation for directional
//     derivatives).
// Shapes are defined in grid coordinates x, y in [-1, 1] (x = column, y = row, as
// models::grid_points), so other sizes show the same picture; edge widths are tuned for 256x256.
#pragma once

#include <cstdint>

#include "apps/image.h"

namespace inrarch::apps {

// RGB, values in [0, 1]. Throws UserError for sizes below 2 or above 16384.
Image default_image(int64_t height = 256, int64_t width = 256);

// The same kinds of shapes with positions, sizes, colours, the rings' frequency and the square's
// rotation drawn from `seed` (seed 0: the default image). A family of different but similar pictures
// for training on some and testing on others. Same size limits.
Image default_image_variant(uint64_t seed, int64_t height = 256, int64_t width = 256);

}  // namespace inrarch::apps
