// CPU reference of the elementwise ops against hand-computed values.
#include <cmath>
#include <limits>

#include "elementwise_test_util.h"

namespace rill::testing::ew {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

HostTensor unary(const std::string& op, HostTensor x,
                 std::map<std::string, ir::AttributeValue> attrs = {}) {
  return cpu1(make_case(op, {std::move(x)}, std::move(attrs)));
}

TEST(ElementwiseCpu, Relu) {
  expect_values<float>(unary("Relu", floats({4}, {-1.f, 0.f, 2.5f, kNaN})), {4},
                       {0.f, 0.f, 2.5f, kNaN});
  expect_values<int64_t>(unary("Relu", HostTensor::from<int64_t>({3}, {-5, 0, 7})), {3}, {0, 0, 7});
}

TEST(ElementwiseCpu, LeakyReluAndHardActivations) {
  expect_values<float>(unary("LeakyRelu", floats({3}, {-2.f, 0.f, 3.f})), {3}, {-0.02f, 0.f, 3.f});
  expect_values<float>(unary("LeakyRelu", floats({2}, {-2.f, 1.f}), {{"alpha", 0.5f}}), {2},
                       {-1.f, 1.f});
  // HardSigmoid defaults alpha 0.2, beta 0.5: clip(0.2x + 0.5, 0, 1).
  expect_values<float>(unary("HardSigmoid", floats({4}, {-3.f, 0.f, 1.f, 3.f})), {4},
                       {0.f, 0.5f, 0.7f, 1.f});
  expect_values<float>(unary("HardSigmoid", floats({1}, {1.f}), {{"alpha", 0.5f}, {"beta", 0.f}}),
                       {1}, {0.5f});
  // HardSwish: x * clip(x/6 + 1/2, 0, 1).
  expect_values<float>(unary("HardSwish", floats({4}, {-4.f, -1.f, 1.f, 4.f})), {4},
                       {0.f, -1.f / 3.f, 2.f / 3.f, 4.f});
}

TEST(ElementwiseCpu, TranscendentalOps) {
  expect_values<float>(unary("Sigmoid", floats({3}, {0.f, -200.f, 2.f})), {3},
                       {0.5f, 0.f, 0.880797077977882f});
  expect_values<float>(unary("Tanh", floats({2}, {0.5f, -20.f})), {2}, {0.46211715726f, -1.f});
  expect_values<float>(unary("Erf", floats({2}, {0.5f, -1.f})), {2},
                       {0.520499877813f, -0.842700792950f});
  expect_values<float>(unary("Sqrt", floats({3}, {4.f, 2.f, -1.f})), {3},
                       {2.f, 1.41421356237f, kNaN});
  expect_values<float>(unary("Reciprocal", floats({3}, {4.f, -0.5f, 0.f})), {3},
                       {0.25f, -2.f, kInf});
  expect_values<float>(unary("Exp", floats({2}, {1.f, -1.f})), {2},
                       {2.718281828459f, 0.367879441171f});
  expect_values<float>(unary("Log", floats({3}, {2.718281828459f, 1.f, 0.f})), {3},
                       {1.f, 0.f, -kInf});
  expect_values<double>(unary("Exp", HostTensor::from<double>({1}, {2.0})), {1},
                        {7.38905609893065});
}

TEST(ElementwiseCpu, NegAbsNotIsNaN) {
  expect_values<float>(unary("Neg", floats({2}, {1.5f, -2.f})), {2}, {-1.5f, 2.f});
  expect_values<int32_t>(unary("Neg", HostTensor::from<int32_t>({2}, {3, -4})), {2}, {-3, 4});
  expect_values<float>(unary("Abs", floats({3}, {-1.5f, 2.f, kNaN})), {3}, {1.5f, 2.f, kNaN});
  expect_values<int64_t>(unary("Abs", HostTensor::from<int64_t>({2}, {-9, 9})), {2}, {9, 9});
  expect_values<bool>(unary("Not", HostTensor::from<bool>({3}, {true, false, true})), {3},
                      {false, true, false});
  expect_values<bool>(unary("IsNaN", floats({4}, {1.f, kNaN, kInf, -0.f})), {4},
                      {false, true, false, false});
}

TEST(ElementwiseCpu, Clip) {
  const HostTensor x = floats({5}, {-3.f, -1.f, 0.5f, 2.f, kNaN});
  expect_values<float>(
      cpu1(make_case("Clip", {x, HostTensor::scalar(-1.5f), HostTensor::scalar(1.f)})), {5},
      {-1.5f, -1.f, 0.5f, 1.f, kNaN});
  // Missing max.
  expect_values<float>(cpu1(make_case("Clip", {x, HostTensor::scalar(0.f)})), {5},
                       {0.f, 0.f, 0.5f, 2.f, kNaN});
  // Missing min (absent input 1).
  expect_values<float>(cpu1(make_case("Clip", {x, HostTensor(), HostTensor::scalar(0.f)})), {5},
                       {-3.f, -1.f, 0.f, 0.f, kNaN});
  // No bounds: identity.
  expect_values<float>(cpu1(make_case("Clip", {x})), {5}, {-3.f, -1.f, 0.5f, 2.f, kNaN});
  // min > max gives max (np.clip).
  expect_values<float>(
      cpu1(make_case("Clip", {x, HostTensor::scalar(2.f), HostTensor::scalar(1.f)})), {5},
      {1.f, 1.f, 1.f, 1.f, kNaN});
  // int8 with default bounds.
  expect_values<int8_t>(cpu1(make_case("Clip", {HostTensor::from<int8_t>({3}, {-128, 5, 127}),
                                                HostTensor::scalar<int8_t>(-3)})),
                        {3}, {-3, 5, 127});
}

TEST(ElementwiseCpu, Cast) {
  auto cast = [](HostTensor x, int64_t to) { return unary("Cast", std::move(x), {{"to", to}}); };
  const HostTensor f = floats({6}, {-1.7f, 2.9f, kNaN, 1e10f, -1e10f, 0.f});
  expect_values<int32_t>(
      cast(f, 6), {6},
      {-1, 2, 0, std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min(), 0});
  expect_values<int64_t>(cast(f, 7), {6}, {-1, 2, 0, 10000000000, -10000000000, 0});
  expect_values<uint8_t>(cast(floats({3}, {-5.f, 300.f, 7.9f}), 2), {3}, {0, 255, 7});
  expect_values<bool>(cast(f, 9), {6}, {true, true, true, true, true, false});
  expect_values<float>(cast(HostTensor::from<bool>({2}, {true, false}), 1), {2}, {1.f, 0.f});
  expect_values<int32_t>(cast(HostTensor::from<int64_t>({2}, {int64_t{1} << 32 | 5, -1}), 6), {2},
                         {5, -1});
  expect_values<float>(cast(HostTensor::from<double>({1}, {0.1}), 1), {1}, {0.1f});
  expect_values<double>(cast(floats({1}, {0.5f}), 11), {1}, {0.5});
  expect_values<int8_t>(cast(HostTensor::from<int32_t>({2}, {200, -1}), 3), {2}, {-56, -1});
  EXPECT_EQ(infer_error(make_case("Cast", {f}, {{"to", int64_t{8}}})).kind(),
            ErrorKind::kUnsupported);  // string
}

TEST(ElementwiseCpu, ArithmeticBroadcasting) {
  const HostTensor a = floats({2, 3}, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f});
  expect_values<float>(cpu1(make_case("Add", {a, floats({3}, {10.f, 20.f, 30.f})})), {2, 3},
                       {11.f, 22.f, 33.f, 14.f, 25.f, 36.f});
  expect_values<float>(cpu1(make_case("Sub", {a, floats({2, 1}, {1.f, 2.f})})), {2, 3},
                       {0.f, 1.f, 2.f, 2.f, 3.f, 4.f});
  // Both sides broadcast: [2,1] * [1,3] -> [2,3].
  expect_values<float>(
      cpu1(make_case("Mul", {floats({2, 1}, {2.f, 3.f}), floats({1, 3}, {1.f, 10.f, 100.f})})),
      {2, 3}, {2.f, 20.f, 200.f, 3.f, 30.f, 300.f});
  // A rank-0 scalar on the left.
  expect_values<float>(cpu1(make_case("Div", {HostTensor::scalar(6.f), a})), {2, 3},
                       {6.f, 3.f, 2.f, 1.5f, 1.2f, 1.f});
  expect_values<float>(cpu1(make_case("Div", {floats({2}, {1.f, -1.f}), floats({2}, {0.f, 0.f})})),
                       {2}, {kInf, -kInf});
}

