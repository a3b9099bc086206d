// y = activation(x + bias[channel]) in float32, float16 or bfloat16 (computed in float, Note
// [Half-precision kernels]).
#include "cuda/check.h"
#include "kernels/bias_activation.cuh"
#include "kernels/half_types.cuh"
#include "kernels/nn_kernel_common.cuh"

namespace rill::kernels {

namespace {

template <class T>
__device__ __forceinline__ float apply(float v, Activation act, float alpha) {
  switch (act) {
    case Activation::kRelu:
      return v > 0.0f ? v : 0.0f;
    case Activation::kSigmoid:
      return 1.0f / (1.0f + expf(-v));
    case Activation::kTanh:
      return tanhf(v);
    case Activation::kLeakyRelu:
      return v >= 0.0f ? v : alpha * v;
    case Activation::kGeluTanh:
      return 0.5f * v * (1.0f + tanhf(0.7978845608f * (v + 0.044715f * v * v * v)));
    case Activation::kNone:
      break;
  }
  return v;
}

// x may alias y (in-place), so only bias is __restrict__. Index is uint32_t below 2^31
// elements (the common case: 32-bit division per element is several times cheaper than 64-bit).
template <class T, class Index>
__global__ void bias_activation_kernel(Index n, Index channels, Index inner, Activation act,
                                       float alpha, const T* x, const T* __restrict__ bias, T* y) {
  for (Index i = blockIdx.x * Index{blockDim.x} + threadIdx.x; i < n;
       i += Index{gridDim.x} * blockDim.x) {
    float v = detail::widen(x[i]);
    if (bias != nullptr) v += detail::widen(bias[(i / inner) % channels]);
    y[i] = detail::narrow<T>(apply<T>(v, act, alpha));
  }
}

}  // namespace

void launch_bias_activation(DType dtype, const BiasActivationParams& p, const void* x,
                            const void* bias, void* y, cudaStream_t stream) {
  const int64_t n = p.outer * p.channels * p.inner;
  if (n == 0) return;
  auto launch = [&](auto zero) {
    using T = decltype(zero);
    if (n < (int64_t{1} << 31)) {
      bias_activation_kernel<T, uint32_t><<<nn_detail::grid_for(n), nn_detail::kBlock, 0, stream>>>(
          static_cast<uint32_t>(n), static_cast<uint32_t>(p.channels),
          static_cast<uint32_t>(p.inner), p.activation, p.alpha, static_cast<const T*>(x),
          static_cast<const T*>(bias), static_cast<T*>(y));
    } else {
      bias_activation_kernel<T, int64_t><<<nn_detail::grid_for(n), nn_detail::kBlock, 0, stream>>>(
          n, p.channels, p.inner, p.activation, p.alpha, static_cast<const T*>(x),
          static_cast<const T*>(bias), static_cast<T*>(y));
    }
    RILL_CUDA_CHECK_LAUNCH();
  };
  switch (dtype) {
    case DType::kFloat32:
      return launch(float{});
    case DType::kFloat16:
      return launch(__half{});
    case DType::kBFloat16:
      return launch(__nv_bfloat16{});
    default:
      throw Error(ErrorKind::kUnsupported, "bias_activation: dtype has no GPU kernel",
                  {{"dtype", std::string(dtype_name(dtype))}});
  }
}

}  // namespace rill::kernels
