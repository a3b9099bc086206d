#include "kernels/cudnn_backend.h"

#include <utility>

#include "kernels/library_check.h"

namespace rill::kernels::cudnn {

BackendDescriptor BackendDescriptor::create(cudnnBackendDescriptorType_t type) {
  cudnnBackendDescriptor_t raw = nullptr;
  RILL_CUDNN_CHECK(cudnnBackendCreateDescriptor(type, &raw));
  return BackendDescriptor(raw);
}

BackendDescriptor::BackendDescriptor(BackendDescriptor&& other) noexcept
    : desc_(std::exchange(other.desc_, nullptr)) {}

BackendDescriptor& BackendDescriptor::operator=(BackendDescriptor&& other) noexcept {
  if (this != &other) {
    if (desc_ != nullptr) (void)cudnnBackendDestroyDescriptor(desc_);
    desc_ = std::exchange(other.desc_, nullptr);
  }
  return *this;
}

BackendDescriptor::~BackendDescriptor() {
  if (desc_ != nullptr) (void)cudnnBackendDestroyDescriptor(desc_);
}

BackendDescriptor& BackendDescriptor::set_raw(cudnnBackendAttributeName_t name,
                                              cudnnBackendAttributeType_t type, int64_t count,
                                              const void* values) {
  RILL_CUDNN_CHECK(cudnnBackendSetAttribute(desc_, name, type, count, values));
  return *this;
}

BackendDescriptor& BackendDescriptor::set_int64s(cudnnBackendAttributeName_t name,
                                                 std::span<const int64_t> values) {
  return set_raw(name, CUDNN_TYPE_INT64, static_cast<int64_t>(values.size()), values.data());
}

BackendDescriptor& BackendDescriptor::set_int64(cudnnBackendAttributeName_t name, int64_t value) {
  return set_raw(name, CUDNN_TYPE_INT64, 1, &value);
}

BackendDescriptor& BackendDescriptor::set_bool(cudnnBackendAttributeName_t name, bool value) {
  return set_raw(name, CUDNN_TYPE_BOOLEAN, 1, &value);
}

BackendDescriptor& BackendDescriptor::set_float(cudnnBackendAttributeName_t name, float value) {
  return set_raw(name, CUDNN_TYPE_FLOAT, 1, &value);
}

BackendDescriptor& BackendDescriptor::set_data_type(cudnnBackendAttributeName_t name,
                                                    cudnnDataType_t value) {
  return set_raw(name, CUDNN_TYPE_DATA_TYPE, 1, &value);
}

BackendDescriptor& BackendDescriptor::set_descriptor(cudnnBackendAttributeName_t name,
                                                     const BackendDescriptor& value) {
  cudnnBackendDescriptor_t raw = value.get();
  return set_raw(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &raw);
}

BackendDescriptor& BackendDescriptor::set_descriptors(
    cudnnBackendAttributeName_t name, std::initializer_list<const BackendDescriptor*> values) {
  std::vector<cudnnBackendDescriptor_t> raw;
  for (const BackendDescriptor* d : values) raw.push_back(d->get());
  return set_raw(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, static_cast<int64_t>(raw.size()), raw.data());
}

BackendDescriptor& BackendDescriptor::set_handle(cudnnBackendAttributeName_t name,
                                                 cudnnHandle_t handle) {
  return set_raw(name, CUDNN_TYPE_HANDLE, 1, &handle);
}

void BackendDescriptor::finalize() { RILL_CUDNN_CHECK(cudnnBackendFinalize(desc_)); }

cudnnStatus_t BackendDescriptor::try_finalize() noexcept { return cudnnBackendFinalize(desc_); }

int64_t BackendDescriptor::get_int64(cudnnBackendAttributeName_t name) const {
  int64_t value = 0;
  int64_t count = 0;
  RILL_CUDNN_CHECK(cudnnBackendGetAttribute(desc_, name, CUDNN_TYPE_INT64, 1, &count, &value));
  return value;
}

BackendDescriptor make_tensor(int64_t uid, cudnnDataType_t type, std::span<const int64_t> dims,
                              std::span<const int64_t> strides, bool is_virtual) {
  // Every address rill passes is 16-byte aligned at least (arena slices are 256-byte aligned,
  // and CudnnFusedConv::run checks the caller's), the widest vector access cuDNN's kernels use.
  constexpr int64_t kAlignment = 16;
  BackendDescriptor tensor = BackendDescriptor::create(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  tensor.set_data_type(CUDNN_ATTR_TENSOR_DATA_TYPE, type)
      .set_int64s(CUDNN_ATTR_TENSOR_DIMENSIONS, dims)
      .set_int64s(CUDNN_ATTR_TENSOR_STRIDES, strides)
      .set_int64(CUDNN_ATTR_TENSOR_UNIQUE_ID, uid)
      .set_int64(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, kAlignment)
      .set_bool(CUDNN_ATTR_TENSOR_IS_VIRTUAL, is_virtual);
  tensor.finalize();
  return tensor;
}

}  // namespace rill::kernels::cudnn
