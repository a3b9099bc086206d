// The framing rill's binary files share (.rill plans, timing caches): a 32-byte header (an 8-byte
// magic, a uint32 format version, 4 reserved bytes, then the payload's size and its FNV-1a
// checksum as uint64s) followed by the payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rill::engine {

struct FileFrame {
  const char* magic;  //!< exactly 8 characters, no terminator needed
  uint32_t version;
  const char* kind;  //!< "plan file", "timing cache": how errors name the file
  const char* version_advice = "";  //!< appended to the version-mismatch error
};

//! FNV-1a, 64 bit.
uint64_t fnv1a64(std::span<const std::byte> bytes) noexcept;

//! Header + payload.
std::vector<std::byte> frame(const FileFrame& format, std::span<const std::byte> payload);

//! The payload of a framed file, after checking magic, version, size and checksum; throws
//! kPlanFile naming `origin` and what is wrong.
std::span<const std::byte> unframe(const FileFrame& format, std::span<const std::byte> bytes,
                                   const std::string& origin);

}  // namespace rill::engine
