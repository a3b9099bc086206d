// A pointwise channels-last convolution (1x1 kernel, stride 1, no padding, one group) as one
// cuBLASLt GEMM: in NHWC, X is a row-major [N*H*W, C] matrix and W ([M, 1, 1, C]) a row-major
// [M, C] one, so Y = X W^T, with the bias, the residual Z (as cuBLASLt's C, beta = 1) and ReLU in
// the GEMM's epilogue: Y = relu(X W^T + Z + bias), ConvNhwc's order. Note [Kernel choice] decides
// between this and cuDNN (conv_gpu.cpp).
#include "kernels/cublaslt_gemm.h"
#include "ops/channels_last.h"
#include "ops/nn_common.h"

namespace rill::ops::nn {

namespace {

class PointwiseConvGemm final : public GpuKernel {
 public:
  PointwiseConvGemm(kernels::CublasLtMatmul matmul, bool has_bias, int residual_input)
      : matmul_(std::move(matmul)), has_bias_(has_bias), residual_input_(residual_input) {}

  size_t workspace_bytes() const override { return matmul_.workspace_bytes(); }

  void enqueue(const GpuLaunch& launch) const override {
    const void* z =
        residual_input_ >= 0 ? launch.inputs[static_cast<size_t>(residual_input_)] : nullptr;
    matmul_.run(cublaslt_of(launch), launch.inputs[0], launch.inputs[1], z, launch.outputs[0],
                has_bias_ ? launch.inputs[2] : nullptr, launch.workspace, launch.stream);
  }

  std::string describe() const override {
    return "pointwise conv as " + matmul_.describe() + (residual_input_ >= 0 ? " +residual" : "");
  }

 private:
  kernels::CublasLtMatmul matmul_;
  bool has_bias_;
  int residual_input_;
};

bool is_pointwise(const ConvSetup& s) {
  const Geometry& g = s.geometry;
  for (int d = 0; d < 3; ++d) {
    if (g.kernel[d] != 1 || g.stride[d] != 1 || g.pad_begin[d] != 0 || g.pad_end[d] != 0) {
      return false;
    }
  }
  return s.group == 1;
}

kernels::MatmulEpilogue epilogue_of(bool bias, bool relu) {
  if (bias) return relu ? kernels::MatmulEpilogue::kReluBias : kernels::MatmulEpilogue::kBias;
  return relu ? kernels::MatmulEpilogue::kRelu : kernels::MatmulEpilogue::kNone;
}

}  // namespace

std::unique_ptr<GpuKernel> make_pointwise_conv_gemm(const GpuPrepareContext& ctx,
                                                    const ConvSetup& s, int residual_input,
                                                    std::string* key) {
  const Activation act = s.activation.kind;
  if (!is_pointwise(s) || (act != Activation::kNone && act != Activation::kRelu)) return nullptr;
  const Geometry& g = s.geometry;
  kernels::MatmulProblem p;
  p.dtype = ctx.inputs[0].dtype;
  p.m = s.batch * g.in[0] * g.in[1] * g.in[2];
  p.n = s.out_channels;
  p.k = s.in_channels;
  p.trans_b = true;  // W is stored [M, C]: N x K
  p.beta = residual_input >= 0 ? 1.0f : 0.0f;
  p.epilogue = epilogue_of(s.has_bias, act == Activation::kRelu);
  p.allow_tf32 = ctx.allow_tf32;
  p.pointer_alignment = 16;  // caller-bound tensors are checked to 16 bytes (cuda/pointer_check.h)
  *key = "pointwise_conv_path " + kernels::tuning_key(p);
  try {
    return std::make_unique<PointwiseConvGemm>(
        kernels::CublasLtMatmul::plan(cublaslt_of(ctx), p, ctx.algorithms), s.has_bias,
        residual_input);
  } catch (const Error&) {
    return nullptr;  // no cuBLASLt algorithm for it: cuDNN runs it
  }
}

}  // namespace rill::ops::nn
