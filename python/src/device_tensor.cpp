#include "device_tensor.h"

#include <pybind11/stl.h>

#include "cuda/stream.h"
#include "dtypes.h"

namespace rill::python {

namespace {

using Context = std::vector<std::pair<std::string, std::string>>;

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

// C-contiguous in elements, ignoring dims of size 1 (whose stride does not matter).
bool is_contiguous(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides) {
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1 && strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

void check_contiguous(const std::string& name, const std::vector<int64_t>& shape,
                      const std::vector<int64_t>& strides) {
  if (!is_contiguous(shape, strides)) {
    throw_input_error("array is not C-contiguous; make it contiguous first (rill.torch does this "
                      "for torch tensors)",
                      {{"input", name}, {"shape", shape_text(shape)}, {"strides", shape_text(strides)}});
  }
}

void check_device(const std::string& name, int device_type, int device_id, int device) {
  if (device_type != kDLCUDA) {
    throw_input_error("array is not on a CUDA device (DLPack device type " +
                          std::to_string(device_type) + ")",
                      {{"input", name}});
  }
  if (device_id != device) {
    throw_input_error("array is on another CUDA device than the session",
                      {{"input", name},
                       {"array_device", std::to_string(device_id)},
                       {"session_device", std::to_string(device)}});
  }
}

// The DLPack stream-exchange protocol: the consumer names the stream it will use, and the
// producer orders its pending work before that stream. 1 means the legacy default stream.
py::object protocol_stream(cudaStream_t stream) {
  return py::int_(stream == nullptr ? 1 : reinterpret_cast<intptr_t>(stream));
}

Tensor from_dlpack(const py::handle& object, const std::string& name, int device,
                   cudaStream_t stream, ImportedArrays& keep) {
  const auto where = object.attr("__dlpack_device__")().cast<std::pair<int, int>>();
  check_device(name, where.first, where.second, device);
  py::object capsule = object.attr("__dlpack__")(py::arg("stream") = protocol_stream(stream));
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
  if (managed == nullptr) {
    PyErr_Clear();
    throw_input_error("__dlpack__ did not return a DLPack capsule named \"dltensor\"", {{"input", name}});
  }
  // Consumed: the capsule no longer owns the tensor; we call its deleter after the enqueue.
  PyCapsule_SetName(capsule.ptr(), "used_dltensor");
  keep.keep(managed);
  const DLTensor& t = managed->dl_tensor;
  Tensor tensor;
  tensor.dtype = dtype_from_dlpack(t.dtype, name);
  tensor.shape.assign(t.shape, t.shape + t.ndim);
  if (t.strides != nullptr) check_contiguous(name, tensor.shape, {t.strides, t.strides + t.ndim});
  tensor.data = static_cast<char*>(t.data) + t.byte_offset;
  return tensor;
}

Tensor from_cuda_array_interface(const py::handle& object, const std::string& name, int device,
                                 cudaStream_t stream, cuda::EventPool& events) {
  const py::dict cai = object.attr("__cuda_array_interface__");
  Tensor tensor;
  tensor.dtype = dtype_from_typestr(cai["typestr"].cast<std::string>(), name);
  tensor.shape = cai["shape"].cast<std::vector<int64_t>>();
  if (cai.contains("mask") && !cai["mask"].is_none()) {
    throw_input_error("masked arrays are not supported", {{"input", name}});
  }
  if (cai.contains("strides") && !cai["strides"].is_none()) {
    std::vector<int64_t> strides = cai["strides"].cast<std::vector<int64_t>>();
    for (int64_t& s : strides) s /= static_cast<int64_t>(dtype_size(tensor.dtype));
    check_contiguous(name, tensor.shape, strides);
  }
  const auto data = cai["data"].cast<std::pair<uintptr_t, bool>>();
  tensor.data = reinterpret_cast<void*>(data.first);
  if (data.first != 0) {
    int pointer_device = -1;
    cudaPointerAttributes attributes{};
    if (cudaPointerGetAttributes(&attributes, tensor.data) == cudaSuccess &&
        attributes.type != cudaMemoryTypeUnregistered && attributes.type != cudaMemoryTypeHost) {
      pointer_device = attributes.device;
    }
    (void)cudaGetLastError();
    check_device(name, pointer_device >= 0 ? kDLCUDA : kDLCPU, pointer_device, device);
  }
  // Version 3: the producer's pending work is on `stream` (None: already synchronized).
  if (cai.contains("stream") && !cai["stream"].is_none()) {
    const auto producer = cai["stream"].cast<intptr_t>();
    if (producer == 0) throw_input_error("__cuda_array_interface__ stream 0 is not allowed", {{"input", name}});
    cuda::join(stream, reinterpret_cast<cudaStream_t>(producer), events);
  }
  return tensor;
}

}  // namespace

ImportedArrays::~ImportedArrays() {
  for (DLManagedTensor* managed : dlpack_) {
    if (managed->deleter != nullptr) managed->deleter(managed);
  }
}

Tensor import_device_array(const py::handle& object, const std::string& name, int device,
                           cudaStream_t stream, cuda::EventPool& events, ImportedArrays& keep) {
  if (py::isinstance<py::tuple>(object)) {
    // rill.torch's fast path: (data_ptr, dtype name, shape), already checked there.
    const auto raw = object.cast<std::tuple<uintptr_t, std::string, std::vector<int64_t>>>();
    return {reinterpret_cast<void*>(std::get<0>(raw)), dtype_from_name(std::get<1>(raw)),
            std::get<2>(raw)};
  }
  if (py::hasattr(object, "__dlpack__") && py::hasattr(object, "__dlpack_device__")) {
    return from_dlpack(object, name, device, stream, keep);
  }
  if (py::hasattr(object, "__cuda_array_interface__")) {
    return from_cuda_array_interface(object, name, device, stream, events);
  }
  throw_input_error("input is not a device array (one with __dlpack__ or "
                    "__cuda_array_interface__) nor a NumPy array",
                    {{"input", name}, {"type", py::str(py::type::of(object).attr("__name__")).cast<std::string>()}},
                    /*type_error=*/true);
}

}  // namespace rill::python
