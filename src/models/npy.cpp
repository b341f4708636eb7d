#include "models/npy.h"

#include <bit>
#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>

#include "util/error.h"

namespace inrarch::models {
namespace {

static_assert(std::endian::native == std::endian::little, "npy I/O copies little-endian values directly");

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

// The header is a Python dict literal; this parses exactly the subset NumPy writes:
// {'descr': '<f8', 'fortran_order': False, 'shape': (16, 2), }
class HeaderParser {
 public:
  HeaderParser(const std::string& path, const std::string& text) : path_(path), text_(text) {}

  struct Header {
    std::string descr;
    bool fortran_order = false;
    std::vector<int64_t> shape;
  };

  Header parse() {
    Header header;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    expect('{');
    while (!accept('}')) {
      const std::string key = quoted();
      expect(':');
      if (key == "descr") {
        header.descr = quoted();
        seen_descr = true;
      } else if (key == "fortran_order") {
        header.fortran_order = boolean();
        seen_order = true;
      } else if (key == "shape") {
        header.shape = tuple();
        seen_shape = true;
      } else {
        fail("unknown header key '" + key + "'");
      }
      if (!accept(',')) {
        expect('}');
        break;
      }
    }
    if (!seen_descr || !seen_order || !seen_shape) fail("header lacks descr, fortran_order or shape");
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const { throw UserError(path_ + ": bad .npy header: " + why); }

  void skip_space() {
    while (position_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[position_]))) ++position_;
  }
  bool accept(char c) {
    skip_space();
    if (position_ < text_.size() && text_[position_] == c) {
      ++position_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) fail(std::string("expected '") + c + "' at offset " + std::to_string(position_));
  }
  std::string quoted() {
    skip_space();
    if (position_ >= text_.size() || (text_[position_] != '\'' && text_[position_] != '"')) fail("expected a string");
    const char quote = text_[position_++];
    const size_t end = text_.find(quote, position_);
    if (end == std::string::npos) fail("unterminated string");
    std::string value = text_.substr(position_, end - position_);
    position_ = end + 1;
    return value;
  }
  bool boolean() {
    skip_space();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text_.compare(position_, std::strlen(word), word) == 0) {
        position_ += std::strlen(word);
        return value;
      }
    }
    fail("expected True or False");
  }
  std::vector<int64_t> tuple() {
    std::vector<int64_t> values;
    expect('(');
    while (!accept(')')) {
      skip_space();
      int64_t value = 0;
      bool any_digit = false;
      while (position_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[position_]))) {
        const int digit = text_[position_++] - '0';
        if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) fail("shape entry too large");
        value = value * 10 + digit;
        any_digit = true;
      }
      if (!any_digit) fail("expected a non-negative integer in shape");
      values.push_back(value);
      if (!accept(',')) {
        expect(')');
        break;
      }
    }
    return values;
  }

  const std::string& path_;
  const std::string& text_;
  size_t position_ = 0;
};

// The product of `shape`, or nullopt when it exceeds `limit` (computed without overflow).
std::optional<size_t> element_count_within(const std::vector<int64_t>& shape, size_t limit) {
  for (int64_t dim : shape) {
    if (dim == 0) return 0;
  }
  size_t count = 1;
  for (int64_t dim : shape) {
    if (count > limit / static_cast<size_t>(dim)) return std::nullopt;
    count *= static_cast<size_t>(dim);
  }
  return count;
}

uint32_t little_endian(const std::string& bytes, size_t offset, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i) value |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  return value;
}

template <typename Stored>
void widen(const char* bytes, std::vector<double>& out) {
  for (double& value : out) {
    Stored stored;
    std::memcpy(&stored, bytes, sizeof(Stored));
    value = static_cast<double>(stored);
    bytes += sizeof(Stored);
  }
}

}  // namespace

