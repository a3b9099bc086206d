// rill.Attention on the GPU against the CPU reference (plain launch and CUDA graph replay, zero
// syncs; see op_test_driver.h), in every dtype of its gpu_dtypes.
#include <gtest/gtest.h>
#include <cstring>
#include <limits>

#include "attention_test_util.h"
#include "gpu_test.h"

namespace rill::testing::transformer {
namespace {

using ir::HostTensor;

const DType kDTypes[] = {DType::kFloat32, DType::kFloat16, DType::kBFloat16};

std::string label(DType dtype, const AttentionShapes& s) {
  return std::string(dtype_name(dtype)) + " B" + std::to_string(s.batch) + " H" +
         std::to_string(s.heads) + " Sq" + std::to_string(s.seq_q) + " Sk" +
         std::to_string(s.seq_k) + " D" + std::to_string(s.head_dim) + " Dv" +
         std::to_string(s.value_dim) + " mask " + ir::shape_string(s.mask);
}

void check(DType dtype, const AttentionShapes& s, uint64_t seed, double range = 1.0) {
  SCOPED_TRACE(label(dtype, s));
  expect_gpu_matches_cpu(attention_case(dtype, s, seed, range), tolerance(dtype));
}

// The lead's matrix: S in {16, 128, 77}, D 64, with and without a BERT mask, batch 1 and 3.
TEST(AttentionGpu, BertShapes) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 100;
  for (DType dtype : kDTypes) {
    for (int64_t seq : {16, 128, 77}) {
      for (int64_t batch : {1, 3}) {
        for (bool mask : {false, true}) {
          AttentionShapes s{batch, 12, seq, seq, 64, 64, -1, {}};
          if (mask) s.mask = {batch, 1, seq, seq};
          check(dtype, s, seed += 10);
        }
      }
    }
  }
}

// A larger batch with a sharper softmax and a key-padding mask.
TEST(AttentionGpu, LargeBatchAndWideScores) {
  RILL_REQUIRE_GPU();
  for (DType dtype : kDTypes) {
    check(dtype, {12, 12, 128, 128, 64, 64, -1, {12, 1, 1, 128}}, 7, 3.0);
  }
}

TEST(AttentionGpu, HeadDims) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 300;
  for (DType dtype : kDTypes) {
    for (auto [d, dv] : {std::pair<int64_t, int64_t>{32, 32},
                         {128, 128},
                         {40, 40},
                         {64, 32},
                         {20, 20},
                         {100, 100},
                         {128, 64}}) {
      check(dtype, {2, 3, 50, 50, d, dv, -1, {2, 1, 50, 50}}, seed += 10);
    }
  }
}

// Query and key lengths differ; several key tiles with a partial last one; one query row.
TEST(AttentionGpu, SequenceLengths) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 500;
  for (DType dtype : kDTypes) {
    check(dtype, {2, 4, 77, 200, 64, 64, -1, {2, 1, 77, 200}}, seed += 10);
    check(dtype, {2, 4, 1, 300, 64, 64, -1, {}}, seed += 10);
    check(dtype, {1, 2, 130, 65, 64, 64, -1, {}}, seed += 10);
    check(dtype, {2, 3, 30, 150, 64, 64, -1, {2, 1, 30, 150}}, seed += 10);  // 2 warps/CTA
    check(dtype, {1, 2, 5, 3, 64, 64, -1, {}}, seed += 10);
  }
}

// Mask layouts: key-only 1-D, per-head, full, scalar-like; k/v broadcast over the batch.
TEST(AttentionGpu, MaskLayoutsAndBroadcast) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 700;
  for (DType dtype : kDTypes) {
    check(dtype, {3, 4, 33, 33, 64, 64, -1, {33}}, seed += 10);
    check(dtype, {3, 4, 33, 33, 64, 64, -1, {1, 4, 33, 33}}, seed += 10);
    check(dtype, {3, 4, 33, 40, 64, 64, -1, {3, 4, 33, 40}}, seed += 10);
    check(dtype, {3, 4, 33, 40, 64, 64, -1, {1, 1, 1, 1}}, seed += 10);
    check(dtype, {3, 4, 33, 40, 64, 64, 1, {3, 1, 1, 40}}, seed += 10);
  }
}

