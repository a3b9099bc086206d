// LayerNormalization kernels (see layer_norm.cuh).
#include "cuda/check.h"
#include "kernels/layer_norm.cuh"
#include "kernels/row_reduce.cuh"

namespace rill::kernels {

namespace {

constexpr int kBlockThreads = 256;

template <int kThreads>
__global__ void __launch_bounds__(kBlockThreads)
    layer_norm_kernel(LayerNormPlan plan, const float* __restrict__ x,
                      const float* __restrict__ scale, const float* __restrict__ bias,
                      float* __restrict__ y, float* __restrict__ mean_out,
                      float* __restrict__ rstd_out) {
  __shared__ float scratch[kBlockThreads / 32];
  constexpr int kRowsPerBlock = kBlockThreads / kThreads;
  const uint32_t row = blockIdx.x * kRowsPerBlock + threadIdx.x / kThreads;
  const uint32_t lane = threadIdx.x % kThreads;
  if (row >= plan.rows) return;  // uniform per row group (see reduce.cu)
  const uint32_t cols = plan.cols;
  const float* in = x + static_cast<size_t>(row) * cols;
  float* out = y + static_cast<size_t>(row) * cols;

  float sum = 0.f;
  for (uint32_t c = lane; c < cols; c += kThreads) sum += in[c];
  const float mean = detail::row_allreduce<kThreads>(sum, detail::SumOp{}, scratch) / cols;
  float sq = 0.f;
  for (uint32_t c = lane; c < cols; c += kThreads) {
    const float d = in[c] - mean;
    sq += d * d;
  }
  const float var = detail::row_allreduce<kThreads>(sq, detail::SumOp{}, scratch) / cols;
  const float rstd = 1.f / sqrtf(var + plan.epsilon);
  for (uint32_t c = lane; c < cols; c += kThreads) {
    const float g = scale[plan.scale_is_scalar ? 0 : c];
    float v = (in[c] - mean) * rstd * g;
    if (bias != nullptr) v += bias[plan.bias_is_scalar ? 0 : c];
    out[c] = v;
  }
  if (lane == 0) {
    if (mean_out != nullptr) mean_out[row] = mean;
    if (rstd_out != nullptr) rstd_out[row] = rstd;
  }
}

}  // namespace

bool make_layer_norm_plan(int64_t rows, int64_t cols, float epsilon, bool scale_is_scalar,
                          bool bias_is_scalar, LayerNormPlan* plan) {
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
  return true;
}

void launch_layer_norm(const LayerNormPlan& plan, const float* x, const float* scale,
                       const float* bias, float* y, float* mean, float* inv_std_dev,
                       cudaStream_t stream) {
  if (plan.rows == 0 || plan.cols == 0) return;
  if (plan.threads_per_row == 32) {
    layer_norm_kernel<32>
        <<<plan.blocks, kBlockThreads, 0, stream>>>(plan, x, scale, bias, y, mean, inv_std_dev);
  } else {
    layer_norm_kernel<kBlockThreads>
        <<<plan.blocks, kBlockThreads, 0, stream>>>(plan, x, scale, bias, y, mean, inv_std_dev);
  }
  RILL_CUDA_CHECK_LAUNCH();
}

}  // namespace rill::kernels
