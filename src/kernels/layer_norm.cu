// LayerNormalization kernels (see layer_norm.cuh).
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "cuda/check.h"
#include "kernels/half_types.cuh"
#include "kernels/layer_norm.cuh"
#include "kernels/row_reduce.cuh"

namespace rill::kernels {

namespace {

constexpr int kBlockThreads = 256;
constexpr int kWarpsPerBlock = kBlockThreads / 32;

using detail::narrow;
using detail::Vec16;
using detail::widen;

template <class T>
struct Ptrs {
  const T* __restrict__ x;
  const T* __restrict__ residual;
  const T* __restrict__ scale;
  const T* __restrict__ bias;
  T* __restrict__ y;
  T* __restrict__ sum;
  float* __restrict__ mean;
  float* __restrict__ rstd;
};

//! x + residual as the unfused graph stores it: rounded to T (a no-op for float).
template <class T>
__device__ __forceinline__ float add_rounded(T x, T r) {
  return widen(narrow<T>(widen(x) + widen(r)));
}

//! A warp per row with the row in registers: lane l holds vectors l, l + 32, ... (coalesced).
template <class T, int kChunks>
__global__ void __launch_bounds__(kBlockThreads)
    layer_norm_cached_kernel(LayerNormPlan plan, Ptrs<T> p) {
  constexpr int kLanes = Vec16<T>::kLanes;
  const uint32_t row = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32;
  const uint32_t lane = threadIdx.x % 32;
  if (row >= plan.rows) return;  // uniform per warp; no block barriers on this path
  const uint32_t vectors = plan.cols / kLanes;
  const size_t base = static_cast<size_t>(row) * plan.cols;
  const auto* x = reinterpret_cast<const Vec16<T>*>(p.x + base);
  const auto* r = p.residual == nullptr
                      ? nullptr
                      : reinterpret_cast<const Vec16<T>*>(
                            p.residual + static_cast<size_t>(row % plan.residual_rows) * plan.cols);
  float v[kChunks][kLanes];
  float sum = 0.f;
#pragma unroll
  for (int j = 0; j < kChunks; ++j) {
    const uint32_t k = j * 32 + lane;
    if (k < vectors) {
      const Vec16<T> a = x[k];
      if (p.residual != nullptr) {
        const Vec16<T> b = r[k];
        Vec16<T> s;
#pragma unroll
        for (int l = 0; l < kLanes; ++l) {
          s.v[l] = narrow<T>(widen(a.v[l]) + widen(b.v[l]));
          v[j][l] = widen(s.v[l]);
        }
        if (p.sum != nullptr) reinterpret_cast<Vec16<T>*>(p.sum + base)[k] = s;
      } else {
#pragma unroll
        for (int l = 0; l < kLanes; ++l) v[j][l] = widen(a.v[l]);
      }
#pragma unroll
      for (int l = 0; l < kLanes; ++l) sum += v[j][l];
    }
  }
  const float mean = detail::warp_allreduce(sum, detail::SumOp{}) / plan.cols;
  float sq = 0.f;
#pragma unroll
  for (int j = 0; j < kChunks; ++j) {
    if (j * 32 + lane < vectors) {
#pragma unroll
      for (int l = 0; l < kLanes; ++l) {
        const float d = v[j][l] - mean;
        sq += d * d;
      }
    }
  }
  const float var = detail::warp_allreduce(sq, detail::SumOp{}) / plan.cols;
  const float rstd = 1.f / sqrtf(var + plan.epsilon);
  const auto* g = reinterpret_cast<const Vec16<T>*>(p.scale);
  const auto* b = reinterpret_cast<const Vec16<T>*>(p.bias);
  auto* y = reinterpret_cast<Vec16<T>*>(p.y + base);
#pragma unroll
  for (int j = 0; j < kChunks; ++j) {
    const uint32_t k = j * 32 + lane;
    if (k < vectors) {
      Vec16<T> gv{};
      Vec16<T> bv{};
      if (!plan.scale_is_scalar) gv = g[k];
      if (p.bias != nullptr && !plan.bias_is_scalar) bv = b[k];
      Vec16<T> out;
#pragma unroll
      for (int l = 0; l < kLanes; ++l) {
        const float gl = widen(plan.scale_is_scalar ? p.scale[0] : gv.v[l]);
        float o = (v[j][l] - mean) * rstd * gl;
        if (p.bias != nullptr) o += widen(plan.bias_is_scalar ? p.bias[0] : bv.v[l]);
        out.v[l] = narrow<T>(o);
      }
      y[k] = out;
    }
  }
  if (lane == 0) {
    if (p.mean != nullptr) p.mean[row] = mean;
    if (p.rstd != nullptr) p.rstd[row] = rstd;
  }
}

template <class T, int kThreads>
__global__ void __launch_bounds__(kBlockThreads) layer_norm_kernel(LayerNormPlan plan, Ptrs<T> p) {
  __shared__ float scratch[kBlockThreads / 32];
  constexpr int kRowsPerBlock = kBlockThreads / kThreads;
  const uint32_t row = blockIdx.x * kRowsPerBlock + threadIdx.x / kThreads;
  const uint32_t lane = threadIdx.x % kThreads;
  if (row >= plan.rows) return;  // uniform per row group (see reduce.cu)
  const uint32_t cols = plan.cols;
  const size_t base = static_cast<size_t>(row) * cols;
  const T* in = p.x + base;
  const T* res = p.residual != nullptr
                     ? p.residual + static_cast<size_t>(row % plan.residual_rows) * cols
                     : nullptr;
  auto value = [&](uint32_t c) {
    return res != nullptr ? add_rounded(in[c], res[c]) : widen(in[c]);
  };

  float sum = 0.f;
  for (uint32_t c = lane; c < cols; c += kThreads) sum += value(c);
  const float mean = detail::row_allreduce<kThreads>(sum, detail::SumOp{}, scratch) / cols;
  float sq = 0.f;
  for (uint32_t c = lane; c < cols; c += kThreads) {
    const float d = value(c) - mean;
    sq += d * d;
  }
  const float var = detail::row_allreduce<kThreads>(sq, detail::SumOp{}, scratch) / cols;
  const float rstd = 1.f / sqrtf(var + plan.epsilon);
  T* out = p.y + base;
  T* sum_out = p.sum != nullptr ? p.sum + base : nullptr;
  for (uint32_t c = lane; c < cols; c += kThreads) {
    const float x = value(c);
    if (sum_out != nullptr) sum_out[c] = narrow<T>(x);
    const float g = widen(p.scale[plan.scale_is_scalar ? 0 : c]);
    float v = (x - mean) * rstd * g;
    if (p.bias != nullptr) v += widen(p.bias[plan.bias_is_scalar ? 0 : c]);
    out[c] = narrow<T>(v);
  }
  if (lane == 0) {
    if (p.mean != nullptr) p.mean[row] = mean;
    if (p.rstd != nullptr) p.rstd[row] = rstd;
  }
}

bool all_aligned(const LayerNormPlan& plan, const LayerNormArgs& a) {
  auto ok = [](const void* ptr) { return ptr == nullptr || detail::aligned16(ptr); };
  return ok(a.x) && ok(a.residual) && ok(a.y) && ok(a.sum) &&
         (plan.scale_is_scalar || ok(a.scale)) && (plan.bias_is_scalar || ok(a.bias));
}

template <class T, int kChunks>
void launch_cached(const LayerNormPlan& plan, const Ptrs<T>& p, cudaStream_t stream) {
  layer_norm_cached_kernel<T, kChunks><<<plan.cached_blocks, kBlockThreads, 0, stream>>>(plan, p);
}

template <class T>
void launch_layer_norm(const LayerNormPlan& plan, const LayerNormArgs& a, cudaStream_t stream) {
  if (plan.rows == 0 || plan.cols == 0) return;
  const Ptrs<T> p{static_cast<const T*>(a.x),
                  static_cast<const T*>(a.residual),
                  static_cast<const T*>(a.scale),
                  static_cast<const T*>(a.bias),
                  static_cast<T*>(a.y),
                  static_cast<T*>(a.sum),
                  a.mean,
                  a.inv_std_dev};
  if (plan.chunks > 0 && all_aligned(plan, a)) {
    switch (plan.chunks) {
      case 1:
        launch_cached<T, 1>(plan, p, stream);
        break;
      case 2:
        launch_cached<T, 2>(plan, p, stream);
        break;
      case 3:
        launch_cached<T, 3>(plan, p, stream);
        break;
      case 4:
        launch_cached<T, 4>(plan, p, stream);
        break;
      case 5:
        launch_cached<T, 5>(plan, p, stream);
        break;
      case 6:
        launch_cached<T, 6>(plan, p, stream);
        break;
      case 7:
        launch_cached<T, 7>(plan, p, stream);
        break;
      default:
        launch_cached<T, 8>(plan, p, stream);
        break;
    }
  } else if (plan.threads_per_row == 32) {
    layer_norm_kernel<T, 32><<<plan.blocks, kBlockThreads, 0, stream>>>(plan, p);
  } else {
    layer_norm_kernel<T, kBlockThreads><<<plan.blocks, kBlockThreads, 0, stream>>>(plan, p);
  }
  RILL_CUDA_CHECK_LAUNCH();
}

}  // namespace

bool make_layer_norm_plan(int64_t rows, int64_t cols, float epsilon, bool scale_is_scalar,
                          bool bias_is_scalar, size_t element_size, LayerNormPlan* plan) {
  if (rows * cols >= (int64_t{1} << 31)) return false;
  *plan = LayerNormPlan{};
  plan->rows = static_cast<uint32_t>(rows);
  plan->cols = static_cast<uint32_t>(cols);
  plan->epsilon = epsilon;
  plan->scale_is_scalar = scale_is_scalar;
  plan->bias_is_scalar = bias_is_scalar;
  plan->threads_per_row = cols >= 1024 ? kBlockThreads : 32;
  const int64_t rows_per_block = kBlockThreads / plan->threads_per_row;
  const int64_t blocks = (rows + rows_per_block - 1) / rows_per_block;
  plan->blocks = static_cast<uint32_t>(blocks < 1 ? 1 : blocks);
  const auto lanes = static_cast<int64_t>(16 / element_size);
  const int64_t vectors = cols / lanes;
  if (cols % lanes == 0 && vectors > 0 && vectors <= 32 * kMaxLayerNormChunks) {
    plan->chunks = static_cast<int32_t>((vectors + 31) / 32);
    const int64_t cached = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
    plan->cached_blocks = static_cast<uint32_t>(cached < 1 ? 1 : cached);
  }
  return true;
}

LayerNormLauncher find_layer_norm_launcher(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return &launch_layer_norm<float>;
    case DType::kFloat16:
      return &launch_layer_norm<__half>;
    case DType::kBFloat16:
      return &launch_layer_norm<__nv_bfloat16>;
    default:
      return nullptr;
  }
}

}  // namespace rill::kernels
