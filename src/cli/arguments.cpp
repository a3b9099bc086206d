#include "cli/arguments.h"

#include <algorithm>
#include <cctype>

namespace rill::cli {

std::vector<int64_t> parse_shape(const std::string& text) {
  std::vector<int64_t> shape;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('x', start), text.size());
    const std::string part = text.substr(start, end - start);
    if (part.empty() || part.size() > 12 ||
        !std::all_of(part.begin(), part.end(),
                     // unsigned char: isdigit of a negative char (a UTF-8 byte) is undefined.
                     [](unsigned char c) { return std::isdigit(c) != 0; })) {
      throw Error(ErrorKind::kInvalidArgument, "bad shape; expected dims like 1x3x224x224",
                  {{"shape", text}});
    }
    shape.push_back(std::stoll(part));
    start = end + 1;
  }
  return shape;
}

std::pair<std::string, std::vector<int64_t>> parse_named_shape(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw Error(ErrorKind::kInvalidArgument, "bad shape; expected name:dims like input:1x3x224x224",
                {{"shape", text}});
  }
  return {text.substr(0, colon), parse_shape(text.substr(colon + 1))};
}

std::pair<std::string, std::string> parse_named_path(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw Error(ErrorKind::kInvalidArgument, "expected name=file.npy", {{"argument", text}});
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

BuildOptions build_options(const ShapeOptions& shapes, const PrecisionOptions& precision,
                           const TuningOptions& tuning) {
  if (precision.fp16 && precision.bf16) {
    throw Error(ErrorKind::kInvalidArgument, "--fp16 and --bf16 exclude each other");
  }
  BuildOptions options;
  options.allow_tf32 = precision.tf32;
  options.nvtx_layers = precision.nvtx;
  options.tuning = !tuning.no_tuning;
  options.timing_cache = tuning.timing_cache;
  if (precision.fp16) options.precision = Precision::kFloat16;
  if (precision.bf16) options.precision = Precision::kBFloat16;
  auto apply = [&](const std::vector<std::string>& specs, std::vector<int64_t> ShapeRange::*field) {
    for (const std::string& spec : specs) {
      auto [name, shape] = parse_named_shape(spec);
      options.shapes[name].*field = shape;
    }
  };
  apply(shapes.min, &ShapeRange::min);
  apply(shapes.opt, &ShapeRange::opt);
  apply(shapes.max, &ShapeRange::max);
  // A partly given range fills in from what is given: --opt alone fixes the shape.
  for (auto& [name, range] : options.shapes) {
    const std::vector<int64_t>& any =
        !range.opt.empty() ? range.opt : (!range.max.empty() ? range.max : range.min);
    if (range.min.empty()) range.min = any;
    if (range.opt.empty()) range.opt = range.min;
    if (range.max.empty()) range.max = range.opt;
  }
  return options;
}

}  // namespace rill::cli
