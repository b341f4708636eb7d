#include "models/siren.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "util/error.h"

namespace inrarch::models {
namespace {

// splitmix64: a fixed, documented generator, so that a seed means the same weights everywhere.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  double uniform(double low, double high) {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return low + (high - low) * static_cast<double>(z >> 11) * 0x1.0p-53;
  }

 private:
  uint64_t state_;
};

double parse_number(const std::string& key, const std::string& value, double low, double high) {
  double number = 0;
  size_t used = 0;
  try {
    number = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty()) throw UserError("siren spec: " + key + "=" + value + " is not a number");
  if (!(number >= low && number <= high)) {
    std::ostringstream message;
    message << "siren spec: " << key << "=" << value << " out of range [" << low << ", " << high << "]";
    throw UserError(message.str());
  }
  return number;
}

int parse_int(const std::string& key, const std::string& value, int low, int high) {
  const double number = parse_number(key, value, low, high);
  if (number != std::floor(number)) throw UserError("siren spec: " + key + "=" + value + " must be a whole number");
  return static_cast<int>(number);
}

}  // namespace

bool is_siren_spec(const std::string& text) { return text.rfind("siren:", 0) == 0 || text == "siren"; }

SirenSpec parse_siren_spec(const std::string& text) {
  if (!is_siren_spec(text)) throw UserError("siren spec: \"" + text + "\" does not start with siren:");
  SirenSpec spec;
  const std::string body = text.size() > 6 ? text.substr(6) : "";
  std::stringstream items(body);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty()) continue;
    const auto equals = item.find('=');
    if (equals == std::string::npos) throw UserError("siren spec: \"" + item + "\" is not key=value");
    const std::string key = item.substr(0, equals);
    const std::string value = item.substr(equals + 1);
    if (key == "in") {
      spec.in = parse_int(key, value, 1, 3);
    } else if (key == "out") {
      spec.out = parse_int(key, value, 1, 64);
    } else if (key == "width") {
      spec.width = parse_int(key, value, 1, 4096);
    } else if (key == "hidden") {
      spec.hidden = parse_int(key, value, 0, 64);
    } else if (key == "omega") {
      spec.omega = parse_number(key, value, 1e-6, 1e4);
    } else if (key == "seed") {
      spec.seed = static_cast<uint64_t>(parse_number(key, value, 0, 9007199254740992.0));
    } else {
      throw UserError("siren spec: unknown key \"" + key + "\" (known: in, out, width, hidden, omega, seed)");
    }
  }
  return spec;
}

std::string to_string(const SirenSpec& spec) {
  std::ostringstream text;
  text << "siren:in=" << spec.in << ",out=" << spec.out << ",width=" << spec.width << ",hidden=" << spec.hidden
       << ",omega=" << spec.omega << ",seed=" << spec.seed;
  return text.str();
}

std::vector<DenseLayer> init_siren(const SirenSpec& spec) {
  Random random(spec.seed);
  std::vector<DenseLayer> layers;
  const int count = spec.hidden + 2;
  for (int k = 0; k < count; ++k) {
    DenseLayer layer;
    layer.in = k == 0 ? spec.in : spec.width;
    layer.out = k == count - 1 ? spec.out : spec.width;
    // SIREN (Sitzmann et al. 2020): first layer U(-1/in, 1/in); later layers
    // U(-sqrt(6/in)/omega, sqrt(6/in)/omega); biases as PyTorch's Linear, U(-1/sqrt(in), 1/sqrt(in)).
    const double weight_bound = k == 0 ? 1.0 / layer.in : std::sqrt(6.0 / layer.in) / spec.omega;
    const double bias_bound = 1.0 / std::sqrt(static_cast<double>(layer.in));
    for (int i = 0; i < layer.in * layer.out; ++i) layer.weight.push_back(random.uniform(-weight_bound, weight_bound));
    for (int i = 0; i < layer.out; ++i) layer.bias.push_back(random.uniform(-bias_bound, bias_bound));
    layers.push_back(std::move(layer));
  }
  return layers;
}

ir::Graph build_siren(const SirenSpec& spec, const std::vector<DenseLayer>& layers, ir::DType dtype) {
  ir::Builder builder(dtype);
  ir::NodeId h = builder.input("coords", {ir::kBatch, spec.in});
  for (size_t k = 0; k < layers.size(); ++k) {
    const DenseLayer& layer = layers[k];
    const std::string prefix = "net." + std::to_string(k);
    const ir::NodeId weight = builder.constant({layer.out, layer.in}, layer.weight, prefix + ".weight");
    const ir::NodeId bias = builder.constant({layer.out}, layer.bias, prefix + ".bias");
    h = builder.matmul(h, weight, false, true);
    h = builder.add(h, builder.broadcast(bias, {ir::kBatch, layer.out}));
    if (k + 1 < layers.size()) h = builder.unary(ir::Op::Sin, builder.scale(h, spec.omega));
  }
  builder.add_output("output", h);
  return builder.finish();
}

}  // namespace inrarch::models
