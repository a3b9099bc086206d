#include "engine/file_frame.h"

#include <cstring>

#include "rill/error.h"

namespace rill::engine {

namespace {

constexpr size_t kHeaderBytes = 32;
constexpr size_t kMagicBytes = 8;

template <class T>
void put_header_field(std::vector<std::byte>& out, size_t offset, T value) {
  std::memcpy(out.data() + offset, &value, sizeof(T));
}

template <class T>
T get_header_field(std::span<const std::byte> bytes, size_t offset) {
  T value{};
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

}  // namespace

uint64_t fnv1a64(std::span<const std::byte> bytes) noexcept {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (std::byte b : bytes) {
    hash ^= static_cast<uint8_t>(b);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::vector<std::byte> frame(const FileFrame& format, std::span<const std::byte> payload) {
  std::vector<std::byte> file(kHeaderBytes);
  std::memcpy(file.data(), format.magic, kMagicBytes);
  put_header_field<uint32_t>(file, 8, format.version);
  put_header_field<uint32_t>(file, 12, 0);
  put_header_field<uint64_t>(file, 16, payload.size());
  put_header_field<uint64_t>(file, 24, fnv1a64(payload));
  file.insert(file.end(), payload.begin(), payload.end());
  return file;
}

std::span<const std::byte> unframe(const FileFrame& format, std::span<const std::byte> bytes,
                                   const std::string& origin) {
  const std::string kind = format.kind;
  auto fail = [&](const std::string& what) {
    return Error(ErrorKind::kPlanFile, what, {{"file", origin}});
  };
  if (bytes.size() < kHeaderBytes || std::memcmp(bytes.data(), format.magic, kMagicBytes) != 0) {
    throw fail("not a rill " + kind + " (bad magic)");
  }
  const auto version = get_header_field<uint32_t>(bytes, 8);
  const auto payload_size = get_header_field<uint64_t>(bytes, 16);
  const auto checksum = get_header_field<uint64_t>(bytes, 24);
  if (version != format.version) {
    throw fail(kind + " format version " + std::to_string(version) + ", this rill reads " +
               std::to_string(format.version) + format.version_advice);
  }
  const auto payload = bytes.subspan(kHeaderBytes);
  if (payload.size() != payload_size) {
    throw fail(kind + " is truncated: payload has " + std::to_string(payload.size()) +
               " bytes, header says " + std::to_string(payload_size));
  }
  if (fnv1a64(payload) != checksum) throw fail(kind + " is corrupt (checksum mismatch)");
  return payload;
}

}  // namespace rill::engine
