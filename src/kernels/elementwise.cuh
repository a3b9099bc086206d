// Launchers of the elementwise kernels: unary, binary (numpy broadcasting), Where, Clip and Cast.
// Host-visible declarations only; the kernels are in unary.cu, binary.cu and cast.cu.
//
// Note [Elementwise launch plans]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// prepare_gpu builds an EwPlan once per shape signature: a BroadcastLayout (per-input element
// strides over the output, with adjacent dims merged where every input allows, so a bias add
// over [8,128,768] + [768] becomes a rank-2 problem) and the grid sizes. It also looks up an
// EwLauncher, a plain function pointer to one template instantiation, so that enqueue() is a
// single indirect call with no dispatch on op or dtype. A null launcher means the GPU does not
// implement that op/dtype combination (prepare_gpu turns that into kUnsupported).
// Launches use three paths: 16-byte vectorised (4 floats or 8 halves per thread: all operands and
// the output of one type among float, float16 and bfloat16, contiguous, 16-byte aligned pointers,
// checked per launch because alignment is a property of the buffers), contiguous scalar, and
// broadcasting (one 32-bit div/mod per output dim). Sizes are 32-bit: a plan refuses tensors of
// 2^31 elements or more.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <cuda_runtime_api.h>

#include "rill/dtype.h"

#include "kernels/elementwise_scalar.h"

namespace rill::kernels {

inline constexpr int kMaxEwRank = 8;
inline constexpr int kMaxEwInputs = 3;
inline constexpr uint32_t kEwThreads = 256;

//! Output dims and per-input element strides (0 on broadcast dims), after merging dims.
template <int N>
struct BroadcastLayout {
  int32_t rank = 1;
  uint32_t count = 0;  //!< output elements
  uint32_t dims[kMaxEwRank] = {};
  uint32_t strides[N][kMaxEwRank] = {};
  bool contiguous = false;  //!< every input is dense with the output's shape
};

//! Builds the layout of `ins` (each numpy-broadcastable to `out`) read as `out`. Returns false
//! when an input has a higher rank than `out`, the merged rank exceeds kMaxEwRank or the output
//! has 2^31 elements or more.
template <int N>
bool make_broadcast_layout(std::span<const int64_t> out, std::span<const std::vector<int64_t>> ins,
                           BroadcastLayout<N>* layout) {
  if (ins.size() > static_cast<size_t>(N)) return false;
  for (const std::vector<int64_t>& s : ins) {
    if (s.size() > out.size()) return false;
  }
  int64_t count = 1;
  for (int64_t d : out) count *= d;
  if (count >= (int64_t{1} << 31)) return false;
  *layout = BroadcastLayout<N>{};
  layout->count = static_cast<uint32_t>(count);

  // Full strides over the output's dims, dropping dims of size 1.
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> strides(ins.size());
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1) continue;
    dims.push_back(out[d]);
    for (size_t k = 0; k < ins.size(); ++k) {
      const std::vector<int64_t>& s = ins[k];
      const size_t pad = out.size() - s.size();
      int64_t stride = 0;
      if (d >= pad && s[d - pad] != 1) {
        stride = 1;
        for (size_t e = d - pad + 1; e < s.size(); ++e) stride *= s[e];
      }
      strides[k].push_back(stride);
    }
  }
  // Merge dim d into d-1 where every input's stride allows it.
  std::vector<int64_t> mdims;
  std::vector<std::vector<int64_t>> mstrides(ins.size());
  for (size_t d = 0; d < dims.size(); ++d) {
    bool merge = !mdims.empty();
    for (size_t k = 0; merge && k < ins.size(); ++k) {
      merge = mstrides[k].back() == strides[k][d] * dims[d];
    }
    if (merge) {
      mdims.back() *= dims[d];
      for (size_t k = 0; k < ins.size(); ++k) mstrides[k].back() = strides[k][d];
    } else {
      mdims.push_back(dims[d]);
      for (size_t k = 0; k < ins.size(); ++k) mstrides[k].push_back(strides[k][d]);
    }
  }
  if (mdims.empty()) {  // a single element
    mdims.push_back(1);
    for (size_t k = 0; k < ins.size(); ++k) mstrides[k].push_back(0);
  }
  if (mdims.size() > static_cast<size_t>(kMaxEwRank)) return false;
  layout->rank = static_cast<int32_t>(mdims.size());
  bool contiguous = mdims.size() == 1;
  for (size_t d = 0; d < mdims.size(); ++d) {
    layout->dims[d] = static_cast<uint32_t>(mdims[d]);
    for (size_t k = 0; k < ins.size(); ++k) {
      layout->strides[k][d] = static_cast<uint32_t>(mstrides[k][d]);
      if (mstrides[k][d] != 1 && count > 1) contiguous = false;
    }
  }
  layout->contiguous = contiguous;
  return true;
}

//! Per-launch constants of an op (Note [Elementwise semantics] says which op reads which).
struct EwScalars {
  float alpha = 0.f;
  float beta = 0.f;
  uint32_t flags = 0;  //!< kClipTensor: ClipFlags
};

struct EwPlan {
  BroadcastLayout<kMaxEwInputs> layout;
  EwScalars scalars;
  uint32_t blocks = 0;      //!< scalar paths
  uint32_t blocks_vec = 0;  //!< contiguous 16-byte path (4 floats or 8 halves per thread)
};

//! Grid sizes for a layout (grid-stride loops; capped so huge tensors reuse threads).
inline EwPlan make_ew_plan(const BroadcastLayout<kMaxEwInputs>& layout, EwScalars scalars) {
  constexpr uint32_t kMaxBlocks = 1u << 16;
  auto blocks_for = [](uint32_t items) {
    const uint32_t b = (items + kEwThreads - 1) / kEwThreads;
    return b == 0 ? 1u : (b > kMaxBlocks ? kMaxBlocks : b);
  };
  EwPlan plan;
  plan.layout = layout;
  plan.scalars = scalars;
  plan.blocks = blocks_for(layout.count);
  // Sized for 4 lanes (float); launch_ew halves it for 8-lane (half) launches.
  plan.blocks_vec = blocks_for((layout.count + 3) / 4);
  return plan;
}

//! Launches one op for a plan. `inputs` has one device pointer per kernel operand (Where: cond,
//! x, y; kClipTensor: x, min, max), `out` is the output. Asynchronous; checks the launch.
using EwLauncher = void (*)(const EwPlan& plan, const void* const* inputs, void* out,
                            cudaStream_t stream);

//! Unary ops and Clip with constant bounds (scalars.alpha/beta) on `dtype`; IsNaN writes bool.
EwLauncher find_unary_launcher(EwOp op, DType dtype);
//! Binary ops (both operands `dtype`; comparisons write bool), Where (x/y of `dtype`) and
//! kClipTensor.
EwLauncher find_binary_launcher(EwOp op, DType dtype);
//! Cast from `from` to `to`.
EwLauncher find_cast_launcher(DType from, DType to);

}  // namespace rill::kernels
