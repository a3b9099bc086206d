// Helpers shared by the nn op family (conv.cpp, pool.cpp, gemm.cpp, ... and their _gpu halves):
// spatial geometry from ONNX attributes, the fused-activation attributes, errors with node
// context, and typed output construction for the CPU references.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "kernels/activation.h"
#include "ops/op.h"

namespace rill::ops::nn {

using ir::Shape;
using kernels::Activation;

//! Spatial geometry of a convolution or pooling window, normalized to three spatial dims:
//! ranks below three get leading unit dims (size 1, kernel 1, stride 1, no pads).
struct Geometry {
  int spatial = 0;  //!< the node's real spatial rank (1..3)
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, kernel{1, 1, 1}, stride{1, 1, 1},
      dilation{1, 1, 1}, pad_begin{0, 0, 0}, pad_end{0, 0, 0};

  //! The real spatial dims of `out` (drops the leading unit dims).
  Shape out_shape() const;
  std::string to_string() const;
};

//! Conv / pooling output geometry from auto_pad, pads, strides, dilations (and ceil_mode for
//! pools). `in` and `kernel` are the spatial extents. Validates attribute lengths and values.
Geometry window_geometry(const Node& node, const Shape& in, const Shape& kernel, bool ceil_mode);

//! Reads "rill_activation" / "rill_activation_alpha" (written by the fusion pass).
struct FusedActivation {
  Activation kind = Activation::kNone;
  float alpha = 0.01f;
};
FusedActivation fused_activation(const Node& node, std::initializer_list<Activation> allowed);
double apply_activation(double v, const FusedActivation& act);
const char* activation_name(Activation act);

//! An invalid-model error with the node's context and the given shapes.
[[noreturn]] void fail(const Node& node, ErrorKind kind, const std::string& message,
                       std::vector<std::pair<std::string, std::string>> extra = {});
//! kInvalidModel unless `desc` is a floating dtype the op accepts.
void require_float(const Node& node, const TensorDesc& desc, const char* input);
//! "X=float32[1,3,224,224] W=float32[64,3,7,7]".
std::string describe_inputs(const Node& node, std::span<const TensorDesc> inputs);

//! A tensor of `dtype` holding `values` (rounded for integer dtypes, clamped for 8-bit ones).
HostTensor from_doubles(DType dtype, Shape shape, const std::vector<double>& values);

//! kUnsupported (with node context) unless the GPU kernels handle `dtype` (float32 for now).
void require_gpu_dtype(const Node& node, DType dtype, DTypeSet supported = {DType::kFloat32});
//! Bytes rounded up to the 256-byte alignment of workspace sub-buffers.
inline size_t align_256(size_t bytes) {
  return (bytes + 255) / 256 * 256;
}

//! Runs `prepare`, adding the node context and input shapes to any Error it throws.
std::unique_ptr<GpuKernel> prepare_with_context(
    const GpuPrepareContext& ctx, const std::function<std::unique_ptr<GpuKernel>()>& prepare);

//! The cuBLASLt / cuDNN handle of a launch, or kInternal when the context gave none.
cublasLtContext* cublaslt_of(const GpuLaunch& launch);
cudnnContext* cudnn_of(const GpuLaunch& launch);
cublasLtContext* cublaslt_of(const GpuPrepareContext& ctx);
cudnnContext* cudnn_of(const GpuPrepareContext& ctx);

//! Validated Conv attributes and shapes (conv.cpp): X [N, C, in...], W [M, C/group, k...],
//! optional B [M].
struct ConvSetup {
  int64_t batch = 0, in_channels = 0, out_channels = 0, group = 1;
  Geometry geometry;
  FusedActivation activation;
  bool has_bias = false;
};
ConvSetup conv_setup(const Node& node, std::span<const TensorDesc> inputs);

//! Validated ConvTranspose attributes and shapes (conv_transpose.cpp): X [N, C, in...],
//! W [C, M/group, k...], optional B [M]. Output position o receives input i through kernel tap
//! k when o = i*stride + k*dilation - pad_begin; pad_begin may be negative when output_shape
//! asks for more than the full result.
struct ConvTransposeSetup {
  int64_t batch = 0, in_channels = 0, out_channels = 0, group = 1;
  Geometry geometry;  //!< in: X's spatial size, out: the output's
  bool has_bias = false;
};
ConvTransposeSetup conv_transpose_setup(const Node& node, std::span<const TensorDesc> inputs);

//! Validated MaxPool / AveragePool attributes and shapes (pool.cpp).
struct PoolSetup {
  bool max = true;
  bool count_include_pad = false;
  int64_t batch = 0, channels = 0;
  Geometry geometry;
};
PoolSetup pool_setup(const Node& node, std::span<const TensorDesc> inputs);

//! Validated Gemm attributes and shapes (gemm.cpp): Y[M, N] = alpha op(A) op(B) + beta C.
struct GemmSetup {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  bool has_c = false;
  //! C broadcast to [M, N]: C[r, c] = c_data[r * c_row_stride + c * c_col_stride].
  int64_t c_row_stride = 0, c_col_stride = 0;
  FusedActivation activation;
};
GemmSetup gemm_setup(const Node& node, std::span<const TensorDesc> inputs);

//! Validated MatMul shapes (matmul.cpp), numpy semantics. A 1-D A is [1, K] and a 1-D B is
//! [K, 1] with the unit dim dropped from the output.
struct MatMulSetup {
  int64_t m = 0, n = 0, k = 0;
  Shape batch;                                //!< broadcast batch dims of the output
  std::vector<int64_t> a_offsets, b_offsets;  //!< per flattened output batch, in elements
  Shape out;
};
MatMulSetup matmul_setup(const Node& node, std::span<const TensorDesc> inputs);

//! Validated rill.FusedMatMul shapes (matmul.cpp): A [..., K] x B [K, N] + bias [N].
struct FusedMatMulSetup {
  int64_t m = 0, n = 0, k = 0;  //!< m: product of A's leading dims
  bool has_bias = false;
  FusedActivation activation;
  Shape out;
};
FusedMatMulSetup fused_matmul_setup(const Node& node, std::span<const TensorDesc> inputs);

// Shape inference, CPU references and GPU preparation of each op (one pair of files each).
std::vector<TensorDesc> infer_conv(const InferContext& ctx);
std::vector<HostTensor> run_conv_cpu(const Node& node, std::span<const HostTensor> inputs);
std::unique_ptr<GpuKernel> prepare_conv_gpu(const GpuPrepareContext& ctx);

std::vector<TensorDesc> infer_conv_transpose(const InferContext& ctx);
std::vector<HostTensor> run_conv_transpose_cpu(const Node& node,
                                               std::span<const HostTensor> inputs);
std::unique_ptr<GpuKernel> prepare_conv_transpose_gpu(const GpuPrepareContext& ctx);

std::vector<TensorDesc> infer_batch_norm(const InferContext& ctx);
std::vector<HostTensor> run_batch_norm_cpu(const Node& node, std::span<const HostTensor> inputs);
std::unique_ptr<GpuKernel> prepare_batch_norm_gpu(const GpuPrepareContext& ctx);

std::vector<TensorDesc> infer_pool(const InferContext& ctx);
std::vector<HostTensor> run_pool_cpu(const Node& node, std::span<const HostTensor> inputs);
std::unique_ptr<GpuKernel> prepare_pool_gpu(const GpuPrepareContext& ctx);

std::vector<TensorDesc> infer_gemm(const InferContext& ctx);
std::vector<HostTensor> run_gemm_cpu(const Node& node, std::span<const HostTensor> inputs);
std::unique_ptr<GpuKernel> prepare_gemm_gpu(const GpuPrepareContext& ctx);

std::vector<TensorDesc> infer_matmul(const InferContext& ctx);
std::vector<HostTensor> run_matmul_cpu(const Node& node, std::span<const HostTensor> inputs);
std::unique_ptr<GpuKernel> prepare_matmul_gpu(const GpuPrepareContext& ctx);

std::vector<TensorDesc> infer_fused_matmul(const InferContext& ctx);
std::vector<HostTensor> run_fused_matmul_cpu(const Node& node, std::span<const HostTensor> inputs);
std::unique_ptr<GpuKernel> prepare_fused_matmul_gpu(const GpuPrepareContext& ctx);

}  // namespace rill::ops::nn
