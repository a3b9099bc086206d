// The rill CLI's commands. tools/main.cpp parses arguments into these option structs and calls
// the command; the commands print and return a process exit code. Errors propagate as
// rill::Error; main prints them as one line.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/arguments.h"
#include "rill/engine.h"
#include "rill/error.h"

namespace rill::cli {

//! Builds (.onnx) or loads (.rill) an engine.
std::shared_ptr<Engine> open_model(const std::string& path, const BuildOptions& options);

struct BuildCommand {
  std::string model;
  std::string output;
  ShapeOptions shapes;
  PrecisionOptions precision;
  TuningOptions tuning;
};
int run_build(const BuildCommand& command);

struct InspectCommand {
  std::string model;
};
int run_inspect(const InspectCommand& command);

struct RunCommand {
  std::string model;
  std::vector<std::string> inputs;   //!< "name=file.npy"
  std::vector<std::string> expects;  //!< "name=file.npy": compare outputs, fail above tolerance
  std::string output_dir;
  ShapeOptions shapes;
  int64_t batch = 0;  //!< > 0: random inputs with this leading dim
  bool cpu = false;   //!< force the CPU reference executor
  PrecisionOptions precision;
  double tolerance = 1e-4;
};
int run_run(const RunCommand& command);

int run_info();

}  // namespace rill::cli
