// printf into a std::string: library jobs return their reports as text, and only the front ends
// (the CLI, the Python module) decide where text goes.
#pragma once

#include <string>

namespace inrarch {

[[gnu::format(printf, 1, 2)]] std::string format(const char* format, ...);

}  // namespace inrarch
