// The nn family's channels-last ops, made by the layout pass (ir/passes/channels_last.h) so that
// convolution networks run in N(D)HWC end to end:
//
//   rill.ConvNhwc(X [N, spatial..., C], W [M, k..., C/group], B? [M], Z? [N, out..., M])
//       = act(conv(X, W) + B + Z), output [N, out..., M]. Conv's attributes (pads, strides,
//       dilations, group, auto_pad, kernel_shape, rill_activation); Z is a residual of exactly
//       the output's shape, added before the activation.
//   rill.MaxPoolNhwc / rill.AveragePoolNhwc(X [N, spatial..., C]) -> [N, out..., C], with the
//       attributes of MaxPool / AveragePool.
//
// Their CPU references transpose around the NC(D)HW references (exact: transposes move values).
// Weights arrive permuted at build time (they are initializers), so nothing transposes a filter
// at run time.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "ops/nn_common.h"

namespace rill::ops::nn {

//! The permutation that takes [N, C, spatial...] to [N, spatial..., C] (rank >= 3), and back.
std::vector<int64_t> to_channels_last_perm(size_t rank);
std::vector<int64_t> to_channels_first_perm(size_t rank);
//! Host transpose (any dtype): out.shape[i] = in.shape[perm[i]].
HostTensor permute(const HostTensor& in, std::span<const int64_t> perm);

//! A validated rill.ConvNhwc: Conv's setup in NC(D)HW terms, and the channels-last output shape.
struct ConvNhwcSetup {
  ConvSetup conv;
  bool has_residual = false;
  Shape out;  //!< [N, out..., M]
};
//! Validates a rill.ConvNhwc node (Z too: it must have the output's shape and X's dtype).
ConvNhwcSetup conv_nhwc_setup(const Node& node, std::span<const TensorDesc> inputs);

//! The Conv kernel of either layout; `residual_input` is the index of Z or -1 (conv_gpu.cpp).
std::unique_ptr<GpuKernel> make_conv_kernel(const GpuPrepareContext& ctx, const ConvSetup& s,
                                            bool channels_last, int residual_input);

//! A pointwise channels-last convolution (1x1, stride 1, no pads, one group, no activation but
//! ReLU) as one cuBLASLt GEMM with bias, residual and ReLU in its epilogue, or null for any other
//! convolution (conv_gemm_gpu.cpp). Sets `key` to the name its choice against cuDNN is stored
//! under (Note [Kernel choice]).
std::unique_ptr<GpuKernel> make_pointwise_conv_gemm(const GpuPrepareContext& ctx,
                                                    const ConvSetup& s, int residual_input,
                                                    std::string* key);

std::vector<TensorDesc> infer_conv_nhwc(const InferContext& ctx);
std::vector<HostTensor> run_conv_nhwc_cpu(const Node& node, std::span<const HostTensor> inputs);
std::unique_ptr<GpuKernel> prepare_conv_nhwc_gpu(const GpuPrepareContext& ctx);

//! MaxPool / AveragePool's setup for a channels-last pool node (in NC(D)HW terms), and the plain
//! ONNX node it computes.
PoolSetup pool_nhwc_setup(const Node& node, std::span<const TensorDesc> inputs);
Node plain_pool_node(const Node& node);

std::vector<TensorDesc> infer_pool_nhwc(const InferContext& ctx);
std::vector<HostTensor> run_pool_nhwc_cpu(const Node& node, std::span<const HostTensor> inputs);
std::unique_ptr<GpuKernel> prepare_pool_nhwc_gpu(const GpuPrepareContext& ctx);

}  // namespace rill::ops::nn
