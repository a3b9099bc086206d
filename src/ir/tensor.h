// Tensor descriptions and host tensors: the values the IR, the CPU reference and the plan file
// share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "rill/dtype.h"
#include "rill/error.h"

namespace rill::ir {

using Shape = std::vector<int64_t>;

//! Number of elements of a concrete shape (1 for a scalar).
int64_t element_count(const Shape& shape);
//! "[1,3,224,224]".
std::string shape_string(const Shape& shape);

//! A concrete tensor type: dtype and shape, no data.
struct TensorDesc {
  DType dtype = DType::kFloat32;
  Shape shape;

  int64_t elements() const { return element_count(shape); }
  size_t bytes() const { return static_cast<size_t>(elements()) * dtype_size(dtype); }
  friend bool operator==(const TensorDesc&, const TensorDesc&) = default;
};
//! "float32[1,3,224,224]".
std::string desc_string(const TensorDesc& desc);

//! A dense, C-ordered tensor in host memory. Used for initializers, constant folding and the CPU
//! reference executor. Bool tensors hold one byte (0 or 1) per element.
class HostTensor {
 public:
  HostTensor() = default;
  HostTensor(DType dtype, Shape shape);  // zero-filled
  HostTensor(DType dtype, Shape shape, std::span<const std::byte> bytes);

  //! A tensor from typed values: HostTensor::from<float>({2, 2}, {1, 2, 3, 4}).
  template <class T>
  static HostTensor from(Shape shape, const std::vector<T>& values);
  //! A rank-0 tensor.
  template <class T>
  static HostTensor scalar(T value) {
    return from<T>({}, std::vector<T>{value});
  }

  //! True for a default-constructed tensor, which stands for an absent optional input (a
  //! rank-0 tensor with no data; a real scalar has one element's bytes).
  bool absent() const noexcept { return data_.empty() && desc_.shape.empty(); }

  DType dtype() const noexcept { return desc_.dtype; }
  const Shape& shape() const noexcept { return desc_.shape; }
  const TensorDesc& desc() const noexcept { return desc_; }
  int64_t elements() const { return desc_.elements(); }
  size_t bytes() const noexcept { return data_.size(); }
  std::byte* raw() noexcept { return data_.data(); }
  const std::byte* raw() const noexcept { return data_.data(); }

  //! Typed access; throws kInternal when T does not match dtype().
  template <class T>
  T* data();
  template <class T>
  const T* data() const;
  template <class T>
  std::span<const T> values() const {
    return {data<T>(), static_cast<size_t>(elements())};
  }

  //! Values of an integer tensor (int64/int32/int8/uint8/bool) widened to int64: for shape
  //! inputs such as Reshape's shape or Slice's starts.
  std::vector<int64_t> as_int64s() const;
  //! Values converted to double, any dtype.
  std::vector<double> as_doubles() const;

  //! Same data, new shape of equal element count.
  HostTensor reshaped(Shape shape) const;

 private:
  TensorDesc desc_;
  std::vector<std::byte> data_;
};

//! A floating-point tensor converted to another floating-point dtype (float32, float64, float16,
//! bfloat16), rounding to nearest even; kInternal for other dtypes.
HostTensor convert_floating(const HostTensor& tensor, DType to);

//! The tensor transposed: out.shape[i] = in.shape[perm[i]], any dtype (weights permuted at
//! build time, CPU references of layout-changing ops).
HostTensor transposed(const HostTensor& in, std::span<const int64_t> perm);

//! The DType of a C++ element type (float -> kFloat32, int64_t -> kInt64, bool -> kBool...).
template <class T>
constexpr DType dtype_of();

}  // namespace rill::ir

#include "ir/tensor_inl.h"
