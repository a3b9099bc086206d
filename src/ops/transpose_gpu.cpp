// GPU preparation of Transpose. The permutation is first reduced to its essential form: size-1
// dims dropped, and input dims that stay adjacent in the output merged. A reduced perm of (1,0)
// or (0,2,1), a batched 2-D transpose (this covers NCHW <-> NHWC and swaps of the last two
// dims), runs the shared-memory tiled kernel; anything else runs the strided copy.
#include <algorithm>

#include "kernels/transpose.cuh"
#include "ops/movement.h"
#include "ops/movement_plans.h"
#include "ops/strided_gpu.h"

namespace rill::ops::movement {

namespace {

class BatchedTransposeKernel final : public GpuKernel {
 public:
  BatchedTransposeKernel(const kernels::BatchedTransposeParams& params, size_t element_size)
      : params_(params), element_size_(element_size) {}
  void enqueue(const GpuLaunch& launch) const override {
    kernels::launch_batched_transpose(params_, element_size_, launch.inputs[0], launch.outputs[0],
                                      launch.stream);
  }
  std::string describe() const override {
    return "transpose (tiled, batch " + std::to_string(params_.batch) + ", " +
           std::to_string(params_.rows) + "x" + std::to_string(params_.cols) + ")";
  }

 private:
  kernels::BatchedTransposeParams params_;
  size_t element_size_;
};

struct ReducedPerm {
  std::vector<int64_t> in_dims;
  std::vector<int64_t> perm;
};

ReducedPerm reduce_perm(const Shape& in, const std::vector<int64_t>& perm) {
  // Keep the non-unit input dims, renumbered.
  std::vector<int64_t> renumber(in.size(), -1);
  ReducedPerm kept;
  for (size_t d = 0; d < in.size(); ++d) {
    if (in[d] != 1) {
      renumber[d] = static_cast<int64_t>(kept.in_dims.size());
      kept.in_dims.push_back(in[d]);
    }
  }
  for (int64_t p : perm) {
    if (renumber[p] >= 0) kept.perm.push_back(renumber[p]);
  }
  // Merge runs p, p+1, ... of consecutive input dims in the output order.
  std::vector<std::vector<int64_t>> groups;  // in output order, each a run of input dims
  for (int64_t p : kept.perm) {
    if (!groups.empty() && groups.back().back() + 1 == p) {
      groups.back().push_back(p);
    } else {
      groups.push_back({p});
    }
  }
  // Groups sorted by their first input dim give the reduced input dims.
  std::vector<size_t> order(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) order[g] = g;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return groups[a].front() < groups[b].front(); });
  ReducedPerm reduced;
  std::vector<int64_t> group_to_in(groups.size());
  for (size_t i = 0; i < order.size(); ++i) {
    int64_t size = 1;
    for (int64_t d : groups[order[i]]) size *= kept.in_dims[d];
    reduced.in_dims.push_back(size);
    group_to_in[order[i]] = static_cast<int64_t>(i);
  }
  for (size_t g = 0; g < groups.size(); ++g) reduced.perm.push_back(group_to_in[g]);
  return reduced;
}

}  // namespace

std::unique_ptr<GpuKernel> prepare_transpose_gpu(const GpuPrepareContext& gpu) {
  const InferContext ctx = infer_view(gpu);
  const TransposePlan plan = plan_transpose(ctx);
  const Shape& in = ctx.inputs[0].shape;
  const size_t element_size = dtype_size(ctx.inputs[0].dtype);
  check_kernel_elements(ctx, ir::element_count(in));
  const ReducedPerm reduced = reduce_perm(in, plan.perm);
  const std::vector<int64_t>& p = reduced.perm;
  const std::vector<int64_t>& dims = reduced.in_dims;
  kernels::BatchedTransposeParams params;
  bool tiled = false;
  if (p == std::vector<int64_t>{1, 0}) {
    params = {1, static_cast<uint32_t>(dims[0]), static_cast<uint32_t>(dims[1])};
    tiled = true;
  } else if (p == std::vector<int64_t>{0, 2, 1}) {
    params = {static_cast<uint32_t>(dims[0]), static_cast<uint32_t>(dims[1]),
              static_cast<uint32_t>(dims[2])};
    tiled = true;
  }
  constexpr uint32_t kMaxTileRows = 65535u * 32u;  // grid.y limit of the tiled kernel
  if (tiled && params.rows <= kMaxTileRows) {
    return std::make_unique<BatchedTransposeKernel>(params, element_size);
  }
  const std::vector<int64_t> in_strides = strides_of(in);
  std::vector<int64_t> strides;
  for (int64_t axis : plan.perm) strides.push_back(in_strides[axis]);
  return make_strided_copy_kernel(ctx, plan.out_shape, strides, 0, element_size, "transpose");
}

}  // namespace rill::ops::movement
