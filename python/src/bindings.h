// Declarations shared by the binding files of rill's Python extension module (rill._rill).
#pragma once

#include <pybind11/pybind11.h>

namespace rill::python {

namespace py = pybind11;

//! rill::Error -> the rill.errors class of its kind, with message and context.
void bind_errors(py::module_& m);
//! Engine: build, load, save, inspect, CPU reference runs, host shape inference.
void bind_engine(py::module_& m);
//! DeviceArray: outputs rill allocated, exported through DLPack and __cuda_array_interface__.
void bind_device_array(py::module_& m);
//! NativeSession: the C++ Session over device tensors from DLPack, the CUDA array interface or
//! raw pointers.
void bind_session(py::module_& m);
//! SyncCounter and device queries, for tests and benchmarks.
void bind_cuda(py::module_& m);

//! Raises an InvalidArgumentError (an InputTypeError when `type_error`) from C++ code that is
//! checking Python objects; the message and context read like rill::Error's.
[[noreturn]] void throw_input_error(const std::string& message,
                                    std::vector<std::pair<std::string, std::string>> context,
                                    bool type_error = false);

}  // namespace rill::python
