// The library plan functions under tuning (Note [Build-time tuning] in
// kernels/algorithm_selector.h), below the engine: a plan with a tuning bench times its
// candidates and reports one choice under its key; a plan given that choice restores it without
// timing; a choice of the wrong form is rejected and the heuristic plans; and the tuned, restored
// and heuristic plans compute the same result (the heuristic one is checked against the CPU
// reference by the op tests).
#include <gtest/gtest.h>

#include "cuda/check.h"
#include "cuda/device_buffer.h"
#include "cuda/stream.h"
#include "gpu_test.h"
#include "kernels/cublaslt_gemm.h"
#include "kernels/cudnn_conv.h"
#include "kernels/cudnn_graph_conv.h"
#include "kernels/library_handles.h"
#include "kernels/tuning_bench.h"
#include "nn_test_util.h"
#include "recording_selector.h"

namespace rill::testing::nn {
namespace {

using kernels::AlgorithmChoice;

// A device copy of a host tensor, and back.
cuda::DeviceAllocation upload(const ir::HostTensor& t) {
  cuda::DeviceAllocation d(t.bytes());
  RILL_CUDA_CHECK(cudaMemcpy(d.data(), t.raw(), t.bytes(), cudaMemcpyHostToDevice));
  return d;
}
ir::HostTensor download(const cuda::DeviceAllocation& d, DType dtype, ir::Shape shape) {
  ir::HostTensor t(dtype, std::move(shape));
  RILL_CUDA_CHECK(cudaMemcpy(t.raw(), d.data(), t.bytes(), cudaMemcpyDeviceToHost));
  return t;
}

class AlgorithmTuningGpu : public ::testing::Test {
 protected:
  void SetUp() override {
    RILL_REQUIRE_GPU();
    stream_ = cuda::Stream::create();
    bench_.emplace();
  }
  cudaStream_t stream() const { return stream_.get(); }

