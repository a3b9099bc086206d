// GPU tests: every movement op with a GPU kernel against its CPU reference (plain launch and
// CUDA-graph replay, via testing::expect_gpu_matches_cpu), over several shapes and dtypes.
#include <gtest/gtest.h>

#include "gpu_test.h"
#include "movement_test_util.h"

namespace rill::movement_test {
namespace {

// float32 and int64 everywhere; uint8 where 1-byte units take a different path.
const DType kDTypes[] = {DType::kFloat32, DType::kInt64, DType::kUInt8};

HostTensor random(DType dtype, Shape shape, uint64_t seed) {
  return testing::random_tensor(dtype, std::move(shape), seed, -100.0, 100.0);
}

void check(const testing::OpCase& c) {
  SCOPED_TRACE(c.node.op_type + " " +
               ir::desc_string(c.inputs.empty() ? ir::TensorDesc{} : c.inputs[0].desc()));
  testing::expect_gpu_matches_cpu(c, 1e-6);
}

TEST(MovementGpu, Transpose) {
  RILL_REQUIRE_GPU();
  struct Case {
    Shape shape;
    std::vector<int64_t> perm;
  };
  const Case cases[] = {
      {{64, 48}, {1, 0}},                  // tiled 2-D
      {{33, 70}, {1, 0}},                  // tiled, ragged tiles
      {{2, 3, 33, 65}, {0, 2, 3, 1}},      // NCHW -> NHWC, tiled batched
      {{2, 40, 3, 5}, {0, 3, 1, 2}},       // NHWC -> NCHW
      {{3, 4, 5}, {2, 0, 1}},              // generic
      {{2, 3, 4, 5, 6}, {4, 2, 0, 3, 1}},  // generic rank 5
      {{1, 5, 1, 7}, {3, 2, 1, 0}},        // unit dims dropped
      {{4, 5}, {0, 1}},                    // identity: a copy
  };
  uint64_t seed = 1;
  for (DType dtype : kDTypes) {
    for (const Case& tc : cases) {
      check(make_case("Transpose", {random(dtype, tc.shape, seed++)}, {{"perm", tc.perm}}));
    }
  }
}

// rill.ToNhwc in every element size it moves, with and without padding; half dtypes too (a
// reduced-precision ResNet runs it in float16).
TEST(MovementGpu, ToNhwc) {
  RILL_REQUIRE_GPU();
  struct Case {
    Shape shape;
    int64_t pad;
  };
  // 16-byte runs (vector stores) in every element size, and runs that are not.
  const Case cases[] = {{{2, 3, 7, 9}, 5}, {{1, 4, 5, 5}, 0}, {{3, 2, 11}, 2},
                        {{2, 3, 2, 3, 4}, 1}, {{2, 5, 3, 3}, 11}};
  uint64_t seed = 300;
  for (DType dtype : {DType::kFloat32, DType::kInt64, DType::kUInt8, DType::kFloat16}) {
    for (const Case& tc : cases) {
      HostTensor x = random(dtype == DType::kFloat16 ? DType::kFloat32 : dtype, tc.shape, seed++);
      if (dtype == DType::kFloat16) x = ir::convert_floating(x, DType::kFloat16);
      check(make_case("rill.ToNhwc", {x}, {{"pad_channels", tc.pad}}));
    }
  }
}

TEST(MovementGpu, Concat) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 100;
  for (DType dtype : kDTypes) {
    check(make_case("Concat",
                    {random(dtype, {2, 3, 4}, seed++), random(dtype, {2, 5, 4}, seed++),
                     random(dtype, {2, 1, 4}, seed++)},
                    {{"axis", int64_t{1}}}));
    check(make_case("Concat",
                    {random(dtype, {3, 7}, seed++), random(dtype, {3, 0}, seed++),
                     random(dtype, {3, 2}, seed++)},
                    {{"axis", int64_t{-1}}}));
    check(make_case("Concat", {random(dtype, {8, 16}, seed++), random(dtype, {8, 32}, seed++)},
                    {{"axis", int64_t{1}}}));  // wide units
    std::vector<HostTensor> many;
    for (int i = 0; i < 40; ++i) many.push_back(random(dtype, {2, 1 + i % 3}, seed++));
    check(make_case("Concat", many, {{"axis", int64_t{1}}}));  // two launches of parts
    check(make_case("Concat", {random(dtype, {5}, seed++), random(dtype, {3}, seed++)},
                    {{"axis", int64_t{0}}}));
  }
}

TEST(MovementGpu, Split) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 200;
  for (DType dtype : kDTypes) {
    check(make_case("Split", {random(dtype, {4, 6, 3}, seed++)}, {{"axis", int64_t{1}}}, 3));
    check(make_case("Split", {random(dtype, {4, 7}, seed++), ints({2, 0, 5})},
                    {{"axis", int64_t{-1}}}, 3));
    check(make_case("Split", {random(dtype, {10, 16}, seed++), ints({4, 6})}, {}, 2));
    std::vector<int64_t> sizes(36, 1);
    check(make_case("Split", {random(dtype, {3, 36}, seed++), ints(sizes)}, {{"axis", int64_t{1}}},
                    36));
  }
}

