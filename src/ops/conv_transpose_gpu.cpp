// ConvTranspose on the GPU: cuDNN's backward-data convolution. When cuDNN can produce the output
// directly (symmetric, non-negative pads) it writes Y; otherwise it writes the full, unpadded
// result into the workspace and a window copy crops it (or pads it, for output_shape beyond the
// full result) into Y. Bias is added by our bias_activation kernel.
#include "kernels/bias_activation.cuh"
#include "kernels/cudnn_conv.h"
#include "kernels/layout_copy.cuh"
#include "ops/channels_last.h"
#include "ops/nn_common.h"

namespace rill::ops::nn {

namespace {

class ConvTransposeKernel final : public GpuKernel {
 public:
  ConvTransposeKernel(DType dtype, kernels::CudnnConvBackwardData conv, bool crop,
                      kernels::WindowCopyParams window, size_t full_bytes, bool has_bias,
                      kernels::BiasActivationParams bias)
      : dtype_(dtype),
        conv_(std::move(conv)),
        crop_(crop),
        window_(window),
        full_bytes_(full_bytes),
        has_bias_(has_bias),
        bias_(bias) {}

  size_t workspace_bytes() const override { return full_bytes_ + conv_.workspace_bytes(); }

  void enqueue(const GpuLaunch& launch) const override {
    auto* workspace = static_cast<std::byte*>(launch.workspace);
    void* y = launch.outputs[0];
    void* target = crop_ ? static_cast<void*>(workspace) : y;
    conv_.run(cudnn_of(launch), launch.inputs[0], launch.inputs[1], target, workspace + full_bytes_,
              launch.stream);
    if (crop_) kernels::launch_window_copy(dtype_, window_, target, y, launch.stream);
    if (has_bias_) {
      kernels::launch_bias_activation(dtype_, bias_, y, launch.inputs[2], y, launch.stream);
    }
  }

  std::string describe() const override {
    return conv_.describe() + (crop_ ? " + crop" : "") + (has_bias_ ? " + bias" : "");
  }

 private:
  DType dtype_;
  kernels::CudnnConvBackwardData conv_;
  bool crop_;
  kernels::WindowCopyParams window_;
  size_t full_bytes_;
  bool has_bias_;
  kernels::BiasActivationParams bias_;
};

}  // namespace

std::unique_ptr<GpuKernel> prepare_conv_transpose_gpu(const GpuPrepareContext& ctx) {
  return prepare_with_context(ctx, [&]() -> std::unique_ptr<GpuKernel> {
    const ConvTransposeSetup s = conv_transpose_setup(ctx.node, ctx.inputs);
    const DType dtype = ctx.inputs[0].dtype;
    require_gpu_dtype(ctx.node, dtype, kFloatDTypes);
    const Geometry& g = s.geometry;
    const int off = 3 - g.spatial;

    // Direct when cuDNN's forward convolution of Y (pads symmetric) gives back X's size.
    bool direct = true;
    for (int d = 0; d < 3; ++d) {
      const int64_t dk = (g.kernel[d] - 1) * g.dilation[d] + 1;
      direct = direct && g.pad_begin[d] == g.pad_end[d] && g.pad_begin[d] >= 0 &&
               g.pad_begin[d] < dk &&
               (g.out[d] + 2 * g.pad_begin[d] - dk) / g.stride[d] + 1 == g.in[d];
    }
    kernels::ConvShape shape;
    shape.dtype = dtype;
    shape.spatial = g.spatial;
    shape.batch = s.batch;
    shape.in_channels = s.out_channels;  // the forward conv runs from Y to X
    shape.out_channels = s.in_channels;
    shape.group = s.group;
    shape.allow_tf32 = ctx.allow_tf32;
    kernels::WindowCopyParams window;
    window.outer = s.batch * s.out_channels;
    for (int d = 0; d < 3; ++d) {
      const int64_t dk = (g.kernel[d] - 1) * g.dilation[d] + 1;
      window.in[d] = direct ? g.out[d] : g.stride[d] * (g.in[d] - 1) + dk;
      window.out[d] = g.out[d];
      window.offset[d] = direct ? 0 : g.pad_begin[d];
    }
    for (int i = 0; i < g.spatial; ++i) {
      shape.input[i] = window.in[i + off];
      shape.output[i] = g.in[i + off];
      shape.kernel[i] = g.kernel[i + off];
      shape.stride[i] = g.stride[i + off];
      shape.dilation[i] = g.dilation[i + off];
      shape.pad[i] = direct ? g.pad_begin[i + off] : 0;
    }
    const size_t full_bytes = direct ? 0
                                     : align_256(static_cast<size_t>(window.outer * window.in[0] *
                                                                     window.in[1] * window.in[2]) *
                                                 dtype_size(dtype));
    kernels::CudnnConvBackwardData conv =
        kernels::CudnnConvBackwardData::plan(cudnn_of(ctx), shape, ctx.algorithms);
    kernels::BiasActivationParams bias;
    bias.outer = s.batch;
    bias.channels = s.out_channels;
    bias.inner = g.out[0] * g.out[1] * g.out[2];
    return std::make_unique<ConvTransposeKernel>(dtype, std::move(conv), !direct, window,
                                                 full_bytes, s.has_bias, bias);
  });
}

}  // namespace rill::ops::nn
