// The CLI's argument texts: shapes ("input:1x3x224x224"), "name=file.npy" pairs and the build
// options they make. Its own small library so that tests and the fuzz targets take it without
// the commands behind it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
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

}  // namespace rill::cli
