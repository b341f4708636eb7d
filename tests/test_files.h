// Small file helpers shared by tests that write, corrupt and read back model and array files.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace inrarch::testing {

inline std::string test_data(const std::string& name) { return std::string(INRARCH_TEST_DATA) + "/" + name; }

// A directory of this test process's own (concurrent test processes never share one), removed
// when the process exits.
struct TempDirectory {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("inrarch_tests_" + std::to_string(::getpid()));
  TempDirectory() { std::filesystem::create_directories(path); }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

inline std::string temp_path(const std::string& name) {
  static const TempDirectory directory;
  return (directory.path / name).string();
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs Debian's Python (which has numpy, onnx and torch) with `arguments`, each quoted; true when
// it exits with status 0. Starting Python is slow: one call per test.
inline bool run_python(const std::vector<std::string>& arguments) {
  std::string command = "/usr/bin/python3";
  for (const auto& argument : arguments) command += " '" + argument + "'";
  return std::system(command.c_str()) == 0;
}

// Runs a Python snippet with `paths` as sys.argv[1:].
inline bool python_accepts(const std::string& code, std::vector<std::string> paths) {
  paths.insert(paths.begin(), {"-c", code});
  return run_python(paths);
}

// Runs a shell command; its exit status (-1 if it did not exit normally), stdout and stderr
// together, and how long it took.
struct CommandResult {
  int status = -1;
  std::string output;
  double seconds = 0;
};

inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  const auto start = std::chrono::steady_clock::now();
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace inrarch::testing
