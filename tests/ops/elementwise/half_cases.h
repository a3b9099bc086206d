// float32 cases of every elementwise, reduction and normalization op, shared by the float16 /
// bfloat16 tests: half_cpu_test.cpp (CPU reference in half against float64, on the host) and
// half_gpu_test.cpp (GPU kernel in half against the CPU reference in half). Shapes cover the
// 16-byte vector paths (lengths that are multiples of 8), their scalar tails (odd lengths),
// broadcasting, and the register-cached and fallback row paths of Softmax and LayerNorm.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "elementwise_test_util.h"

namespace rill::testing::ew {

struct NamedCase {
  std::string name;
  OpCase c;
};

inline uint64_t half_seed(const std::string& text, size_t i) {
  return std::hash<std::string>{}(text) % 100003 + 7919 * i;
}

//! Fresh non-zero values in [lo, hi) (never exactly zero: a zero output would hide a kernel
//! that writes nothing, and the driver poisons outputs anyway).
inline HostTensor nonzero(Shape shape, uint64_t seed, double lo = -2.0, double hi = 2.0) {
  HostTensor t = random_tensor(DType::kFloat32, std::move(shape), seed, lo, hi);
  for (float& v : std::span<float>(t.data<float>(), static_cast<size_t>(t.elements()))) {
    if (v == 0.f) v = 0.5f;
  }
  return t;
}

inline std::vector<NamedCase> half_cases() {
  std::vector<NamedCase> cases;
  auto add = [&](std::string name, OpCase c) { cases.push_back({std::move(name), std::move(c)}); };
  const std::vector<Shape> unary_shapes = {{1027}, {4096}, {3, 5, 7}, {}};
  struct Range {
    const char* op;
    double lo, hi;
  };
  const Range unary[] = {{"Relu", -2, 2}, {"LeakyRelu", -2, 2},   {"Sigmoid", -6, 6},
                         {"Tanh", -3, 3}, {"HardSigmoid", -4, 4}, {"HardSwish", -5, 5},
                         {"Erf", -2, 2},  {"Sqrt", 0.05, 9},      {"Reciprocal", 0.2, 4},
                         {"Neg", -2, 2},  {"Exp", -4, 4},         {"Log", 0.05, 10},
                         {"Abs", -2, 2}};
  for (const Range& r : unary) {
    for (size_t i = 0; i < unary_shapes.size(); ++i) {
      add(std::string(r.op) + ir::shape_string(unary_shapes[i]),
          make_case(r.op, {nonzero(unary_shapes[i], half_seed(r.op, i), r.lo, r.hi)}));
    }
  }
  {
    HostTensor x = nonzero({99}, 1);
    for (int i = 0; i < 99; i += 7) x.data<float>()[i] = std::numeric_limits<float>::quiet_NaN();
    add("IsNaN", make_case("IsNaN", {x}));
  }
  {
    const HostTensor x = nonzero({3, 1001}, 2, -3, 3);
    add("Clip tensor bounds",
        make_case("Clip", {x, HostTensor::scalar(-1.25f), HostTensor::scalar(0.75f)}));
    OpCase constant = make_case("Clip", {x, HostTensor::scalar(-1.25f), HostTensor::scalar(0.75f)});
    constant.use_def_constant_inputs = false;
    constant.constant_inputs = {1, 2};
    add("Clip constant bounds", constant);
    add("Clip min only", make_case("Clip", {x, HostTensor::scalar(-0.5f)}));
  }

  struct Pair {
    Shape a, b;
  };
  const Pair pairs[] = {{{2, 515}, {2, 515}},    // contiguous, scalar tail
                        {{8, 64}, {8, 64}},      // contiguous, 16-byte vectors only
                        {{4, 33, 64}, {64}},     // bias-add broadcast
                        {{3, 1, 5}, {1, 4, 1}},  // two-sided broadcast
                        {{7}, {}}};              // scalar operand
  for (const char* op :
       {"Add", "Sub", "Mul", "Div", "Min", "Max", "Equal", "Less", "Greater", "GreaterOrEqual"}) {
    for (size_t i = 0; i < std::size(pairs); ++i) {
      HostTensor a = nonzero(pairs[i].a, half_seed(op, i));
      HostTensor b = nonzero(pairs[i].b, half_seed(op, i) + 1);
      if (std::string(op) == "Equal") b = a.shape() == b.shape() ? a : b;  // some equal elements
      add(std::string(op) + ir::shape_string(pairs[i].a) + ir::shape_string(pairs[i].b),
          make_case(op, {a, b}));
    }
  }
  add("Pow", make_case("Pow", {nonzero({2, 515}, 3, 0.2, 3), nonzero({515}, 4, -2, 2)}));
  add("Max variadic",
      make_case("Max", {nonzero({4, 63}, 5), nonzero({63}, 6), nonzero({4, 1}, 7)}));
  add("Min variadic", make_case("Min", {nonzero({4, 63}, 8), nonzero({4, 63}, 9)}));
  add("Where", make_case("Where", {random_tensor(DType::kBool, {5, 64}, 10), nonzero({5, 64}, 11),
                                   nonzero({64}, 12)}));
  // relu(x * w + b), and Gelu as exported at opset 17.
  add("Fused affine relu", make_case("rill.FusedElementwise",
                                     {nonzero({8, 67}, 13), nonzero({67}, 14), nonzero({67}, 15)},
                                     {{"ops", std::vector<std::string>{"Mul", "Add", "Relu"}},
                                      {"args", std::vector<int64_t>{0, 1, 3, 2, 4, -1}},
                                      {"alphas", std::vector<float>(6, 0.f)}}));
  add("Fused gelu", make_case("rill.FusedElementwise",
                              {nonzero({4, 96}, 16, -3, 3), HostTensor::scalar(1.4142135f),
                               HostTensor::scalar(1.f), HostTensor::scalar(0.5f)},
                              {{"ops", std::vector<std::string>{"Div", "Erf", "Add", "Mul", "Mul"}},
                               {"args", std::vector<int64_t>{0, 1, 4, -1, 5, 2, 0, 6, 7, 3}},
                               {"alphas", std::vector<float>(10, 0.f)}}));

  // Dense operands: the 16-byte vector path, with and without a scalar tail.
  for (const Shape& shape : {Shape{64, 64}, Shape{3, 1029}}) {
    add("Fused residual relu dense" + ir::shape_string(shape),
        make_case("rill.FusedElementwise", {nonzero(shape, 31), nonzero(shape, 32)},
                  {{"ops", std::vector<std::string>{"Add", "Relu"}},
                   {"args", std::vector<int64_t>{0, 1, 2, -1}},
                   {"alphas", std::vector<float>(4, 0.f)}}));
    add("Fused three inputs dense" + ir::shape_string(shape),
        make_case("rill.FusedElementwise",
                  {nonzero(shape, 33), nonzero(shape, 34), nonzero(shape, 35)},
                  {{"ops", std::vector<std::string>{"Mul", "Add", "Tanh"}},
                   {"args", std::vector<int64_t>{0, 1, 3, 2, 4, -1}},
                   {"alphas", std::vector<float>(6, 0.f)}}));
  }

  const HostTensor axes_last = HostTensor::from<int64_t>({1}, {-1});
  const HostTensor axes_mid = HostTensor::from<int64_t>({1}, {1});
  for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax"}) {
    add(std::string(op) + " last", make_case(op, {nonzero({6, 1000}, 17), axes_last}));
    add(std::string(op) + " middle", make_case(op, {nonzero({3, 77, 5}, 18), axes_mid}));
    add(std::string(op) + " long row", make_case(op, {nonzero({2, 3000}, 19), axes_last}));
  }
  add("GlobalAveragePool", make_case("GlobalAveragePool", {nonzero({2, 8, 7, 7}, 20)}));

