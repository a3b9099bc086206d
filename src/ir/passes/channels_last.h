// The layout pass: convolution networks in channels-last (NHWC) form.
//
// Note [Channels-last layout]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~
// Half-precision convolutions run fastest on tensor cores with NHWC data and KRSC filters: cuDNN
// then needs no layout conversion inside the call. ONNX graphs are NCHW, so this pass rewrites
// 2-D Conv nodes (weights known at build time, symmetric pads) into rill.ConvNhwc (ops/nn
// channels_last.h) and keeps values in NHWC for as long as their readers allow:
//  - each Conv's filter initializer is permuted once, here, to KRSC; an ungrouped Conv with
//    fewer input channels than pad_channels_to (the RGB stem) gets zero channels appended to its
//    filter and to its input: cuDNN's half NHWC tensor-core kernels want C a multiple of 8, and a
//    3-channel stem would otherwise fall back to slow kernels. An NCHW input (the graph's) is
//    made NHWC and padded by one rill.ToNhwc node (ops/movement to_nhwc.cpp), an NHWC value by a
//    Pad;
//  - an NCHW value read by a converted node gets one Transpose to NHWC (at the graph's input,
//    normally), and an NHWC value read by a node that needs NCHW gets one Transpose back, placed
//    lazily before its first such reader, so no pair of inverse transposes is ever made; a
//    model's own NHWC -> NCHW Transpose cancels against the conversion its readers would need;
//  - Relu, LeakyRelu, Sigmoid and Tanh of an NHWC value, and Add or a rill.FusedElementwise of
//    NHWC values only (all rank 4, so broadcasting commutes with the permutation), run on the
//    NHWC values;
//  - MaxPool / AveragePool of an NHWC value become rill.MaxPoolNhwc / rill.AveragePoolNhwc;
//    GlobalAveragePool becomes ReduceMean over axes 1, 2 (keepdims), whose [N,1,1,C] result is
//    the NCHW [N,C,1,1] by a Reshape (no data moves);
//  - Add(conv, other) becomes the convolution's residual input Z when the convolution has no
//    activation, no other reader, and `same_shape` says both operands have the same shape for
//    every input shape (Z is never broadcast); so does relu(a + b) as elementwise fusion encodes
//    ResNet's Add + Relu (with the Relu as the activation); a Relu of a convolution with no other
//    reader becomes its fused activation. Both are cuDNN's conv + bias + Z + relu in one call (Note
//    [Fused residual convolutions] in kernels/cudnn_conv.h).
// On ResNet-50 that leaves one rill.ToNhwc (the input) and no other layout conversion: at batch
// 32 it replaced a Transpose and a Pad that ran in float32 between casts, 0.26 ms of 1.59.
// The pass runs after optimize() (activations are already fused into Conv), on the float32 graph,
// before the reduced-precision rewrite, which then runs the new ops in half (their gpu_dtypes say
// so). The engine builder runs it for reduced-precision engines only: float32 convolutions keep FMA
// math (no TF32), where cuDNN's NHWC kernels are not known to be faster.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ir/graph.h"

namespace rill::ir {

inline constexpr std::string_view kConvNhwcOp = "rill.ConvNhwc";
inline constexpr std::string_view kMaxPoolNhwcOp = "rill.MaxPoolNhwc";
inline constexpr std::string_view kAveragePoolNhwcOp = "rill.AveragePoolNhwc";
inline constexpr std::string_view kToNhwcOp = "rill.ToNhwc";

//! True when values `a` and `b` have equal shapes for every input shape the engine accepts.
using SameShape = std::function<bool(const std::string& a, const std::string& b)>;

struct ChannelsLastStats {
  size_t convs = 0;              //!< Conv -> rill.ConvNhwc
  size_t pools = 0;              //!< pools made channels-last (GlobalAveragePool included)
  size_t elementwise = 0;        //!< Relu/Add/... run on NHWC values
  size_t residuals_fused = 0;    //!< Add folded into a convolution as Z
  size_t activations_fused = 0;  //!< Relu folded into a convolution
  size_t transposes = 0;         //!< Transpose nodes inserted
  size_t channel_pads = 0;       //!< Pad nodes inserted (NHWC channels up to pad_channels_to)
  size_t to_nhwc = 0;            //!< rill.ToNhwc nodes inserted (an NCHW input, padded)
  size_t cancelled = 0;          //!< nodes left dead (a model's own NHWC -> NCHW Transposes)
};

//! Rewrites `graph` as Note [Channels-last layout] says. Without `same_shape`, no Add is fused;
//! with pad_channels_to <= 1, no channels are padded.
ChannelsLastStats convert_to_channels_last(Graph& graph, const SameShape& same_shape = {},
                                           int64_t pad_channels_to = 8);

}  // namespace rill::ir
