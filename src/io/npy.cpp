#include "io/npy.h"

#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>

namespace rill::io {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;

struct Descr {
  const char* text;
  DType dtype;
};
constexpr Descr kDescrs[] = {
    {"<f4", DType::kFloat32}, {"<f8", DType::kFloat64}, {"<f2", DType::kFloat16},
    {"<i8", DType::kInt64},   {"<i4", DType::kInt32},   {"|i1", DType::kInt8},
    {"|u1", DType::kUInt8},   {"|b1", DType::kBool},
};

Error npy_error(const std::string& what, const std::string& path) {
  return Error(ErrorKind::kInvalidArgument, "bad .npy file: " + what, {{"file", path}});
}

}  // namespace

ir::HostTensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kIo, "cannot open .npy file", {{"file", path}});
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return read_npy_bytes(bytes, path);
}

ir::HostTensor read_npy_bytes(std::string_view bytes, const std::string& origin) {
  if (bytes.size() < 10 || bytes.compare(0, kMagicBytes, kMagic, kMagicBytes) != 0) {
    throw npy_error("not a .npy file (bad magic)", origin);
  }
  const auto major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0;
  size_t header_start = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw npy_error("truncated header", origin);
    uint32_t len = 0;
    std::memcpy(&len, bytes.data() + 8, 4);
    header_len = len;
    header_start = 12;
  } else {
    throw npy_error("unsupported format version " + std::to_string(major), origin);
  }
  if (bytes.size() < header_start + header_len) throw npy_error("truncated header", origin);
  const std::string header(bytes.substr(header_start, header_len));

  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'"))) {
    throw npy_error("header has no descr", origin);
  }
  const std::string descr = m[1];
  const Descr* found = nullptr;
  for (const Descr& d : kDescrs) {
    if (descr == d.text) found = &d;
  }
  if (found == nullptr) throw npy_error("unsupported dtype '" + descr + "'", origin);
  if (std::regex_search(header, std::regex("'fortran_order'\\s*:\\s*True"))) {
    throw npy_error("Fortran-ordered arrays are not supported; save with np.ascontiguousarray",
                    origin);
  }
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) {
    throw npy_error("header has no shape", origin);
  }
  ir::Shape shape;
  const std::string dims = m[1];
  const std::regex number("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    // from_chars, not std::stoll: a dim past int64 is a bad file, not std::out_of_range.
    int64_t dim = 0;
    const std::string digits = it->str();
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), dim);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
      throw npy_error("dimension " + digits + " is out of range", origin);
    }
    shape.push_back(dim);
  }
  const size_t data_start = header_start + header_len;
  const auto data = std::as_bytes(std::span(bytes.data() + data_start, bytes.size() - data_start));
  try {
    return ir::HostTensor(found->dtype, shape, data);
  } catch (const Error&) {
    throw npy_error("data size " + std::to_string(data.size()) + " does not match shape " +
                        ir::shape_string(shape) + " of " + descr,
                    origin);
  }
}

void write_npy(const ir::HostTensor& tensor, const std::string& path) {
  const char* descr = nullptr;
  for (const Descr& d : kDescrs) {
    if (d.dtype == tensor.dtype()) descr = d.text;
  }
  if (descr == nullptr) {
    throw Error(ErrorKind::kUnsupported, "no .npy dtype for this tensor",
                {{"dtype", std::string(dtype_name(tensor.dtype()))}});
  }
  std::string shape;  // numpy's tuple syntax: "()", "(5,)", "(2, 3)"
  for (size_t i = 0; i < tensor.shape().size(); ++i) {
    shape += (i > 0 ? ", " : "") + std::to_string(tensor.shape()[i]);
  }
  if (tensor.shape().size() == 1) shape += ',';
  std::string header = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (" +
                       shape + "), }";
  // Pad so that the data starts on a 64-byte boundary, header ending in '\n'.
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorKind::kIo, "cannot open file for writing", {{"file", path}});
  out.write(kMagic, kMagicBytes);
  const char version[2] = {1, 0};
  out.write(version, 2);
  const uint16_t len = static_cast<uint16_t>(header.size());
  const char len_bytes[2] = {static_cast<char>(len & 0xFF), static_cast<char>(len >> 8)};
  out.write(len_bytes, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(tensor.raw()), static_cast<std::streamsize>(tensor.bytes()));
  if (!out) throw Error(ErrorKind::kIo, "failed to write .npy file", {{"file", path}});
}

}  // namespace rill::io
