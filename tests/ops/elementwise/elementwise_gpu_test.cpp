// Every elementwise GPU kernel against the CPU reference (plain launch and CUDA-graph replay, with
// poisoned outputs; see testing::expect_gpu_matches_cpu). Skips without a GPU.
#include <limits>

#include "elementwise_test_util.h"
#include "gpu_test.h"

namespace rill::testing::ew {
namespace {

// Odd sizes, a 4-aligned size (float4 path with no tail), a large one, a scalar.
const std::vector<Shape> kShapes = {{}, {1}, {7}, {1027}, {4, 33, 65}, {1 << 20}, {3, 1 << 18}};

uint64_t seed_of(const std::string& text, size_t i) {
  return std::hash<std::string>{}(text) + 7919 * i;
}

void check(const std::string& op, std::vector<HostTensor> inputs,
           std::map<std::string, ir::AttributeValue> attrs = {}, double tolerance = 1e-5) {
  const OpCase c = make_case(op, std::move(inputs), std::move(attrs));
  SCOPED_TRACE(op + " " + ir::desc_string(c.inputs[0].desc()));
  expect_gpu_matches_cpu(c, tolerance);
}

TEST(ElementwiseGpu, FloatUnaryOps) {
  RILL_REQUIRE_GPU();
  struct Range {
    const char* op;
    double lo, hi;
  };
  const Range ops[] = {{"Relu", -2, 2}, {"LeakyRelu", -2, 2},   {"Sigmoid", -10, 10},
                       {"Tanh", -5, 5}, {"HardSigmoid", -4, 4}, {"HardSwish", -5, 5},
                       {"Erf", -3, 3},  {"Sqrt", 0.01, 9},      {"Reciprocal", 0.1, 4},
                       {"Neg", -2, 2},  {"Exp", -10, 10},       {"Log", 0.01, 10},
                       {"Abs", -2, 2}};
  for (const Range& r : ops) {
    for (size_t i = 0; i < kShapes.size(); ++i) {
      check(r.op, {random_tensor(DType::kFloat32, kShapes[i], seed_of(r.op, i), r.lo, r.hi)});
    }
  }
  check("LeakyRelu", {random_tensor(DType::kFloat32, {999}, 1)}, {{"alpha", 0.3f}});
  check("HardSigmoid", {random_tensor(DType::kFloat32, {999}, 2, -5, 5)},
        {{"alpha", 0.25f}, {"beta", 0.4f}});
}

TEST(ElementwiseGpu, IntegerAndBoolUnaryOps) {
  RILL_REQUIRE_GPU();
  for (DType dtype : {DType::kInt64, DType::kInt32}) {
    for (const char* op : {"Relu", "Neg", "Abs"}) {
      check(op, {random_tensor(dtype, {5, 77}, seed_of(op, 1), -100, 100)});
    }
  }
  check("Not", {random_tensor(DType::kBool, {1001}, 3)});
  HostTensor x = random_tensor(DType::kFloat32, {4, 250}, 4);
  for (int i = 0; i < 1000; i += 7) x.data<float>()[i] = std::numeric_limits<float>::quiet_NaN();
  check("IsNaN", {x});
}

TEST(ElementwiseGpu, ClipConstantAndTensorBounds) {
  RILL_REQUIRE_GPU();
  const HostTensor x = random_tensor(DType::kFloat32, {3, 1001}, 5, -3, 3);
  const HostTensor lo = HostTensor::scalar(-1.25f);
  const HostTensor hi = HostTensor::scalar(0.75f);
  const std::vector<std::vector<HostTensor>> variants = {
      {x, lo, hi}, {x, lo}, {x, HostTensor(), hi}, {x}};
  for (const auto& inputs : variants) {
    // Bounds read from device memory.
    check("Clip", inputs);
    // Bounds known at plan time.
    OpCase c = make_case("Clip", inputs);
    c.use_def_constant_inputs = false;
    c.constant_inputs = {1, 2};
    expect_gpu_matches_cpu(c);
  }
}

TEST(ElementwiseGpu, CastBetweenAllTypes) {
  RILL_REQUIRE_GPU();
  const std::pair<DType, int64_t> types[] = {
      {DType::kFloat32, 1}, {DType::kFloat64, 11}, {DType::kInt64, 7}, {DType::kInt32, 6},
      {DType::kInt8, 3},    {DType::kUInt8, 2},    {DType::kBool, 9}};
  for (const auto& [from, from_onnx] : types) {
    // Wide ranges so that float->int8/uint8 saturate and int->int wraps.
    const HostTensor x = random_tensor(from, {5, 203}, static_cast<uint64_t>(from_onnx), -300, 300);
    for (const auto& [to, to_onnx] : types) {
      SCOPED_TRACE(std::string(dtype_name(from)) + "->" + std::string(dtype_name(to)));
      check("Cast", {x}, {{"to", to_onnx}});
    }
  }
}

// Shape pairs for binary ops: same shape, broadcasting both ways, scalars, a bias add.
const std::vector<std::pair<Shape, Shape>> kPairs = {
    {{2, 3, 4}, {2, 3, 4}}, {{8, 1, 5}, {3, 1}},    {{}, {17, 3}},    {{17, 3}, {}},
    {{1027}, {1027}},       {{8, 128, 768}, {768}}, {{5, 1}, {1, 6}}, {{2, 3, 1, 5}, {3, 4, 1}}};

TEST(ElementwiseGpu, FloatBinaryOps) {
  RILL_REQUIRE_GPU();
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Pow", "Min", "Max", "Equal", "Less",
                         "Greater", "GreaterOrEqual"}) {
    for (size_t i = 0; i < kPairs.size(); ++i) {
      const bool pow = std::string(op) == "Pow";
      const bool div = std::string(op) == "Div";
      HostTensor a = random_tensor(DType::kFloat32, kPairs[i].first, seed_of(op, i), pow ? 0.1 : -2,
                                   pow ? 3 : 2);
      HostTensor b =
          random_tensor(DType::kFloat32, kPairs[i].second, seed_of(op, i) + 1, div ? 0.5 : -2, 2);
      check(op, {a, b});
    }
  }
  // Equality must see equal values: small integer-valued floats.
  HostTensor a = random_tensor(DType::kInt32, {999}, 9, -3, 3);
  HostTensor b = random_tensor(DType::kInt32, {999}, 10, -3, 3);
  const auto to_float = [](const HostTensor& t) {
    std::vector<float> v;
    for (int32_t x : t.values<int32_t>()) v.push_back(static_cast<float>(x));
    return floats(t.shape(), v);
  };
  check("Equal", {to_float(a), to_float(b)});
}

