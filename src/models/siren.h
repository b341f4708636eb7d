// The built-in model: a SIREN given by a spec string such as
//   siren:in=2,out=3,width=256,hidden=3,omega=30,seed=0
// in -> width sine layer, `hidden` width -> width sine layers, then a linear layer width -> out.
// Sine layers compute sin(omega * (x W^T + b)) with SIREN's initialisation, so a built-in model
// behaves like a freshly initialised PyTorch SIREN without any file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace inrarch::models {

struct SirenSpec {
  int in = 2;
  int out = 3;
  int width = 256;
  int hidden = 3;
  double omega = 30.0;
  uint64_t seed = 0;
};

// Weights of one dense layer, PyTorch layout: weight [out, in], bias [out].
struct DenseLayer {
  int in = 0;
  int out = 0;
  std::vector<double> weight;
  std::vector<double> bias;
};

inline constexpr const char* kDefaultSiren = "siren:in=2,out=3,width=256,hidden=3,omega=30,seed=0";

bool is_siren_spec(const std::string& text);
// Throws UserError naming the bad key or value ("siren spec: width=0 out of range [1, 4096]").
SirenSpec parse_siren_spec(const std::string& text);
std::string to_string(const SirenSpec& spec);
std::vector<DenseLayer> init_siren(const SirenSpec& spec);
// Input "coords" [N, in], output "output" [N, out]. Weights are named constants
// "net.<k>.weight" / "net.<k>.bias".
ir::Graph build_siren(const SirenSpec& spec, const std::vector<DenseLayer>& layers, ir::DType dtype = ir::DType::F32);

}  // namespace inrarch::models
