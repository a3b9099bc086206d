// A pointwise channels-last convolution as one cuBLASLt GEMM (ops/conv_gemm_gpu.cpp) against the
// CPU reference, in every dtype, with and without bias, residual and ReLU (the epilogue's order:
// relu(X W^T + Z + bias)); and the build-time choice between it and cuDNN (Note [Kernel choice]):
// timed once and stored, restored without timing, not offered for other convolutions.
#include <gtest/gtest.h>

#include "gpu_test.h"
#include "ir/tensor.h"
#include "kernels/tuning_bench.h"
#include "nn_test_util.h"
#include "recording_selector.h"

namespace rill::testing::nn {
namespace {

using ir::HostTensor;

constexpr char kKeyPrefix[] = "pointwise_conv_path ";

double tolerance(DType dtype) {
  return dtype == DType::kFloat16 ? 3e-3 : dtype == DType::kBFloat16 ? 1.5e-2 : 1e-5;
}

HostTensor random_of(DType dtype, ir::Shape shape, uint64_t seed) {
  const HostTensor t = random_tensor(DType::kFloat32, std::move(shape), seed);
  return dtype == DType::kFloat32 ? t : ir::convert_floating(t, dtype);
}

// X [N, H, W, C] -> rill.ConvNhwc with W [M, 1, 1, C].
OpCase pointwise_case(DType dtype, ir::Shape x, int64_t m, bool bias, bool residual, bool relu,
                      uint64_t seed) {
  std::vector<HostTensor> inputs{random_of(dtype, x, seed), random_of(dtype, {m, 1, 1, x[3]}, seed + 1),
                                 bias ? random_of(dtype, {m}, seed + 2) : HostTensor{}};
  if (residual) inputs.push_back(random_of(dtype, {x[0], x[1], x[2], m}, seed + 3));
  std::map<std::string, ir::AttributeValue> attrs;
  if (relu) attrs["rill_activation"] = std::string("Relu");
  return make_case("rill.ConvNhwc", std::move(inputs), std::move(attrs));
}

// Stored choices that pick the GEMM for every pointwise convolution.
class ForceGemm final : public kernels::AlgorithmSelector {
 public:
  const kernels::AlgorithmChoice* find(const std::string& key) override {
    return key.rfind(kKeyPrefix, 0) == 0 ? &gemm_ : nullptr;
  }
  void rejected(const std::string& key) override { ADD_FAILURE() << "rejected " << key; }
  kernels::TuningBench* bench() override { return nullptr; }
  void tuned(const std::string&, kernels::AlgorithmChoice) override {}

 private:
  kernels::AlgorithmChoice gemm_{{1}, 0.0f, 2};
};

TEST(PointwiseConvGpu, GemmMatchesReferenceWithEveryEpilogue) {
  RILL_REQUIRE_GPU();
  ForceGemm force;
  uint64_t seed = 7000;
  for (DType dtype : {DType::kFloat32, DType::kFloat16, DType::kBFloat16}) {
    for (const ir::Shape& x : {ir::Shape{2, 14, 14, 64}, ir::Shape{3, 7, 5, 40}}) {
      const int64_t m = x[3] == 64 ? 256 : 24;
      for (int flags = 0; flags < 8; ++flags) {
        const bool bias = flags & 1, residual = flags & 2, relu = flags & 4;
        SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + ir::shape_string(x) +
                     (bias ? " +bias" : "") + (residual ? " +residual" : "") + (relu ? " +relu" : ""));
        OpCase c = pointwise_case(dtype, x, m, bias, residual, relu, seed += 10);
        c.algorithms = &force;
        c.kernel_must_contain = "pointwise conv as cublasLt";
        expect_gpu_matches_cpu(c, tolerance(dtype));
      }
    }
  }
}

TEST(PointwiseConvGpu, ChoiceIsTimedOnceThenRestored) {
  RILL_REQUIRE_GPU();
  kernels::TuningBench bench;
  RecordingSelector tuning(&bench);
  OpCase c = pointwise_case(DType::kFloat16, {4, 28, 28, 128}, 512, true, true, true, 7500);
  c.algorithms = &tuning;
  expect_gpu_matches_cpu(c, tolerance(DType::kFloat16));
  ASSERT_EQ(tuning.count_keys(kKeyPrefix), 1) << "the path choice is stored under one key";
  std::string key;
  for (const auto& [k, choice] : tuning.stored) {
    if (k.rfind(kKeyPrefix, 0) == 0) key = k;
  }
  const kernels::AlgorithmChoice choice = tuning.stored.at(key);
  ASSERT_EQ(choice.algorithm.size(), 1u);
  EXPECT_LE(choice.algorithm[0], 1);
  EXPECT_EQ(choice.candidates, 2u);
  EXPECT_GT(choice.milliseconds, 0.0f);

  // A lookup-only selector with the stored choices restores the same path without timing.
  RecordingSelector lookup(nullptr);
  lookup.stored = tuning.stored;
  c.algorithms = &lookup;
  c.kernel_must_contain = choice.algorithm[0] == 1 ? "pointwise conv as" : "cudnn";
  expect_gpu_matches_cpu(c, tolerance(DType::kFloat16));
  EXPECT_EQ(lookup.tunings, 0);
  EXPECT_EQ(lookup.rejections, 0);
}

TEST(PointwiseConvGpu, UnusableStoredChoiceIsRejectedAndCudnnRuns) {
  RILL_REQUIRE_GPU();
  RecordingSelector lookup(nullptr);
  OpCase c = pointwise_case(DType::kFloat16, {2, 14, 14, 64}, 256, true, false, true, 7600);
  // Learn the key from a timing run, then store a choice that names no candidate.
  kernels::TuningBench bench;
  RecordingSelector tuning(&bench);
  c.algorithms = &tuning;
  expect_gpu_matches_cpu(c, tolerance(DType::kFloat16));
  for (const auto& [k, choice] : tuning.stored) {
    if (k.rfind(kKeyPrefix, 0) == 0) lookup.stored[k] = kernels::AlgorithmChoice{{7}, 1.0f, 2};
  }
  ASSERT_EQ(lookup.stored.size(), 1u);
  c.algorithms = &lookup;
  c.kernel_must_contain = "cudnn";
  expect_gpu_matches_cpu(c, tolerance(DType::kFloat16));
  EXPECT_EQ(lookup.rejections, 1);
}

TEST(PointwiseConvGpu, OtherConvolutionsOfferNoGemm) {
  RILL_REQUIRE_GPU();
  kernels::TuningBench bench;
  RecordingSelector tuning(&bench);
  const DType dtype = DType::kFloat16;
  // 3x3, and a strided 1x1 (a GEMM only over every other pixel).
  OpCase three = make_case("rill.ConvNhwc",
                           {random_of(dtype, {2, 14, 14, 64}, 1), random_of(dtype, {64, 3, 3, 64}, 2),
                            random_of(dtype, {64}, 3)},
                           {{"pads", Ints{1, 1, 1, 1}}});
  OpCase strided = make_case("rill.ConvNhwc",
                             {random_of(dtype, {2, 14, 14, 64}, 4), random_of(dtype, {128, 1, 1, 64}, 5),
                              random_of(dtype, {128}, 6)},
                             {{"strides", Ints{2, 2}}});
  for (OpCase* c : {&three, &strided}) {
    c->algorithms = &tuning;
    c->kernel_must_contain = "cudnn";
    expect_gpu_matches_cpu(*c, tolerance(dtype));
  }
  EXPECT_EQ(tuning.count_keys(kKeyPrefix), 0);
}

}  // namespace
}  // namespace rill::testing::nn
