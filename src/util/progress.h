// A progress bar on stderr for long work. On a terminal it redraws one line; elsewhere (CI, logs) it
// prints a line at every quarter so logs stay short but show that work advances.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace inrarch {

class Progress {
 public:
  Progress(std::string label, int64_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Advances to `done` of `total`; `detail` (e.g. "PSNR 27.1 dB") is shown after the bar.
  void update(int64_t done, const std::string& detail = "");
  void finish(const std::string& detail = "");

 private:
  void draw(const std::string& detail);
  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  int last_quarter_ = -1;
  bool terminal_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace inrarch
