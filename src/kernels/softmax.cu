// Softmax kernels (see softmax.cuh). Numerically stable, float accumulation, expf (not __expf)
// so results track PyTorch's to about 1e-7 relative.
#include "cuda/check.h"
#include "kernels/row_reduce.cuh"
#include "kernels/softmax.cuh"

namespace rill::kernels {

namespace {

constexpr int kBlockThreads = 256;

template <int kThreads>
__global__ void __launch_bounds__(kBlockThreads)
    softmax_rows_kernel(const float* __restrict__ in, float* __restrict__ out, uint32_t rows,
                        uint32_t cols) {
  __shared__ float scratch[kBlockThreads / 32];
  constexpr int kRowsPerBlock = kBlockThreads / kThreads;
  const uint32_t row = blockIdx.x * kRowsPerBlock + threadIdx.x / kThreads;
  const uint32_t lane = threadIdx.x % kThreads;
  if (row >= rows) return;  // uniform per row group (see reduce.cu)
  const float* x = in + static_cast<size_t>(row) * cols;
  float* y = out + static_cast<size_t>(row) * cols;
  float max = -INFINITY;
  for (uint32_t c = lane; c < cols; c += kThreads) max = detail::MaxOp{}(max, x[c]);
  max = detail::row_allreduce<kThreads>(max, detail::MaxOp{}, scratch);
  float sum = 0.f;
  for (uint32_t c = lane; c < cols; c += kThreads) sum += expf(x[c] - max);
  sum = detail::row_allreduce<kThreads>(sum, detail::SumOp{}, scratch);
  for (uint32_t c = lane; c < cols; c += kThreads) y[c] = expf(x[c] - max) / sum;
}

__global__ void __launch_bounds__(kBlockThreads)
    softmax_columns_kernel(const float* __restrict__ in, float* __restrict__ out,
                           SoftmaxPlan plan) {
  const uint32_t columns = plan.outer * plan.inner;
  const uint32_t stride = gridDim.x * blockDim.x;
  for (uint32_t t = blockIdx.x * blockDim.x + threadIdx.x; t < columns; t += stride) {
    const uint32_t o = t / plan.inner;
    const uint32_t i = t - o * plan.inner;
    const size_t base = static_cast<size_t>(o) * plan.dim * plan.inner + i;
    const float* x = in + base;
    float* y = out + base;
    float max = -INFINITY;
    for (uint32_t d = 0; d < plan.dim; ++d) max = detail::MaxOp{}(max, x[d * plan.inner]);
    float sum = 0.f;
    for (uint32_t d = 0; d < plan.dim; ++d) sum += expf(x[d * plan.inner] - max);
    for (uint32_t d = 0; d < plan.dim; ++d) y[d * plan.inner] = expf(x[d * plan.inner] - max) / sum;
  }
}

}  // namespace

bool make_softmax_plan(int64_t outer, int64_t dim, int64_t inner, SoftmaxPlan* plan) {
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
  } else {
    blocks = (outer * inner + kBlockThreads - 1) / kBlockThreads;
    if (blocks > 65536) blocks = 65536;
  }
  plan->blocks = static_cast<uint32_t>(blocks < 1 ? 1 : blocks);
  return true;
}

void launch_softmax(const SoftmaxPlan& plan, const float* in, float* out, cudaStream_t stream) {
  if (plan.outer == 0 || plan.dim == 0 || plan.inner == 0) return;
  if (plan.inner == 1) {
    if (plan.threads_per_row == 32) {
      softmax_rows_kernel<32>
          <<<plan.blocks, kBlockThreads, 0, stream>>>(in, out, plan.outer, plan.dim);
    } else {
      softmax_rows_kernel<kBlockThreads>
          <<<plan.blocks, kBlockThreads, 0, stream>>>(in, out, plan.outer, plan.dim);
    }
  } else {
    softmax_columns_kernel<<<plan.blocks, kBlockThreads, 0, stream>>>(in, out, plan);
  }
  RILL_CUDA_CHECK_LAUNCH();
}

}  // namespace rill::kernels
