// OpDef::gpu_dtypes of the elementwise and reduction families (Note [Dtypes as data]) against
// what prepare_gpu accepts, on the host: for every case and every floating dtype the op's
// reference accepts, prepare_gpu succeeds exactly when the dtype is declared. The engine's
// build-time check and the reduced-precision rewrite trust these sets.
#include "half_cases.h"

namespace rill::testing::ew {
namespace {

//! Runs infer and prepare_gpu; nullopt when infer rejects the case (the op has no such dtype at
//! all), else whether prepare_gpu accepted it (kUnsupported: no), rethrowing other errors.
std::optional<bool> gpu_accepts(const OpCase& c) {
  try {
    (void)infer(c);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kUnsupported) return std::nullopt;
    throw;
  }
  try {
    return prepare_on_host(c) != nullptr;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kUnsupported) return false;
    throw;
  }
}

TEST(GpuDtypes, EveryOpDeclaresFloat32) {
  for (const ops::OpDef& def : family()) {
    EXPECT_FALSE(def.gpu_dtypes.empty()) << def.op_type;
    EXPECT_TRUE(def.gpu_dtypes.contains(DType::kFloat32)) << def.op_type;
  }
}

TEST(GpuDtypes, DeclaredSetsMatchPrepareGpu) {
  for (const NamedCase& nc : half_cases()) {
    for (DType dtype : {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64}) {
      SCOPED_TRACE(nc.name + " in " + std::string(dtype_name(dtype)));
      const std::optional<bool> accepted = gpu_accepts(converted_case(nc.c, dtype));
      if (!accepted) continue;
      EXPECT_EQ(*accepted, nc.c.def->gpu_dtypes.contains(dtype))
          << nc.c.node.op_type << " declares " << nc.c.def->gpu_dtypes.to_string();
    }
  }
}

TEST(GpuDtypes, CastDeclaresEveryFloatingTypeItConverts) {
  const std::pair<DType, int64_t> types[] = {
      {DType::kFloat32, 1},  {DType::kFloat16, 10}, {DType::kBFloat16, 16},
      {DType::kFloat64, 11}, {DType::kInt64, 7},    {DType::kInt32, 6},
      {DType::kInt8, 3},     {DType::kUInt8, 2},    {DType::kBool, 9}};
  for (const auto& [from, unused] : types) {
    (void)unused;
    for (const auto& [to, to_onnx] : types) {
      SCOPED_TRACE(std::string(dtype_name(from)) + " -> " + std::string(dtype_name(to)));
      const OpCase c = make_case("Cast", {random_tensor(from, {5}, 1)}, {{"to", to_onnx}});
      EXPECT_EQ(gpu_accepts(c), std::optional<bool>(true));
      for (DType d : {from, to}) {
        if (is_floating(d)) {
          EXPECT_TRUE(c.def->gpu_dtypes.contains(d));
        }
      }
    }
  }
}

TEST(GpuDtypes, HalfKernelsAreDescribed) {
  const HostTensor x = random_tensor(DType::kFloat16, {8, 128, 768}, 1);
  const OpCase ln = make_case("LayerNormalization", {x, random_tensor(DType::kFloat16, {768}, 2),
                                                     random_tensor(DType::kFloat16, {768}, 3)});
  EXPECT_EQ(gpu_accepts(ln), std::optional<bool>(true));
  const OpCase fused =
      make_case("rill.FusedElementwise", {x, random_tensor(DType::kFloat16, {768}, 4)},
                {{"ops", std::vector<std::string>{"Add", "Relu"}},
                 {"args", std::vector<int64_t>{0, 1, 2, -1}},
                 {"alphas", std::vector<float>(4, 0.f)}});
  EXPECT_EQ(gpu_accepts(fused), std::optional<bool>(true));
  // Mixed dtypes are an invalid fused node, not a dtype the GPU lacks.
  const OpCase mixed =
      make_case("rill.FusedElementwise", {x, random_tensor(DType::kFloat32, {768}, 4)},
                {{"ops", std::vector<std::string>{"Add", "Relu"}},
                 {"args", std::vector<int64_t>{0, 1, 2, -1}},
                 {"alphas", std::vector<float>(4, 0.f)}});
  EXPECT_THROW((void)gpu_accepts(mixed), Error);
}

}  // namespace
}  // namespace rill::testing::ew
