// prepare_gpu of every op, on the host: plan-time validation and launch planning need no device,
// so launcher lookups, constant folding (Clip) and layout checks are tested everywhere.
#include "elementwise_test_util.h"

namespace rill::testing::ew {
namespace {

std::string prepare(const OpCase& c) {
  const auto kernel = prepare_on_host(c);
  EXPECT_NE(kernel, nullptr);
  return kernel ? kernel->describe() : std::string();
}

TEST(PrepareGpu, EveryOpPlansOnTheHost) {
  const HostTensor f = random_tensor(DType::kFloat32, {8, 1, 768}, 1);
  const HostTensor g = random_tensor(DType::kFloat32, {128, 768}, 2);
  for (const char* op : {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Erf",
                         "Sqrt", "Reciprocal", "Neg", "Exp", "Log", "Abs", "IsNaN"}) {
    EXPECT_FALSE(prepare(make_case(op, {f})).empty()) << op;
  }
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Pow", "Min", "Max", "Equal", "Less",
                         "Greater", "GreaterOrEqual"}) {
    EXPECT_FALSE(prepare(make_case(op, {f, g})).empty()) << op;
  }
  for (DType d : {DType::kInt64, DType::kInt32}) {
    const HostTensor a = random_tensor(d, {4, 5}, 3, -9, 9);
    for (const char* op : {"Add", "Div", "Max", "Equal", "Less", "Relu", "Neg", "Abs"}) {
      std::vector<HostTensor> ins = {a};
      if (std::string(op) != "Relu" && std::string(op) != "Neg" && std::string(op) != "Abs") {
        ins.push_back(random_tensor(d, {5}, 4, -9, 9));
      }
      EXPECT_FALSE(prepare(make_case(op, ins)).empty()) << op;
    }
  }
  const HostTensor b = random_tensor(DType::kBool, {4, 5}, 5);
  for (const char* op : {"And", "Or", "Equal"})
    EXPECT_FALSE(prepare(make_case(op, {b, b})).empty());
  EXPECT_FALSE(prepare(make_case("Not", {b})).empty());
  EXPECT_FALSE(prepare(make_case("Where", {b, random_tensor(DType::kInt64, {5}, 6),
                                           random_tensor(DType::kInt64, {}, 7)}))
                   .empty());
  EXPECT_FALSE(prepare(make_case("Max", {f, g, f})).empty());
  EXPECT_FALSE(prepare(make_case("Min", {f})).empty());
  for (int64_t to : {1, 2, 3, 6, 7, 9, 11}) {
    EXPECT_FALSE(prepare(make_case("Cast", {f}, {{"to", to}})).empty()) << to;
  }
}

TEST(PrepareGpu, ClipFoldsConstantBounds) {
  const HostTensor x = random_tensor(DType::kFloat32, {7}, 1);
  OpCase constant = make_case("Clip", {x, HostTensor::scalar(-0.5f), HostTensor::scalar(0.5f)});
  constant.use_def_constant_inputs = false;
  constant.constant_inputs = {1, 2};
  EXPECT_NE(prepare(constant).find("constant bounds"), std::string::npos);
  EXPECT_NE(prepare(make_case("Clip", {x, HostTensor::scalar(-0.5f)})).find("tensor bounds"),
            std::string::npos);
  EXPECT_NE(prepare(make_case("Clip", {x})).find("constant bounds"), std::string::npos);
}

TEST(PrepareGpu, ReductionsSoftmaxLayerNorm) {
  const HostTensor x = random_tensor(DType::kFloat32, {8, 128, 768}, 1);
  EXPECT_NE(prepare(make_case("ReduceSum", {x, HostTensor::from<int64_t>({1}, {-1})})).find("rows"),
            std::string::npos);
  EXPECT_NE(
      prepare(make_case("ReduceMean", {x}, {{"axes", std::vector<int64_t>{1}}})).find("general"),
      std::string::npos);
  EXPECT_FALSE(prepare(make_case("ReduceMax", {x})).empty());
  EXPECT_FALSE(prepare(make_case("GlobalAveragePool", {x.reshaped({8, 128, 24, 32})})).empty());
  // Rows of 768 floats fit in registers (6 float4 per lane); odd rows take the warp loop.
  EXPECT_NE(prepare(make_case("Softmax", {x})).find("registers (6 vectors/lane)"),
            std::string::npos);
  EXPECT_NE(prepare(make_case("Softmax", {random_tensor(DType::kFloat32, {8, 77}, 4)}))
                .find("32 threads"),
            std::string::npos);
  EXPECT_NE(prepare(make_case("Softmax", {x}, {{"axis", int64_t{1}}})).find("columns"),
            std::string::npos);
  EXPECT_FALSE(prepare(make_case("LayerNormalization",
                                 {x, random_tensor(DType::kFloat32, {768}, 2),
                                  random_tensor(DType::kFloat32, {768}, 3)},
                                 {}, 3))
                   .empty());
}

TEST(PrepareGpu, FusedElementwise) {
  OpCase c =
      make_case("rill.FusedElementwise",
                {random_tensor(DType::kFloat32, {8, 64}, 1),
                 random_tensor(DType::kFloat32, {64}, 2), random_tensor(DType::kFloat32, {64}, 3)},
                {{"ops", std::vector<std::string>{"Mul", "Add", "Relu"}},
                 {"args", std::vector<int64_t>{0, 1, 3, 2, 4, -1}},
                 {"alphas", std::vector<float>(6, 0.f)}});
  EXPECT_EQ(prepare(c), "fused elementwise float32 Mul Add Relu");
}

TEST(PrepareGpu, UnsupportedCombinationsAreKUnsupported) {
  auto kind_of = [](const OpCase& c) {
    try {
      (void)prepare(c);
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::kInternal;
  };
  const HostTensor d = random_tensor(DType::kFloat64, {4}, 1);
  EXPECT_EQ(kind_of(make_case("Add", {d, d})), ErrorKind::kUnsupported);
  EXPECT_EQ(kind_of(make_case("Softmax", {d})), ErrorKind::kUnsupported);
  EXPECT_EQ(kind_of(make_case("Pow", {random_tensor(DType::kFloat32, {4}, 2),
                                      random_tensor(DType::kInt64, {4}, 3, 0, 3)})),
            ErrorKind::kUnsupported);
  EXPECT_EQ(kind_of(make_case("Clip", {random_tensor(DType::kInt8, {4}, 4, -9, 9)})),
            ErrorKind::kUnsupported);
}

}  // namespace
}  // namespace rill::testing::ew
