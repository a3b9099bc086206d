// MatMul and rill.FusedMatMul on the GPU through cuBLASLt (Note [Row-major GEMM on cuBLASLt]).
//
// Note [MatMul batching]
// ~~~~~~~~~~~~~~~~~~~~~~
// numpy batching is mapped onto as few cuBLASLt calls as plan time can arrange:
//  1. B without batch and A's batches contiguous (BERT's [8,128,768] x [768,3072]): A's batch
//     dims fold into M, one plain GEMM.
//  2. Otherwise the flattened output batches are split into `outer` groups of `inner` batches,
//     choosing the largest inner size for which A's and B's matrices step by one fixed stride
//     (0 for a broadcast side). Each group is one strided-batched call; the outer pointer
//     offsets are computed here, so enqueue's loop has a fixed, usually single, trip count.
#include <numeric>

#include "kernels/bias_activation.cuh"
#include "kernels/cublaslt_gemm.h"
#include "ops/nn_common.h"

namespace rill::ops::nn {

namespace {

struct BatchOffsets {
  int64_t a = 0, b = 0, d = 0;  // elements
};

class MatMulKernel final : public GpuKernel {
 public:
  MatMulKernel(DType dtype, kernels::CublasLtMatmul matmul, std::vector<BatchOffsets> groups,
               bool has_bias, bool activation_pass, kernels::BiasActivationParams activation)
      : dtype_(dtype),
        matmul_(std::move(matmul)),
        groups_(std::move(groups)),
        has_bias_(has_bias),
        activation_pass_(activation_pass),
        activation_(activation) {}

  size_t workspace_bytes() const override { return matmul_.workspace_bytes(); }

  void enqueue(const GpuLaunch& launch) const override {
    const size_t element = dtype_size(dtype_);
    const auto* a = static_cast<const std::byte*>(launch.inputs[0]);
    const auto* b = static_cast<const std::byte*>(launch.inputs[1]);
    auto* d = static_cast<std::byte*>(launch.outputs[0]);
    const void* bias = has_bias_ ? launch.inputs[2] : nullptr;
    for (const BatchOffsets& g : groups_) {
      matmul_.run(cublaslt_of(launch), a + g.a * element, b + g.b * element, nullptr,
                  d + g.d * element, bias, launch.workspace, launch.stream);
    }
    if (activation_pass_) {
      kernels::launch_bias_activation(dtype_, activation_, d, nullptr, d, launch.stream);
    }
  }

  std::string describe() const override {
    std::string text = matmul_.describe();
    if (groups_.size() > 1) text += " x" + std::to_string(groups_.size()) + " calls";
    if (activation_pass_) text += std::string(" + ") + activation_name(activation_.activation);
    return text;
  }

