#include "dataflow/charts.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <sstream>

namespace inrarch::dataflow {
namespace {

constexpr int kLabelWidth = 200;
constexpr int kPlotWidth = 1000;
constexpr int kTop = 40;
constexpr const char* kFont = "font-family=\"sans-serif\"";

std::string escape(const std::string& text) {
  std::string result;
  for (char c : text) {
    switch (c) {
      case '&':
        result += "&amp;";
        break;
      case '<':
        result += "&lt;";
        break;
      case '>':
        result += "&gt;";
        break;
      case '"':
        result += "&quot;";
        break;
      default:
        result += c;
    }
  }
  return result;
}

// Bins that cover the run (the series are longer than the run).
size_t used_bins(const Simulation& simulation) {
  const int64_t end = std::max<int64_t>(1, simulation.cycles);
  return static_cast<size_t>((end + simulation.bin_cycles - 1) / simulation.bin_cycles);
}

// A time axis under a plot of `bins` bins: ticks at round numbers of cycles.
void time_axis(std::ostringstream& svg, const Simulation& simulation, size_t bins, int y) {
  const double cycles = static_cast<double>(bins) * static_cast<double>(simulation.bin_cycles);
  double step = std::pow(10.0, std::floor(std::log10(std::max(1.0, cycles / 5))));
  while (cycles / step > 8) step *= 2;
  svg << "<line x1=\"" << kLabelWidth << "\" y1=\"" << y << "\" x2=\"" << kLabelWidth + kPlotWidth << "\" y2=\"" << y
      << "\" stroke=\"black\"/>\n";
  for (double t = 0; t <= cycles; t += step) {
    const double x = kLabelWidth + kPlotWidth * t / cycles;
    svg << "<line x1=\"" << x << "\" y1=\"" << y << "\" x2=\"" << x << "\" y2=\"" << y + 5 << "\" stroke=\"black\"/>"
        << "<text x=\"" << x << "\" y=\"" << y + 18 << "\" font-size=\"11\" text-anchor=\"middle\" " << kFont << ">"
        << static_cast<int64_t>(t) << "</text>\n";
  }
  svg << "<text x=\"" << kLabelWidth + kPlotWidth / 2 << "\" y=\"" << y + 34
      << "\" font-size=\"12\" text-anchor=\"middle\" " << kFont << ">cycle</text>\n";
}

}  // namespace

std::string gantt_svg(const Network& network, const Simulation& simulation, const std::string& title) {
  const size_t processes = network.processes.size();
  const int row = std::clamp(900 / std::max<int>(1, static_cast<int>(processes)), 3, 14);
  const size_t bins = used_bins(simulation);
  const double column = static_cast<double>(kPlotWidth) / static_cast<double>(bins);
  const int height = kTop + row * static_cast<int>(processes) + 70;
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kLabelWidth + kPlotWidth + 20 << "\" height=\""
      << height << "\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"10\" y=\"18\" font-size=\"14\" " << kFont << ">" << escape(title) << "</text>\n"
      << "<text x=\"10\" y=\"34\" font-size=\"11\" " << kFont
      << "><tspan fill=\"#1f5fbf\">busy</tspan>, <tspan fill=\"#e08a00\">waiting for input</tspan>, "
         "<tspan fill=\"#c8102e\">waiting for space</tspan>; shade = share of the column's cycles</text>\n";
  static const std::array<const char*, 3> colors{"#1f5fbf", "#e08a00", "#c8102e"};
  for (size_t p = 0; p < processes; ++p) {
    const ProcessActivity& activity = simulation.processes[p];
    const int y = kTop + row * static_cast<int>(p);
    if (row >= 8) {
      svg << "<text x=\"" << kLabelWidth - 4 << "\" y=\"" << y + row - 2 << "\" font-size=\"" << std::min(11, row)
          << "\" text-anchor=\"end\" " << kFont << ">" << escape(network.processes[p].name) << "</text>\n";
    }
    // Each column shows its dominant state, shaded by that state's share; equal neighbours merge.
    size_t start = 0;
    int run_state = -1, run_level = 0;
    const auto flush = [&](size_t end) {
      if (run_state >= 0 && run_level > 0) {
        svg << "<rect x=\"" << kLabelWidth + column * static_cast<double>(start) << "\" y=\"" << y << "\" width=\""
            << column * static_cast<double>(end - start) << "\" height=\"" << row - (row > 4 ? 1 : 0) << "\" fill=\""
            << colors[static_cast<size_t>(run_state)] << "\" fill-opacity=\"" << run_level / 4.0 << "\"/>\n";
      }
      start = end;
    };
    for (size_t b = 0; b < bins; ++b) {
      const std::array<int64_t, 3> cycles{activity.busy_series[b], activity.input_stall_series[b],
                                          activity.output_stall_series[b]};
      const auto dominant = static_cast<int>(std::max_element(cycles.begin(), cycles.end()) - cycles.begin());
      const double share =
          static_cast<double>(cycles[static_cast<size_t>(dominant)]) / static_cast<double>(simulation.bin_cycles);
      const int level = static_cast<int>(std::lround(std::min(1.0, share) * 4));
      if (dominant != run_state || level != run_level) {
        flush(b);
        run_state = dominant;
        run_level = level;
      }
    }
    flush(bins);
  }
  time_axis(svg, simulation, bins, kTop + row * static_cast<int>(processes) + 4);
  svg << "</svg>\n";
  return svg.str();
}

std::string occupancy_svg(const Network& network, const Simulation& simulation, const std::vector<int>& depths,
                          const std::string& title, int count) {
  std::vector<size_t> order(network.streams.size());
  std::iota(order.begin(), order.end(), 0);
  const auto words = [&](size_t s) { return simulation.streams[s].max_occupancy * network.streams[s].block; };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return words(a) > words(b); });
  order.resize(std::min(order.size(), static_cast<size_t>(std::max(0, count))));
  int64_t top = 1;
  for (size_t s : order) top = std::max<int64_t>(top, depths.at(s));
  const size_t bins = used_bins(simulation);
  constexpr int kPlotHeight = 420;
  const double column = static_cast<double>(kPlotWidth) / static_cast<double>(bins);
  const auto y_of = [&](int64_t beats) {
    return kTop + kPlotHeight - kPlotHeight * static_cast<double>(beats) / static_cast<double>(top);
  };
  static const std::array<const char*, 8> palette{"#1f5fbf", "#c8102e", "#2e8b57", "#e08a00",
                                                  "#7b3fb5", "#00838f", "#8d6e63", "#546e7a"};
  std::ostringstream svg;
  const int legend = 18 * static_cast<int>(order.size());
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kLabelWidth + kPlotWidth + 20 << "\" height=\""
      << kTop + kPlotHeight + 60 + legend << "\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"10\" y=\"18\" font-size=\"14\" " << kFont << ">" << escape(title) << "</text>\n"
      << "<text x=\"10\" y=\"34\" font-size=\"11\" " << kFont
      << ">FIFO occupancy in beats (peak per column); dashed: the FIFO's depth</text>\n";
  for (int tick = 0; tick <= 4; ++tick) {
    const int64_t beats = top * tick / 4;
    svg << "<text x=\"" << kLabelWidth - 6 << "\" y=\"" << y_of(beats) + 4 << "\" font-size=\"11\" text-anchor=\"end\" "
        << kFont << ">" << beats << "</text><line x1=\"" << kLabelWidth << "\" y1=\"" << y_of(beats) << "\" x2=\""
        << kLabelWidth + kPlotWidth << "\" y2=\"" << y_of(beats) << "\" stroke=\"#e0e0e0\"/>\n";
  }
  for (size_t i = 0; i < order.size(); ++i) {
    const size_t s = order[i];
    const char* color = palette[i % palette.size()];
    svg << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"1.2\" points=\"";
    const auto& series = simulation.streams[s].occupancy;
    for (size_t b = 0; b < bins && b < series.size(); ++b) {
      svg << kLabelWidth + column * static_cast<double>(b) << "," << y_of(series[b]) << " "
          << kLabelWidth + column * static_cast<double>(b + 1) << "," << y_of(series[b]) << " ";
    }
    svg << "\"/>\n<line x1=\"" << kLabelWidth << "\" y1=\"" << y_of(depths[s]) << "\" x2=\"" << kLabelWidth + kPlotWidth
        << "\" y2=\"" << y_of(depths[s]) << "\" stroke=\"" << color << "\" stroke-dasharray=\"4 3\"/>\n";
    const int y = kTop + kPlotHeight + 56 + 18 * static_cast<int>(i);
    svg << "<rect x=\"" << kLabelWidth << "\" y=\"" << y - 9 << "\" width=\"12\" height=\"10\" fill=\"" << color
        << "\"/>"
        << "<text x=\"" << kLabelWidth + 18 << "\" y=\"" << y << "\" font-size=\"11\" " << kFont << ">"
        << escape(network.streams[s].name) << ": depth " << depths[s] << " x " << network.streams[s].block
        << " words, peak " << simulation.streams[s].max_occupancy << " beats</text>\n";
  }
  time_axis(svg, simulation, bins, kTop + kPlotHeight + 4);
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace inrarch::dataflow
