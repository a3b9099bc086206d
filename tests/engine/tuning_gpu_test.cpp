// Build-time tuning on the GPU (Note [Build-time tuning] in kernels/algorithm_selector.h): a
// build times the bundled CNN's convolutions and GEMM, the tuned engine computes what the
// untuned one does, a rebuild with the timing cache times nothing, and a loaded plan runs the
// stored choices, or the heuristic's where they do not apply.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "rill/engine.h"

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/device_buffer.h"
#include "cuda/stream_pool.h"
#include "engine/engine_state.h"
#include "engine/plan_file.h"
#include "engine/timing_cache.h"
#include "gpu_test.h"
#include "op_test_driver.h"
#include "ops/op.h"
#include "test_paths.h"

namespace rill {
namespace {

constexpr int64_t kOptBatch = 4;

BuildOptions tiny_cnn_options(bool tuning, Precision precision = Precision::kFloat32) {
  BuildOptions options;
  options.precision = precision;
  options.tuning = tuning;
  options.shapes["input"] = {{1, 3, 32, 32}, {kOptBatch, 3, 32, 32}, {8, 3, 32, 32}};
  return options;
}

std::shared_ptr<Engine> build_tiny_cnn(const BuildOptions& options) {
  return Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"), options);
}

// Layers whose kernels call cuBLASLt or cuDNN (OpDef::tunable), from the build summary.
size_t tunable_layers(const Engine& engine) {
  size_t count = 0;
  for (const auto& [op, n] : engine.summary().op_counts) {
    const ops::OpDef* def = ops::find_op(op);
    if (def != nullptr && def->tunable) count += n;
  }
  return count;
}

const engine::TunedAlgorithms& algorithms(const Engine& engine) {
  return engine::EngineAccess::state(engine).definition.algorithms;
}

class TuningGpu : public ::testing::Test {
 protected:
  void SetUp() override {
    RILL_REQUIRE_GPU();
    pool_.emplace(cuda::current_device());
    stream_ = pool_->acquire();
    input_ = testing::random_tensor(DType::kFloat32, {kOptBatch, 3, 32, 32}, 7);
  }

  // The engine's "logits" for `input` (poisoned first), through a fresh context.
  ir::HostTensor run(const Engine& engine, const ir::HostTensor& input) {
    auto context = engine.create_context();
    context->set_input_shape("input", input.shape());
    cuda::DeviceAllocation in(input.bytes());
    RILL_CUDA_CHECK(cudaMemcpy(in.data(), input.raw(), input.bytes(), cudaMemcpyHostToDevice));
    context->set_tensor_address("input", in.data());
    std::vector<cuda::DeviceAllocation> outs;
    ir::HostTensor logits;
    for (const TensorInfo& info : engine.outputs()) {
      const ir::TensorDesc desc{info.dtype, context->output_shape(info.name)};
      outs.emplace_back(desc.bytes());
      RILL_CUDA_CHECK(cudaMemset(outs.back().data(), 0xFF, desc.bytes()));
      context->set_tensor_address(info.name, outs.back().data());
      if (info.name == "logits") logits = ir::HostTensor(desc.dtype, desc.shape);
    }
    context->enqueue(stream_.get());
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
    for (size_t i = 0; i < engine.outputs().size(); ++i) {
      if (engine.outputs()[i].name != "logits") continue;
      RILL_CUDA_CHECK(
          cudaMemcpy(logits.raw(), outs[i].data(), logits.bytes(), cudaMemcpyDeviceToHost));
    }
    return logits;
  }

  ir::HostTensor cpu_logits(const Engine& engine, const ir::HostTensor& input) {
    const auto out =
        engine.run_on_cpu({{"input",
                            {input.dtype(), input.shape(),
                             std::vector<std::byte>(input.raw(), input.raw() + input.bytes())}}});
    const auto& t = out.at("logits");
    return ir::HostTensor(t.dtype, t.shape, t.data);
  }

  std::string temp_path(const std::string& name) const {
    const std::string path = ::testing::TempDir() + "/tuning_gpu_" + name;
    std::filesystem::remove(path);
    return path;
  }

