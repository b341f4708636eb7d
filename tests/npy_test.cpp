#include <gtest/gtest.h>

#include <cstring>

#include "models/npy.h"
#include "test_files.h"
#include "util/error.h"

namespace inrarch {
namespace {

using models::read_npy;
using models::write_npy;
using testing::python_accepts;
using testing::temp_path;
using testing::test_data;
using testing::write_bytes;

// A .npy file assembled by hand from the format description (not by the writer under test).
std::string npy_bytes(int version, const std::string& dict, const std::string& payload) {
  std::string header = dict;
  const size_t fixed = version == 1 ? 10 : 12;
  header.append((64 - (fixed + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  std::string bytes = "\x93NUMPY";
  bytes.push_back(static_cast<char>(version));
  bytes.push_back(0);
  for (size_t i = 0; i < fixed - 8; ++i) bytes.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  return bytes + header + payload;
}

template <typename T>
std::string payload_of(const std::vector<T>& values) {
  std::string bytes(values.size() * sizeof(T), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

std::string error_of(const std::string& path) {
  try {
    read_npy(path);
  } catch (const UserError& error) {
    return error.what();
  }
  return "";
}

TEST(Npy, RoundTripFloat64IsExact) {
  const std::string path = temp_path("round_trip_f64.npy");
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{}, {5}, {2, 3}, {2, 1, 4}, {0, 3}}) {
    Tensor tensor(shape);
    for (size_t i = 0; i < tensor.data.size(); ++i) tensor.data[i] = 0.1 * static_cast<double>(i) - 1.0 / 3.0;
    write_npy(path, tensor);
    const Tensor back = read_npy(path);
    EXPECT_EQ(back.shape, tensor.shape);
    EXPECT_EQ(back.data, tensor.data);
  }
}

TEST(Npy, RoundTripFloat32RoundsEachValue) {
  const std::string path = temp_path("round_trip_f32.npy");
  const Tensor tensor({3}, {1.0 / 3.0, -2.5, 1e-40});
  write_npy(path, tensor, ir::DType::F32);
  const Tensor back = read_npy(path);
  ASSERT_EQ(back.shape, tensor.shape);
  for (size_t i = 0; i < tensor.data.size(); ++i) EXPECT_EQ(back.data[i], static_cast<double>(static_cast<float>(tensor.data[i])));
}

TEST(Npy, NumPyReadsWhatWeWrite) {
  const std::string f32 = temp_path("for_numpy_f32.npy");
  const std::string f64 = temp_path("for_numpy_f64.npy");
  write_npy(f32, Tensor({2, 3}, {0, 1, 2, 3, 4, 5}), ir::DType::F32);
  write_npy(f64, Tensor({4}, {0.5, -1, 2, 1e300}));
  EXPECT_TRUE(python_accepts(
      "import numpy as np, sys; a = np.load(sys.argv[1]); b = np.load(sys.argv[2]); "
      "assert a.dtype == np.float32 and (a == np.arange(6).reshape(2, 3)).all(); "
      "assert b.dtype == np.float64 and b.shape == (4,) and list(b) == [0.5, -1, 2, 1e300]",
      {f32, f64}));
}

TEST(Npy, ReadsNumPyWrittenFiles) {
  const Tensor points = read_npy(test_data("siren_2_3_points.npy"));
  ASSERT_EQ(points.shape, (std::vector<int64_t>{16, 2}));
  for (double value : points.data) EXPECT_TRUE(value >= -1.0 && value <= 1.0);

  const std::string path = temp_path("hand_made.npy");
  write_bytes(path, npy_bytes(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
                              payload_of<float>({1.5f, -2.0f, 0.25f, 8.0f})));
  const Tensor version2 = read_npy(path);
  EXPECT_EQ(version2.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(version2.data, (std::vector<double>{1.5, -2.0, 0.25, 8.0}));

  write_bytes(path, npy_bytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", payload_of<double>({42.0})));
  const Tensor scalar = read_npy(path);
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(scalar.data, std::vector<double>{42.0});
}

TEST(Npy, LongHeaderUsesVersion2) {
  const std::string path = temp_path("long_header.npy");
  const Tensor tensor(std::vector<int64_t>(30000, 1), {7.0});
  write_npy(path, tensor);
  EXPECT_EQ(testing::read_bytes(path)[6], 2);
  const Tensor back = read_npy(path);
  EXPECT_EQ(back.shape, tensor.shape);
  EXPECT_EQ(back.data, tensor.data);
}

TEST(Npy, EveryBadInputIsAUserErrorNamingTheFileAndProblem) {
  const std::string path = temp_path("bad.npy");
  EXPECT_NE(error_of(path + ".missing").find("bad.npy.missing: cannot open"), std::string::npos);

  const std::string good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  const std::string data = payload_of<double>({1.0, 2.0});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"PNG\x93NUMPY" + data, "bad magic"},
      {npy_bytes(1, good, data).substr(0, 30), "truncated .npy header"},
      {npy_bytes(1, good, data).substr(0, 9), "truncated .npy header"},
      {npy_bytes(1, good, data.substr(0, 12)), "truncated .npy data"},
      {npy_bytes(1, good, data + "xx"), "unexpected bytes"},
      {npy_bytes(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", data), "unsupported .npy dtype '<i8'"},
      {npy_bytes(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", data), "unsupported .npy dtype '>f8'"},
      {npy_bytes(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }", data), "fortran_order True"},
      {npy_bytes(1, "{'descr': '<f8', 'shape': (2,), }", data), "lacks descr, fortran_order or shape"},
      {npy_bytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }", data), "non-negative integer"},
      {npy_bytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", data),
       "truncated .npy data"},
      {npy_bytes(1, "[1, 2]", data), "expected '{'"},
      {npy_bytes(7, good, data), "unsupported .npy version 7"},
  };
  for (const auto& [bytes, problem] : cases) {
    write_bytes(path, bytes);
    const std::string message = error_of(path);
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << "expected \"" << problem << "\" in: " << message;
  }
}

}  // namespace
}  // namespace inrarch
