// The builder: ONNX model -> EngineDefinition (import, check, optimize, resolve shape ranges,
// tune). Needs no GPU: GPU kernels are prepared per shape when a context plans (shape_plan.h);
// on a GPU the build also times the library algorithms of GEMMs and convolutions at the opt
// shapes (algorithm_tuner.h) unless BuildOptions::tuning is off.
#pragma once

#include <string>

#include "engine/engine_definition.h"

namespace rill::engine {

EngineDefinition build_definition(const std::string& onnx_path, const BuildOptions& options,
                                  const BuildProgress& progress = {});
//! Same, from an imported graph (tests build graphs directly).
EngineDefinition build_definition(ir::Graph graph, const BuildOptions& options,
                                  const std::string& origin, const BuildProgress& progress = {});

}  // namespace rill::engine
