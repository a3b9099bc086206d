// Launcher of fused multi-head attention (rill.Attention, Note [Attention] in
// ir/passes/attention_fusion.h): out = softmax(scale * q k^T + mask) v for every (batch, head),
// reading q, k, v and writing out through strides, so that the head transposes of a transformer
// export cost nothing.
//
// Note [Attention kernels]
// ~~~~~~~~~~~~~~~~~~~~~~~~
// Two kernels, chosen per plan (and per launch when pointers are not 16-byte aligned):
//  - tensor cores (float16/bfloat16; head dims <= 128 and multiples of 8, 8-aligned strides):
//    flash-attention style. A CTA owns 16 * warps query rows of one (batch, head); each warp owns
//    16 rows and keeps its Q fragments in registers. Keys are visited in tiles of 64: the tile's
//    K (row-major) and V (transposed) go to shared memory, S = Q K^T and O += P V run on
//    mma.sync m16n8k16 with float accumulators, and the softmax is online (running max and sum
//    per row, in float). Head dims below the padded size (32, 64, 128) are zero-filled, so they
//    add nothing to the dot products and their output columns are not stored.
//  - rows (float32, and the fallback for every other case): a CTA owns 16 query rows, 4 per warp;
//    keys go through shared memory in chunks of 32 (a lane per key for the dot products, then
//    lanes over value dims for P V), online softmax in float with expf. Exact enough to match the
//    float32 reference at 1e-5.
// Both subtract 0 instead of the running max while the max is still -inf (every key so far masked
// with -inf), so they produce NaN only where the reference does: a row whose keys are all -inf.
#pragma once

#include <cstdint>
#include <string>

#include <cuda_runtime_api.h>

namespace rill::kernels {

enum class AttentionDType { kFloat32, kFloat16, kBFloat16 };

//! Element strides of one operand viewed as [batch, seq, head, dim], dim contiguous. A stride of
//! 0 broadcasts that dim.
struct AttentionStrides {
  int64_t batch = 0;
  int64_t seq = 0;
  int64_t head = 0;
};

//! Element strides of the additive mask viewed as [batch, head, query, key]; 0 broadcasts.
struct AttentionMaskStrides {
  int64_t batch = 0;
  int64_t head = 0;
  int64_t row = 0;
  int64_t col = 0;
};

struct AttentionProblem {
  AttentionDType dtype = AttentionDType::kFloat32;
  int64_t batch = 0, heads = 0, seq_q = 0, seq_k = 0;
  int64_t head_dim = 0;   //!< of q and k
  int64_t value_dim = 0;  //!< of v and out
  float scale = 1.0f;
  AttentionStrides q, k, v, out;
  bool has_mask = false;  //!< the mask has q's dtype
  AttentionMaskStrides mask;
};

struct AttentionPlan {
  AttentionProblem problem;
  bool tensor_cores = false;
  int warps = 4;        //!< tensor-core kernel: warps per CTA (16 query rows each)
  int padded_dim = 64;  //!< tensor-core kernel: head dims padded to 32, 64 or 128
};

//! False (with `why` set) when no kernel handles the problem: head dims above 128, or more than
//! 65535 heads or batches.
bool make_attention_plan(const AttentionProblem& problem, AttentionPlan* plan, std::string* why);

//! mask may be null when the problem has none. Asynchronous; no allocation, no sync.
void launch_attention(const AttentionPlan& plan, const void* q, const void* k, const void* v,
                      const void* mask, void* out, cudaStream_t stream);

//! "attention tensor cores (d64, 4 warps/CTA)" or "attention rows (float32)".
std::string describe_attention_plan(const AttentionPlan& plan);

}  // namespace rill::kernels
