#include "engine/builder.h"
#include "fuzz/fuzz_guard.h"
#include "fuzz/targets.h"
#include "onnx/importer.h"

namespace rill::fuzz {

void onnx_import(Bytes data) {
  expect_clean_outcome([&] {
    const std::string_view bytes(reinterpret_cast<const char*>(data.data()), data.size());
    ir::Graph graph = onnx::import_onnx_bytes(bytes, "<fuzz>");
    BuildOptions options;
    options.tuning = false;  // tuning needs a GPU; without one the build skips it anyway
    (void)engine::build_definition(graph, options, "<fuzz>");
    // Reduced precision runs more passes (channels-last layout, casts); only worth it on a
    // graph that builds in float32.
    options.precision = Precision::kFloat16;
    (void)engine::build_definition(std::move(graph), options, "<fuzz>");
  });
}

}  // namespace rill::fuzz
