// Choosing between alternative GPU kernels for one node by timing them at build time.
//
// Note [Kernel choice]
// ~~~~~~~~~~~~~~~~~~~~
// Some nodes have more than one good way to run: a pointwise (1x1) channels-last convolution is
// exactly a GEMM, and cuBLASLt's GEMMs with a bias/residual/ReLU epilogue beat cuDNN's
// convolution engines on some of these shapes and lose on others. Like the library algorithms
// (Note [Build-time tuning]), the choice is timed, not guessed: a build on a GPU enqueues each
// candidate kernel on the tuning bench's scratch buffers (inputs, outputs and workspace sized
// from the node's descriptors), keeps the fastest, and stores its index under the node's key in
// the AlgorithmSelector, so the choice travels in the plan and the timing cache. A plan prepared
// without a stored choice (no GPU at build, --no-tuning, another shape than opt) takes the
// default the op names.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ops/op.h"

namespace rill::ops {

//! Returns the kernel to run among `candidates` (null entries are unavailable): the stored
//! choice for `key` when the selector has one and it is available, else the fastest when the
//! selector can time, else candidates[default_index] (or the first available). `ctx.inputs` and
//! `ctx.outputs` size the timing buffers. Throws kInternal when no candidate is available.
std::unique_ptr<GpuKernel> choose_kernel(const GpuPrepareContext& ctx, const std::string& key,
                                         std::vector<std::unique_ptr<GpuKernel>> candidates,
                                         size_t default_index);

}  // namespace rill::ops