  cuda::Stream stream_;
  std::optional<kernels::TuningBench> bench_;
};

TEST_F(AlgorithmTuningGpu, MatmulTunesOnceRestoresAndFallsBack) {
  const kernels::CublasLtHandle handle = kernels::CublasLtHandle::create();
  for (DType dtype : {DType::kFloat32, DType::kFloat16}) {
    kernels::MatmulProblem p;
    p.dtype = dtype;
    p.m = 64;
    p.n = 96;
    p.k = 48;
    p.trans_b = true;
    p.epilogue = kernels::MatmulEpilogue::kReluBias;
    const std::string key = kernels::tuning_key(p);
    EXPECT_EQ(key.rfind("cublaslt_matmul ", 0), 0u) << key;

    RecordingSelector tuning(&*bench_);
    const auto tuned = kernels::CublasLtMatmul::plan(handle.get(), p, &tuning);
    EXPECT_TRUE(tuned.tuned());
    EXPECT_EQ(tuning.tunings, 1);
    ASSERT_EQ(tuning.stored.count(key), 1u);
    const AlgorithmChoice choice = tuning.stored.at(key);
    EXPECT_EQ(choice.algorithm.size(), 64u);  // sizeof(cublasLtMatmulAlgo_t)
    EXPECT_GE(choice.candidates, 1u);
    EXPECT_LE(choice.candidates, 8u);
    EXPECT_NE(tuned.describe().find(", tuned"), std::string::npos) << tuned.describe();

    RecordingSelector lookup(nullptr);
    lookup.stored[key] = choice;
    const auto restored = kernels::CublasLtMatmul::plan(handle.get(), p, &lookup);
    EXPECT_TRUE(restored.tuned());
    EXPECT_EQ(lookup.finds, 1);
    EXPECT_EQ(lookup.rejections, 0);
    EXPECT_EQ(lookup.tunings, 0);

    RecordingSelector wrong(nullptr);
    wrong.stored[key] = {{1, 2, 3}, 0.1f, 1};
    const auto fallback = kernels::CublasLtMatmul::plan(handle.get(), p, &wrong);
    EXPECT_FALSE(fallback.tuned());
    EXPECT_EQ(wrong.rejections, 1);
    const auto heuristic = kernels::CublasLtMatmul::plan(handle.get(), p);
    EXPECT_FALSE(heuristic.tuned());

    const ir::HostTensor a = random_tensor(dtype, {p.m, p.k}, 1);
    const ir::HostTensor b = random_tensor(dtype, {p.n, p.k}, 2);
    const ir::HostTensor bias = random_tensor(dtype, {p.n}, 3);
    const auto da = upload(a), db = upload(b), dbias = upload(bias);
    std::vector<ir::HostTensor> results;
    for (const auto* plan : {&tuned, &restored, &fallback, &heuristic}) {
      cuda::DeviceAllocation d(static_cast<size_t>(p.m * p.n) * dtype_size(dtype));
      cuda::DeviceAllocation workspace(std::max<size_t>(plan->workspace_bytes(), 1));
      RILL_CUDA_CHECK(cudaMemset(d.data(), 0xFF, d.size()));
      plan->run(handle.get(), da.data(), db.data(), nullptr, d.data(), dbias.data(),
                workspace.data(), stream());
      RILL_CUDA_CHECK(cudaStreamSynchronize(stream()));
      results.push_back(download(d, dtype, {p.m, p.n}));
    }
    const double tolerance = dtype == DType::kFloat32 ? 1e-5 : 5e-3;
    for (size_t i = 0; i + 1 < results.size(); ++i) {
      EXPECT_TRUE(tensors_close(results[i], results.back(), tolerance))
          << dtype_name(dtype) << " plan " << i;
    }
  }
}

TEST_F(AlgorithmTuningGpu, ConvolutionTunesOnceRestoresAndFallsBack) {
  const kernels::CudnnHandle handle = kernels::CudnnHandle::create();
  kernels::ConvShape s;
  s.spatial = 2;
  s.batch = 2;
  s.in_channels = 16;
  s.out_channels = 32;
  s.input = {12, 12, 1};
  s.output = {12, 12, 1};
  s.kernel = {3, 3, 1};
  s.pad = {1, 1, 0};
  for (const auto& [fusion, residual] : {std::pair{kernels::ConvFusion::kBiasRelu, false},
                                         std::pair{kernels::ConvFusion::kBiasIdentity, true},
                                         std::pair{kernels::ConvFusion::kNone, false}}) {
    const std::string key = kernels::tuning_key(s, fusion, residual);
    RecordingSelector tuning(&*bench_);
    const auto tuned = kernels::CudnnConvForward::plan(handle.get(), s, fusion, residual, &tuning);
    EXPECT_TRUE(tuned.tuned()) << key;
    EXPECT_EQ(tuning.tunings, 1) << key;
    ASSERT_EQ(tuning.stored.count(key), 1u) << key;
    EXPECT_EQ(tuning.stored.at(key).algorithm.size(), 8u);

    RecordingSelector lookup(nullptr);
    lookup.stored = tuning.stored;
    const auto restored =
        kernels::CudnnConvForward::plan(handle.get(), s, fusion, residual, &lookup);
    EXPECT_TRUE(restored.tuned());
    EXPECT_EQ(lookup.rejections, 0);
    EXPECT_EQ(restored.fused(), tuned.fused());

    RecordingSelector wrong(nullptr);
    wrong.stored[key] = {{99, 0, 0, 0, 0, 0, 0, 0}, 0.1f, 1};  // no such algorithm
    const auto fallback =
        kernels::CudnnConvForward::plan(handle.get(), s, fusion, residual, &wrong);
    EXPECT_FALSE(fallback.tuned());
    EXPECT_EQ(wrong.rejections, 1);
    const auto heuristic = kernels::CudnnConvForward::plan(handle.get(), s, fusion, residual);

    const ir::HostTensor x = random_tensor(DType::kFloat32, {2, 16, 12, 12}, 4);
    const ir::HostTensor w = random_tensor(DType::kFloat32, {32, 16, 3, 3}, 5);
    const ir::HostTensor bias = random_tensor(DType::kFloat32, {32}, 6);
    const ir::HostTensor z = random_tensor(DType::kFloat32, {2, 32, 12, 12}, 7);
    const auto dx = upload(x), dw = upload(w), dbias = upload(bias), dz = upload(z);
    std::vector<ir::HostTensor> results;
    for (const auto* plan : {&tuned, &restored, &fallback, &heuristic}) {
      cuda::DeviceAllocation y(z.bytes());
      cuda::DeviceAllocation workspace(std::max<size_t>(plan->workspace_bytes(), 1));
      RILL_CUDA_CHECK(cudaMemset(y.data(), 0xFF, y.size()));
      const bool applied =
          plan->run(handle.get(), dx.data(), dw.data(), dbias.data(),
                    residual ? dz.data() : nullptr, y.data(), workspace.data(), stream());
      RILL_CUDA_CHECK(cudaStreamSynchronize(stream()));
      ir::HostTensor out = download(y, DType::kFloat32, {2, 32, 12, 12});
      // What run() left to its caller (ops/conv_gpu.cpp's bias_activation pass), on the host.
      if (fusion != kernels::ConvFusion::kNone && !applied) {
        float* v = reinterpret_cast<float*>(out.raw());
        for (int64_t i = 0; i < 2 * 32 * 144; ++i) {
          v[i] += reinterpret_cast<const float*>(bias.raw())[(i / 144) % 32];
          if (fusion == kernels::ConvFusion::kBiasRelu && v[i] < 0) v[i] = 0;
        }
      }
      results.push_back(std::move(out));
    }
    for (size_t i = 0; i + 1 < results.size(); ++i) {
      EXPECT_TRUE(tensors_close(results[i], results.back(), 1e-5)) << key << " plan " << i;
    }
  }
}

// The graph-API path's engine configurations (Note [Graph-API convolutions]) on a half-precision
// ResNet layer, which finds precompiled engines on the H200 (cudnn_graph_conv_gpu_test.cpp).
TEST_F(AlgorithmTuningGpu, GraphConvolutionTunesOnceRestoresAndFallsBack) {
  if (!kernels::CudnnGraphConv::enabled()) GTEST_SKIP() << "RILL_CUDNN_CONV=legacy";
  const kernels::CudnnHandle handle = kernels::CudnnHandle::create();
  kernels::ConvShape s;
  s.dtype = DType::kFloat16;
  s.channels_last = true;
  s.batch = 8;
  s.in_channels = 64;
  s.out_channels = 64;
  s.input = {28, 28, 1};
  s.output = {28, 28, 1};
  s.kernel = {3, 3, 1};
  s.pad = {1, 1, 0};
  const kernels::ConvEpilogue epilogue{.bias = true, .residual = false, .relu = true};
  const kernels::CudnnGraphConv::Policy policy{};
  const std::string key = kernels::tuning_key(s, epilogue, policy);
  std::string why;

  RecordingSelector tuning(&*bench_);
  const auto tuned =
      kernels::CudnnGraphConv::plan(handle.get(), s, epilogue, policy, &why, &tuning);
  ASSERT_TRUE(tuned.has_value()) << why;
  EXPECT_TRUE(tuned->tuned());
  EXPECT_EQ(tuning.tunings, 1);
  ASSERT_EQ(tuning.stored.count(key), 1u) << key;
  EXPECT_EQ(tuning.stored.at(key).algorithm.size(), 16u);
  EXPECT_NE(tuned->describe().find(", tuned"), std::string::npos);

  RecordingSelector lookup(nullptr);
  lookup.stored = tuning.stored;
  const auto restored =
      kernels::CudnnGraphConv::plan(handle.get(), s, epilogue, policy, &why, &lookup);
  ASSERT_TRUE(restored.has_value()) << why;
  EXPECT_TRUE(restored->tuned());
  EXPECT_EQ(lookup.rejections, 0);
  EXPECT_EQ(restored->describe(), tuned->describe());  // the same engine

  RecordingSelector wrong(nullptr);
  wrong.stored[key] = {std::vector<uint8_t>(16, 0x7f), 0.1f, 1};  // no such position
  const auto fallback =
      kernels::CudnnGraphConv::plan(handle.get(), s, epilogue, policy, &why, &wrong);
  ASSERT_TRUE(fallback.has_value()) << why;
  EXPECT_FALSE(fallback->tuned());
  EXPECT_EQ(wrong.rejections, 1);
  const auto heuristic = kernels::CudnnGraphConv::plan(handle.get(), s, epilogue, policy, &why);
  ASSERT_TRUE(heuristic.has_value()) << why;

  const auto half = [](ir::Shape shape, uint64_t seed) {
    return ir::convert_floating(random_tensor(DType::kFloat32, std::move(shape), seed),
                                DType::kFloat16);
  };
  const ir::HostTensor x = half({8, 28, 28, 64}, 11);
  const ir::HostTensor w = half({64, 3, 3, 64}, 12);
  const ir::HostTensor bias = half({64}, 13);
  const auto dx = upload(x), dw = upload(w), dbias = upload(bias);
  std::vector<ir::HostTensor> results;
  for (const auto* plan : {&*tuned, &*restored, &*fallback, &*heuristic}) {
    cuda::DeviceAllocation y(x.bytes());
    cuda::DeviceAllocation workspace(std::max<size_t>(plan->workspace_bytes(), 1));
    RILL_CUDA_CHECK(cudaMemset(y.data(), 0xFF, y.size()));
    ASSERT_TRUE(plan->run(handle.get(), dx.data(), dw.data(), dbias.data(), nullptr, y.data(),
                          workspace.data(), stream()));
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream()));
    results.push_back(
        ir::convert_floating(download(y, DType::kFloat16, {8, 28, 28, 64}), DType::kFloat32));
  }
  for (size_t i = 0; i + 1 < results.size(); ++i) {
    EXPECT_TRUE(tensors_close(results[i], results.back(), 5e-3)) << "plan " << i;
  }
}

