// Little-endian binary writing and bounds-checked reading, for .rill plan files and timing caches.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "rill/error.h"

namespace rill::engine {

class BinaryWriter {
 public:
  template <class T>
    requires std::is_arithmetic_v<T>
  void put(T value) {
    const auto* bytes = reinterpret_cast<const std::byte*>(&value);
    buffer_.insert(buffer_.end(), bytes, bytes + sizeof(T));
  }
  void put_bytes(std::span<const std::byte> bytes) {
    put<uint64_t>(bytes.size());
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  }
  void put_string(std::string_view text) {
    put_bytes(std::as_bytes(std::span(text.data(), text.size())));
  }
  template <class T>
  void put_vector(const std::vector<T>& values) {
    put<uint64_t>(values.size());
    for (const T& v : values) put<T>(v);
  }
  const std::vector<std::byte>& bytes() const noexcept { return buffer_; }
  std::vector<std::byte>& bytes() noexcept { return buffer_; }

 private:
  std::vector<std::byte> buffer_;
};

//! Reads what BinaryWriter wrote. Every read is bounds-checked: reading past the end throws
//! kPlanFile ("truncated") rather than reading garbage.
class BinaryReader {
 public:
  //! `file_kind` names the format in errors ("plan file", "timing cache").
  BinaryReader(std::span<const std::byte> bytes, std::string origin,
               std::string file_kind = "plan file")
      : bytes_(bytes), origin_(std::move(origin)), file_kind_(std::move(file_kind)) {}

  template <class T>
    requires std::is_arithmetic_v<T>
  T get() {
    T value{};
    std::memcpy(&value, take(sizeof(T)).data(), sizeof(T));
    return value;
  }
  std::span<const std::byte> get_bytes() { return take(get_count(1)); }
  std::string get_string() {
    const auto bytes = get_bytes();
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  template <class T>
  std::vector<T> get_vector() {
    std::vector<T> values(get_count(sizeof(T)));
    for (T& v : values) v = get<T>();
    return values;
  }
  //! A count of elements of `element_size` bytes that must fit in what is left.
  uint64_t get_count(size_t element_size) {
    const auto count = get<uint64_t>();
    if (element_size > 0 && count > remaining() / element_size) fail("length field past the end");
    return count;
  }
  size_t remaining() const noexcept { return bytes_.size() - offset_; }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorKind::kPlanFile, file_kind_ + " is truncated or corrupt: " + what,
                {{"file", origin_}, {"offset", std::to_string(offset_)}});
  }

 private:
  std::span<const std::byte> take(size_t n) {
    if (n > remaining()) fail("unexpected end of data");
    const auto span = bytes_.subspan(offset_, n);
    offset_ += n;
    return span;
  }

  std::span<const std::byte> bytes_;
  size_t offset_ = 0;
  std::string origin_;
  std::string file_kind_;
};

}  // namespace rill::engine
