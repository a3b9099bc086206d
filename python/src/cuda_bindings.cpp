// Device queries and the sync counter (Note [What the sync counter counts] in
// src/cuda/sync_counter.h), so Python tests can show that a call made no host sync.
#include <pybind11/stl.h>

#include "bindings.h"
#include "cuda/device.h"
#include "cuda/sync_counter.h"

namespace rill::python {

void bind_cuda(py::module_& m) {
  m.def("device_count", &cuda::device_count, "CUDA devices visible to rill (0 without a driver).");
  py::class_<cuda::SyncCounter>(m, "SyncCounter",
                                "Counts host-blocking CUDA calls and default-stream work (CUPTI) "
                                "from construction or the last reset().")
      .def(py::init<>())
      .def("host_syncs", &cuda::SyncCounter::host_syncs)
      .def("default_stream_ops", &cuda::SyncCounter::default_stream_ops)
      .def("summary", &cuda::SyncCounter::summary)
      .def("reset", &cuda::SyncCounter::reset);
}

}  // namespace rill::python