// Note [Packed QKV]: q, k and v as strided views of one [B, S, 3, H, D] tensor, on the GPU against
// the CPU reference, and the reference against the unpacked op on the three slices.
TEST(AttentionGpu, PackedQkv) {
  RILL_REQUIRE_GPU();
  constexpr int64_t kB = 3, kS = 77, kH = 4, kD = 64;
  for (DType dtype : kDTypes) {
    OpCase packed;
    packed.def = find_def(transformer_table(), "rill.Attention");
    packed.node = make_node("rill.Attention", 4, 1, {{"qkv_packed", int64_t{1}}});
    packed.node.domain = "rill";
    packed.node.inputs = {"qkv", "qkv", "qkv", "mask"};
    const HostTensor qkv = random_of(dtype, {kB, kS, 3, kH, kD}, 1200, -1.0, 1.0);
    HostTensor mask = random_tensor(DType::kFloat32, {kB, 1, 1, kS}, 1201, -3.0, 1.0);
    const HostTensor mask_d = dtype == DType::kFloat32 ? mask : ir::convert_floating(mask, dtype);
    packed.inputs = {qkv, qkv, qkv, mask_d};
    SCOPED_TRACE(dtype_name(dtype));
    expect_gpu_matches_cpu(packed, tolerance(dtype));

    OpCase unpacked = attention_case(dtype, {kB, kH, kS, kS, kD, kD, -1, {kB, 1, 1, kS}}, 1202);
    unpacked.node.attributes.erase("scale");
    const size_t element = dtype_size(dtype);
    for (int64_t part = 0; part < 3; ++part) {
      HostTensor slice(dtype, {kB, kS, kH, kD});
      const size_t row = static_cast<size_t>(kH * kD) * element;
      for (int64_t r = 0; r < kB * kS; ++r) {
        std::memcpy(slice.raw() + static_cast<size_t>(r) * row,
                    qkv.raw() + (static_cast<size_t>(r) * 3 + static_cast<size_t>(part)) * row, row);
      }
      unpacked.inputs[static_cast<size_t>(part)] = std::move(slice);
    }
    unpacked.inputs[3] = mask_d;
    EXPECT_TRUE(tensors_close(run_cpu(packed)[0], run_cpu(unpacked)[0], 1e-6));
  }
}

// -inf in the mask: partly masked rows stay finite; a fully masked row is NaN in the reference
// and must be NaN (not something else) on the GPU, and its neighbours must stay finite.
TEST(AttentionGpu, InfiniteMask) {
  RILL_REQUIRE_GPU();
  for (DType dtype : kDTypes) {
    for (int64_t head_dim : {64, 20}) {  // tensor cores and rows for the half dtypes
      AttentionShapes s{1, 2, 20, 90, head_dim, head_dim, -1, {20, 90}};
      OpCase c = attention_case(dtype, s, 900);
      HostTensor mask = random_tensor(DType::kFloat32, {20, 90}, 901, -1.0, 1.0);
      const float inf = std::numeric_limits<float>::infinity();
      for (int j = 0; j < 90; ++j) {
        mask.data<float>()[3 * 90 + j] = -inf;               // row 3: all keys
        if (j < 70) mask.data<float>()[5 * 90 + j] = -inf;   // row 5: the first tile and more
        if (j >= 64) mask.data<float>()[7 * 90 + j] = -inf;  // row 7: the second tile
      }
      c.inputs[3] = dtype == DType::kFloat32 ? mask : ir::convert_floating(mask, dtype);
      SCOPED_TRACE(label(dtype, s));
      expect_gpu_matches_cpu(c, tolerance(dtype));
    }
  }
}

}  // namespace
}  // namespace rill::testing::transformer