  const Shape softmax_shapes[] = {{37, 128}, {5, 1000}, {3, 77}, {2, 2048}, {2, 4104}};
  for (size_t i = 0; i < std::size(softmax_shapes); ++i) {
    add("Softmax" + ir::shape_string(softmax_shapes[i]),
        make_case("Softmax", {nonzero(softmax_shapes[i], half_seed("Softmax", i), -4, 4)}));
  }
  add("Softmax axis 1",
      make_case("Softmax", {nonzero({4, 5, 6}, 21, -4, 4)}, {{"axis", int64_t{1}}}));

  struct Norm {
    int64_t rows, cols;
  };
  const Norm norms[] = {{33, 768}, {7, 100}, {5, 1030}, {3, 2048}, {2, 4096}};
  for (size_t i = 0; i < std::size(norms); ++i) {
    const auto [rows, cols] = norms[i];
    const std::string shape = ir::shape_string({rows, cols});
    // Inputs offset from zero, so the mean matters.
    const HostTensor x = nonzero({rows, cols}, half_seed("LN", i), 0.5, 3.5);
    const HostTensor scale = nonzero({cols}, half_seed("LN", i) + 1, 0.5, 1.5);
    const HostTensor bias = nonzero({cols}, half_seed("LN", i) + 2);
    add("LayerNorm" + shape, make_case("LayerNormalization", {x, scale, bias}, {}, 3));
    // The sum is rounded to the dtype before normalizing (as the unfused graph does), so keep it
    // of the order of its spread: its rounding error then stays that of one rounding.
    const HostTensor a = nonzero({rows, cols}, half_seed("LN", i) + 3);
    const HostTensor r = nonzero({rows, cols}, half_seed("LN", i) + 4);
    add("AddLayerNorm" + shape,
        make_case("rill.AddLayerNorm", {a, r, scale, bias}, {{"epsilon", 1e-12f}}, 2));
  }
  add("LayerNorm no bias, scalar scale",
      make_case("LayerNormalization", {nonzero({9, 64}, 22), HostTensor::scalar(1.5f)}));
  {
    const HostTensor x = nonzero({2, 16, 64}, 23);
    const HostTensor pos = nonzero({16, 64}, 24);
    const HostTensor scale = nonzero({64}, 25, 0.5, 1.5);
    const HostTensor bias = nonzero({64}, 26);
    add("AddLayerNorm residual broadcast over batch",
        make_case("rill.AddLayerNorm", {x, pos, scale, bias}, {}, 2));
    add("AddLayerNorm broadcast operand first, no Sum",
        make_case("rill.AddLayerNorm", {pos, x, scale, bias}));
    add("AddLayerNorm general broadcast",
        make_case("rill.AddLayerNorm",
                  {nonzero({2, 1, 64}, 27), nonzero({1, 16, 64}, 28), scale, bias}, {}, 2));
    add("AddLayerNorm general broadcast, no Sum",
        make_case("rill.AddLayerNorm", {nonzero({2, 1, 64}, 29), nonzero({1, 16, 64}, 30), scale}));
  }
  return cases;
}

}  // namespace rill::testing::ew
