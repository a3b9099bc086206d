// rill's DType as the Python side spells it: names ("float32"), NumPy dtypes, DLPack type codes
// and __cuda_array_interface__ type strings.
#pragma once

#include <dlpack/dlpack.h>
#include <pybind11/numpy.h>

#include <string>

#include "rill/dtype.h"

namespace rill::python {

namespace py = pybind11;

//! "float32" -> kFloat32 (the names dtype_name() prints); throws InvalidArgumentError otherwise.
DType dtype_from_name(const std::string& name);

//! NumPy has no bfloat16: asking for it throws UnsupportedError.
py::dtype numpy_dtype(DType dtype);
//! Throws InvalidArgumentError (context `what`) for a NumPy dtype rill has no DType for.
DType dtype_from_numpy(const py::dtype& dtype, const std::string& what);

DLDataType dlpack_dtype(DType dtype);
DType dtype_from_dlpack(DLDataType type, const std::string& what);

//! "<f4", "<f2", "|b1", ...; bfloat16 has no type string and throws UnsupportedError.
std::string typestr(DType dtype);
DType dtype_from_typestr(const std::string& typestr, const std::string& what);

}  // namespace rill::python