Tensor read_npy(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw UserError(path + ": cannot open .npy file");
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (bytes.size() < kMagicSize + 2 || bytes.compare(0, kMagicSize, kMagic, kMagicSize) != 0) {
    throw UserError(path + ": not a .npy file (bad magic)");
  }
  const int major = static_cast<unsigned char>(bytes[kMagicSize]);
  if (major < 1 || major > 3) throw UserError(path + ": unsupported .npy version " + std::to_string(major));
  const size_t length_width = major == 1 ? 2 : 4;
  const size_t header_start = kMagicSize + 2 + length_width;
  if (bytes.size() < header_start) throw UserError(path + ": truncated .npy header");
  const size_t header_length = little_endian(bytes, kMagicSize + 2, length_width);
  if (bytes.size() - header_start < header_length) throw UserError(path + ": truncated .npy header");
  const std::string header_text = bytes.substr(header_start, header_length);
  const auto header = HeaderParser(path, header_text).parse();

  size_t element_size = 0;
  if (header.descr == "<f4") {
    element_size = 4;
  } else if (header.descr == "<f8") {
    element_size = 8;
  } else {
    throw UserError(path + ": unsupported .npy dtype '" + header.descr + "' (need little-endian float32 or float64)");
  }
  if (header.fortran_order) throw UserError(path + ": fortran_order True is not supported (save a C-ordered array)");

  const size_t data_start = header_start + header_length;
  const size_t available = (bytes.size() - data_start) / element_size;
  const auto count = element_count_within(header.shape, available);
  if (!count) throw UserError(path + ": truncated .npy data (shape needs more bytes than the file holds)");
  if (bytes.size() - data_start != *count * element_size) {
    throw UserError(path + ": " + std::to_string(bytes.size() - data_start - *count * element_size) +
                    " unexpected bytes after the .npy data");
  }
  Tensor tensor(header.shape, std::vector<double>(*count));
  if (element_size == 4) {
    widen<float>(bytes.data() + data_start, tensor.data);
  } else {
    widen<double>(bytes.data() + data_start, tensor.data);
  }
  return tensor;
}

void write_npy(const std::string& path, const Tensor& tensor, ir::DType dtype) {
  for (int64_t dim : tensor.shape) {
    if (dim < 0) throw UserError(path + ": cannot write a tensor of shape with negative size " + std::to_string(dim));
  }
  if (Tensor::count(tensor.shape) != tensor.size()) {
    throw UserError(path + ": tensor holds " + std::to_string(tensor.size()) + " values for its shape");
  }
  std::string dims;
  for (size_t i = 0; i < tensor.shape.size(); ++i) dims += (i ? ", " : "") + std::to_string(tensor.shape[i]);
  if (tensor.shape.size() == 1) dims += ",";  // Python's one-element tuple
  std::string header = std::string("{'descr': '") + (dtype == ir::DType::F32 ? "<f4" : "<f8") +
                       "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // NumPy pads the header with spaces and a newline so that the data starts 64-byte aligned.
  const size_t fixed_v1 = kMagicSize + 2 + 2;
  const bool version2 = fixed_v1 + header.size() + 1 > 65535;
  const size_t fixed = version2 ? kMagicSize + 2 + 4 : fixed_v1;
  const size_t padded = (fixed + header.size() + 1 + 63) / 64 * 64;
  header.append(padded - fixed - header.size() - 1, ' ');
  header.push_back('\n');

  std::string bytes(kMagic, kMagicSize);
  bytes.push_back(static_cast<char>(version2 ? 2 : 1));
  bytes.push_back(0);
  const size_t length_width = version2 ? 4 : 2;
  for (size_t i = 0; i < length_width; ++i) bytes.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  bytes += header;
  for (double value : tensor.data) {
    if (dtype == ir::DType::F32) {
      const auto narrow = static_cast<float>(value);
      bytes.append(reinterpret_cast<const char*>(&narrow), sizeof narrow);
    } else {
      bytes.append(reinterpret_cast<const char*>(&value), sizeof value);
    }
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) {
    throw UserError(path + ": cannot write .npy file");
  }
}

}  // namespace inrarch::models
