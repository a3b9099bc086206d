// Softmax kernels (see softmax.cuh). Numerically stable, float accumulation, expf (not __expf)
// so results track PyTorch's to about 1e-7 relative.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "cuda/check.h"
#include "kernels/half_types.cuh"
#include "kernels/row_reduce.cuh"
#include "kernels/softmax.cuh"

namespace rill::kernels {

namespace {

constexpr int kBlockThreads = 256;
constexpr int kWarpsPerBlock = kBlockThreads / 32;

using detail::narrow;
using detail::Vec16;
using detail::widen;

//! A warp per row, the row in registers: lane l holds vectors l, l + 32, ... (coalesced).
template <class T, int kChunks>
__global__ void __launch_bounds__(kBlockThreads)
    softmax_cached_kernel(const T* __restrict__ in, T* __restrict__ out, uint32_t rows,
                          uint32_t cols) {
  constexpr int kLanes = Vec16<T>::kLanes;
  const uint32_t row = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32;
  const uint32_t lane = threadIdx.x % 32;
  if (row >= rows) return;  // uniform per warp; the warp path has no block barriers
  const auto* x = reinterpret_cast<const Vec16<T>*>(in + static_cast<size_t>(row) * cols);
  auto* y = reinterpret_cast<Vec16<T>*>(out + static_cast<size_t>(row) * cols);
  const uint32_t vectors = cols / kLanes;
  float v[kChunks][kLanes];
  float max = -INFINITY;
#pragma unroll
  for (int j = 0; j < kChunks; ++j) {
    const uint32_t k = j * 32 + lane;
    if (k < vectors) {
      const Vec16<T> r = x[k];
#pragma unroll
      for (int l = 0; l < kLanes; ++l) {
        v[j][l] = widen(r.v[l]);
        max = detail::MaxOp{}(max, v[j][l]);
      }
    }
  }
  max = detail::warp_allreduce(max, detail::MaxOp{});
  float sum = 0.f;
#pragma unroll
  for (int j = 0; j < kChunks; ++j) {
    if (j * 32 + lane < vectors) {
#pragma unroll
      for (int l = 0; l < kLanes; ++l) {
        v[j][l] = expf(v[j][l] - max);
        sum += v[j][l];
      }
    }
  }
  sum = detail::warp_allreduce(sum, detail::SumOp{});
  const float inv = 1.f / sum;
#pragma unroll
  for (int j = 0; j < kChunks; ++j) {
    const uint32_t k = j * 32 + lane;
    if (k < vectors) {
      Vec16<T> r;
#pragma unroll
      for (int l = 0; l < kLanes; ++l) r.v[l] = narrow<T>(v[j][l] * inv);
      y[k] = r;
    }
  }
}

template <class T, int kThreads>
__global__ void __launch_bounds__(kBlockThreads)
    softmax_rows_kernel(const T* __restrict__ in, T* __restrict__ out, uint32_t rows,
                        uint32_t cols) {
  __shared__ float scratch[kBlockThreads / 32];
  constexpr int kRowsPerBlock = kBlockThreads / kThreads;
  const uint32_t row = blockIdx.x * kRowsPerBlock + threadIdx.x / kThreads;
  const uint32_t lane = threadIdx.x % kThreads;
  if (row >= rows) return;  // uniform per row group (see reduce.cu)
  const T* x = in + static_cast<size_t>(row) * cols;
  T* y = out + static_cast<size_t>(row) * cols;
  float max = -INFINITY;
  for (uint32_t c = lane; c < cols; c += kThreads) max = detail::MaxOp{}(max, widen(x[c]));
  max = detail::row_allreduce<kThreads>(max, detail::MaxOp{}, scratch);
  float sum = 0.f;
  for (uint32_t c = lane; c < cols; c += kThreads) sum += expf(widen(x[c]) - max);
  sum = detail::row_allreduce<kThreads>(sum, detail::SumOp{}, scratch);
  for (uint32_t c = lane; c < cols; c += kThreads) y[c] = narrow<T>(expf(widen(x[c]) - max) / sum);
}

template <class T>
__global__ void __launch_bounds__(kBlockThreads)
    softmax_columns_kernel(const T* __restrict__ in, T* __restrict__ out, SoftmaxPlan plan) {
  const uint32_t columns = plan.outer * plan.inner;
  const uint32_t stride = gridDim.x * blockDim.x;
  for (uint32_t t = blockIdx.x * blockDim.x + threadIdx.x; t < columns; t += stride) {
    const uint32_t o = t / plan.inner;
    const uint32_t i = t - o * plan.inner;
    const size_t base = static_cast<size_t>(o) * plan.dim * plan.inner + i;
    const T* x = in + base;
    T* y = out + base;
    float max = -INFINITY;
    for (uint32_t d = 0; d < plan.dim; ++d) max = detail::MaxOp{}(max, widen(x[d * plan.inner]));
    float sum = 0.f;
    for (uint32_t d = 0; d < plan.dim; ++d) sum += expf(widen(x[d * plan.inner]) - max);
    for (uint32_t d = 0; d < plan.dim; ++d) {
      y[d * plan.inner] = narrow<T>(expf(widen(x[d * plan.inner]) - max) / sum);
    }
  }
}

template <class T, int kChunks>
void launch_cached(const SoftmaxPlan& plan, const T* in, T* out, cudaStream_t stream) {
  softmax_cached_kernel<T, kChunks>
      <<<plan.cached_blocks, kBlockThreads, 0, stream>>>(in, out, plan.outer, plan.dim);
}

template <class T>
void launch_softmax(const SoftmaxPlan& plan, const void* in_raw, void* out_raw,
                    cudaStream_t stream) {
  if (plan.outer == 0 || plan.dim == 0 || plan.inner == 0) return;
  const auto* in = static_cast<const T*>(in_raw);
  auto* out = static_cast<T*>(out_raw);
  if (plan.inner == 1) {
    if (plan.chunks > 0 && detail::aligned16(in) && detail::aligned16(out)) {
      switch (plan.chunks) {
        case 1:
          launch_cached<T, 1>(plan, in, out, stream);
          break;
        case 2:
          launch_cached<T, 2>(plan, in, out, stream);
          break;
        case 3:
          launch_cached<T, 3>(plan, in, out, stream);
          break;
        case 4:
          launch_cached<T, 4>(plan, in, out, stream);
          break;
        case 5:
          launch_cached<T, 5>(plan, in, out, stream);
          break;
        case 6:
          launch_cached<T, 6>(plan, in, out, stream);
          break;
        case 7:
          launch_cached<T, 7>(plan, in, out, stream);
          break;
        default:
          launch_cached<T, 8>(plan, in, out, stream);
          break;
      }
    } else if (plan.threads_per_row == 32) {
      softmax_rows_kernel<T, 32>
          <<<plan.blocks, kBlockThreads, 0, stream>>>(in, out, plan.outer, plan.dim);
    } else {
      softmax_rows_kernel<T, kBlockThreads>
          <<<plan.blocks, kBlockThreads, 0, stream>>>(in, out, plan.outer, plan.dim);
    }
  } else {
    softmax_columns_kernel<T><<<plan.blocks, kBlockThreads, 0, stream>>>(in, out, plan);
  }
  RILL_CUDA_CHECK_LAUNCH();
}

}  // namespace

bool make_softmax_plan(int64_t outer, int64_t dim, int64_t inner, size_t element_size,
                       SoftmaxPlan* plan) {
  if (outer * dim * inner >= (int64_t{1} << 31)) return false;
  *plan = SoftmaxPlan{};
  plan->outer = static_cast<uint32_t>(outer);
  plan->dim = static_cast<uint32_t>(dim);
  plan->inner = static_cast<uint32_t>(inner);
  int64_t blocks = 0;
  if (inner == 1) {
    plan->threads_per_row = dim >= 1024 ? kBlockThreads : 32;
    const int64_t rows_per_block = kBlockThreads / plan->threads_per_row;
    blocks = (outer + rows_per_block - 1) / rows_per_block;
    const auto lanes = static_cast<int64_t>(16 / element_size);
    const int64_t vectors = dim / lanes;
    if (dim % lanes == 0 && vectors <= 32 * kMaxSoftmaxChunks) {
      plan->chunks = static_cast<int32_t>((vectors + 31) / 32);
      plan->cached_blocks = static_cast<uint32_t>((outer + kWarpsPerBlock - 1) / kWarpsPerBlock);
      if (plan->cached_blocks == 0) plan->cached_blocks = 1;
    }
  } else {
    blocks = (outer * inner + kBlockThreads - 1) / kBlockThreads;
    if (blocks > 65536) blocks = 65536;
  }
  plan->blocks = static_cast<uint32_t>(blocks < 1 ? 1 : blocks);
  return true;
}

SoftmaxLauncher find_softmax_launcher(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return &launch_softmax<float>;
    case DType::kFloat16:
      return &launch_softmax<__half>;
    case DType::kBFloat16:
      return &launch_softmax<__nv_bfloat16>;
    default:
      return nullptr;
  }
}

}  // namespace rill::kernels
