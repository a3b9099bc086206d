// The GpuKernel shared by the unary, binary, variadic, Where, Clip and Cast ops: a short list of
// elementwise launches (one for most ops; n-1 for Min/Max over n inputs).
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kernels/elementwise.cuh"
#include "ops/op.h"

namespace rill::ops::ew {

class EwGpuKernel final : public GpuKernel {
 public:
  //! Operand index meaning "the node's output" (for in-place folding steps).
  static constexpr int kOutputOperand = -1;

  struct Step {
    kernels::EwLauncher launcher = nullptr;
    kernels::EwPlan plan;
    int operand_count = 0;
    int operands[kernels::kMaxEwInputs] = {};  //!< node input index, or kOutputOperand
  };

  EwGpuKernel(std::string description, std::vector<Step> steps)
      : description_(std::move(description)), steps_(std::move(steps)) {}

  void enqueue(const GpuLaunch& launch) const override;
  std::string describe() const override { return description_; }

 private:
  std::string description_;
  std::vector<Step> steps_;
};

//! A step reading `operands` and writing the node's output (of ctx.outputs[0]'s shape);
//! kUnsupported when the shapes exceed the kernels' limits.
EwGpuKernel::Step make_ew_step(const GpuPrepareContext& ctx, kernels::EwLauncher launcher,
                               std::span<const int> operands, kernels::EwScalars scalars);

//! kUnsupported naming node, op and dtype when `launcher` is null.
void require_launcher(const GpuPrepareContext& ctx, kernels::EwLauncher launcher, DType dtype);

}  // namespace rill::ops::ew