TEST(ElementwiseGpu, IntegerAndBoolBinaryOps) {
  RILL_REQUIRE_GPU();
  for (DType dtype : {DType::kInt64, DType::kInt32}) {
    for (const char* op :
         {"Add", "Sub", "Mul", "Div", "Min", "Max", "Equal", "Less", "Greater", "GreaterOrEqual"}) {
      for (size_t i = 0; i < kPairs.size(); ++i) {
        // Divisors include negatives and zero (0 by convention, Note [Elementwise semantics]).
        check(op, {random_tensor(dtype, kPairs[i].first, seed_of(op, i), -50, 50),
                   random_tensor(dtype, kPairs[i].second, seed_of(op, i) + 1, -5, 5)});
      }
    }
  }
  for (const char* op : {"And", "Or", "Equal"}) {
    for (size_t i = 0; i < kPairs.size(); ++i) {
      check(op, {random_tensor(DType::kBool, kPairs[i].first, seed_of(op, i)),
                 random_tensor(DType::kBool, kPairs[i].second, seed_of(op, i) + 1)});
    }
  }
}

TEST(ElementwiseGpu, VariadicMinMax) {
  RILL_REQUIRE_GPU();
  HostTensor a = random_tensor(DType::kFloat32, {4, 1, 7}, 11);
  a.data<float>()[3] = std::numeric_limits<float>::quiet_NaN();
  const HostTensor b = random_tensor(DType::kFloat32, {5, 1}, 12);
  const HostTensor c = random_tensor(DType::kFloat32, {}, 13);
  const HostTensor d = random_tensor(DType::kFloat32, {4, 5, 7}, 14);
  for (const char* op : {"Min", "Max"}) {
    check(op, {a});
    check(op, {a, b});
    check(op, {a, b, c});
    check(op, {c, a, b, d});
    check(op, {random_tensor(DType::kInt64, {6}, 15, -9, 9),
               random_tensor(DType::kInt64, {3, 1}, 16, -9, 9),
               random_tensor(DType::kInt64, {6}, 17, -9, 9)});
  }
}

