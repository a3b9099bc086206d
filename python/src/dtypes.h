// rill's DType as the Python side spells it: names ("float32"), buffer-protocol formats (how
// NumPy arrays are read), DLPack type codes and __cuda_array_interface__ type strings.
//
// NumPy arrays are read and made through the buffer protocol and numpy.empty, never through
// pybind11's NumPy C-API proxies: those of Debian's pybind11 (2.10) predate NumPy 2's dtype
// layout, and the GPU machine's interpreter has NumPy 2.
#pragma once

#include <dlpack/dlpack.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "rill/dtype.h"

namespace rill::python {

namespace py = pybind11;

//! "float32" -> kFloat32 (the names dtype_name() prints); throws InvalidArgumentError otherwise.
DType dtype_from_name(const std::string& name);

//! A new C-contiguous NumPy array (numpy.empty); NumPy has no bfloat16: UnsupportedError.
py::object new_numpy_array(DType dtype, const std::vector<int64_t>& shape);
//! The DType of a buffer-protocol format ("f", "<e", "q", "?", ...) and item size; throws
//! InvalidArgumentError (context `what`) for one rill has no DType for.
DType dtype_from_buffer_format(const std::string& format, size_t itemsize, const std::string& what);

DLDataType dlpack_dtype(DType dtype);
DType dtype_from_dlpack(DLDataType type, const std::string& what);

//! "<f4", "<f2", "|b1", ...; bfloat16 has no type string and throws UnsupportedError.
std::string typestr(DType dtype);
DType dtype_from_typestr(const std::string& typestr, const std::string& what);

}  // namespace rill::python
