// The CPU reference in float16 and bfloat16 (Note [Half CPU references]) against the float64
// reference of the same op on the same (half-rounded) inputs: the only error left is the one
// rounding of each output to the half dtype, so relative L2 stays within half_tolerance.
#include "half_cases.h"

namespace rill::testing::ew {
namespace {

//! `c` with its half inputs widened exactly to `wide` (float64; float32 for ops whose reference
//! has no float64, such as rill.FusedElementwise).
OpCase widened(const OpCase& c, DType wide) {
  OpCase w = c;
  for (HostTensor& t : w.inputs) {
    if (is_half(t.dtype())) t = ir::convert_floating(t, wide);
  }
  return w;
}

void expect_outputs_close(const std::vector<HostTensor>& half, const std::vector<HostTensor>& wide,
                          DType dtype) {
  ASSERT_EQ(half.size(), wide.size());
  for (size_t i = 0; i < half.size(); ++i) {
    SCOPED_TRACE("output " + std::to_string(i));
    if (half[i].dtype() == dtype) {
      ASSERT_TRUE(is_floating(wide[i].dtype()));
      EXPECT_TRUE(tensors_close(ir::convert_floating(half[i], DType::kFloat64),
                                ir::convert_floating(wide[i], DType::kFloat64),
                                half_tolerance(dtype)));
    } else if (half[i].dtype() == DType::kFloat32 && wide[i].dtype() == DType::kFloat32) {
      EXPECT_TRUE(tensors_close(half[i], wide[i], 1e-6));  // LayerNorm's Mean and InvStdDev
    } else {
      EXPECT_TRUE(tensors_close(half[i], wide[i], 0.0));  // bool and integer outputs: exact
    }
  }
}

TEST(HalfCpu, EveryOpMatchesFloat64WithinDtypeTolerance) {
  for (const NamedCase& nc : half_cases()) {
    for (DType dtype : {DType::kFloat16, DType::kBFloat16}) {
      SCOPED_TRACE(nc.name + " in " + std::string(dtype_name(dtype)));
      const OpCase half = converted_case(nc.c, dtype);
      const std::vector<HostTensor> outs = run_cpu(half);
      ASSERT_FALSE(outs.empty());
      EXPECT_EQ(outs[0].dtype(), nc.c.node.op_type == "Equal" || nc.c.node.op_type == "Less" ||
                                         nc.c.node.op_type == "Greater" ||
                                         nc.c.node.op_type == "GreaterOrEqual" ||
                                         nc.c.node.op_type == "IsNaN"
                                     ? DType::kBool
                                     : dtype);
      const DType wide =
          nc.c.node.op_type == "rill.FusedElementwise" ? DType::kFloat32 : DType::kFloat64;
      expect_outputs_close(outs, run_cpu(widened(half, wide)), dtype);
    }
  }
}

TEST(HalfCpu, RoundsOnceToNearestEven) {
  // 1 + 2^-11 is a float16 tie between 1 and 1 + 2^-10: nearest even is 1. 1 + 2^-10 is exact.
  const HostTensor a = ir::convert_floating(floats({2}, {1.0f, 1.0f}), DType::kFloat16);
  const HostTensor b =
      ir::convert_floating(floats({2}, {0.00048828125f, 0.0009765625f}), DType::kFloat16);
  const HostTensor sum = cpu1(make_case("Add", {a, b}));
  ASSERT_EQ(sum.dtype(), DType::kFloat16);
  EXPECT_EQ(static_cast<float>(sum.data<ir::Half>()[0]), 1.0f);           // tie -> even
  EXPECT_EQ(static_cast<float>(sum.data<ir::Half>()[1]), 1.0009765625f);  // exact
}

TEST(HalfCpu, CastThroughFloat) {
  const HostTensor x = floats({6}, {-300.7f, -1.5f, 0.25f, 2.5f, 70000.f, 1.0e-3f});
  const HostTensor h = cpu1(make_case("Cast", {x}, {{"to", int64_t{10}}}));
  ASSERT_EQ(h.dtype(), DType::kFloat16);
  EXPECT_TRUE(std::isinf(static_cast<float>(h.data<ir::Half>()[4])));  // beyond float16's range
  const HostTensor i8 = cpu1(make_case("Cast", {h}, {{"to", int64_t{3}}}));
  expect_values<int8_t>(i8, {6}, {-128, -1, 0, 2, 127, 0});  // saturating, toward zero
  const HostTensor bf = cpu1(make_case("Cast", {h}, {{"to", int64_t{16}}}));
  ASSERT_EQ(bf.dtype(), DType::kBFloat16);
  EXPECT_EQ(static_cast<float>(bf.data<ir::BFloat16>()[1]), -1.5f);
}

}  // namespace
}  // namespace rill::testing::ew
