// Small file helpers shared by tests that write, corrupt and read back model and array files.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace inrarch::testing {

inline std::string test_data(const std::string& name) { return std::string(INRARCH_TEST_DATA) + "/" + name; }

// A path in the temporary directory that no concurrently running test process shares.
inline std::string temp_path(const std::string& name) {
  const auto directory = std::filesystem::temp_directory_path() / ("inrarch_tests_" + std::to_string(::getpid()));
  std::filesystem::create_directories(directory);
  return (directory / name).string();
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs a Python snippet with Debian's interpreter (which has numpy, onnx and torch) with `paths`
// as its arguments; true when it exits with status 0. One call per test: starting Python is slow.
inline bool python_accepts(const std::string& code, const std::vector<std::string>& paths) {
  std::string command = "/usr/bin/python3 -c '" + code + "'";
  for (const auto& path : paths) command += " '" + path + "'";
  return std::system(command.c_str()) == 0;
}

}  // namespace inrarch::testing
