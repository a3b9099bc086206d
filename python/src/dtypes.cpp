#include "dtypes.h"

#include <pybind11/stl.h>

#include <array>
#include <utility>

#include "bindings.h"
#include "rill/error.h"

namespace rill::python {

namespace {

constexpr std::array kAll{DType::kFloat32, DType::kFloat16, DType::kBFloat16,
                          DType::kFloat64, DType::kInt64,   DType::kInt32,
                          DType::kInt8,    DType::kUInt8,   DType::kBool};

// DLPack 0.8 added kDLBool (6), which PyTorch uses for bool tensors; Debian's header is 0.6.
constexpr uint8_t kDLBoolCode = 6;

}  // namespace

DType dtype_from_name(const std::string& name) {
  for (DType d : kAll) {
    if (dtype_name(d) == name) return d;
  }
  throw_input_error("unknown dtype name", {{"dtype", name}});
}

py::object new_numpy_array(DType dtype, const std::vector<int64_t>& shape) {
  if (dtype == DType::kBFloat16) {
    throw Error(ErrorKind::kUnsupported, "NumPy has no bfloat16; use device tensors for it");
  }
  const py::module_ numpy = py::module_::import("numpy");
  return numpy.attr("empty")(py::tuple(py::cast(shape)), py::arg("dtype") = std::string(dtype_name(dtype)));
}

DType dtype_from_buffer_format(const std::string& format, size_t itemsize, const std::string& what) {
  // struct-module codes, after an optional byte-order prefix ('@', '=', '<'; '>' and '!' are
  // big-endian, which this little-endian machine does not read as is).
  std::string code = format;
  if (!code.empty() && (code[0] == '@' || code[0] == '=' || code[0] == '<')) code = code.substr(1);
  if (code.size() == 1) {
    const char c = code[0];
    const bool floating = c == 'f' || c == 'e' || c == 'd';
    const bool is_signed = c == 'b' || c == 'h' || c == 'i' || c == 'l' || c == 'q' || c == 'n';
    const bool is_unsigned = c == 'B' || c == 'H' || c == 'I' || c == 'L' || c == 'Q' || c == 'N';
    for (DType d : kAll) {
      if (d == DType::kBFloat16 || dtype_size(d) != itemsize) continue;
      if (d == DType::kBool ? c == '?'
          : d == DType::kUInt8 ? is_unsigned
          : is_floating(d) ? floating
                           : is_signed) {
        return d;
      }
    }
  }
  throw_input_error("array has a dtype rill does not support",
                    {{"input", what}, {"format", format}, {"itemsize", std::to_string(itemsize)}});
}

DLDataType dlpack_dtype(DType dtype) {
  const auto bits = static_cast<uint8_t>(dtype_size(dtype) * 8);
  switch (dtype) {
    case DType::kFloat32:
    case DType::kFloat16:
    case DType::kFloat64: return {kDLFloat, bits, 1};
    case DType::kBFloat16: return {kDLBfloat, bits, 1};
    case DType::kInt64:
    case DType::kInt32:
    case DType::kInt8: return {kDLInt, bits, 1};
    case DType::kUInt8: return {kDLUInt, bits, 1};
    case DType::kBool: return {kDLBoolCode, bits, 1};
  }
  return {kDLFloat, 32, 1};
}

DType dtype_from_dlpack(DLDataType type, const std::string& what) {
  if (type.lanes == 1) {
    for (DType d : kAll) {
      const DLDataType t = dlpack_dtype(d);
      if (t.code == type.code && t.bits == type.bits) return d;
    }
  }
  throw_input_error("DLPack tensor has a dtype rill does not support",
                    {{"input", what},
                     {"dlpack_code", std::to_string(type.code)},
                     {"bits", std::to_string(type.bits)},
                     {"lanes", std::to_string(type.lanes)}});
}

std::string typestr(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "<f4";
    case DType::kFloat16: return "<f2";
    case DType::kFloat64: return "<f8";
    case DType::kInt64: return "<i8";
    case DType::kInt32: return "<i4";
    case DType::kInt8: return "|i1";
    case DType::kUInt8: return "|u1";
    case DType::kBool: return "|b1";
    case DType::kBFloat16: break;
  }
  throw Error(ErrorKind::kUnsupported,
              "__cuda_array_interface__ has no bfloat16 type; use DLPack for bfloat16 arrays");
}

DType dtype_from_typestr(const std::string& text, const std::string& what) {
  // Byte order: '<' (little), '|' (not applicable) and '=' on this little-endian machine.
  if (text.size() >= 3 && (text[0] == '<' || text[0] == '|' || text[0] == '=')) {
    for (DType d : kAll) {
      if (d != DType::kBFloat16 && typestr(d).substr(1) == text.substr(1)) return d;
    }
  }
  throw_input_error("__cuda_array_interface__ has a type rill does not support",
                    {{"input", what}, {"typestr", text}});
}

}  // namespace rill::python
