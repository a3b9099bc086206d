// The .rill plan file: a serialized EngineDefinition.
//
// Layout (little-endian):
//   offset 0   8 bytes  magic "RILLPLAN"
//   offset 8   u32      format version (kPlanFormatVersion)
//   offset 12  u32      reserved, 0
//   offset 16  u64      payload size in bytes
//   offset 24  u64      FNV-1a 64 checksum of the payload
//   offset 32  payload: rill version string, build options, summary, graph (inputs, outputs,
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

//! FNV-1a, 64 bit.
uint64_t fnv1a64(std::span<const std::byte> bytes) noexcept;

}  // namespace rill::engine
