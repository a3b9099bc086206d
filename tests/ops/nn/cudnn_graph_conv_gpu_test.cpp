// The graph-API convolution path itself (Note [Graph-API convolutions]): ResNet-50's layer kinds
// with bias and ReLU find a precompiled engine in half precision (so the op tests in
// conv_half_gpu_test.cpp exercise this path, not only the legacy fallback); with a residual they
// find runtime-compiled engines only, which the default policy declines for that reason and no
// other; the graph's output matches the legacy path's with and without the residual; misaligned
// addresses are declined, not run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "cuda/check.h"
#include "cuda/device_buffer.h"
#include "gpu_test.h"
#include "ir/tensor.h"
#include "kernels/cudnn_graph_conv.h"
#include "kernels/library_handles.h"
#include "op_test_driver.h"

namespace rill::kernels {
namespace {

ConvShape resnet_bottleneck_3x3(DType dtype, bool channels_last) {
  ConvShape s;
  s.dtype = dtype;
  s.batch = 8;
  s.in_channels = 64;
  s.out_channels = 64;
  s.input = {28, 28, 1};
  s.output = {28, 28, 1};
  s.kernel = {3, 3, 1};
  s.pad = {1, 1, 0};
  s.channels_last = channels_last;
  return s;
}

ConvShape resnet_expand_1x1(DType dtype) {
  ConvShape s = resnet_bottleneck_3x3(dtype, true);
  s.out_channels = 256;
  s.kernel = {1, 1, 1};
  s.pad = {0, 0, 0};
  return s;
}

class CudnnGraphConvGpu : public ::testing::Test {
 protected:
  void SetUp() override {
    RILL_REQUIRE_GPU();
    if (!CudnnGraphConv::enabled()) GTEST_SKIP() << "RILL_CUDNN_CONV=legacy in the environment";
    handle_ = CudnnHandle::create();
  }
  CudnnHandle handle_;
};

constexpr CudnnGraphConv::Policy kPrecompiledOnly{};
constexpr CudnnGraphConv::Policy kRuntimeCompiledToo{.allow_runtime_compiled = true};

TEST_F(CudnnGraphConvGpu, ResNetLayersFindAnEngineInHalfPrecision) {
  for (DType dtype : {DType::kFloat16, DType::kBFloat16}) {
    for (const ConvShape& shape :
         {resnet_bottleneck_3x3(dtype, true), resnet_expand_1x1(dtype)}) {
      for (ConvEpilogue epilogue : {ConvEpilogue{true, false, true}, ConvEpilogue{true, false, false},
                                    ConvEpilogue{false, false, false}}) {
        std::string why;
        const auto plan =
            CudnnGraphConv::plan(handle_.get(), shape, epilogue, kPrecompiledOnly, &why);
        EXPECT_TRUE(plan.has_value()) << shape.to_string() << ": " << why;
        if (plan) {
          EXPECT_NE(plan->describe().find("graph conv engine"), std::string::npos);
        }
      }
      // The residual epilogue: if declined (as with cuDNN 9 on the H200), then only because its
      // engines compile at run time; planned when they are allowed.
      const ConvEpilogue residual{true, true, true};
      std::string why;
      if (!CudnnGraphConv::plan(handle_.get(), shape, residual, kPrecompiledOnly, &why)) {
        EXPECT_NE(why.find("compiles at run time"), std::string::npos) << why;
      }
      EXPECT_TRUE(CudnnGraphConv::plan(handle_.get(), shape, residual, kRuntimeCompiledToo, &why)
                      .has_value())
          << why;
    }
  }
}

// Y = relu(conv(X, W) + bias [+ Z]) by the graph against the legacy fused call, same inputs.
void expect_graph_matches_legacy(cudnnHandle_t handle, const ConvShape& s, bool residual,
                                 double tolerance) {
  const int64_t x_elems = s.batch * s.in_channels * s.input[0] * s.input[1];
  const int64_t w_elems = s.out_channels * s.in_channels * s.kernel[0] * s.kernel[1];
  const int64_t y_elems = s.batch * s.out_channels * s.output[0] * s.output[1];
  auto upload = [&](int64_t elems, uint64_t seed) {
    ir::HostTensor t = testing::random_tensor(DType::kFloat32, {elems}, seed);
    if (s.dtype != DType::kFloat32) t = ir::convert_floating(t, s.dtype);
    cuda::DeviceAllocation d(t.bytes());
    RILL_CUDA_CHECK(cudaMemcpy(d.data(), t.raw(), t.bytes(), cudaMemcpyHostToDevice));
    return d;
  };
  const cuda::DeviceAllocation x = upload(x_elems, 1);
  const cuda::DeviceAllocation w = upload(w_elems, 2);
  const cuda::DeviceAllocation bias = upload(s.out_channels, 3);
  const cuda::DeviceAllocation z = upload(y_elems, 4);
  const size_t y_bytes = static_cast<size_t>(y_elems) * dtype_size(s.dtype);
  cuda::DeviceAllocation y_graph(y_bytes);
  cuda::DeviceAllocation y_legacy(y_bytes);

  std::string why;
  const auto graph = CudnnGraphConv::plan(handle, s, {true, residual, true},
                                          residual ? kRuntimeCompiledToo : kPrecompiledOnly, &why);
  if (!graph && s.dtype == DType::kFloat32) {
    // Allowed (the legacy path serves it), and said: float32 without TF32 rules out every
    // tensor-core engine, and cuDNN may have no FMA engine for the fused graph.
    std::printf("[ info ] float32 %s: no graph engine (%s); the legacy path serves it\n",
                s.to_string().c_str(), why.c_str());
    return;
  }
  ASSERT_TRUE(graph.has_value()) << why;
  const CudnnConvForward legacy =
      CudnnConvForward::plan(handle, s, ConvFusion::kBiasRelu, residual);
  cuda::DeviceAllocation workspace(
      std::max<size_t>({graph->workspace_bytes(), legacy.workspace_bytes(), 256}));
  ASSERT_TRUE(graph->run(handle, x.data(), w.data(), bias.data(), z.data(), y_graph.data(),
                         workspace.data(), nullptr));
  const bool fused = legacy.run(handle, x.data(), w.data(), bias.data(), z.data(),
                                y_legacy.data(), workspace.data(), nullptr);
  RILL_CUDA_CHECK(cudaDeviceSynchronize());
  ASSERT_TRUE(fused) << "the legacy reference must apply bias and relu itself";

  const ir::Shape shape{y_elems};
  ir::HostTensor a(s.dtype, shape);
  ir::HostTensor b(s.dtype, shape);
  RILL_CUDA_CHECK(cudaMemcpy(a.raw(), y_graph.data(), y_bytes, cudaMemcpyDeviceToHost));
  RILL_CUDA_CHECK(cudaMemcpy(b.raw(), y_legacy.data(), y_bytes, cudaMemcpyDeviceToHost));
  EXPECT_TRUE(testing::tensors_close(a, b, tolerance)) << s.to_string();
  // ReLU ran: nothing negative, and a fair share of exact zeros.
  const std::vector<double> values = a.as_doubles();
  size_t zeros = 0;
  for (double v : values) {
    EXPECT_GE(v, 0.0);
    zeros += v == 0.0;
  }
  EXPECT_GT(zeros, values.size() / 10);
}

TEST_F(CudnnGraphConvGpu, FusedEpilogueMatchesTheLegacyPath) {
  for (bool residual : {false, true}) {
    SCOPED_TRACE(residual ? "with residual" : "without residual");
    expect_graph_matches_legacy(handle_.get(), resnet_bottleneck_3x3(DType::kFloat16, true),
                                residual, 3e-3);
    expect_graph_matches_legacy(handle_.get(), resnet_expand_1x1(DType::kBFloat16), residual,
                                1.5e-2);
    expect_graph_matches_legacy(handle_.get(), resnet_bottleneck_3x3(DType::kFloat32, false),
                                residual, 1e-5);
  }
}

TEST_F(CudnnGraphConvGpu, MisalignedAddressesAreDeclined) {
  const ConvShape s = resnet_expand_1x1(DType::kFloat16);
  std::string why;
  const auto graph =
      CudnnGraphConv::plan(handle_.get(), s, {true, false, true}, kPrecompiledOnly, &why);
  ASSERT_TRUE(graph.has_value()) << why;
  cuda::DeviceAllocation buffer(size_t{64} << 20);
  auto* base = static_cast<std::byte*>(buffer.data());
  EXPECT_FALSE(graph->run(handle_.get(), base + 2, base + (16 << 20), base + (32 << 20), nullptr,
                          base + (48 << 20), nullptr, nullptr))
      << "a 2-byte-aligned X must not reach an engine planned for 16-byte alignment";
}

}  // namespace
}  // namespace rill::kernels
