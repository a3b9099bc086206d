// The rill CLI's commands. tools/main.cpp parses arguments into these option structs and calls
// the command; the commands print and return a process exit code. Errors propagate as
// rill::Error; main prints them as one line.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rill/engine.h"
#include "rill/error.h"

namespace rill::cli {

//! "1x3x224x224" -> {1,3,224,224}; throws kInvalidArgument naming the text.
std::vector<int64_t> parse_shape(const std::string& text);
//! "name:1x3x224x224" -> ("name", shape).
std::pair<std::string, std::vector<int64_t>> parse_named_shape(const std::string& text);
//! "name=path" -> ("name", "path").
std::pair<std::string, std::string> parse_named_path(const std::string& text);

//! Builds (.onnx) or loads (.rill) an engine.
std::shared_ptr<Engine> open_model(const std::string& path, const BuildOptions& options);

struct ShapeOptions {
  std::vector<std::string> min, opt, max;  //!< "name:dims" each
};
//! --fp16 / --bf16 / --tf32, and --nvtx (per-layer NVTX ranges).
struct PrecisionOptions {
  bool fp16 = false;
  bool bf16 = false;
  bool tf32 = false;
  bool nvtx = false;
};
//! --no-tuning and --timing-cache FILE (rill build).
struct TuningOptions {
  bool no_tuning = false;
  std::string timing_cache;
};
BuildOptions build_options(const ShapeOptions& shapes, const PrecisionOptions& precision,
                           const TuningOptions& tuning = {});

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
