// A thin RAII layer over cuDNN's backend (graph) API descriptors.
//
// The backend API describes everything (tensors, operations, graphs, engine configurations,
// plans, variant packs) as opaque descriptors set through typed attribute arrays and then
// finalized. BackendDescriptor owns one descriptor; its setters name the attribute type once, so
// call sites read as "set X to these int64s" instead of four-argument C calls, and every status
// is checked (library_check.h).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include <cudnn.h>

namespace rill::kernels::cudnn {

class BackendDescriptor {
 public:
  BackendDescriptor() noexcept = default;
  static BackendDescriptor create(cudnnBackendDescriptorType_t type);
  BackendDescriptor(BackendDescriptor&& other) noexcept;
  BackendDescriptor& operator=(BackendDescriptor&& other) noexcept;
  BackendDescriptor(const BackendDescriptor&) = delete;
  BackendDescriptor& operator=(const BackendDescriptor&) = delete;
  ~BackendDescriptor();

  cudnnBackendDescriptor_t get() const noexcept { return desc_; }
  explicit operator bool() const noexcept { return desc_ != nullptr; }

  BackendDescriptor& set_int64s(cudnnBackendAttributeName_t name, std::span<const int64_t> values);
  BackendDescriptor& set_int64(cudnnBackendAttributeName_t name, int64_t value);
  BackendDescriptor& set_bool(cudnnBackendAttributeName_t name, bool value);
  BackendDescriptor& set_float(cudnnBackendAttributeName_t name, float value);
  BackendDescriptor& set_data_type(cudnnBackendAttributeName_t name, cudnnDataType_t value);
  BackendDescriptor& set_descriptor(cudnnBackendAttributeName_t name,
                                    const BackendDescriptor& value);
  BackendDescriptor& set_descriptors(cudnnBackendAttributeName_t name,
                                     std::initializer_list<const BackendDescriptor*> values);
  BackendDescriptor& set_handle(cudnnBackendAttributeName_t name, cudnnHandle_t handle);
  //! Any other attribute type, as the raw C call takes it.
  BackendDescriptor& set_raw(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type,
                             int64_t count, const void* values);
  //! Checks the status: a descriptor that cannot be finalized is a bug in how it was set.
  void finalize();
  //! For execution plans, which cuDNN may refuse for a configuration its heuristics offered.
  cudnnStatus_t try_finalize() noexcept;

  int64_t get_int64(cudnnBackendAttributeName_t name) const;

 private:
  explicit BackendDescriptor(cudnnBackendDescriptor_t desc) noexcept : desc_(desc) {}
  cudnnBackendDescriptor_t desc_ = nullptr;
};

//! A tensor of the operation graph: dims and strides in cuDNN's N, C, spatial... order.
BackendDescriptor make_tensor(int64_t uid, cudnnDataType_t type, std::span<const int64_t> dims,
                              std::span<const int64_t> strides, bool is_virtual);

}  // namespace rill::kernels::cudnn
