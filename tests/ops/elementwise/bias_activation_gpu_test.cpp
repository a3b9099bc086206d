// kernels::launch_bias_activation (the activation tail of Conv/Gemm/MatMul when the library call
// cannot fuse it) in float32, float16 and bfloat16 against a host reference computed in double
// from the same (half-rounded) values, with the result rounded once to the dtype. Skips without a
// GPU.
#include <cmath>
#include <cstring>

#include <cuda_runtime_api.h>

#include "cuda/check.h"
#include "elementwise_test_util.h"
#include "gpu_test.h"
#include "kernels/bias_activation.cuh"

namespace rill::testing::ew {
namespace {

using kernels::Activation;

double activate(double v, Activation act, double alpha) {
  switch (act) {
    case Activation::kRelu:
      return v > 0 ? v : 0;
    case Activation::kSigmoid:
      return 1 / (1 + std::exp(-v));
    case Activation::kTanh:
      return std::tanh(v);
    case Activation::kLeakyRelu:
      return v >= 0 ? v : alpha * v;
    case Activation::kGeluTanh:
      return 0.5 * v * (1 + std::tanh(std::sqrt(2 / 3.14159265358979323846) * (v + 0.044715 * v * v * v)));
    case Activation::kNone:
      break;
  }
  return v;
}

struct DeviceBuffer {
  explicit DeviceBuffer(const HostTensor& t) {
    RILL_CUDA_CHECK(cudaMalloc(&ptr, std::max<size_t>(t.bytes(), 1)));
    RILL_CUDA_CHECK(cudaMemcpy(ptr, t.raw(), t.bytes(), cudaMemcpyHostToDevice));
  }
  ~DeviceBuffer() { (void)cudaFree(ptr); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* ptr = nullptr;
};

TEST(BiasActivationGpu, EveryDtypeAndActivation) {
  RILL_REQUIRE_GPU();
  struct Geometry {
    int64_t outer, channels, inner;
  };
  const Geometry geometries[] = {{8, 768, 1}, {3, 67, 49}, {1, 5, 1}};
  const Activation acts[] = {Activation::kNone, Activation::kRelu, Activation::kSigmoid,
                             Activation::kTanh, Activation::kLeakyRelu, Activation::kGeluTanh};
  cudaStream_t stream = nullptr;
  RILL_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  for (DType dtype : {DType::kFloat32, DType::kFloat16, DType::kBFloat16}) {
    for (const Geometry& g : geometries) {
      for (Activation act : acts) {
        for (bool with_bias : {true, false}) {
          SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + std::to_string(g.outer) + "x" +
                       std::to_string(g.channels) + "x" + std::to_string(g.inner) + " act " +
                       std::to_string(static_cast<int>(act)) + (with_bias ? " bias" : ""));
          const HostTensor x = ir::convert_floating(
              random_tensor(DType::kFloat32, {g.outer, g.channels, g.inner}, 1, -3, 3), dtype);
          const HostTensor bias =
              ir::convert_floating(random_tensor(DType::kFloat32, {g.channels}, 2), dtype);
          kernels::BiasActivationParams p;
          p.outer = g.outer;
          p.channels = g.channels;
          p.inner = g.inner;
          p.activation = act;
          p.alpha = 0.1f;
          const DeviceBuffer dx(x);
          const DeviceBuffer db(bias);
          HostTensor y(dtype, x.shape());
          std::memset(y.raw(), 0xFF, y.bytes());  // poison: NaN
          const DeviceBuffer dy(y);
          kernels::launch_bias_activation(dtype, p, dx.ptr, with_bias ? db.ptr : nullptr, dy.ptr,
                                          stream);
          RILL_CUDA_CHECK(cudaStreamSynchronize(stream));
          RILL_CUDA_CHECK(cudaMemcpy(y.raw(), dy.ptr, y.bytes(), cudaMemcpyDeviceToHost));

          const std::vector<double> xs = x.as_doubles();
          const std::vector<double> bs = bias.as_doubles();
          std::vector<double> want(xs.size());
          for (size_t i = 0; i < xs.size(); ++i) {
            const size_t c = (i / static_cast<size_t>(g.inner)) % static_cast<size_t>(g.channels);
            want[i] = activate(xs[i] + (with_bias ? bs[c] : 0.0), act, 0.1f);
          }
          const HostTensor expected =
              ir::convert_floating(HostTensor::from<double>(x.shape(), want), dtype);
          EXPECT_TRUE(tensors_close(y, expected, half_tolerance(dtype)));
        }
      }
    }
  }
  RILL_CUDA_CHECK(cudaStreamDestroy(stream));
}

}  // namespace
}  // namespace rill::testing::ew