TEST(MovementGpu, Slice) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 300;
  for (DType dtype : kDTypes) {
    const auto x = random(dtype, {5, 6, 7}, seed++);
    check(make_case("Slice", {x, ints({1, 0}), ints({4, 5}), ints({0, 2}), ints({1, 2})}));
    check(make_case("Slice",
                    {x, ints({-1, 5}), ints({kInt64Min, 0}), ints({1, -1}), ints({-1, -2})}));
    check(make_case("Slice", {x, ints({1}), ints({3})}));  // contiguous rows: one copy
    check(make_case("Slice", {x, ints({2}), ints({2})}));  // empty
    check(make_case("Slice", {random(dtype, {1000}, seed++), ints({999}), ints({-1000}), ints({0}),
                              ints({-3})}));
  }
}

TEST(MovementGpu, Gather) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 400;
  for (DType dtype : kDTypes) {
    for (DType index_type : {DType::kInt64, DType::kInt32}) {
      const auto x = random(dtype, {5, 6, 7}, seed++);
      check(make_case("Gather", {x, testing::random_tensor(index_type, {3, 4}, seed++, -5, 5)}));
      check(make_case("Gather", {x, testing::random_tensor(index_type, {9}, seed++, -6, 6)},
                      {{"axis", int64_t{1}}}));
      check(make_case("Gather", {x, testing::random_tensor(index_type, {2, 2}, seed++, -7, 7)},
                      {{"axis", int64_t{-1}}}));
      check(make_case("GatherElements",
                      {x, testing::random_tensor(index_type, {5, 3, 7}, seed++, -6, 6)},
                      {{"axis", int64_t{1}}}));
      check(make_case("GatherElements",
                      {x, testing::random_tensor(index_type, {9, 6, 2}, seed++, -5, 5)}));
    }
  }
}

TEST(MovementGpu, Expand) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 500;
  for (DType dtype : kDTypes) {
    check(make_case("Expand", {random(dtype, {3, 1}, seed++), ints({2, 3, 5})}));
    check(make_case("Expand", {random(dtype, {1, 4, 1, 2}, seed++), ints({3, 1, 6, 2})}));
    check(make_case("Expand", {random(dtype, {4}, seed++), ints({1})}));  // a plain copy
  }
}

TEST(MovementGpu, Pad) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 600;
  for (DType dtype : kDTypes) {
    const auto x = random(dtype, {2, 3, 5, 4}, seed++);
    const auto value = random(dtype, {}, seed++);
    check(make_case("Pad", {x, ints({0, 0, 2, 1, 0, 1, 3, 0}), value}));
    check(make_case("Pad", {x, ints({0, 0, 2, 1, 0, 0, 1, 3})}, {{"mode", std::string("edge")}}));
    check(
        make_case("Pad", {x, ints({0, 1, 4, 3, 0, 2, 3, 5})}, {{"mode", std::string("reflect")}}));
    check(make_case("Pad", {x, ints({0, -1, 1, -1, 0, 0, -2, 2})}));
  }
}

