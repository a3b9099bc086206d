// `rill bench --profile`'s report: per-op-type totals, the slowest layers first, JSON. Host only.
#include <gtest/gtest.h>

#include "bench/layer_report.h"

namespace rill::bench {
namespace {

LayerProfile sample_profile() {
  LayerProfile p;
  p.iterations = 10;
  p.total_median_ms = 1.2f;
  p.layers = {{"conv1", "Conv", "cudnn fused", 0.30f, 0.28f},
              {"relu1", "Relu", "elementwise", 0.05f, 0.04f},
              {"conv2", "Conv", "cudnn fused", 0.50f, 0.49f},
              {"fc", "Gemm", "cublasLt", 0.15f, 0.15f}};
  return p;
}

TEST(LayerReport, SumsTimeByOpTypeLargestFirst) {
  const auto types = time_by_op_type(sample_profile());
  ASSERT_EQ(types.size(), 3u);
  EXPECT_EQ(types[0].op, "Conv");
  EXPECT_EQ(types[0].layers, 2u);
  EXPECT_FLOAT_EQ(types[0].median_ms, 0.80f);
  EXPECT_FLOAT_EQ(types[0].share, 0.80f);
  EXPECT_EQ(types[1].op, "Gemm");
  EXPECT_EQ(types[2].op, "Relu");
  EXPECT_FLOAT_EQ(types[2].share, 0.05f);
}

TEST(LayerReport, ListsTheSlowestLayersWithTheirExecutionIndex) {
  const std::string text = format_layer_profile(sample_profile(), 2);
  EXPECT_NE(text.find("4 layers, 10 iterations"), std::string::npos) << text;
  EXPECT_NE(text.find("sum of layer medians 1.000 ms"), std::string::npos) << text;
  const size_t conv2 = text.find("conv2");
  const size_t conv1 = text.find("conv1");
  ASSERT_NE(conv2, std::string::npos) << text;
  ASSERT_NE(conv1, std::string::npos) << text;
  EXPECT_LT(conv2, conv1) << "slowest first\n" << text;
  EXPECT_NE(text.find("      2 conv2"), std::string::npos) << "execution index shown\n" << text;
  EXPECT_EQ(text.find("relu1"), std::string::npos) << "top 2 only\n" << text;
  EXPECT_NE(format_layer_profile(sample_profile(), 0).find("relu1"), std::string::npos);
}

TEST(LayerReport, EmptyProfileFormatsWithoutDividingByZero) {
  LayerProfile empty;
  EXPECT_NE(format_layer_profile(empty, 5).find("0 layers"), std::string::npos);
  EXPECT_TRUE(time_by_op_type(empty).empty());
  EXPECT_EQ(to_json(empty)["layers"].size(), 0u);
}

TEST(LayerReport, JsonHasEveryLayerAndTheTotals) {
  const nlohmann::json j = to_json(sample_profile());
  ASSERT_EQ(j["layers"].size(), 4u);
  EXPECT_EQ(j["layers"][2]["name"], "conv2");
  EXPECT_FLOAT_EQ(j["layers"][2]["median_ms"].get<float>(), 0.50f);
  EXPECT_FLOAT_EQ(j["layer_sum_ms"].get<float>(), 1.0f);
  EXPECT_EQ(j["by_op_type"][0]["op"], "Conv");
  EXPECT_EQ(j["iterations"], 10);
}

}  // namespace
}  // namespace rill::bench
