#include "models/model.h"

#include <filesystem>

#include "models/onnx_import.h"
#include "models/siren.h"
#include "util/error.h"

namespace inrarch::models {

ir::Graph load_model(const std::string& source, ir::DType dtype) {
  if (is_siren_spec(source)) {
    const SirenSpec spec = parse_siren_spec(source);
    return build_siren(spec, init_siren(spec), dtype);
  }
  std::error_code error;
  if (!std::filesystem::is_regular_file(source, error)) {
    throw UserError(source + ": no such model file (give an .onnx file or a spec such as " + kDefaultSiren + ")");
  }
  return import_onnx(source, dtype);
}

}  // namespace inrarch::models
