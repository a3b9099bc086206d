#include "dtypes.h"

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

py::dtype numpy_dtype(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return py::dtype("float32");
    case DType::kFloat16: return py::dtype("float16");
    case DType::kFloat64: return py::dtype("float64");
    case DType::kInt64: return py::dtype("int64");
    case DType::kInt32: return py::dtype("int32");
    case DType::kInt8: return py::dtype("int8");
    case DType::kUInt8: return py::dtype("uint8");
    case DType::kBool: return py::dtype("bool");
    case DType::kBFloat16: break;
  }
  throw Error(ErrorKind::kUnsupported, "NumPy has no bfloat16; use device tensors for it");
}

DType dtype_from_numpy(const py::dtype& dtype, const std::string& what) {
  const char kind = dtype.kind();
  const auto size = static_cast<size_t>(dtype.itemsize());
  for (DType d : kAll) {
    if (d == DType::kBFloat16 || dtype_size(d) != size) continue;
    const char expected = d == DType::kBool ? 'b' : d == DType::kUInt8 ? 'u' : is_floating(d) ? 'f' : 'i';
    if (kind == expected) return d;
  }
  throw_input_error("array has a dtype rill does not support",
                    {{"input", what}, {"dtype", py::str(static_cast<const py::handle&>(dtype)).cast<std::string>()}});
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