  std::optional<cuda::StreamPool> pool_;
  cuda::StreamPool::Lease stream_;
  ir::HostTensor input_;
};

TEST_F(TuningGpu, BuildTimesEveryConvolutionAndGemm) {
  const auto engine = build_tiny_cnn(tiny_cnn_options(true));
  const TuningSummary& t = engine->summary().tuning;
  for (const std::string& warning : t.warnings) ADD_FAILURE() << "warning: " << warning;
  ASSERT_TRUE(t.ran) << t.status;
  EXPECT_EQ(t.status, "tuned");
  const size_t layers = tunable_layers(*engine);
  ASSERT_GT(layers, 1u);  // the CNN's convolutions and its classifier GEMM
  EXPECT_EQ(t.layers, layers);
  EXPECT_GE(t.problems, 1u);
  EXPECT_LE(t.problems, layers);  // identical layers share a problem
  EXPECT_EQ(t.problems, algorithms(*engine).choices.size());
  EXPECT_EQ(t.timed, t.problems);  // no cache: every distinct problem was timed
  EXPECT_EQ(t.cache_hits, 0u);
  EXPECT_GT(t.launches, 0u);
  EXPECT_LT(t.seconds, 30.0);
  EXPECT_EQ(algorithms(*engine).environment, kernels::current_tuning_environment());
  bool saw_cudnn = false;
  bool saw_cublaslt = false;
  for (const auto& [key, choice] : algorithms(*engine).choices) {
    saw_cudnn = saw_cudnn || key.rfind("cudnn_", 0) == 0;  // graph API or legacy
    saw_cublaslt = saw_cublaslt || key.rfind("cublaslt_matmul ", 0) == 0;
    EXPECT_FALSE(choice.algorithm.empty()) << key;
    EXPECT_TRUE(std::isfinite(choice.milliseconds) && choice.milliseconds >= 0.0f) << key;
    EXPECT_GE(choice.candidates, 1u) << key;
  }
  EXPECT_TRUE(saw_cudnn);
  EXPECT_TRUE(saw_cublaslt);
  // The plan at the opt shapes runs the tuned algorithms.
  const std::string plan = engine->describe(/*with_gpu_plan=*/true);
  EXPECT_NE(plan.find(", tuned"), std::string::npos) << plan;
}

TEST_F(TuningGpu, TunedEngineComputesWhatTheUntunedOneDoes) {
  const auto tuned = build_tiny_cnn(tiny_cnn_options(true));
  const auto untuned = build_tiny_cnn(tiny_cnn_options(false));
  EXPECT_FALSE(untuned->summary().tuning.ran);
  EXPECT_EQ(untuned->summary().tuning.status, "off");
  EXPECT_TRUE(algorithms(*untuned).choices.empty());
  EXPECT_EQ(untuned->describe(true).find(", tuned"), std::string::npos);
  const ir::HostTensor reference = cpu_logits(*untuned, input_);
  const ir::HostTensor with_tuning = run(*tuned, input_);
  const ir::HostTensor without = run(*untuned, input_);
  EXPECT_TRUE(testing::tensors_close(with_tuning, reference, 1e-5));
  EXPECT_TRUE(testing::tensors_close(without, reference, 1e-5));
  EXPECT_TRUE(testing::tensors_close(with_tuning, without, 1e-5));
  // Another batch than opt has no stored choices: the heuristic plans it, correctly.
  const ir::HostTensor other = testing::random_tensor(DType::kFloat32, {3, 3, 32, 32}, 8);
  EXPECT_TRUE(testing::tensors_close(run(*tuned, other), cpu_logits(*tuned, other), 1e-5));

  // Half engines tune their channels-last convolutions and half GEMMs.
  for (Precision precision : {Precision::kFloat16, Precision::kBFloat16}) {
    const auto half = build_tiny_cnn(tiny_cnn_options(true, precision));
    EXPECT_TRUE(half->summary().tuning.ran);
    EXPECT_GT(half->summary().tuning.problems, 0u);
    EXPECT_TRUE(half->summary().tuning.warnings.empty());
    EXPECT_TRUE(testing::tensors_close(run(*half, input_), reference,
                                       precision == Precision::kFloat16 ? 1e-2 : 2e-2))
        << precision_name(precision);
  }
}

TEST_F(TuningGpu, RebuildWithTheTimingCacheTimesNothing) {
  const std::string cache = temp_path("tiny_cnn.cache");
  BuildOptions options = tiny_cnn_options(true);
  options.timing_cache = cache;
  const auto first = build_tiny_cnn(options);
  ASSERT_TRUE(first->summary().tuning.ran);
  EXPECT_TRUE(first->summary().tuning.warnings.empty());
  EXPECT_GT(first->summary().tuning.timed, 0u);
  EXPECT_EQ(first->summary().tuning.cache_hits, 0u);
  ASSERT_TRUE(std::filesystem::exists(cache));
  const auto loaded = engine::TimingCache::load(cache, kernels::current_tuning_environment());
  EXPECT_FALSE(loaded.warning.has_value());
  EXPECT_EQ(loaded.cache.entries(), algorithms(*first).choices);

  const auto second = build_tiny_cnn(options);
  const TuningSummary& t = second->summary().tuning;
  EXPECT_TRUE(t.warnings.empty());
  EXPECT_EQ(t.timed, 0u);
  EXPECT_EQ(t.launches, 0u);
  EXPECT_EQ(t.cache_hits, first->summary().tuning.problems);
  EXPECT_EQ(algorithms(*second), algorithms(*first));
  EXPECT_TRUE(testing::tensors_close(run(*second, input_), run(*first, input_), 1e-6));

  // A corrupt cache is reported, ignored, retimed and rewritten.
  {
    std::fstream file(cache, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(40);
    file.put('\x7f');
  }
  const auto third = build_tiny_cnn(options);
  ASSERT_EQ(third->summary().tuning.warnings.size(), 1u);
  EXPECT_NE(third->summary().tuning.warnings[0].find("ignored"), std::string::npos)
      << third->summary().tuning.warnings[0];
  EXPECT_GT(third->summary().tuning.timed, 0u);
  EXPECT_FALSE(engine::TimingCache::load(cache, kernels::current_tuning_environment()).warning);
  std::filesystem::remove(cache);
}

TEST_F(TuningGpu, LoadedPlanRunsTheStoredChoices) {
  const auto built = build_tiny_cnn(tiny_cnn_options(true));
  const std::string path = temp_path("tiny_cnn.rill");
  built->save(path);
  const auto loaded = Engine::load(path);
  EXPECT_EQ(algorithms(*loaded), algorithms(*built));
  const ir::HostTensor expected = run(*built, input_);
  EXPECT_TRUE(testing::tensors_close(run(*loaded, input_), expected, 1e-6));
  const auto use = engine::EngineAccess::state(*loaded).algorithm_use();
  EXPECT_TRUE(use.applicable);
  EXPECT_EQ(use.used, tunable_layers(*loaded));  // every tunable layer at opt took its choice
  EXPECT_EQ(use.rejected, 0u);
  std::filesystem::remove(path);
}

TEST_F(TuningGpu, ChoicesThatDoNotApplyFallBackToTheHeuristic) {
  const auto built = build_tiny_cnn(tiny_cnn_options(true));
  const ir::HostTensor reference = cpu_logits(*built, input_);

  // Tuned on another GPU: every choice is ignored.
  engine::EngineDefinition other_gpu = engine::EngineAccess::state(*built).definition;
  other_gpu.algorithms.environment.gpu_name = "Some Other GPU";
  const auto moved = engine::EngineAccess::make(other_gpu);
  EXPECT_TRUE(testing::tensors_close(run(*moved, input_), reference, 1e-5));
  EXPECT_FALSE(engine::EngineAccess::state(*moved).algorithm_use().applicable);
  EXPECT_EQ(engine::EngineAccess::state(*moved).algorithm_use().used, 0u);

  // Same GPU, but choices the libraries do not offer for their problems (a cuDNN algorithm
  // number no heuristic returns, cuBLASLt bytes of the wrong size): each is rejected and the
  // heuristic plans the layer.
  engine::EngineDefinition stale = engine::EngineAccess::state(*built).definition;
  for (auto& [key, choice] : stale.algorithms.choices) {
    if (key.rfind("cudnn_", 0) == 0) {
      choice.algorithm = {99, 0, 0, 0, 0, 0, 0, 0};
    } else {
      choice.algorithm.resize(3);
    }
  }
  const auto rejected = engine::EngineAccess::make(stale);
  EXPECT_TRUE(testing::tensors_close(run(*rejected, input_), reference, 1e-5));
  const auto use = engine::EngineAccess::state(*rejected).algorithm_use();
  EXPECT_TRUE(use.applicable);
  EXPECT_EQ(use.used, 0u);
  EXPECT_EQ(use.rejected, tunable_layers(*rejected));
}

}  // namespace
}  // namespace rill