TEST(ElementwiseCpu, IntegerArithmetic) {
  const HostTensor a = HostTensor::from<int64_t>({4}, {-7, 7, 9, 5});
  const HostTensor b = HostTensor::from<int64_t>({4}, {2, -2, 0, 3});
  expect_values<int64_t>(cpu1(make_case("Div", {a, b})), {4}, {-3, -3, 0, 1});  // truncation
  expect_values<int64_t>(cpu1(make_case("Add", {a, b})), {4}, {-5, 5, 9, 8});
  expect_values<uint8_t>(cpu1(make_case("Div", {HostTensor::from<uint8_t>({2}, {200, 7}),
                                                HostTensor::from<uint8_t>({2}, {3, 2})})),
                         {2}, {66, 3});
  expect_values<int32_t>(cpu1(make_case("Mul", {HostTensor::from<int32_t>({2}, {3, -4}),
                                                HostTensor::scalar<int32_t>(5)})),
                         {2}, {15, -20});
}

TEST(ElementwiseCpu, Pow) {
  expect_values<float>(cpu1(make_case("Pow", {floats({3}, {2.f, 3.f, -2.f}), floats({1}, {2.f})})),
                       {3}, {4.f, 9.f, 4.f});
  expect_values<float>(
      cpu1(make_case("Pow", {floats({2}, {4.f, -8.f}), floats({2}, {0.5f, 1.f / 3.f})})), {2},
      {2.f, kNaN});
  // Mixed types: the result has the base's type.
  expect_values<int64_t>(cpu1(make_case("Pow", {HostTensor::from<int64_t>({3}, {1, 2, 3}),
                                                floats({3}, {4.f, 5.f, 6.f})})),
                         {3}, {1, 32, 729});
  expect_values<float>(cpu1(make_case("Pow", {floats({3}, {1.f, 2.f, 3.f}),
                                              HostTensor::from<int64_t>({3}, {4, 5, 6})})),
                       {3}, {1.f, 32.f, 729.f});
  expect_values<int32_t>(cpu1(make_case("Pow", {HostTensor::from<int32_t>({3}, {2, -3, 2}),
                                                HostTensor::from<int32_t>({3}, {10, 3, -1})})),
                         {3}, {1024, -27, 0});
}

