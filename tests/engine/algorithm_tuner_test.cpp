// Build-time tuning without a GPU (Note [Build-time tuning] in kernels/algorithm_selector.h):
// how an engine's stored choices are handed to its plans, and what a build without a GPU or
// with tuning off records. The timing itself is covered by tuning_gpu_test.cpp.
#include "engine/algorithm_tuner.h"

#include <filesystem>
#include <gtest/gtest.h>

#include "rill/engine.h"

#include "cuda/device.h"
#include "engine/engine_state.h"
#include "test_paths.h"

namespace rill::engine {
namespace {

kernels::TuningEnvironment h200() {
  return {"NVIDIA H200", 9, 0, 130100, 91000};
}

TunedAlgorithms sample_algorithms() {
  TunedAlgorithms algorithms;
  algorithms.environment = h200();
  algorithms.choices["cudnn_conv_fwd a"] = {{1, 0, 0, 0, 0, 0, 0, 0}, 0.1f, 4};
  algorithms.choices["cublaslt_matmul b"] = {std::vector<uint8_t>(64, 3), 0.2f, 8};
  return algorithms;
}

TEST(StoredAlgorithms, HandsOutChoicesMadeInThisEnvironment) {
  const TunedAlgorithms algorithms = sample_algorithms();
  StoredAlgorithms stored(algorithms, h200());
  EXPECT_TRUE(stored.applicable());
  EXPECT_EQ(stored.bench(), nullptr);  // a loaded engine never times
  const kernels::AlgorithmChoice* conv = stored.find("cudnn_conv_fwd a");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(*conv, algorithms.choices.at("cudnn_conv_fwd a"));
  ASSERT_NE(stored.find("cublaslt_matmul b"), nullptr);
  // Another shape than opt is another key: no choice, the heuristic plans it.
  EXPECT_EQ(stored.find("cudnn_conv_fwd other"), nullptr);
  EXPECT_EQ(stored.used(), 2u);
  stored.rejected("cublaslt_matmul b");
  EXPECT_EQ(stored.used(), 1u);
  EXPECT_EQ(stored.rejected_count(), 1u);
  try {
    stored.tuned("x", {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
  }
}

TEST(StoredAlgorithms, IgnoresChoicesFromAnotherEnvironment) {
  const TunedAlgorithms algorithms = sample_algorithms();
  for (auto change : {+[](kernels::TuningEnvironment& e) { e.gpu_name = "NVIDIA H100"; },
                      +[](kernels::TuningEnvironment& e) { e.compute_major = 10; },
                      +[](kernels::TuningEnvironment& e) { e.cublaslt_version += 1; },
                      +[](kernels::TuningEnvironment& e) { e.cudnn_version += 1; }}) {
    kernels::TuningEnvironment current = h200();
    change(current);
    StoredAlgorithms stored(algorithms, current);
    EXPECT_FALSE(stored.applicable()) << current.to_string();
    EXPECT_EQ(stored.find("cudnn_conv_fwd a"), nullptr);
    EXPECT_EQ(stored.used(), 0u);
  }
  StoredAlgorithms none(TunedAlgorithms{}, h200());
  EXPECT_FALSE(none.applicable());
}

TEST(TuningBuild, OffRecordsNoChoices) {
  BuildOptions options;
  options.tuning = false;
  options.timing_cache = ::testing::TempDir() + "/never_written.cache";
  const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"), options);
  EXPECT_FALSE(engine->summary().tuning.ran);
  EXPECT_EQ(engine->summary().tuning.status, "off");
  EXPECT_TRUE(engine::EngineAccess::state(*engine).definition.algorithms.choices.empty());
  EXPECT_FALSE(std::filesystem::exists(options.timing_cache));
}

TEST(TuningBuild, WithoutAGpuEveryLayerIsLeftToTheHeuristic) {
  if (cuda::device_count() > 0) GTEST_SKIP() << "a GPU is here: tuning_gpu_test.cpp covers it";
  BuildOptions options;
  options.timing_cache = ::testing::TempDir() + "/no_gpu.cache";
  const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"), options);
  const TuningSummary& t = engine->summary().tuning;
  EXPECT_FALSE(t.ran);
  EXPECT_NE(t.status.find("no GPU"), std::string::npos) << t.status;
  EXPECT_TRUE(t.warnings.empty());
  EXPECT_TRUE(engine::EngineAccess::state(*engine).definition.algorithms.choices.empty());
  EXPECT_FALSE(std::filesystem::exists(options.timing_cache));  // nothing timed, nothing written
  EXPECT_NE(engine->describe(false).find("tuning: skipped: no GPU"), std::string::npos);
}

}  // namespace
}  // namespace rill::engine