TEST(ElementwiseGpu, Where) {
  RILL_REQUIRE_GPU();
  const std::vector<std::tuple<Shape, Shape, Shape>> shapes = {{{2, 3}, {2, 3}, {2, 3}},
                                                               {{4, 1}, {5}, {}},
                                                               {{1027}, {1027}, {1}},
                                                               {{8, 1, 768}, {8, 128, 768}, {768}}};
  for (DType dtype : {DType::kFloat32, DType::kInt64, DType::kInt32, DType::kBool}) {
    for (size_t i = 0; i < shapes.size(); ++i) {
      check("Where", {random_tensor(DType::kBool, std::get<0>(shapes[i]), 20 + i),
                      random_tensor(dtype, std::get<1>(shapes[i]), 30 + i, -9, 9),
                      random_tensor(dtype, std::get<2>(shapes[i]), 40 + i, -9, 9)});
    }
  }
}

OpCase fused_case(std::vector<HostTensor> inputs, std::vector<std::string> ops,
                  std::vector<int64_t> args, std::vector<float> alphas) {
  OpCase c = make_case(
      "rill.FusedElementwise", std::move(inputs),
      {{"ops", std::move(ops)}, {"args", std::move(args)}, {"alphas", std::move(alphas)}});
  c.node.domain = "rill";
  return c;
}

TEST(ElementwiseGpu, FusedElementwise) {
  RILL_REQUIRE_GPU();
  // relu(x * w + b) over a bias-shaped broadcast.
  for (const Shape& shape : {Shape{8, 128, 768}, Shape{3, 5}, Shape{1027}}) {
    const int64_t last = shape.back();
    expect_gpu_matches_cpu(fused_case(
        {random_tensor(DType::kFloat32, shape, 50), random_tensor(DType::kFloat32, {last}, 51),
         random_tensor(DType::kFloat32, {last}, 52)},
        {"Mul", "Add", "Relu"}, {0, 1, 3, 2, 4, -1}, std::vector<float>(6, 0.f)));
  }
  // Gelu (opset 17 export): dense input, scalar constants.
  expect_gpu_matches_cpu(fused_case(
      {random_tensor(DType::kFloat32, {8, 128, 3072}, 53, -4, 4), HostTensor::scalar(1.4142135f),
       HostTensor::scalar(1.f), HostTensor::scalar(0.5f)},
      {"Div", "Erf", "Add", "Mul", "Mul"}, {0, 1, 4, -1, 5, 2, 0, 6, 7, 3},
      std::vector<float>(10, 0.f)));
  // All same shape (contiguous path), parameters, reused operands.
  const HostTensor x = random_tensor(DType::kFloat32, {33, 65}, 54, -3, 3);
  const HostTensor y = random_tensor(DType::kFloat32, {33, 65}, 55, -3, 3);
  expect_gpu_matches_cpu(
      fused_case({x, y},
                 {"Mul", "Clip", "LeakyRelu", "HardSigmoid", "Max", "Sigmoid", "Sub", "Tanh", "Min",
                  "Abs", "Sqrt"},
                 {0, 0, 2, -1, 1, -1, 4, -1, 5, 3, 6, -1, 7, 1, 8, -1, 9, 0, 10, -1, 11, -1},
                 {0, 0, 0.5f, 4.f, 0.1f, 0, 0.3f, 0.4f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(ElementwiseGpu, UnsupportedDtypeIsReported) {
  RILL_REQUIRE_GPU();
  // float64 Add has a CPU reference but no GPU kernel: kUnsupported naming op and dtype.
  const OpCase c = make_case(
      "Add", {random_tensor(DType::kFloat64, {4}, 1), random_tensor(DType::kFloat64, {4}, 2)});
  const std::vector<ir::TensorDesc> descs = {c.inputs[0].desc(), c.inputs[1].desc()};
  const std::vector<const HostTensor*> constants = {nullptr, nullptr};
  const std::vector<ir::TensorDesc> outs = {c.inputs[0].desc()};
  const ops::LibraryHandles handles;
  try {
    (void)c.def->prepare_gpu(ops::GpuPrepareContext{c.node, descs, constants, outs, handles});
    ADD_FAILURE() << "prepare_gpu accepted float64 Add";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_EQ(e.context_value("dtype"), "float64");
    EXPECT_EQ(e.context_value("op"), "Add");
  }
}

}  // namespace
}  // namespace rill::testing::ew
