// The picture a user actually looks at: several images side by side (original | INR | derivative
// maps | edits), each with a title above it, in one PNG. Titles are drawn with a 5x7 bitmap font of
// our own (apps/panel.cpp) so no font library or file is needed; it has A-Z, 0-9 and common
// punctuation, shows lower case as upper case and anything else as a hollow box.
#pragma once

#include <string>
#include <vector>

#include "apps/image.h"

namespace inrarch::apps {

struct PanelTile {
  std::string title;
  Image image;  // 1 channel (grey) or 3 (RGB); shown as stored, clamped to [0, 1]
};

// Lays tiles out row by row, `columns` per row (0: all in one row), on a white background. Every
// cell is as large as the largest tile, with 8 white pixels around and between cells; each title
// sits in a 20-pixel band above its tile, drawn at twice the font size (12 pixels per character),
// and is cut off at the cell width. So the panel is 8 + columns * (cell width + 8) wide and
// 8 + rows * (20 + cell height + 8) high. Returns an RGB image.
// Throws UserError for no tiles, an empty tile or a channel count other than 1 or 3.
Image compose_panel(const std::vector<PanelTile>& tiles, int columns = 0);

}  // namespace inrarch::apps
