// OpDef::gpu_dtypes of the movement family (Note [Dtypes as data]): ops that move bytes declare
// every dtype, and their GPU paths take 2-byte elements (float16/bfloat16) as readily as 4-byte
// ones; Resize lists what linear interpolation computes in, Pad what its constant_value allows. Host only: prepare_gpu of these ops
// does not touch the device.
#include <gtest/gtest.h>

#include "movement_test_util.h"

namespace rill::movement_test {
namespace {

std::string prepare(const testing::OpCase& c) {
  (void)testing::run_cpu(c);  // the CPU result must have the inferred types
  return testing::prepare_on_host(c)->describe();
}

TEST(MovementGpuDtypes, EveryOpDeclaresFloat32) {
  for (const ops::OpDef& def : movement_table()) {
    EXPECT_FALSE(def.gpu_dtypes.empty()) << def.op_type;
    EXPECT_TRUE(def.gpu_dtypes.contains(DType::kFloat32)) << def.op_type;
  }
}

TEST(MovementGpuDtypes, ByteMoversDeclareEveryDtype) {
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Transpose",
                         "Concat", "Split", "Slice", "Expand", "Gather", "GatherElements",
                         "Shape", "Constant", "ConstantOfShape"}) {
    const ops::OpDef* def = testing::find_def(movement_table(), op);
    ASSERT_NE(def, nullptr) << op;
    EXPECT_EQ(def->gpu_dtypes, kAllDTypes) << op << " declares " << def->gpu_dtypes.to_string();
  }
  const ops::OpDef* resize = testing::find_def(movement_table(), "Resize");
  ASSERT_NE(resize, nullptr);
  EXPECT_FALSE(resize->gpu_dtypes.contains(DType::kFloat16));  // linear computes in float32/64
  EXPECT_TRUE(resize->gpu_dtypes.contains(DType::kFloat64));
  // Pad's constant_value must match the data's dtype and is not converted by a reduced-precision
  // build (see pad.cpp), so Pad stays float32 there.
  const ops::OpDef* pad = testing::find_def(movement_table(), "Pad");
  ASSERT_NE(pad, nullptr);
  EXPECT_FALSE(pad->gpu_dtypes.contains(DType::kFloat16));
}

TEST(MovementGpuDtypes, HalfElementsPrepareOnTheHost) {
  for (DType dtype : {DType::kFloat16, DType::kBFloat16}) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    auto half = [&](Shape shape) { return ir::convert_floating(iota(std::move(shape)), dtype); };
    EXPECT_FALSE(prepare(make_case("Transpose", {half({2, 3, 8, 8})},
                                   {{"perm", std::vector<int64_t>{0, 2, 3, 1}}}))
                     .empty());
    EXPECT_FALSE(prepare(make_case("Transpose", {half({2, 3, 4})},
                                   {{"perm", std::vector<int64_t>{1, 0, 2}}}))
                     .empty());
    EXPECT_FALSE(prepare(make_case("Concat", {half({8, 16}), half({8, 3})}, {{"axis", int64_t{1}}}))
                     .empty());
    EXPECT_FALSE(prepare(make_case("Split", {half({4, 6})}, {{"axis", int64_t{1}}}, 3)).empty());
    EXPECT_FALSE(
        prepare(make_case("Slice", {half({5, 6, 7}), ints({1}), ints({3}), ints({2})})).empty());
    EXPECT_FALSE(prepare(make_case("Expand", {half({1, 4, 1}), ints({3, 4, 5})})).empty());
    EXPECT_FALSE(prepare(make_case("Gather", {half({10, 6}), int64s({3}, {4, 0, 9})})).empty());
    EXPECT_FALSE(prepare(make_case("Pad", {half({2, 3}), ints({0, 1, 0, 2})})).empty());
  }
}

}  // namespace
}  // namespace rill::movement_test