TEST(ElementwiseCpu, Comparisons) {
  const HostTensor a = floats({2, 2}, {1.f, 2.f, 3.f, kNaN});
  const HostTensor b = floats({2}, {2.f, 2.f});
  expect_values<bool>(cpu1(make_case("Equal", {a, b})), {2, 2}, {false, true, false, false});
  expect_values<bool>(cpu1(make_case("Less", {a, b})), {2, 2}, {true, false, false, false});
  expect_values<bool>(cpu1(make_case("Greater", {a, b})), {2, 2}, {false, false, true, false});
  expect_values<bool>(cpu1(make_case("GreaterOrEqual", {a, b})), {2, 2},
                      {false, true, true, false});
  expect_values<bool>(cpu1(make_case("Equal", {HostTensor::from<int64_t>({3}, {1, 5, 7}),
                                               HostTensor::scalar<int64_t>(5)})),
                      {3}, {false, true, false});
  expect_values<bool>(cpu1(make_case("Equal", {HostTensor::from<bool>({2}, {true, false}),
                                               HostTensor::from<bool>({2}, {true, true})})),
                      {2}, {true, false});
}

TEST(ElementwiseCpu, Logical) {
  const HostTensor a = HostTensor::from<bool>({2, 2}, {true, true, false, false});
  const HostTensor b = HostTensor::from<bool>({2}, {true, false});
  expect_values<bool>(cpu1(make_case("And", {a, b})), {2, 2}, {true, false, false, false});
  expect_values<bool>(cpu1(make_case("Or", {a, b})), {2, 2}, {true, true, true, false});
}

TEST(ElementwiseCpu, MinMaxVariadic) {
  const HostTensor a = floats({2, 2}, {1.f, 5.f, kNaN, 0.f});
  const HostTensor b = floats({2}, {3.f, 2.f});
  const HostTensor c = HostTensor::scalar(4.f);
  expect_values<float>(cpu1(make_case("Max", {a, b, c})), {2, 2}, {4.f, 5.f, kNaN, 4.f});
  expect_values<float>(cpu1(make_case("Min", {a, b, c})), {2, 2}, {1.f, 2.f, kNaN, 0.f});
  expect_values<float>(cpu1(make_case("Max", {b})), {2}, {3.f, 2.f});
  expect_values<int32_t>(cpu1(make_case("Min", {HostTensor::from<int32_t>({2}, {3, -1}),
                                                HostTensor::from<int32_t>({2}, {2, 2})})),
                         {2}, {2, -1});
}

TEST(ElementwiseCpu, Where) {
  const HostTensor cond = HostTensor::from<bool>({2, 1}, {true, false});
  const HostTensor x = floats({3}, {1.f, 2.f, 3.f});
  const HostTensor y = HostTensor::scalar(-1.f);
  expect_values<float>(cpu1(make_case("Where", {cond, x, y})), {2, 3},
                       {1.f, 2.f, 3.f, -1.f, -1.f, -1.f});
  expect_values<int64_t>(cpu1(make_case("Where", {HostTensor::from<bool>({2}, {false, true}),
                                                  HostTensor::from<int64_t>({2}, {1, 2}),
                                                  HostTensor::from<int64_t>({2}, {3, 4})})),
                         {2}, {3, 2});
}

