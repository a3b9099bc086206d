// Reduction kernels (see reduce.cuh). Accumulation in float.
#include <vector>

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "cuda/check.h"
#include "kernels/reduce.cuh"
#include "kernels/row_reduce.cuh"

namespace rill::kernels {

namespace {

constexpr int kBlockThreads = 256;

template <ReduceOp kOp>
using OpFor = std::conditional_t<kOp == ReduceOp::kMax, detail::MaxOp, detail::SumOp>;

// Each thread's serial partial sum is kept in double: a thread may add thousands of values (one
// block reducing a whole tensor), and the reduction is memory-bound, so the wider adds are free.
// Partials then combine in float through the shuffle tree, whose depth is only log2(threads).
template <ReduceOp kOp>
using PartialFor = std::conditional_t<kOp == ReduceOp::kMax, float, double>;

template <ReduceOp kOp>
__device__ __forceinline__ PartialFor<kOp> combine(PartialFor<kOp> acc, float v) {
  if constexpr (kOp == ReduceOp::kMax) {
    return detail::MaxOp{}(acc, v);
  } else {
    return acc + static_cast<double>(v);
  }
}

template <class T>
__device__ __forceinline__ float load_float(const T* p) {
  if constexpr (std::is_same_v<T, __half>) {
    return __half2float(*p);
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __bfloat162float(*p);
  } else {
    return static_cast<float>(*p);
  }
}

template <class T>
__device__ __forceinline__ T store_value(float v) {
  if constexpr (std::is_same_v<T, __half>) {
    return __float2half_rn(v);
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __float2bfloat16_rn(v);
  } else {
    return static_cast<T>(v);
  }
}

template <ReduceOp kOp, int kThreads, class T>
__global__ void __launch_bounds__(kBlockThreads)
    reduce_rows_kernel(const T* __restrict__ in, T* __restrict__ out, uint32_t rows, uint32_t cols,
                       float scale) {
  __shared__ float scratch[kBlockThreads / 32];
  constexpr int kRowsPerBlock = kBlockThreads / kThreads;
  const uint32_t row = blockIdx.x * kRowsPerBlock + threadIdx.x / kThreads;
  const uint32_t lane = threadIdx.x % kThreads;
  const OpFor<kOp> op;
  // Block-per-row kernels must not return before the barriers in row_allreduce; with one row
  // per block, `row < rows` is uniform across the block, so this early exit is safe.
  if (row >= rows) return;
  const T* src = in + static_cast<size_t>(row) * cols;
  PartialFor<kOp> partial = OpFor<kOp>::identity();
  for (uint32_t c = lane; c < cols; c += kThreads) {
    partial = combine<kOp>(partial, load_float(src + c));
  }
  const float acc = detail::row_allreduce<kThreads>(static_cast<float>(partial), op, scratch);
  if (lane == 0) out[row] = store_value<T>(kOp == ReduceOp::kMean ? acc * scale : acc);
}

template <ReduceOp kOp, class T>
__global__ void __launch_bounds__(kBlockThreads)
    reduce_general_kernel(const T* __restrict__ in, T* __restrict__ out, ReducePlan plan) {
  const uint32_t stride = gridDim.x * blockDim.x;
  for (uint32_t o = blockIdx.x * blockDim.x + threadIdx.x; o < plan.out_count; o += stride) {
    uint32_t base = 0;
    uint32_t rem = o;
    for (int d = plan.kept_rank - 1; d >= 0; --d) {
      const uint32_t q = rem / plan.kept_dims[d];
      base += (rem - q * plan.kept_dims[d]) * plan.kept_strides[d];
      rem = q;
    }
    PartialFor<kOp> acc = OpFor<kOp>::identity();
    if (plan.red_rank == 1) {
      const uint32_t s = plan.red_strides[0];
      for (uint32_t r = 0; r < plan.reduce_count; ++r) {
        acc = combine<kOp>(acc, load_float(in + base + r * s));
      }
    } else {
      for (uint32_t r = 0; r < plan.reduce_count; ++r) {
        uint32_t off = base;
        uint32_t rr = r;
        for (int d = plan.red_rank - 1; d >= 0; --d) {
          const uint32_t q = rr / plan.red_dims[d];
          off += (rr - q * plan.red_dims[d]) * plan.red_strides[d];
          rr = q;
        }
        acc = combine<kOp>(acc, load_float(in + off));
      }
    }
    const float total = static_cast<float>(acc);
    out[o] = store_value<T>(kOp == ReduceOp::kMean ? total * plan.scale : total);
  }
}

template <ReduceOp kOp, class T>
void launch_typed(const ReducePlan& plan, const void* in_raw, void* out_raw, cudaStream_t stream) {
  if (plan.out_count == 0) return;
  const auto* in = static_cast<const T*>(in_raw);
  auto* out = static_cast<T*>(out_raw);
  if (plan.rows) {
    if (plan.threads_per_row == 32) {
      reduce_rows_kernel<kOp, 32, T><<<plan.blocks, kBlockThreads, 0, stream>>>(
          in, out, plan.out_count, plan.reduce_count, plan.scale);
    } else {
      reduce_rows_kernel<kOp, kBlockThreads, T><<<plan.blocks, kBlockThreads, 0, stream>>>(
          in, out, plan.out_count, plan.reduce_count, plan.scale);
    }
  } else {
    reduce_general_kernel<kOp, T><<<plan.blocks, kBlockThreads, 0, stream>>>(in, out, plan);
  }
  RILL_CUDA_CHECK_LAUNCH();
}

}  // namespace

bool make_reduce_plan(std::span<const int64_t> shape, std::span<const bool> reduced, ReduceOp op,
                      ReducePlan* plan) {
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  if (total >= (int64_t{1} << 31)) return false;
  *plan = ReducePlan{};
  plan->op = op;

  // Merge adjacent dims of the same kind, dropping size-1 dims; strides of a dense tensor.
  struct Group {
    bool reduced;
    int64_t size;
    int64_t stride;
  };
  std::vector<Group> groups;
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] != 1) {
      if (!groups.empty() && groups.back().reduced == reduced[d]) {
        groups.back().size *= shape[d];
      } else {
        groups.push_back({reduced[d], shape[d], stride});
      }
    }
    stride *= shape[d];
  }
  // groups is innermost-first; keep each group's innermost stride.
  int64_t out_count = 1;
  int64_t reduce_count = 1;
  for (auto it = groups.rbegin(); it != groups.rend(); ++it) {
    if (it->reduced) {
      if (plan->red_rank == kMaxReduceRank) return false;
      plan->red_dims[plan->red_rank] = static_cast<uint32_t>(it->size);
      plan->red_strides[plan->red_rank++] = static_cast<uint32_t>(it->stride);
      reduce_count *= it->size;
    } else {
      if (plan->kept_rank == kMaxReduceRank) return false;
      plan->kept_dims[plan->kept_rank] = static_cast<uint32_t>(it->size);
      plan->kept_strides[plan->kept_rank++] = static_cast<uint32_t>(it->stride);
      out_count *= it->size;
    }
  }
  plan->out_count = static_cast<uint32_t>(out_count);
  plan->reduce_count = static_cast<uint32_t>(reduce_count);
  plan->scale = 1.f / static_cast<float>(reduce_count);
  // Rows layout: nothing reduced, or the innermost group is the only reduced one.
  plan->rows = plan->red_rank == 0 || (plan->red_rank == 1 && groups.front().reduced);
  if (plan->rows) {
    plan->threads_per_row = reduce_count >= 1024 ? kBlockThreads : 32;
    const int64_t rows_per_block = kBlockThreads / plan->threads_per_row;
    plan->blocks = static_cast<uint32_t>((out_count + rows_per_block - 1) / rows_per_block);
  } else {
    const int64_t b = (out_count + kBlockThreads - 1) / kBlockThreads;
    plan->blocks = static_cast<uint32_t>(b > 65536 ? 65536 : b);
  }
  if (plan->blocks == 0) plan->blocks = 1;
  return true;
}

namespace {

template <class T>
ReduceLauncher reduce_launcher(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
      return &launch_typed<ReduceOp::kSum, T>;
    case ReduceOp::kMean:
      return &launch_typed<ReduceOp::kMean, T>;
    case ReduceOp::kMax:
      return &launch_typed<ReduceOp::kMax, T>;
  }
  return nullptr;
}

}  // namespace

ReduceLauncher find_reduce_launcher(ReduceOp op, DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return reduce_launcher<float>(op);
    case DType::kFloat16:
      return reduce_launcher<__half>(op);
    case DType::kBFloat16:
      return reduce_launcher<__nv_bfloat16>(op);
    default:
      return nullptr;
  }
}

}  // namespace rill::kernels
