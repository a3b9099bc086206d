// Conv (and rill.ConvNhwc, see channels_last.h) on the GPU: one cuDNN operation graph for the
// convolution with its bias, residual Z and ReLU where an engine qualifies (Note [Graph-API
// convolutions] in cudnn_graph_conv.h); otherwise cuDNN's legacy forward convolution, with bias
// and activation fused by cuDNN where it can (relu; identity with IMPLICIT_PRECOMP_GEMM) and by
// our bias_activation kernel otherwise, and a residual Z added by the same cuDNN call (Note
// [Fused residual convolutions] in cudnn_conv.h). Asymmetric pads, which cuDNN lacks, are applied
// by copying X into a padded workspace buffer (NC(D)HW only; channels-last nodes are made with
// symmetric pads, see ir/passes/channels_last.h).
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>

#include "kernels/bias_activation.cuh"
#include "kernels/cudnn_conv.h"
#include "kernels/cudnn_graph_conv.h"
#include "kernels/layout_copy.cuh"
#include "ops/channels_last.h"
#include "ops/kernel_choice.h"
#include "ops/nn_common.h"

namespace rill::ops::nn {

namespace {

// RILL_POINTWISE_CONV=cudnn|gemm forces the path of pointwise channels-last convolutions, for
// A/B measurements; unset (or anything else), the build's timed choice decides.
enum class PointwisePath { kChosen, kCudnn, kGemm };
PointwisePath pointwise_path_from_environment() {
  const char* value = std::getenv("RILL_POINTWISE_CONV");
  if (value == nullptr) return PointwisePath::kChosen;
  const std::string v = value;
  return v == "cudnn" ? PointwisePath::kCudnn : v == "gemm" ? PointwisePath::kGemm : PointwisePath::kChosen;
}

class ConvKernel final : public GpuKernel {
 public:
  ConvKernel(DType dtype, std::optional<kernels::CudnnGraphConv> graph, std::string graph_declined,
             kernels::CudnnConvForward conv, bool pad_input,
             kernels::WindowCopyParams pad, size_t pad_bytes, bool has_bias, int residual_input,
             bool epilogue, kernels::BiasActivationParams bias_activation)
      : dtype_(dtype),
        graph_(std::move(graph)),
        graph_declined_(std::move(graph_declined)),
        conv_(std::move(conv)),
        pad_input_(pad_input),
        pad_(pad),
        pad_bytes_(pad_bytes),
        has_bias_(has_bias),
        residual_input_(residual_input),
        epilogue_(epilogue),
        bias_activation_(bias_activation) {}

  // Either path may run (the graph declines misaligned addresses), so the larger workspace.
  size_t workspace_bytes() const override {
    return pad_bytes_ +
           std::max(conv_.workspace_bytes(), graph_ ? graph_->workspace_bytes() : size_t{0});
  }

  void enqueue(const GpuLaunch& launch) const override {
    const void* x = launch.inputs[0];
    const void* bias = has_bias_ ? launch.inputs[2] : nullptr;
    const void* z =
        residual_input_ >= 0 ? launch.inputs[static_cast<size_t>(residual_input_)] : nullptr;
    auto* workspace = static_cast<std::byte*>(launch.workspace);
    if (pad_input_) {
      kernels::launch_window_copy(dtype_, pad_, x, workspace, launch.stream);
      x = workspace;
      workspace += pad_bytes_;
    }
    if (graph_ && graph_->run(cudnn_of(launch), x, launch.inputs[1], bias, z, launch.outputs[0],
                              workspace, launch.stream)) {
      return;  // bias, residual and activation included
    }
    const bool fused = conv_.run(cudnn_of(launch), x, launch.inputs[1], bias, z, launch.outputs[0],
                                 workspace, launch.stream);
    // A planned fusion cuDNN refused at run time leaves bias and activation to us as well.
    if (epilogue_ || (!fused && conv_.fused())) {
      kernels::launch_bias_activation(dtype_, bias_activation_, launch.outputs[0], bias,
                                      launch.outputs[0], launch.stream);
    }
  }

  std::string describe() const override {
    if (graph_) return (pad_input_ ? "pad + " : "") + graph_->describe();
    std::string text = conv_.describe() + " (graph API: " + graph_declined_ + ")";
    if (pad_input_) text = "pad + " + text;
    if (epilogue_) {
      text += std::string(" + bias_activation(") + (has_bias_ ? "bias, " : "") +
              activation_name(bias_activation_.activation) + ")";
    }
    return text;
  }

