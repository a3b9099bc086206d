// rill._rill: the extension module under the pure-Python package `rill` (python/rill/).
#include "bindings.h"
#include "rill/version.h"

PYBIND11_MODULE(_rill, m) {
  m.doc() = "rill's C++ runtime; use the `rill` package, which wraps this module.";
  m.attr("__version__") = rill::kVersion;
  rill::python::bind_errors(m);
  rill::python::bind_engine(m);
  rill::python::bind_device_array(m);
  rill::python::bind_session(m);
  rill::python::bind_cuda(m);
}
