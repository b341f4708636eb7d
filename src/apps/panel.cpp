#include "apps/panel.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "util/error.h"

namespace inrarch::apps {
namespace {

constexpr int64_t kMargin = 8;     // white pixels around and between cells
constexpr int64_t kFontScale = 2;  // screen pixels per font pixel
constexpr int64_t kGlyphWidth = 5;
constexpr int64_t kGlyphHeight = 7;
constexpr int64_t kAdvance = (kGlyphWidth + 1) * kFontScale;
constexpr int64_t kTitleBand = kGlyphHeight * kFontScale + 6;  // text plus a gap above the tile

struct Glyph {
  char character;
  std::array<std::string_view, kGlyphHeight> rows;  // '#' = ink
};

// clang-format off
constexpr Glyph kFont[] = {
  {' ', {".....", ".....", ".....", ".....", ".....", ".....", "....."}},
  {'A', {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"}},
  {'B', {"####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."}},
  {'C', {".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."}},
  {'D', {"####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."}},
  {'E', {"#####", "#....", "#....", "####.", "#....", "#....", "#####"}},
  {'F', {"#####", "#....", "#....", "####.", "#....", "#....", "#...."}},
  {'G', {".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"}},
  {'H', {"#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"}},
  {'I', {".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."}},
  {'J', {"..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."}},
  {'K', {"#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"}},
  {'L', {"#....", "#....", "#....", "#....", "#....", "#....", "#####"}},
  {'M', {"#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"}},
  {'N', {"#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"}},
  {'O', {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."}},
  {'P', {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."}},
  {'Q', {".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"}},
  {'R', {"####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"}},
  {'S', {".####", "#....", "#....", ".###.", "....#", "....#", "####."}},
  {'T', {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."}},
  {'U', {"#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."}},
  {'V', {"#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."}},
  {'W', {"#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."}},
  {'X', {"#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"}},
  {'Y', {"#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."}},
  {'Z', {"#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"}},
  {'0', {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."}},
  {'1', {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."}},
  {'2', {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"}},
  {'3', {"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."}},
  {'4', {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."}},
  {'5', {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."}},
  {'6', {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."}},
  {'7', {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."}},
  {'8', {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."}},
  {'9', {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."}},
  {'.', {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."}},
  {',', {".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."}},
  {':', {".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."}},
  {';', {".....", ".##..", ".##..", ".....", ".##..", "..#..", ".#..."}},
  {'-', {".....", ".....", ".....", "#####", ".....", ".....", "....."}},
  {'+', {".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."}},
  {'=', {".....", ".....", "#####", ".....", "#####", ".....", "....."}},
  {'*', {".....", "#.#.#", ".###.", "#####", ".###.", "#.#.#", "....."}},
  {'/', {".....", "....#", "...#.", "..#..", ".#...", "#....", "....."}},
  {'|', {"..#..", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."}},
  {'_', {".....", ".....", ".....", ".....", ".....", ".....", "#####"}},
  {'%', {"##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"}},
  {'(', {"...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."}},
  {')', {".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."}},
  {'[', {".###.", ".#...", ".#...", ".#...", ".#...", ".#...", ".###."}},
  {']', {".###.", "...#.", "...#.", "...#.", "...#.", "...#.", ".###."}},
  {'<', {"...#.", "..#..", ".#...", "#....", ".#...", "..#..", "...#."}},
  {'>', {".#...", "..#..", "...#.", "....#", "...#.", "..#..", ".#..."}},
  {'\'', {"..#..", "..#..", ".#...", ".....", ".....", ".....", "....."}},
  {'!', {"..#..", "..#..", "..#..", "..#..", "..#..", ".....", "..#.."}},
  {'?', {".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."}},
  {'#', {".#.#.", ".#.#.", "#####", ".#.#.", "#####", ".#.#.", ".#.#."}},
};
constexpr Glyph kUnknownGlyph = {'\0', {"#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#####"}};
// clang-format on

const Glyph& glyph_for(char character) {
  const char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(character)));
  for (const Glyph& glyph : kFont) {
    if (glyph.character == upper) return glyph;
  }
  return kUnknownGlyph;
}

// Draws `text` in black with its top-left corner at (top, left), clipped at column `right`.
void draw_text(Image& canvas, const std::string& text, int64_t top, int64_t left, int64_t right) {
  for (size_t index = 0; index < text.size(); ++index) {
    const Glyph& glyph = glyph_for(text[index]);
    const int64_t glyph_left = left + static_cast<int64_t>(index) * kAdvance;
    for (int64_t gy = 0; gy < kGlyphHeight; ++gy) {
      for (int64_t gx = 0; gx < kGlyphWidth; ++gx) {
        if (glyph.rows[static_cast<size_t>(gy)][static_cast<size_t>(gx)] != '#') continue;
        for (int64_t dy = 0; dy < kFontScale; ++dy) {
          for (int64_t dx = 0; dx < kFontScale; ++dx) {
            const int64_t col = glyph_left + gx * kFontScale + dx;
            if (col >= right) continue;
            for (int64_t c = 0; c < 3; ++c) canvas.at(top + gy * kFontScale + dy, col, c) = 0.0f;
          }
        }
      }
    }
  }
}

}  // namespace

Image compose_panel(const std::vector<PanelTile>& tiles, int columns) {
  if (tiles.empty()) throw UserError("panel: no images to show");
  int64_t cell_height = 0;
  int64_t cell_width = 0;
  for (const PanelTile& tile : tiles) {
    const Image& image = tile.image;
    if (image.height < 1 || image.width < 1 || (image.channels != 1 && image.channels != 3)) {
      throw UserError("panel tile \"" + tile.title + "\": image is " + std::to_string(image.height) + "x" +
                      std::to_string(image.width) + " with " + std::to_string(image.channels) +
                      " channels (need a non-empty grey or RGB image)");
    }
    cell_height = std::max(cell_height, image.height);
    cell_width = std::max(cell_width, image.width);
  }
  const auto count = static_cast<int64_t>(tiles.size());
  const int64_t per_row = columns <= 0 ? count : std::min<int64_t>(columns, count);
  const int64_t rows = (count + per_row - 1) / per_row;
  Image canvas(kMargin + rows * (kTitleBand + cell_height + kMargin), kMargin + per_row * (cell_width + kMargin), 3,
               1.0f);
  for (int64_t index = 0; index < count; ++index) {
    const PanelTile& tile = tiles[static_cast<size_t>(index)];
    const int64_t left = kMargin + (index % per_row) * (cell_width + kMargin);
    const int64_t top = kMargin + (index / per_row) * (kTitleBand + cell_height + kMargin);
    draw_text(canvas, tile.title, top, left, left + cell_width);
    const Image& image = tile.image;
    for (int64_t row = 0; row < image.height; ++row) {
      for (int64_t col = 0; col < image.width; ++col) {
        for (int64_t c = 0; c < 3; ++c) {
          const float value = image.at(row, col, image.channels == 1 ? 0 : c);
          canvas.at(top + kTitleBand + row, left + col, c) = std::clamp(value, 0.0f, 1.0f);
        }
      }
    }
  }
  return canvas;
}

}  // namespace inrarch::apps
