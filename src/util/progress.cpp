#include "util/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace inrarch {

Progress::Progress(std::string label, int64_t total)
    : label_(std::move(label)),
      total_(std::max<int64_t>(total, 1)),
      terminal_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (!finished_) finish();
}

void Progress::update(int64_t done, const std::string& detail) {
  done_ = std::clamp<int64_t>(done, 0, total_);
  const auto now = std::chrono::steady_clock::now();
  const int quarter = static_cast<int>(4 * done_ / total_);
  if (terminal_) {
    if (now - last_draw_ < std::chrono::milliseconds(100) && done_ < total_) return;
  } else if (quarter == last_quarter_) {
    return;
  }
  last_quarter_ = quarter;
  last_draw_ = now;
  draw(detail);
}

void Progress::finish(const std::string& detail) {
  if (finished_) return;
  const bool shown_complete = done_ == total_ && last_quarter_ == 4;
  done_ = total_;
  if (terminal_ || !shown_complete || !detail.empty()) draw(detail);
  if (terminal_) std::fputc('\n', stderr);
  finished_ = true;
}

void Progress::draw(const std::string& detail) {
  constexpr int kWidth = 30;
  const double fraction = static_cast<double>(done_) / static_cast<double>(total_);
  const int filled = static_cast<int>(fraction * kWidth);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "%s%-18s [%s] %3d%% %6.1fs %s%s", terminal_ ? "\r" : "", label_.c_str(), bar.c_str(),
               static_cast<int>(fraction * 100), seconds, detail.c_str(), terminal_ ? "\033[K" : "\n");
  std::fflush(stderr);
}

}  // namespace inrarch
