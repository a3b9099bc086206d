// Helpers shared by the movement ops (reshape.cpp, slice.cpp, ...): axis normalization, error
// construction with node context and input types, and running an op's plan logic from the CPU
// reference. Internal to src/ops.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "ops/op.h"

namespace rill::ops::movement {

using ir::Shape;

//! Builds an Error with the node's context and every input's type ("input0=float32[2,3]").
Error make_error(ErrorKind kind, const InferContext& ctx, const std::string& message);
[[noreturn]] void fail(ErrorKind kind, const InferContext& ctx, const std::string& message);
[[noreturn]] inline void invalid(const InferContext& ctx, const std::string& message) {
  fail(ErrorKind::kInvalidModel, ctx, message);
}
[[noreturn]] inline void unsupported(const InferContext& ctx, const std::string& message) {
  fail(ErrorKind::kUnsupported, ctx, message);
}

//! Throws unless the node has at least `min` and at most `max` inputs / exactly `outputs`
//! outputs (outputs < 0: any number >= 1).
void check_arity(const InferContext& ctx, size_t min_inputs, size_t max_inputs, int outputs);

//! `axis` in [-rank, rank) mapped to [0, rank); anything else is an invalid-model error.
int64_t normalize_axis(const InferContext& ctx, int64_t axis, int64_t rank,
                       const char* what = "axis");

//! True when input i is present (named in the node and passed in).
inline bool present(const InferContext& ctx, size_t i) {
  return ctx.node.has_input(i) && i < ctx.inputs.size();
}

//! Integer values of a plan-time constant input (Reshape's shape, Slice's starts...).
std::vector<int64_t> constant_ints(const InferContext& ctx, size_t i);

//! C-order element strides of a shape.
std::vector<int64_t> strides_of(const Shape& shape);

//! Lets a CPU reference reuse the op's plan logic: an InferContext whose inputs are the given
//! host tensors, every present input also known as a constant.
class HostInferContext {
 public:
  HostInferContext(const Node& node, std::span<const HostTensor> inputs);
  HostInferContext(const HostInferContext&) = delete;  // ctx_ points into the members
  HostInferContext& operator=(const HostInferContext&) = delete;
  const InferContext& ctx() const { return ctx_; }

 private:
  std::vector<TensorDesc> descs_;
  std::vector<const HostTensor*> constants_;
  InferContext ctx_;
};

//! The plan-time view of a GPU preparation (same node, inputs and constants).
inline InferContext infer_view(const GpuPrepareContext& ctx) {
  return InferContext{ctx.node, ctx.inputs, ctx.constants};
}

//! Copies one element of `size` bytes.
inline void copy_element(std::byte* dst, const std::byte* src, size_t size) {
  std::memcpy(dst, src, size);
}

}  // namespace rill::ops::movement
