// Every elementwise, reduction and normalization GPU kernel in each floating dtype its OpDef
// declares, against the CPU reference in that dtype (testing::expect_gpu_matches_cpu_in: plain
// launch and CUDA-graph replay, poisoned outputs). Skips without a GPU.
#include "gpu_test.h"
#include "half_cases.h"

namespace rill::testing::ew {
namespace {

void run_in_declared_dtypes(const std::vector<NamedCase>& cases) {
  for (const NamedCase& nc : cases) {
    for (DType dtype : {DType::kFloat32, DType::kFloat16, DType::kBFloat16}) {
      if (!nc.c.def->gpu_dtypes.contains(dtype)) continue;
      SCOPED_TRACE(nc.name);
      expect_gpu_matches_cpu_in(nc.c, dtype, half_tolerance(dtype));
    }
  }
}

std::vector<NamedCase> cases_of(std::initializer_list<std::string_view> ops) {
  std::vector<NamedCase> picked;
  for (NamedCase& nc : half_cases()) {
    for (std::string_view op : ops) {
      if (nc.c.node.op_type == op) picked.push_back(std::move(nc));
    }
  }
  return picked;
}

TEST(HalfGpu, UnaryAndClip) {
  RILL_REQUIRE_GPU();
  run_in_declared_dtypes(
      cases_of({"Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Erf", "Sqrt",
                "Reciprocal", "Neg", "Exp", "Log", "Abs", "IsNaN", "Clip"}));
}

TEST(HalfGpu, BinaryComparisonsWhere) {
  RILL_REQUIRE_GPU();
  run_in_declared_dtypes(cases_of({"Add", "Sub", "Mul", "Div", "Pow", "Min", "Max", "Equal", "Less",
                                   "Greater", "GreaterOrEqual", "Where"}));
}

TEST(HalfGpu, FusedElementwise) {
  RILL_REQUIRE_GPU();
  run_in_declared_dtypes(cases_of({"rill.FusedElementwise"}));
}

TEST(HalfGpu, Reductions) {
  RILL_REQUIRE_GPU();
  run_in_declared_dtypes(cases_of({"ReduceSum", "ReduceMean", "ReduceMax", "GlobalAveragePool"}));
}

TEST(HalfGpu, Softmax) {
  RILL_REQUIRE_GPU();
  run_in_declared_dtypes(cases_of({"Softmax"}));
}

TEST(HalfGpu, LayerNormAndAddLayerNorm) {
  RILL_REQUIRE_GPU();
  run_in_declared_dtypes(cases_of({"LayerNormalization", "rill.AddLayerNorm"}));
}

TEST(HalfGpu, CastBetweenHalfAndEveryType) {
  RILL_REQUIRE_GPU();
  const std::pair<DType, int64_t> types[] = {
      {DType::kFloat32, 1},  {DType::kFloat16, 10}, {DType::kBFloat16, 16},
      {DType::kFloat64, 11}, {DType::kInt64, 7},    {DType::kInt32, 6},
      {DType::kInt8, 3},     {DType::kUInt8, 2},    {DType::kBool, 9}};
  for (const auto& [from, from_onnx] : types) {
    for (const auto& [to, to_onnx] : types) {
      if (!is_half(from) && !is_half(to)) continue;
      (void)from_onnx;
      // Values that exercise rounding, saturation and truncation toward zero.
      const HostTensor x = is_floating(from) ? random_tensor(from, {1031}, 7, -300, 300)
                                             : random_tensor(from, {1031}, 8, -100, 100);
      const OpCase c = make_case("Cast", {x}, {{"to", to_onnx}});
      SCOPED_TRACE(std::string(dtype_name(from)) + " -> " + std::string(dtype_name(to)));
      expect_gpu_matches_cpu(c, 0.0);  // conversions round once, identically on both sides
    }
  }
}

}  // namespace
}  // namespace rill::testing::ew