TEST(MovementGpu, ResizeNearest) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 700;
  const char* coord_modes[] = {"half_pixel",           "asymmetric",
                               "align_corners",        "pytorch_half_pixel",
                               "tf_half_pixel_for_nn", "half_pixel_symmetric"};
  const char* nearest_modes[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  for (DType dtype : kDTypes) {
    const auto x = random(dtype, {2, 3, 7, 9}, seed++);
    for (const char* coord : coord_modes) {
      for (const char* nearest : nearest_modes) {
        const std::map<std::string, ir::AttributeValue> attributes = {
            {"mode", std::string("nearest")},
            {"coordinate_transformation_mode", std::string(coord)},
            {"nearest_mode", std::string(nearest)}};
        check(make_case("Resize", {x, HostTensor(), floats({4}, {1, 1, 2.5f, 0.6f})}, attributes, 1,
                        {1}));
        check(make_case("Resize", {x, HostTensor(), HostTensor(), ints({2, 3, 5, 20})}, attributes,
                        1, {1, 2}));
      }
    }
  }
}

TEST(MovementGpu, ResizeLinear) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 800;
  const char* coord_modes[] = {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
                               "half_pixel_symmetric"};
  const auto x = testing::random_tensor(DType::kFloat32, {2, 3, 7, 9}, seed++);
  const auto volume = testing::random_tensor(DType::kFloat32, {1, 2, 4, 5, 6}, seed++);
  for (const char* coord : coord_modes) {
    const std::map<std::string, ir::AttributeValue> attributes = {
        {"mode", std::string("linear")}, {"coordinate_transformation_mode", std::string(coord)}};
    check(make_case("Resize", {x, HostTensor(), floats({4}, {1, 1, 2, 2})}, attributes, 1, {1}));
    check(make_case("Resize", {x, HostTensor(), floats({4}, {1, 1, 0.5f, 1.7f})}, attributes, 1,
                    {1}));
    check(make_case("Resize", {x, HostTensor(), HostTensor(), ints({2, 3, 1, 31})}, attributes, 1,
                    {1, 2}));
    check(make_case("Resize", {volume, HostTensor(), floats({5}, {1, 1, 2, 1.5f, 0.5f})},
                    attributes, 1, {1}));  // trilinear
  }
}

TEST(MovementGpu, ShapeValuedOps) {
  RILL_REQUIRE_GPU();
  check(make_case("Shape", {iota({2, 3, 4})}, {{"start", int64_t{1}}}));
  check(make_case("Constant", {}, {{"value_ints", std::vector<int64_t>{3, -1, 4}}}));
  check(make_case("Constant", {}, {{"value", testing::random_tensor(DType::kFloat32, {5, 7}, 9)}}));
  check(make_case("ConstantOfShape", {ints({3, 1000})}, {{"value", int64s({1}, {-5})}}));
  check(make_case("ConstantOfShape", {ints({17})}, {{"value", floats({1}, {2.5f})}}));
  check(make_case("ConstantOfShape", {ints({9})},
                  {{"value", HostTensor::from<uint8_t>({1}, {200})}}));
  check(make_case("Range", {HostTensor::scalar(int64_t{-3}), HostTensor::scalar(int64_t{40}),
                            HostTensor::scalar(int64_t{4})}));
  check(make_case(
      "Range", {HostTensor::scalar(0.5f), HostTensor::scalar(-3.0f), HostTensor::scalar(-0.25f)}));
}

TEST(MovementGpu, AliasOpsKeepTheBytes) {
  RILL_REQUIRE_GPU();
  const auto x = testing::random_tensor(DType::kInt64, {2, 1, 6}, 5, -9, 9);
  check(make_case("Reshape", {x, ints({3, -1})}));
  check(make_case("Flatten", {x}));
  check(make_case("Squeeze", {x, ints({1})}));
  check(make_case("Unsqueeze", {x, ints({0})}));
  check(make_case("Identity", {x}));
}

}  // namespace
}  // namespace rill::movement_test
