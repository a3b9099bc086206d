// Engine tests that need no GPU: building, errors, the CPU reference executor on the bundled
// model against its float64 NumPy reference.
#include <gtest/gtest.h>

#include "io/npy.h"
#include "op_test_driver.h"
#include "rill/engine.h"
#include "test_paths.h"

namespace rill {
namespace {

Engine::HostTensor to_engine(const ir::HostTensor& t) {
  return {t.dtype(), t.shape(), std::vector<std::byte>(t.raw(), t.raw() + t.bytes())};
}

double relative_l2(const Engine::HostTensor& actual, const ir::HostTensor& expected) {
  return testing::relative_l2(ir::HostTensor(actual.dtype, actual.shape, actual.data), expected);
}

TEST(EngineCpu, BundledModelMatchesItsFloat64Reference) {
  for (bool optimize : {false, true}) {
    BuildOptions options;
    options.optimize = optimize;
    const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"), options);
    const ir::HostTensor input = io::read_npy(testing::model_path("tiny_cnn_reference/input.npy"));
    const auto outputs = engine->run_on_cpu({{"input", to_engine(input)}});
    for (const char* name : {"logits", "probs"}) {
      const ir::HostTensor expected =
          io::read_npy(testing::model_path(std::string("tiny_cnn_reference/") + name + ".npy"));
      ASSERT_EQ(outputs.at(name).shape, expected.shape());
      EXPECT_LT(relative_l2(outputs.at(name), expected), 1e-5) << name << " optimize=" << optimize;
    }
  }
}

TEST(EngineCpu, OptimizerFusesTheBundledModel) {
  const auto plain = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"), {.optimize = false});
  const auto fused = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"));
  EXPECT_LT(fused->summary().nodes_optimized, plain->summary().nodes_optimized);
  EXPECT_GT(fused->summary().fused_nodes, 0u);
  EXPECT_EQ(fused->summary().op_counts.count("BatchNormalization"), 0u) << "folded into conv1";
}

TEST(EngineCpu, DynamicBatchRangeAndOutputs) {
  const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"));
  ASSERT_EQ(engine->inputs().size(), 1u);
  const TensorInfo& in = engine->inputs()[0];
  EXPECT_EQ(in.shape, (std::vector<int64_t>{-1, 3, 32, 32}));
  EXPECT_EQ(in.range.min[0], 1);
  EXPECT_EQ(in.range.max[0], BuildOptions::kDefaultMaxDim);
  EXPECT_EQ(engine->outputs()[0].shape, (std::vector<int64_t>{-1, 10}));
}

TEST(EngineCpu, ShapeOutsideTheRangeIsRejected) {
  BuildOptions options;
  options.shapes["input"] = {{1, 3, 32, 32}, {2, 3, 32, 32}, {4, 3, 32, 32}};
  const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"), options);
  Engine::HostTensor big{DType::kFloat32, {5, 3, 32, 32},
                         std::vector<std::byte>(5 * 3 * 32 * 32 * 4)};
  try {
    (void)engine->run_on_cpu({{"input", big}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(e.context_value("input"), "input");
  }
  options.shapes["input"] = {{1, 3, 32, 32}, {2, 3, 32, 32}, {4, 3, 16, 32}};
  EXPECT_THROW(Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"), options), Error);
}

Error build_error(const std::string& file) {
  try {
    (void)Engine::build_from_onnx(file);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error for " << file;
  return Error(ErrorKind::kInternal, "none");
}

TEST(EngineCpu, UnsupportedOpNamesFileNodeAndOp) {
  const std::string file = testing::data_path("unsupported_op.onnx");
  const Error e = build_error(file);
  EXPECT_EQ(e.kind(), ErrorKind::kUnsupported) << e.what();
  EXPECT_EQ(e.context_value("file"), file);
  EXPECT_EQ(e.context_value("node"), "the_hardmax");
  EXPECT_EQ(e.context_value("op"), "Hardmax");
}

TEST(EngineCpu, MissingInitializerNamesFileNodeAndOp) {
  const std::string file = testing::data_path("missing_initializer.onnx");
  const Error e = build_error(file);
  EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel) << e.what();
  EXPECT_EQ(e.context_value("file"), file);
  EXPECT_NE(std::string(e.what()).find("bias"), std::string::npos) << e.what();
}

TEST(EngineCpu, GarbageBytesAndMissingFilesAreClearErrors) {
  const Error garbage = build_error(testing::data_path("garbage.onnx"));
  EXPECT_EQ(garbage.kind(), ErrorKind::kInvalidModel) << garbage.what();
  EXPECT_EQ(garbage.context_value("file"), testing::data_path("garbage.onnx"));
  const Error missing = build_error("/nonexistent/model.onnx");
  EXPECT_EQ(missing.kind(), ErrorKind::kIo) << missing.what();
}

TEST(EngineCpu, SaveLoadKeepsTheEngine) {
  const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"));
  const std::string path = ::testing::TempDir() + "/tiny_cnn.rill";
  engine->save(path);
  const auto loaded = Engine::load(path);
  EXPECT_EQ(loaded->summary().nodes_optimized, engine->summary().nodes_optimized);
  const ir::HostTensor input = io::read_npy(testing::model_path("tiny_cnn_reference/input.npy"));
  const auto a = engine->run_on_cpu({{"input", to_engine(input)}});
  const auto b = loaded->run_on_cpu({{"input", to_engine(input)}});
  EXPECT_EQ(a.at("logits").data, b.at("logits").data);
}

}  // namespace
}  // namespace rill