 private:
  DType dtype_;
  std::optional<kernels::CudnnGraphConv> graph_;
  std::string graph_declined_;  // why there is no graph_
  kernels::CudnnConvForward conv_;
  bool pad_input_;
  kernels::WindowCopyParams pad_;
  size_t pad_bytes_;
  bool has_bias_;
  int residual_input_;  // -1: none
  bool epilogue_;       // bias and/or activation left to our kernel
  kernels::BiasActivationParams bias_activation_;
};

}  // namespace

std::unique_ptr<GpuKernel> make_conv_kernel(const GpuPrepareContext& ctx, const ConvSetup& s,
                                            bool channels_last, int residual_input) {
  const DType dtype = ctx.inputs[0].dtype;
  require_gpu_dtype(ctx.node, dtype, kFloatDTypes);
  const Geometry& g = s.geometry;
  const int off = 3 - g.spatial;

  bool symmetric = true;
  for (int d = 0; d < 3; ++d) symmetric = symmetric && g.pad_begin[d] == g.pad_end[d];
  if (!symmetric && channels_last) {
    fail(ctx.node, ErrorKind::kUnsupported,
         "channels-last convolutions need symmetric pads on the GPU",
         {{"geometry", g.to_string()}});
  }

  kernels::ConvShape shape;
  shape.dtype = dtype;
  shape.spatial = g.spatial;
  shape.batch = s.batch;
  shape.in_channels = s.in_channels;
  shape.out_channels = s.out_channels;
  shape.group = s.group;
  shape.allow_tf32 = ctx.allow_tf32;
  shape.channels_last = channels_last;
  kernels::WindowCopyParams pad;
  pad.outer = s.batch * s.in_channels;
  for (int d = 0; d < 3; ++d) {
    pad.in[d] = g.in[d];
    pad.out[d] = symmetric ? g.in[d] : g.in[d] + g.pad_begin[d] + g.pad_end[d];
    pad.offset[d] = symmetric ? 0 : -g.pad_begin[d];
  }
  for (int i = 0; i < g.spatial; ++i) {
    shape.input[i] = pad.out[i + off];
    shape.output[i] = g.out[i + off];
    shape.kernel[i] = g.kernel[i + off];
    shape.stride[i] = g.stride[i + off];
    shape.dilation[i] = g.dilation[i + off];
    shape.pad[i] = symmetric ? g.pad_begin[i + off] : 0;
  }
  const size_t pad_bytes =
      symmetric ? 0
                : align_256(static_cast<size_t>(pad.outer * pad.out[0] * pad.out[1] * pad.out[2]) *
                            dtype_size(dtype));

  // cuDNN's fused bias+activation is used for ungrouped convolutions only: grouped and
  // depthwise ones take our bias_activation kernel, a path that cannot hit the fused API's
  // per-configuration NOT_SUPPORTED.
  kernels::ConvFusion fusion = kernels::ConvFusion::kNone;
  if (s.group != 1) {
    fusion = kernels::ConvFusion::kNone;
  } else if (s.has_bias && s.activation.kind == Activation::kRelu) {
    fusion = kernels::ConvFusion::kBiasRelu;
  } else if (s.has_bias && s.activation.kind == Activation::kNone) {
    fusion = kernels::ConvFusion::kBiasIdentity;
  }
  // The graph path covers the epilogues it can express; the legacy plan is made either way, for
  // launches whose addresses the graph declines.
  std::optional<kernels::CudnnGraphConv> graph;
  std::string graph_declined = "activation " + std::string(activation_name(s.activation.kind));
  if (!kernels::CudnnGraphConv::enabled()) {
    graph_declined = "RILL_CUDNN_CONV=legacy";
  } else if (s.activation.kind == Activation::kNone || s.activation.kind == Activation::kRelu) {
    graph = kernels::CudnnGraphConv::plan(
        cudnn_of(ctx), shape,
        {.bias = s.has_bias,
         .residual = residual_input >= 0,
         .relu = s.activation.kind == Activation::kRelu},
        kernels::CudnnGraphConv::policy_from_environment(), &graph_declined, ctx.algorithms);
  }
  // Tuning (Note [Build-time tuning]) times the path that runs: the legacy plan only stands in
  // for launches the graph declines, so it is tuned only where there is no graph.
  kernels::CudnnConvForward conv =
      kernels::CudnnConvForward::plan(cudnn_of(ctx), shape, fusion, residual_input >= 0,
                                       graph ? nullptr : ctx.algorithms);
  const bool epilogue = !conv.fused() && (s.has_bias || s.activation.kind != Activation::kNone);
  kernels::BiasActivationParams bias_activation;
  const int64_t spatial_size = g.out[0] * g.out[1] * g.out[2];
  bias_activation.outer = channels_last ? s.batch * spatial_size : s.batch;
  bias_activation.channels = s.out_channels;
  bias_activation.inner = channels_last ? 1 : spatial_size;
  bias_activation.activation = s.activation.kind;
  bias_activation.alpha = s.activation.alpha;
  auto cudnn_kernel = std::make_unique<ConvKernel>(
      dtype, std::move(graph), std::move(graph_declined), std::move(conv), !symmetric, pad,
      pad_bytes, s.has_bias, residual_input, epilogue, bias_activation);
  if (!channels_last) return cudnn_kernel;
  const PointwisePath forced = pointwise_path_from_environment();
  if (forced == PointwisePath::kCudnn) return cudnn_kernel;
  std::string key;
  std::unique_ptr<GpuKernel> gemm = make_pointwise_conv_gemm(ctx, s, residual_input, &key);
  if (!gemm) return cudnn_kernel;
  if (forced == PointwisePath::kGemm) return gemm;
  // Note [Kernel choice]: timed at build; without a stored choice, cuDNN.
  std::vector<std::unique_ptr<GpuKernel>> candidates;
  candidates.push_back(std::move(cudnn_kernel));
  candidates.push_back(std::move(gemm));
  return choose_kernel(ctx, key, std::move(candidates), /*default_index=*/0);
}

std::unique_ptr<GpuKernel> prepare_conv_gpu(const GpuPrepareContext& ctx) {
  return prepare_with_context(ctx, [&]() -> std::unique_ptr<GpuKernel> {
    return make_conv_kernel(ctx, conv_setup(ctx.node, ctx.inputs), false, -1);
  });
}

}  // namespace rill::ops::nn