TEST(ElementwiseCpu, FusedElementwiseReluOfAffine) {
  // y = relu(x * w + b), the example of Note [FusedElementwise encoding].
  const HostTensor x = floats({2, 3}, {1.f, -2.f, 3.f, -4.f, 5.f, -6.f});
  const HostTensor w = floats({3}, {2.f, 2.f, -1.f});
  const HostTensor b = floats({3}, {1.f, 1.f, 1.f});
  OpCase c = make_case("rill.FusedElementwise", {x, w, b},
                       {{"ops", std::vector<std::string>{"Mul", "Add", "Relu"}},
                        {"args", std::vector<int64_t>{0, 1, 3, 2, 4, -1}},
                        {"alphas", std::vector<float>{0, 0, 0, 0, 0, 0}}});
  c.node.domain = "rill";
  expect_values<float>(cpu1(c), {2, 3}, {3.f, 0.f, 0.f, 0.f, 11.f, 7.f});
}

TEST(ElementwiseCpu, FusedElementwiseGelu) {
  // Gelu at opset 17: 0.5 * x * (1 + erf(x / sqrt(2))), with its constants as scalar inputs.
  const HostTensor x = floats({3}, {-1.f, 0.5f, 2.f});
  OpCase c = make_case(
      "rill.FusedElementwise",
      {x, HostTensor::scalar(1.4142135f), HostTensor::scalar(1.f), HostTensor::scalar(0.5f)},
      {{"ops", std::vector<std::string>{"Div", "Erf", "Add", "Mul", "Mul"}},
       {"args", std::vector<int64_t>{0, 1, 4, -1, 5, 2, 0, 6, 7, 3}},
       {"alphas", std::vector<float>(10, 0.f)}});
  c.node.domain = "rill";
  auto gelu = [](double v) { return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))); };
  expect_values<float>(cpu1(c), {3},
                       {static_cast<float>(gelu(-1.0)), static_cast<float>(gelu(0.5)),
                        static_cast<float>(gelu(2.0))},
                       1e-6);
}

TEST(ElementwiseCpu, ErrorsNameNodeAndShapes) {
  const Error shapes = infer_error(make_case("Add", {floats({2, 3}, std::vector<float>(6, 1.f)),
                                                     floats({4}, std::vector<float>(4, 1.f))}));
  EXPECT_EQ(shapes.kind(), ErrorKind::kInvalidModel);
  EXPECT_EQ(shapes.context_value("node"), "Add_under_test");
  EXPECT_EQ(shapes.context_value("op"), "Add");
  EXPECT_NE(shapes.context_value("inputs").find("float32[2,3]"), std::string::npos);

  const Error dtype = infer_error(make_case("Sigmoid", {HostTensor::from<int64_t>({1}, {1})}));
  EXPECT_EQ(dtype.kind(), ErrorKind::kUnsupported);
  EXPECT_EQ(dtype.context_value("dtype"), "int64");
  EXPECT_EQ(dtype.context_value("op"), "Sigmoid");

  const Error mixed =
      infer_error(make_case("Add", {floats({1}, {1.f}), HostTensor::scalar<int64_t>(1)}));
  EXPECT_EQ(mixed.kind(), ErrorKind::kInvalidModel);

  const Error where =
      infer_error(make_case("Where", {floats({1}, {1.f}), floats({1}, {1.f}), floats({1}, {1.f})}));
  EXPECT_EQ(where.kind(), ErrorKind::kUnsupported);  // condition must be bool
}

TEST(ElementwiseCpu, TableListsEveryOp) {
  for (const char* op : {"Relu",      "LeakyRelu",
                         "Sigmoid",   "Tanh",
                         "Clip",      "HardSigmoid",
                         "HardSwish", "Erf",
                         "Sqrt",      "Reciprocal",
                         "Neg",       "Exp",
                         "Log",       "Abs",
                         "Not",       "IsNaN",
                         "Cast",      "Add",
                         "Sub",       "Mul",
                         "Div",       "Pow",
                         "Equal",     "Less",
                         "Greater",   "GreaterOrEqual",
                         "And",       "Or",
                         "Min",       "Max",
                         "Where",     "rill.FusedElementwise"}) {
    const std::vector<ops::OpDef> table = ops::elementwise_ops();
    const ops::OpDef* def = find_def(table, op);
    ASSERT_NE(def, nullptr) << op;
    EXPECT_NE(def->infer, nullptr) << op;
    EXPECT_NE(def->run_cpu, nullptr) << op;
    EXPECT_NE(def->prepare_gpu, nullptr) << op;
  }
}

}  // namespace
}  // namespace rill::testing::ew
