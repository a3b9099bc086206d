// The bodies of rill's fuzz targets: bytes in, the parser run as rill runs it, every outcome
// other than success or a rill::Error (not kInternal) thrown to the caller. See Note [Fuzzing
// outcomes] in fuzz/fuzz_guard.h.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace rill::fuzz {

using Bytes = std::span<const uint8_t>;

//! ONNX bytes -> import -> the builder's checks and optimization passes (float32, and float16
//! when that succeeds), with tuning off: everything the builder does before a GPU is needed.
void onnx_import(Bytes data);
//! A .rill plan -> deserialize_plan -> the engine's host-side description; then the same payload
//! re-framed with a correct header, so that mutations reach the parser past the checksum.
void plan_loader(Bytes data);
//! .npy bytes -> read_npy_bytes.
void npy_reader(Bytes data);
//! Text -> the CLI's shape parsers ("input:1x3x224x224") and build_options().
void shape_string(Bytes data);

//! The targets by name, as scripts/fuzz.sh and the replay test name them.
struct Target {
  std::string_view name;
  void (*run)(Bytes data);
};
inline constexpr Target kTargets[] = {
    {"onnx_import", onnx_import},
    {"plan_loader", plan_loader},
    {"npy_reader", npy_reader},
    {"shape_string", shape_string},
};

}  // namespace rill::fuzz
