// Gemm, MatMul and rill.FusedMatMul on the GPU (cuBLASLt) against the CPU reference.
#include <gtest/gtest.h>

#include "gpu_test.h"
#include "nn_test_util.h"

namespace rill::testing::nn {
namespace {

using ir::HostTensor;
using Attrs = std::map<std::string, ir::AttributeValue>;

HostTensor rnd(ir::Shape shape, uint64_t seed) {
  return random_tensor(DType::kFloat32, std::move(shape), seed);
}

TEST(GemmGpu, Variants) {
  RILL_REQUIRE_GPU();
  struct Case {
    const char* name;
    ir::Shape a, b, c;  // c empty: no C
    Attrs attrs;
  };
  const std::vector<Case> cases{
      {"no C", {64, 128}, {128, 96}, {}, {}},
      {"classifier transB + bias", {8, 2048}, {1000, 2048}, {1000}, {{"transB", int64_t{1}}}},
      {"bias + relu", {16, 256}, {256, 512}, {512}, {{"rill_activation", std::string("Relu")}}},
      {"transA alpha beta full C",
       {33, 17},
       {33, 29},
       {17, 29},
       {{"transA", int64_t{1}}, {"alpha", 0.5f}, {"beta", 2.0f}}},
      {"column C + relu",
       {20, 30},
       {30, 40},
       {20, 1},
       {{"rill_activation", std::string("Relu")}, {"beta", 0.25f}}},
      {"scalar C", {5, 7}, {7, 3}, {1}, {}},
      {"both transposed + sigmoid",
       {31, 9},
       {13, 31},
       {13},
       {{"transA", int64_t{1}},
        {"transB", int64_t{1}},
        {"rill_activation", std::string("Sigmoid")}}},
      {"beta 0 ignores C", {4, 4}, {4, 4}, {4, 4}, {{"beta", 0.0f}}},
  };
  uint64_t seed = 600;
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    std::vector<HostTensor> inputs{rnd(k.a, seed), rnd(k.b, seed + 1)};
    if (!k.c.empty()) inputs.push_back(rnd(k.c, seed + 2));
    expect_gpu_matches_cpu(make_case("Gemm", inputs, k.attrs));
    seed += 10;
  }
}

TEST(MatMulGpu, BertAndBatchedShapes) {
  RILL_REQUIRE_GPU();
  const std::vector<std::pair<ir::Shape, ir::Shape>> cases{
      {{8, 128, 768}, {768, 3072}},          // folded into one GEMM
      {{8, 12, 128, 64}, {8, 12, 64, 128}},  // attention scores: strided batch
      {{2, 1, 16, 8}, {5, 8, 24}},           // broadcast both ways: looped groups
      {{16, 32}, {4, 32, 20}},               // A shared across B's batches
      {{3, 1, 7, 5}, {1, 4, 5, 6}},          // outer product of batches
      {{64}, {64, 48}},                      // vector x matrix
      {{6, 10, 64}, {64}},                   // batched matrix x vector
      {{2, 3, 4, 9, 5}, {3, 1, 5, 7}},       // rank 5 against rank 4
  };
  uint64_t seed = 700;
  for (const auto& [a, b] : cases) {
    SCOPED_TRACE(ir::shape_string(a) + " x " + ir::shape_string(b));
    expect_gpu_matches_cpu(make_case("MatMul", {rnd(a, seed), rnd(b, seed + 1)}));
    seed += 10;
  }
}

TEST(FusedMatMulGpu, BiasAndActivations) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 800;
  for (const char* act : {"", "Relu", "Tanh"}) {
    SCOPED_TRACE(act);
    Attrs attrs;
    if (*act != '\0') attrs["rill_activation"] = std::string(act);
    expect_gpu_matches_cpu(make_case(
        "rill.FusedMatMul",
        {rnd({8, 128, 768}, seed), rnd({768, 3072}, seed + 1), rnd({3072}, seed + 2)}, attrs));
    seed += 10;
  }
  expect_gpu_matches_cpu(make_case("rill.FusedMatMul", {rnd({3, 5, 33}, 1), rnd({33, 17}, 2)},
                                   {{"rill_activation", std::string("Relu")}}));
}

TEST(MatMulGpu, Tf32IsOptIn) {
  RILL_REQUIRE_GPU();
  // With TF32 allowed the result is close but need not meet FP32 accuracy.
  expect_gpu_matches_cpu(make_case("MatMul", {rnd({256, 512}, 1), rnd({512, 256}, 2)}), 1e-2,
                         /*allow_tf32=*/true);
}

}  // namespace
}  // namespace rill::testing::nn
