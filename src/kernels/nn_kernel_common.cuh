// Shared launch helpers for the nn family's own kernels (pool, batch norm, bias+activation,
// layout copies). Device code only sees raw pointers and sizes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include "rill/dtype.h"
#include "rill/error.h"

namespace rill::kernels::nn_detail {

constexpr int kBlock = 256;

//! Blocks for a grid-stride loop over `n` elements (capped; the loop covers the rest).
inline unsigned grid_for(int64_t n) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  return static_cast<unsigned>(std::clamp<int64_t>(blocks, 1, int64_t{65535} * 8));
}

//! Calls f(T{}) with the element type for `dtype` (float, __half, __nv_bfloat16); other dtypes
//! are kUnsupported. Kernels convert half elements to float, compute in float and round once
//! when they store.
template <class F>
void dispatch_float(DType dtype, const char* kernel, F&& f) {
  switch (dtype) {
    case DType::kFloat32:
      f(float{});
      return;
    case DType::kFloat16:
      f(__half{});
      return;
    case DType::kBFloat16:
      f(__nv_bfloat16{});
      return;
    default:
      throw Error(ErrorKind::kUnsupported, std::string(kernel) + ": dtype has no GPU kernel yet",
                  {{"dtype", std::string(dtype_name(dtype))}});
  }
}

}  // namespace rill::kernels::nn_detail
