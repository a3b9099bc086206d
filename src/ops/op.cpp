#include "ops/op.h"

#include <string>

namespace rill::ops {

namespace {
const HostTensor& constant_or_throw(const Node& node,
                                    std::span<const HostTensor* const> constants, size_t i) {
  if (i >= constants.size() || constants[i] == nullptr) {
    Error error(ErrorKind::kUnsupported,
                "input " + std::to_string(i) + " must be known at plan time (a constant or "
                "computable from shapes), but it is computed on the GPU",
                node.context());
    if (i < node.inputs.size()) error.add_context("input", node.inputs[i]);
    throw error;
  }
  return *constants[i];
}
}  // namespace

const HostTensor& InferContext::constant(size_t i) const {
  return constant_or_throw(node, constants, i);
}

const HostTensor& GpuPrepareContext::constant(size_t i) const {
  return constant_or_throw(node, constants, i);
}

}  // namespace rill::ops
