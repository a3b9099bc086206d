// Paths of the repository's models and test data, for tests.
#pragma once

#include <string>

namespace rill::testing {

inline std::string model_path(const std::string& name) {
  return std::string(RILL_SOURCE_DIR) + "/models/" + name;
}
inline std::string data_path(const std::string& name) {
  return std::string(RILL_SOURCE_DIR) + "/tests/data/" + name;
}

}  // namespace rill::testing
