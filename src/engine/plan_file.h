// The .rill plan file: a serialized EngineDefinition.
//
// Layout (little-endian): the header of engine/file_frame.h (magic "RILLPLAN", format version
// kPlanFormatVersion, payload size, FNV-1a 64 checksum), then the payload: rill version string, build options, summary, graph (inputs, outputs,
//              value info, initializers with their bytes, nodes with attributes), then the
//              tuned algorithms (environment and choices, as the timing cache stores them)
// A file with another magic, another version, a short payload or a checksum mismatch is
// rejected with kPlanFile before anything is parsed; parsing itself is bounds-checked.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/engine_definition.h"

namespace rill::engine {

// 2: BuildOptions::precision; 3: tuned algorithms and the tuning summary.
inline constexpr uint32_t kPlanFormatVersion = 3;

std::vector<std::byte> serialize_plan(const EngineDefinition& definition);
EngineDefinition deserialize_plan(std::span<const std::byte> bytes, const std::string& origin);

void write_plan_file(const EngineDefinition& definition, const std::string& path);
EngineDefinition read_plan_file(const std::string& path);

}  // namespace rill::engine