TEST_F(AlgorithmTuningGpu, BackwardDataTunesOnceAndRestores) {
  const kernels::CudnnHandle handle = kernels::CudnnHandle::create();
  kernels::ConvShape s;  // ConvTranspose 8 -> 4 channels, 6x6 -> 12x12 (stride 2)
  s.batch = 2;
  s.in_channels = 4;
  s.out_channels = 8;
  s.input = {12, 12, 1};
  s.output = {6, 6, 1};
  s.kernel = {2, 2, 1};
  s.stride = {2, 2, 1};
  const std::string key = kernels::tuning_key_backward_data(s);
  RecordingSelector tuning(&*bench_);
  const auto tuned = kernels::CudnnConvBackwardData::plan(handle.get(), s, &tuning);
  EXPECT_TRUE(tuned.tuned());
  ASSERT_EQ(tuning.stored.count(key), 1u);
  RecordingSelector lookup(nullptr);
  lookup.stored = tuning.stored;
  const auto restored = kernels::CudnnConvBackwardData::plan(handle.get(), s, &lookup);
  EXPECT_TRUE(restored.tuned());
  EXPECT_EQ(lookup.rejections, 0);
  const auto heuristic = kernels::CudnnConvBackwardData::plan(handle.get(), s);
  EXPECT_FALSE(heuristic.tuned());

  const ir::HostTensor dy = random_tensor(DType::kFloat32, {2, 8, 6, 6}, 8);
  const ir::HostTensor w = random_tensor(DType::kFloat32, {8, 4, 2, 2}, 9);
  const auto ddy = upload(dy), dw = upload(w);
  std::vector<ir::HostTensor> results;
  for (const auto* plan : {&tuned, &restored, &heuristic}) {
    cuda::DeviceAllocation dx(static_cast<size_t>(2 * 4 * 12 * 12) * sizeof(float));
    cuda::DeviceAllocation workspace(std::max<size_t>(plan->workspace_bytes(), 1));
    RILL_CUDA_CHECK(cudaMemset(dx.data(), 0xFF, dx.size()));
    plan->run(handle.get(), ddy.data(), dw.data(), dx.data(), workspace.data(), stream());
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream()));
    results.push_back(download(dx, DType::kFloat32, {2, 4, 12, 12}));
  }
  EXPECT_TRUE(tensors_close(results[0], results[2], 1e-5));
  EXPECT_TRUE(tensors_close(results[1], results[2], 1e-5));
}

TEST_F(AlgorithmTuningGpu, BenchTimesAndRefillsItsBuffers) {
  const std::vector<void*> buffers = bench_->buffers({100, 1000, 0});
  ASSERT_EQ(buffers.size(), 3u);
  for (void* p : buffers) EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 256, 0u);
  EXPECT_NE(buffers[0], buffers[1]);
  std::vector<uint8_t> host(1000);
  RILL_CUDA_CHECK(cudaStreamSynchronize(bench_->stream()));
  RILL_CUDA_CHECK(cudaMemcpy(host.data(), buffers[1], host.size(), cudaMemcpyDeviceToHost));
  for (uint8_t byte : host) ASSERT_EQ(byte, 0x3c);
  int launches = 0;
  const float ms = bench_->time([&](cudaStream_t s) {
    ++launches;
    RILL_CUDA_CHECK(cudaMemsetAsync(buffers[1], 0, 1000, s));
  });
  EXPECT_GE(ms, 0.0f);
  EXPECT_EQ(launches, 2 + 5);  // warm-up, then the timed repetitions
  EXPECT_EQ(bench_->launches(), 7u);
}

}  // namespace
}  // namespace rill::testing::nn
