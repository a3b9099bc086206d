// Paths of the repository's models and test data, for tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace rill::testing {

inline std::string model_path(const std::string& name) {
  return std::string(RILL_SOURCE_DIR) + "/models/" + name;
}
inline std::string data_path(const std::string& name) {
  return std::string(RILL_SOURCE_DIR) + "/tests/data/" + name;
}

//! A model exported by scripts/export_torch_models.py, under $RILL_MODELS_DIR (for example
//! "bert/model.onnx"), or "" when the variable is unset or the file is absent: such models are
//! too large for the repository, so tests that use them skip without them (CI has none).
inline std::string exported_model_path(const std::string& name) {
  const char* dir = std::getenv("RILL_MODELS_DIR");
  if (dir == nullptr) return "";
  const std::string path = std::string(dir) + "/" + name;
  return std::filesystem::exists(path) ? path : "";
}

}  // namespace rill::testing
