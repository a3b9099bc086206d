// The host strided copy behind the CPU references of Transpose, Slice and Expand.
#include "ops/movement_plans.h"

namespace rill::ops::movement {

HostTensor strided_copy_host(const HostTensor& in, const Shape& out_shape,
                             const std::vector<int64_t>& in_strides, int64_t offset) {
  HostTensor out(in.dtype(), out_shape);
  const size_t size = dtype_size(in.dtype());
  const size_t rank = out_shape.size();
  std::vector<int64_t> coord(rank, 0);
  const int64_t count = out.elements();
  int64_t at = offset;  // input element of the current output element
  for (int64_t i = 0; i < count; ++i) {
    copy_element(out.raw() + i * size, in.raw() + at * size, size);
    // Odometer increment, innermost dim first.
    for (size_t d = rank; d-- > 0;) {
      at += in_strides[d];
      if (++coord[d] < out_shape[d]) break;
      at -= coord[d] * in_strides[d];
      coord[d] = 0;
    }
  }
  return out;
}

}  // namespace rill::ops::movement
