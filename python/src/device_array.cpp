#include "device_array.h"

#include <dlpack/dlpack.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "bindings.h"
#include "cuda/check.h"
#include "cuda/device.h"
#include "dtypes.h"

namespace rill::python {

DeviceArray::DeviceArray(OwnedTensor tensor, cudaStream_t stream, int device,
                         std::shared_ptr<cuda::EventPool> events)
    : tensor_(std::move(tensor)), stream_(stream), device_(device), events_(std::move(events)) {}

DeviceArray::~DeviceArray() {
  if (consumers_.empty()) return;  // OwnedTensor frees on the allocating stream
  try {
    cuda::DeviceGuard guard(device_);
    for (cudaStream_t consumer : consumers_) cuda::join(stream_, consumer, *events_);
  } catch (...) {
    // A consumer stream destroyed before the array: nothing is left to wait for on it.
  }
}

void DeviceArray::use_on(cudaStream_t consumer) {
  if (consumer == stream_) return;
  cuda::DeviceGuard guard(device_);
  cuda::join(consumer, stream_, *events_);
  if (std::find(consumers_.begin(), consumers_.end(), consumer) == consumers_.end()) {
    consumers_.push_back(consumer);
  }
}

namespace {

// DLPack's stream numbering for CUDA (the array API standard): 1 is the legacy default stream,
// 2 the per-thread default stream, any other value a cudaStream_t; None means legacy.
cudaStream_t stream_from_protocol(const py::object& stream) {
  if (stream.is_none()) return cudaStreamLegacy;
  const auto value = stream.cast<intptr_t>();
  if (value == 0) {
    throw_input_error("stream 0 is ambiguous in the DLPack protocol; pass 1 for the legacy "
                      "default stream or 2 for the per-thread one",
                      {});
  }
  return reinterpret_cast<cudaStream_t>(value);  // 1 and 2 are cudaStreamLegacy and PerThread
}

intptr_t protocol_stream(cudaStream_t stream) {
  return stream == nullptr ? 1 : reinterpret_cast<intptr_t>(stream);
}

// Owns what a DLManagedTensor points to: the shape array and a reference to the DeviceArray.
struct ExportContext {
  py::object owner;
  std::vector<int64_t> shape;
  DLManagedTensor managed{};
};

void delete_export(DLManagedTensor* managed) {
  auto* context = static_cast<ExportContext*>(managed->manager_ctx);
  py::gil_scoped_acquire gil;  // the consumer may drop it from any thread, without the GIL
  delete context;
}

void capsule_destructor(PyObject* capsule) {
  // A capsule nobody consumed still owns its tensor; a consumed one was renamed.
  if (PyCapsule_IsValid(capsule, "dltensor")) {
    auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, "dltensor"));
    if (managed != nullptr && managed->deleter != nullptr) managed->deleter(managed);
  }
}

py::object to_dlpack(py::object self, const py::object& stream, const py::object& /*max_version*/,
                     const py::object& dl_device, const py::object& copy) {
  // max_version: this producer speaks DLPack 0.x only, which a consumer asking for 1.x accepts.
  auto& array = self.cast<DeviceArray&>();
  if (!copy.is_none() && copy.cast<bool>()) {
    throw Error(ErrorKind::kUnsupported, "DeviceArray exports without copies only (copy=True)");
  }
  if (!dl_device.is_none()) {
    const auto device = dl_device.cast<std::pair<int, int>>();
    if (device.first != kDLCUDA || device.second != array.device()) {
      throw Error(ErrorKind::kUnsupported, "DeviceArray exports to its own device only",
                  {{"device", std::to_string(array.device())}});
    }
  }
  if (stream.is_none() || stream.cast<intptr_t>() != -1) array.use_on(stream_from_protocol(stream));
  auto* context = new ExportContext{self, array.tensor().shape(), {}};
  DLTensor& t = context->managed.dl_tensor;
  t.data = array.tensor().data();
  t.device = {kDLCUDA, array.device()};
  t.ndim = static_cast<int32_t>(context->shape.size());
  t.dtype = dlpack_dtype(array.tensor().dtype());
  t.shape = context->shape.data();
  t.strides = nullptr;  // C-contiguous
  t.byte_offset = 0;
  context->managed.manager_ctx = context;
  context->managed.deleter = &delete_export;
  PyObject* capsule = PyCapsule_New(&context->managed, "dltensor", &capsule_destructor);
  if (capsule == nullptr) {
    delete context;
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::object>(capsule);
}

py::dict cuda_array_interface(const DeviceArray& array) {
  py::dict d;
  d["shape"] = py::tuple(py::cast(array.tensor().shape()));
  d["typestr"] = typestr(array.tensor().dtype());
  d["data"] = py::make_tuple(reinterpret_cast<uintptr_t>(array.tensor().data()), false);
  d["strides"] = py::none();
  d["version"] = 3;
  // Consumers wait for this stream before reading (the interface's version 3 contract).
  d["stream"] = protocol_stream(array.stream());
  return d;
}

py::object to_numpy(const DeviceArray& array) {
  const OwnedTensor& t = array.tensor();
  py::object host = new_numpy_array(t.dtype(), t.shape());
  const py::buffer_info info = py::reinterpret_borrow<py::buffer>(host).request(/*writable=*/true);
  if (t.bytes() > 0) {
    py::gil_scoped_release release;
    cuda::DeviceGuard guard(array.device());
    // A host copy is a host sync by nature: this is the convenience path, never the hot one.
    RILL_CUDA_CHECK(cudaMemcpyAsync(info.ptr, t.data(), t.bytes(),
                                    cudaMemcpyDeviceToHost, array.stream()));
    RILL_CUDA_CHECK(cudaStreamSynchronize(array.stream()));
  }
  return host;
}

}  // namespace

void bind_device_array(py::module_& m) {
  py::class_<DeviceArray>(m, "DeviceArray",
                          "A device tensor rill allocated (an output); export it with DLPack or "
                          "__cuda_array_interface__, or copy it to the host with numpy().")
      .def_property_readonly("shape", [](const DeviceArray& a) { return py::tuple(py::cast(a.tensor().shape())); })
      .def_property_readonly("dtype", [](const DeviceArray& a) { return std::string(dtype_name(a.tensor().dtype())); })
      .def_property_readonly("device", &DeviceArray::device)
      .def_property_readonly("nbytes", [](const DeviceArray& a) { return a.tensor().bytes(); })
      .def_property_readonly("data_ptr", [](const DeviceArray& a) { return reinterpret_cast<uintptr_t>(a.tensor().data()); })
      .def_property_readonly("stream", [](const DeviceArray& a) { return protocol_stream(a.stream()); })
      .def("__dlpack__", &to_dlpack, py::arg("stream") = py::none(),
           py::arg("max_version") = py::none(), py::arg("dl_device") = py::none(),
           py::arg("copy") = py::none())
      .def("__dlpack_device__", [](const DeviceArray& a) { return py::make_tuple(static_cast<int>(kDLCUDA), a.device()); })
      .def_property_readonly("__cuda_array_interface__", &cuda_array_interface)
      .def("numpy", &to_numpy, "Copies to a new NumPy array (waits for the array's stream).")
      .def("__repr__", [](const DeviceArray& a) {
        std::string shape;
        for (int64_t d : a.tensor().shape()) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
        return "rill.DeviceArray(shape=(" + shape + "), dtype=" + std::string(dtype_name(a.tensor().dtype())) +
               ", device=" + std::to_string(a.device()) + ")";
      });
}

}  // namespace rill::python
