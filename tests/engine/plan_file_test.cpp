#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/plan_file.h"

namespace rill::engine {
namespace {

EngineDefinition sample_definition() {
  EngineDefinition def;
  def.options.allow_tf32 = true;
  def.options.precision = Precision::kBFloat16;
  def.options.nvtx_layers = true;
  def.summary.half_nodes = 3;
  def.summary.precision_casts = 2;
  def.options.shapes["x"] = {{1, 4}, {2, 4}, {8, 4}};
  def.summary.nodes_imported = 3;
  def.summary.nodes_optimized = 2;
  def.summary.fused_nodes = 1;
  def.summary.weight_bytes = 16;
  def.summary.op_counts = {{"Gemm", 1}, {"Relu", 1}};
  def.inputs.push_back({"x", DType::kFloat32, {-1, 4}, {{1, 4}, {2, 4}, {8, 4}}});
  def.outputs.push_back({"y", DType::kFloat32, {-1, 2}, {}});
  ir::Graph& g = def.graph;
  g.name = "sample";
  g.opset = 17;
  g.inputs.push_back({"x", DType::kFloat32, ir::SymbolicShape{{-1, "batch"}, {4, ""}}});
  g.outputs.push_back({"y", DType::kFloat32, ir::SymbolicShape{{-1, "batch"}, {2, ""}}});
  g.initializers["w"] = ir::HostTensor::from<float>({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  g.initializers["idx"] = ir::HostTensor::from<int64_t>({2}, {-1, 7});
  ir::Node gemm;
  gemm.name = "fc";
  gemm.op_type = "Gemm";
  gemm.inputs = {"x", "w", ""};
  gemm.outputs = {"h"};
  gemm.attributes["transB"] = int64_t{1};
  gemm.attributes["alpha"] = 0.5f;
  gemm.attributes["rill_activation"] = std::string("Relu");
  gemm.attributes["ints"] = std::vector<int64_t>{1, -2};
  gemm.attributes["floats"] = std::vector<float>{0.25f};
  gemm.attributes["strings"] = std::vector<std::string>{"a", "b"};
  gemm.attributes["tensor"] = ir::HostTensor::from<float>({1}, {3.5f});
  ir::Node relu;
  relu.name = "act";
  relu.op_type = "Relu";
  relu.inputs = {"h"};
  relu.outputs = {"y"};
  g.nodes = {gemm, relu};
  def.options.tuning = false;
  def.summary.tuning.ran = true;
  def.summary.tuning.status = "tuned";
  def.summary.tuning.device = "NVIDIA Test GPU (sm_90)";
  def.summary.tuning.layers = 5;
  def.summary.tuning.problems = 2;
  def.summary.tuning.timed = 1;
  def.summary.tuning.cache_hits = 1;
  def.summary.tuning.launches = 14;
  def.summary.tuning.seconds = 0.25;
  def.algorithms.environment = {"NVIDIA Test GPU", 9, 0, 130100, 91000};
  def.algorithms.choices["cublaslt_matmul float32 m=2 n=2 k=4"] = {
      std::vector<uint8_t>(64, 0xab), 0.0125f, 8};
  def.algorithms.choices["cudnn_conv_fwd N=1 C=3"] = {{1, 0, 0, 0, 2, 0, 0, 0}, 0.5f, 3};
  return def;
}

TEST(PlanFile, RoundTripsEverything) {
  const EngineDefinition def = sample_definition();
  const std::vector<std::byte> bytes = serialize_plan(def);
  const EngineDefinition back = deserialize_plan(bytes, "memory");
  EXPECT_EQ(serialize_plan(back), bytes);  // a second trip is byte-identical
  EXPECT_TRUE(back.options.allow_tf32);
  EXPECT_EQ(back.options.precision, Precision::kBFloat16);
  EXPECT_TRUE(back.options.nvtx_layers);
  EXPECT_EQ(back.summary.half_nodes, 3u);
  EXPECT_EQ(back.summary.precision_casts, 2u);
  EXPECT_EQ(back.options.shapes.at("x").max, (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(back.summary.op_counts.at("Gemm"), 1u);
  ASSERT_EQ(back.graph.nodes.size(), 2u);
  const ir::Node& gemm = back.graph.nodes[0];
  EXPECT_EQ(gemm.inputs, (std::vector<std::string>{"x", "w", ""}));
  EXPECT_EQ(gemm.attr_int("transB", 0), 1);
  EXPECT_FLOAT_EQ(gemm.attr_float("alpha", 0), 0.5f);
  EXPECT_EQ(gemm.attr_string("rill_activation", ""), "Relu");
  EXPECT_EQ(gemm.attr_ints("ints"), (std::vector<int64_t>{1, -2}));
  EXPECT_EQ(gemm.attr_tensor("tensor").values<float>()[0], 3.5f);
  EXPECT_EQ(back.graph.initializers.at("idx").values<int64_t>()[1], 7);
  EXPECT_EQ(back.graph.inputs[0].shape->at(0).symbol, "batch");
  EXPECT_EQ(back.inputs[0].shape, (std::vector<int64_t>{-1, 4}));
}

TEST(PlanFile, RoundTripsTunedAlgorithms) {
  const EngineDefinition def = sample_definition();
  const EngineDefinition back = deserialize_plan(serialize_plan(def), "memory");
  EXPECT_EQ(back.algorithms, def.algorithms);
  ASSERT_EQ(back.algorithms.choices.size(), 2u);
  const auto& conv = back.algorithms.choices.at("cudnn_conv_fwd N=1 C=3");
  EXPECT_EQ(conv.algorithm, (std::vector<uint8_t>{1, 0, 0, 0, 2, 0, 0, 0}));
  EXPECT_FLOAT_EQ(conv.milliseconds, 0.5f);
  EXPECT_EQ(conv.candidates, 3u);
  EXPECT_EQ(back.algorithms.environment.gpu_name, "NVIDIA Test GPU");
  EXPECT_EQ(back.algorithms.environment.cudnn_version, 91000u);
  EXPECT_FALSE(back.options.tuning);
  EXPECT_TRUE(back.summary.tuning.ran);
  EXPECT_EQ(back.summary.tuning.status, "tuned");
  EXPECT_EQ(back.summary.tuning.layers, 5u);
  EXPECT_EQ(back.summary.tuning.problems, 2u);
  EXPECT_EQ(back.summary.tuning.timed, 1u);
  EXPECT_EQ(back.summary.tuning.cache_hits, 1u);
  EXPECT_EQ(back.summary.tuning.launches, 14u);
  EXPECT_DOUBLE_EQ(back.summary.tuning.seconds, 0.25);

  // An untuned engine (no GPU at build) has an empty table, and keeps it.
  EngineDefinition untuned = sample_definition();
  untuned.algorithms = {};
  EXPECT_EQ(deserialize_plan(serialize_plan(untuned), "memory").algorithms, TunedAlgorithms{});
}

Error load_error(const std::vector<std::byte>& bytes) {
  try {
    (void)deserialize_plan(bytes, "bad.rill");
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return Error(ErrorKind::kInternal, "none");
}

TEST(PlanFile, RejectsEveryTruncation) {
  const std::vector<std::byte> bytes = serialize_plan(sample_definition());
  for (size_t n : {size_t{0}, size_t{7}, size_t{31}, size_t{32}, bytes.size() / 2, bytes.size() - 1}) {
    const Error e = load_error(std::vector<std::byte>(bytes.begin(), bytes.begin() + n));
    EXPECT_EQ(e.kind(), ErrorKind::kPlanFile) << n << ": " << e.what();
    EXPECT_EQ(e.context_value("file"), "bad.rill");
  }
}

TEST(PlanFile, RejectsCorruptionAnywhereInThePayload) {
  const std::vector<std::byte> bytes = serialize_plan(sample_definition());
  for (size_t at = 32; at < bytes.size(); at += 37) {
    std::vector<std::byte> corrupt = bytes;
    corrupt[at] ^= std::byte{0x5a};
    const Error e = load_error(corrupt);
    EXPECT_EQ(e.kind(), ErrorKind::kPlanFile);
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
}

TEST(PlanFile, RejectsOtherVersionsAndMagic) {
  std::vector<std::byte> bytes = serialize_plan(sample_definition());
  // Version 2 plans predate tuned algorithms: rejected with the advice to rebuild.
  std::vector<std::byte> version_2 = bytes;
  version_2[8] = std::byte{2};
  const std::string old = load_error(version_2).what();
  EXPECT_NE(old.find("format version 2, this rill reads " + std::to_string(kPlanFormatVersion)),
            std::string::npos) << old;
  EXPECT_NE(old.find("rebuild the plan"), std::string::npos) << old;
  std::vector<std::byte> other_version = bytes;
  other_version[8] = std::byte{kPlanFormatVersion + 1};
  EXPECT_NE(std::string(load_error(other_version).what())
                .find("format version " + std::to_string(kPlanFormatVersion + 1)),
            std::string::npos);
  std::vector<std::byte> onnx_file = bytes;
  onnx_file[0] = std::byte{0x08};
  EXPECT_NE(std::string(load_error(onnx_file).what()).find("bad magic"), std::string::npos);
}

TEST(PlanFile, FileErrorsNameTheFile) {
  try {
    (void)read_plan_file("/nonexistent/model.rill");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_EQ(e.context_value("file"), "/nonexistent/model.rill");
  }
  const std::string path = testing::TempDir() + "/round_trip.rill";
  write_plan_file(sample_definition(), path);
  EXPECT_EQ(read_plan_file(path).graph.nodes[1].op_type, "Relu");
  std::filesystem::remove(path);
}

// Found by the plan_loader fuzz target (fuzz/regressions/plan_loader/crash-0e9f4353...): a plan
// with a valid checksum whose input range had a max of lower rank than its min loaded, and
// Engine::output_shapes then read past the end of max (heap-buffer-overflow under ASan).
TEST(PlanFile, RejectsInconsistentInputRanges) {
  const auto rejects = [](EngineDefinition def, const char* what) {
    try {
      (void)deserialize_plan(serialize_plan(def), "bad_range.rill");
      ADD_FAILURE() << "accepted a plan whose input range has " << what;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kPlanFile) << what;
      EXPECT_EQ(e.context_value("file"), "bad_range.rill");
    }
  };
  EngineDefinition short_max = sample_definition();
  short_max.inputs[0].range.max = {8};
  rejects(short_max, "a max of lower rank");
  EngineDefinition wrong_rank = sample_definition();
  wrong_rank.inputs[0].shape = {-1, 4, 1};
  rejects(wrong_rank, "another rank than the input");
  EngineDefinition reversed = sample_definition();
  reversed.inputs[0].range.min = {9, 4};
  rejects(reversed, "min > opt");
  EngineDefinition negative = sample_definition();
  negative.inputs[0].range.min = {-1, 4};
  rejects(negative, "a negative min");
}

// Found by the plan_loader fuzz target (fuzz/regressions/plan_loader/crash-c8189d68...): a plan
// whose engine output named no value of its graph loaded, and Engine::output_shapes failed with
// an internal error ("value has no id").
TEST(PlanFile, RejectsEngineIoThatIsNotTheGraphs) {
  for (auto spoil : {+[](EngineDefinition& d) { d.outputs[0].name = "nowhere"; },
                     +[](EngineDefinition& d) { d.inputs[0].name = "nowhere"; },
                     +[](EngineDefinition& d) { d.outputs.push_back(d.outputs[0]); }}) {
    EngineDefinition def = sample_definition();
    spoil(def);
    try {
      (void)deserialize_plan(serialize_plan(def), "bad_io.rill");
      ADD_FAILURE() << "accepted engine I/O that is not the graph's";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kPlanFile);
      EXPECT_EQ(e.context_value("file"), "bad_io.rill");
    }
  }
}

}  // namespace
}  // namespace rill::engine