 private:
  DType dtype_;
  kernels::CublasLtMatmul matmul_;
  std::vector<BatchOffsets> groups_;
  bool has_bias_;
  bool activation_pass_;
  kernels::BiasActivationParams activation_;
};

// The common stride of offsets[g*inner + j] = offsets[g*inner] + j*stride over every group, or
// -1 when the offsets are not of that form.
int64_t uniform_stride(const std::vector<int64_t>& offsets, size_t inner) {
  const int64_t stride = inner > 1 ? offsets[1] - offsets[0] : 0;
  for (size_t i = 0; i < offsets.size(); ++i) {
    const size_t j = i % inner;
    if (offsets[i] != offsets[i - j] + static_cast<int64_t>(j) * stride) return -1;
  }
  return stride;
}

// Largest power of two (at most 256) dividing every byte offset: the alignment cuBLASLt may
// assume for pointers derived from 256-byte aligned buffers.
size_t alignment_of(std::initializer_list<int64_t> element_offsets, size_t element) {
  size_t alignment = 256;
  for (int64_t offset : element_offsets) {
    const auto bytes = static_cast<size_t>(offset) * element;
    while (alignment > 1 && bytes % alignment != 0) alignment /= 2;
  }
  return alignment;
}

}  // namespace

std::unique_ptr<GpuKernel> prepare_matmul_gpu(const GpuPrepareContext& ctx) {
  return prepare_with_context(ctx, [&]() -> std::unique_ptr<GpuKernel> {
    const MatMulSetup s = matmul_setup(ctx.node, ctx.inputs);
    const DType dtype = ctx.inputs[0].dtype;
    require_gpu_dtype(ctx.node, dtype, kFloatDTypes);
    if (s.m == 0 || s.n == 0 || s.k == 0 || s.a_offsets.empty()) {
      throw Error(ErrorKind::kUnsupported, "MatMul with an empty dimension has no GPU kernel",
                  ctx.node.context());
    }
    const size_t element = dtype_size(dtype);
    const size_t count = s.a_offsets.size();
    kernels::MatmulProblem p;
    p.dtype = dtype;
    p.n = s.n;
    p.k = s.k;
    p.allow_tf32 = ctx.allow_tf32;
    std::vector<BatchOffsets> groups;

    const bool b_shared =
        std::all_of(s.b_offsets.begin(), s.b_offsets.end(), [](int64_t o) { return o == 0; });
    if (b_shared && uniform_stride(s.a_offsets, count) == (count > 1 ? s.m * s.k : 0)) {
      p.m = s.m * static_cast<int64_t>(count);  // case 1 of Note [MatMul batching]
      groups.push_back({});
    } else {
      // Inner sizes to try: suffix products of the batch dims, largest first.
      std::vector<size_t> candidates;
      size_t product = 1;
      for (size_t d = s.batch.size(); d-- > 0;) {
        product *= static_cast<size_t>(s.batch[d]);
        candidates.insert(candidates.begin(), product);
      }
      size_t inner = 1;
      int64_t stride_a = 0;
      int64_t stride_b = 0;
      for (size_t candidate : candidates) {
        const int64_t sa = uniform_stride(s.a_offsets, candidate);
        const int64_t sb = uniform_stride(s.b_offsets, candidate);
        if (sa >= 0 && sb >= 0) {
          inner = candidate;
          stride_a = sa;
          stride_b = sb;
          break;
        }
      }
      p.m = s.m;
      p.batch = static_cast<int64_t>(inner);
      p.stride_a = stride_a;
      p.stride_b = stride_b;
      p.stride_d = s.m * s.n;
      for (size_t g = 0; g < count; g += inner) {
        groups.push_back({s.a_offsets[g], s.b_offsets[g], static_cast<int64_t>(g) * s.m * s.n});
      }
      p.pointer_alignment = alignment_of({stride_a, stride_b, p.stride_d}, element);
      for (const BatchOffsets& g : groups) {
        p.pointer_alignment = std::min(p.pointer_alignment, alignment_of({g.a, g.b, g.d}, element));
      }
    }
    auto matmul = kernels::CublasLtMatmul::plan(cublaslt_of(ctx), p, ctx.algorithms);
    return std::make_unique<MatMulKernel>(dtype, std::move(matmul), std::move(groups), false,
                                          false, kernels::BiasActivationParams{});
  });
}

std::unique_ptr<GpuKernel> prepare_fused_matmul_gpu(const GpuPrepareContext& ctx) {
  return prepare_with_context(ctx, [&]() -> std::unique_ptr<GpuKernel> {
    const FusedMatMulSetup s = fused_matmul_setup(ctx.node, ctx.inputs);
    const DType dtype = ctx.inputs[0].dtype;
    require_gpu_dtype(ctx.node, dtype, kFloatDTypes);
    if (s.m == 0 || s.n == 0 || s.k == 0) {
      throw Error(ErrorKind::kUnsupported,
                  "rill.FusedMatMul with an empty dimension has no GPU kernel", ctx.node.context());
    }
    const bool relu = s.activation.kind == Activation::kRelu;
    const bool gelu = s.activation.kind == Activation::kGeluTanh;
    using kernels::MatmulEpilogue;
    kernels::MatmulProblem p;
    p.dtype = dtype;
    p.m = s.m;
    p.n = s.n;
    p.k = s.k;
    p.allow_tf32 = ctx.allow_tf32;
    p.epilogue = relu   ? (s.has_bias ? MatmulEpilogue::kReluBias : MatmulEpilogue::kRelu)
                 : gelu ? (s.has_bias ? MatmulEpilogue::kGeluBias : MatmulEpilogue::kGelu)
                        : (s.has_bias ? MatmulEpilogue::kBias : MatmulEpilogue::kNone);
    kernels::BiasActivationParams activation;
    activation.outer = s.m * s.n;
    activation.activation = s.activation.kind;
    activation.alpha = s.activation.alpha;
    const bool activation_pass = s.activation.kind != Activation::kNone && !relu && !gelu;
    auto matmul = kernels::CublasLtMatmul::plan(cublaslt_of(ctx), p, ctx.algorithms);
    return std::make_unique<MatMulKernel>(dtype, std::move(matmul),
                                          std::vector<BatchOffsets>{BatchOffsets{}}, s.has_bias,
                                          activation_pass, activation);
  });
}

}  // namespace rill::ops::nn
