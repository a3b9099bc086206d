// Gemm on the GPU: one cuBLASLt matmul (Note [Row-major GEMM on cuBLASLt]).
//  - C a row vector [N] / [1, N] with beta = 1: the bias epilogue adds it (and relu, if fused).
//  - any other C: a broadcast copy writes C into Y, and the matmul accumulates beta * Y in place.
//  - activations cuBLASLt cannot fuse here run as a bias_activation pass afterwards.
#include "kernels/bias_activation.cuh"
#include "kernels/cublaslt_gemm.h"
#include "kernels/layout_copy.cuh"
#include "ops/nn_common.h"

namespace rill::ops::nn {

namespace {

class GemmKernel final : public GpuKernel {
 public:
  GemmKernel(DType dtype, kernels::CublasLtMatmul matmul, bool c_as_bias, bool fill_c,
             kernels::Broadcast2dParams fill, bool activation_pass,
             kernels::BiasActivationParams activation)
      : dtype_(dtype),
        matmul_(std::move(matmul)),
        c_as_bias_(c_as_bias),
        fill_c_(fill_c),
        fill_(fill),
        activation_pass_(activation_pass),
        activation_(activation) {}

  size_t workspace_bytes() const override { return matmul_.workspace_bytes(); }

  void enqueue(const GpuLaunch& launch) const override {
    void* y = launch.outputs[0];
    if (fill_c_) kernels::launch_broadcast_2d(dtype_, fill_, launch.inputs[2], y, launch.stream);
    matmul_.run(cublaslt_of(launch), launch.inputs[0], launch.inputs[1], y, y,
                c_as_bias_ ? launch.inputs[2] : nullptr, launch.workspace, launch.stream);
    if (activation_pass_) {
      kernels::launch_bias_activation(dtype_, activation_, y, nullptr, y, launch.stream);
    }
  }

  std::string describe() const override {
    std::string text = matmul_.describe();
    if (fill_c_) text = "broadcast C + " + text + " (beta)";
    if (activation_pass_) text += std::string(" + ") + activation_name(activation_.activation);
    return text;
  }

 private:
  DType dtype_;
  kernels::CublasLtMatmul matmul_;
  bool c_as_bias_;
  bool fill_c_;
  kernels::Broadcast2dParams fill_;
  bool activation_pass_;
  kernels::BiasActivationParams activation_;
};

}  // namespace

std::unique_ptr<GpuKernel> prepare_gemm_gpu(const GpuPrepareContext& ctx) {
  return prepare_with_context(ctx, [&]() -> std::unique_ptr<GpuKernel> {
    const GemmSetup s = gemm_setup(ctx.node, ctx.inputs);
    const DType dtype = ctx.inputs[0].dtype;
    require_gpu_dtype(ctx.node, dtype, kFloatDTypes);
    const bool use_c = s.has_c && s.beta != 0.0f;
    const bool c_is_row = s.c_row_stride == 0 && (s.c_col_stride == 1 || s.n == 1);
    const bool c_as_bias = use_c && c_is_row && s.beta == 1.0f;
    const bool fill_c = use_c && !c_as_bias;
    const bool relu = s.activation.kind == Activation::kRelu;
    // Relu rides the epilogue only without a beta * C term, whose order against the epilogue
    // we do not rely on.
    const bool relu_epilogue = relu && !fill_c;

    kernels::MatmulProblem p;
    p.dtype = dtype;
    p.m = s.m;
    p.n = s.n;
    p.k = s.k;
    p.trans_a = s.trans_a;
    p.trans_b = s.trans_b;
    p.alpha = s.alpha;
    p.beta = fill_c ? s.beta : 0.0f;
    p.allow_tf32 = ctx.allow_tf32;
    p.epilogue =
        c_as_bias
            ? (relu_epilogue ? kernels::MatmulEpilogue::kReluBias : kernels::MatmulEpilogue::kBias)
            : (relu_epilogue ? kernels::MatmulEpilogue::kRelu : kernels::MatmulEpilogue::kNone);
    kernels::Broadcast2dParams fill;
    fill.rows = s.m;
    fill.cols = s.n;
    fill.row_stride = s.c_row_stride;
    fill.col_stride = s.c_col_stride;
    kernels::BiasActivationParams activation;
    activation.outer = s.m * s.n;
    activation.activation = s.activation.kind;
    activation.alpha = s.activation.alpha;
    const bool activation_pass = s.activation.kind != Activation::kNone && !relu_epilogue;
    auto matmul = kernels::CublasLtMatmul::plan(cublaslt_of(ctx), p, ctx.algorithms);
    return std::make_unique<GemmKernel>(dtype, std::move(matmul), c_as_bias, fill_c, fill,
                                        activation_pass, activation);
  });
}

}  // namespace rill::ops::nn
