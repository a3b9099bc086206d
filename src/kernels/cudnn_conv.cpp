#include "kernels/cudnn_conv.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "cuda/check.h"
#include "kernels/library_check.h"

namespace rill::kernels {

namespace {

template <class T, cudnnStatus_t (*Destroy)(T)>
struct DescriptorDeleter {
  void operator()(T desc) const noexcept { (void)Destroy(desc); }
};
using TensorDescPtr =
    std::unique_ptr<cudnnTensorStruct,
                    DescriptorDeleter<cudnnTensorDescriptor_t, cudnnDestroyTensorDescriptor>>;
using FilterDescPtr =
    std::unique_ptr<cudnnFilterStruct,
                    DescriptorDeleter<cudnnFilterDescriptor_t, cudnnDestroyFilterDescriptor>>;
using ConvDescPtr =
    std::unique_ptr<cudnnConvolutionStruct, DescriptorDeleter<cudnnConvolutionDescriptor_t,
                                                              cudnnDestroyConvolutionDescriptor>>;
using ActivationDescPtr =
    std::unique_ptr<cudnnActivationStruct, DescriptorDeleter<cudnnActivationDescriptor_t,
                                                             cudnnDestroyActivationDescriptor>>;

cudnnDataType_t cudnn_type(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return CUDNN_DATA_FLOAT;
    case DType::kFloat16:
      return CUDNN_DATA_HALF;
    case DType::kBFloat16:
      return CUDNN_DATA_BFLOAT16;
    default:
      throw Error(ErrorKind::kUnsupported, "cuDNN convolution: dtype has no GPU path yet",
                  {{"dtype", std::string(dtype_name(dtype))}});
  }
}

// The convolution's compute type: float for every supported data type (half data accumulates in
// float, Note [Half-precision convolutions]).
cudnnDataType_t compute_type(DType dtype) {
  (void)cudnn_type(dtype);  // rejects what has no path
  return CUDNN_DATA_FLOAT;
}

// The math type a plan starts from (the heuristics may refine it for half data).
cudnnMathType_t base_math(const ConvShape& s) {
  if (is_half(s.dtype)) return CUDNN_TENSOR_OP_MATH;
  // Without TF32, restrict cuDNN to FMA math: CUDNN_DEFAULT_MATH lets FP32 convolutions use TF32
  // tensor cores, which misses rill's 1e-5 accuracy target.
  return s.allow_tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
}

int to_int(int64_t value, const char* what) {
  if (value < 0 || value > std::numeric_limits<int>::max()) {
    throw Error(ErrorKind::kUnsupported, "cuDNN convolution: dimension does not fit in int",
                {{"what", what}, {"value", std::to_string(value)}});
  }
  return static_cast<int>(value);
}

// Spatial extents as cuDNN sees them: 1-D becomes 2-D with a unit leading dimension.
int cudnn_spatial(const ConvShape& s) {
  return std::max(s.spatial, 2);
}

std::vector<int> spatial_dims(const ConvShape& s, const std::array<int64_t, 3>& values,
                              int64_t unit, const char* what) {
  std::vector<int> dims;
  if (s.spatial == 1) dims.push_back(static_cast<int>(unit));
  for (int i = 0; i < s.spatial; ++i) dims.push_back(to_int(values[i], what));
  return dims;
}

TensorDescPtr make_tensor(const ConvShape& s, int64_t channels,
                          const std::array<int64_t, 3>& spatial) {
  std::vector<int> dims{to_int(s.batch, "batch"), to_int(channels, "channels")};
  for (int d : spatial_dims(s, spatial, 1, "spatial")) dims.push_back(d);
  // dims are N, C, spatial...; memory order is the same, or N, spatial..., C channels-last.
  std::vector<size_t> memory_order;
  memory_order.push_back(0);
  if (!s.channels_last) memory_order.push_back(1);
  for (size_t i = 2; i < dims.size(); ++i) memory_order.push_back(i);
  if (s.channels_last) memory_order.push_back(1);
  std::vector<int> strides(dims.size());
  int64_t stride = 1;
  for (size_t k = memory_order.size(); k-- > 0;) {
    const size_t i = memory_order[k];
    strides[i] = to_int(stride, "stride");
    stride *= dims[i];
  }
  cudnnTensorDescriptor_t raw = nullptr;
  RILL_CUDNN_CHECK(cudnnCreateTensorDescriptor(&raw));
  TensorDescPtr desc(raw);
  RILL_CUDNN_CHECK(cudnnSetTensorNdDescriptor(
      raw, cudnn_type(s.dtype), static_cast<int>(dims.size()), dims.data(), strides.data()));
  return desc;
}

FilterDescPtr make_filter(const ConvShape& s) {
  std::vector<int> dims{to_int(s.out_channels, "out_channels"),
                        to_int(s.in_channels / s.group, "in_channels/group")};
  for (int d : spatial_dims(s, s.kernel, 1, "kernel")) dims.push_back(d);
  cudnnFilterDescriptor_t raw = nullptr;
  RILL_CUDNN_CHECK(cudnnCreateFilterDescriptor(&raw));
  FilterDescPtr desc(raw);
  // The filter's dims are always given as K, C, spatial...; the format says how they are stored.
  const cudnnTensorFormat_t format = s.channels_last ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
  RILL_CUDNN_CHECK(cudnnSetFilterNdDescriptor(raw, cudnn_type(s.dtype), format,
                                              static_cast<int>(dims.size()), dims.data()));
  return desc;
}

ConvDescPtr make_conv(const ConvShape& s) {
  const std::vector<int> pads = spatial_dims(s, s.pad, 0, "pad");
  const std::vector<int> strides = spatial_dims(s, s.stride, 1, "stride");
  const std::vector<int> dilations = spatial_dims(s, s.dilation, 1, "dilation");
  cudnnConvolutionDescriptor_t raw = nullptr;
  RILL_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&raw));
  ConvDescPtr desc(raw);
  RILL_CUDNN_CHECK(cudnnSetConvolutionNdDescriptor(raw, cudnn_spatial(s), pads.data(),
                                                   strides.data(), dilations.data(),
                                                   CUDNN_CROSS_CORRELATION, compute_type(s.dtype)));
  RILL_CUDNN_CHECK(cudnnSetConvolutionGroupCount(raw, to_int(s.group, "group")));
  RILL_CUDNN_CHECK(cudnnSetConvolutionMathType(raw, base_math(s)));
  return desc;
}

// FFT-based and non-fused Winograd algorithms trade accuracy for speed; without TF32 the caller
// asked for FP32 accuracy, so they are skipped.
bool accurate_enough(cudnnConvolutionFwdAlgo_t algo) {
  return algo != CUDNN_CONVOLUTION_FWD_ALGO_FFT && algo != CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING &&
         algo != CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;
}
bool accurate_enough(cudnnConvolutionBwdDataAlgo_t algo) {
  return algo != CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT &&
         algo != CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING &&
         algo != CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED;
}

// Picks the first (fastest by cuDNN's estimate) result that succeeded, fits the workspace cap,
// uses no tensor-op math when TF32 is off, and is accurate enough; `fallback` when none
// qualifies. cuDNN's heuristics report FP32 results as CUDNN_DEFAULT_MATH even on an FMA
// descriptor, so only tensor-op math is rejected, and the chosen result runs with FMA math
// forced (as PyTorch does with allow_tf32 off). Half data (Note [Half-precision convolutions])
// takes tensor-op results with the math type the heuristics give, still skipping FFT and
// non-fused Winograd. When `preferred` is given, the first qualifying result it accepts wins over
// earlier ones (half data only: a fusable algorithm saves the epilogue's pass over Y).
template <class Perf, class Algo, class Prefer>
Perf choose(const Perf* results, int count, const ConvShape& s, size_t max_workspace, Algo fallback,
            Prefer&& preferred) {
  const bool half = is_half(s.dtype);
  auto qualifies = [&](const Perf& r) {
    if (r.status != CUDNN_STATUS_SUCCESS || r.memory > max_workspace) return false;
    if (half) return accurate_enough(r.algo);
    if (s.allow_tf32) return true;
    const bool tensor_op =
        r.mathType == CUDNN_TENSOR_OP_MATH || r.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    return !tensor_op && accurate_enough(r.algo);
  };
  auto finish = [&](Perf chosen) {
    if (!half && !s.allow_tf32) chosen.mathType = CUDNN_FMA_MATH;
    return chosen;
  };
  if (half) {
    for (int i = 0; i < count; ++i) {
      if (qualifies(results[i]) && preferred(results[i].algo)) return finish(results[i]);
    }
  }
  for (int i = 0; i < count; ++i) {
    if (qualifies(results[i])) return finish(results[i]);
  }
  Perf r{};
  r.algo = fallback;
  r.status = CUDNN_STATUS_SUCCESS;
  r.mathType = base_math(s);
  return r;
}

const char* fwd_algo_name(int algo) {
  switch (algo) {
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM:
      return "implicit_gemm";
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM:
      return "implicit_precomp_gemm";
    case CUDNN_CONVOLUTION_FWD_ALGO_GEMM:
      return "gemm";
    case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT:
      return "direct";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT:
      return "fft";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING:
      return "fft_tiling";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD:
      return "winograd";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED:
      return "winograd_nonfused";
    default:
      return "algo?";
  }
}

}  // namespace

std::string ConvShape::to_string() const {
  auto list = [&](const std::array<int64_t, 3>& v) {
    std::string text = "[";
    for (int i = 0; i < spatial; ++i) text += (i ? "," : "") + std::to_string(v[i]);
    return text + "]";
  };
  return "N=" + std::to_string(batch) + " C=" + std::to_string(in_channels) +
         " K=" + std::to_string(out_channels) + " group=" + std::to_string(group) +
         " in=" + list(input) + " out=" + list(output) + " kernel=" + list(kernel) +
         " stride=" + list(stride) + " dilation=" + list(dilation) + " pad=" + list(pad) +
         " dtype=" + std::string(dtype_name(dtype)) + (channels_last ? " NHWC" : " NCHW");
}

// ---- forward ----------------------------------------------------------------------------------

struct CudnnConvForward::Descriptors {
  TensorDescPtr x, y, bias;
  FilterDescPtr w;
  ConvDescPtr conv;
  ActivationDescPtr activation;
};

CudnnConvForward::CudnnConvForward(CudnnConvForward&&) noexcept = default;
CudnnConvForward& CudnnConvForward::operator=(CudnnConvForward&&) noexcept = default;
CudnnConvForward::~CudnnConvForward() = default;

CudnnConvForward CudnnConvForward::plan(cudnnHandle_t handle, const ConvShape& s, ConvFusion fusion,
                                        bool residual) {
  if (handle == nullptr) {
    throw Error(ErrorKind::kInternal, "cuDNN convolution planned without a cuDNN handle");
  }
  CudnnConvForward plan;
  plan.shape_ = s;
  plan.desc_ = std::make_unique<Descriptors>();
  Descriptors& d = *plan.desc_;
  try {
    d.x = make_tensor(s, s.in_channels, s.input);
    d.y = make_tensor(s, s.out_channels, s.output);
    d.w = make_filter(s);
    d.conv = make_conv(s);

    // cuDNN must agree with our output shape, or the plan is wrong.
    std::vector<int> out_dims(static_cast<size_t>(cudnn_spatial(s)) + 2);
    RILL_CUDNN_CHECK(cudnnGetConvolutionNdForwardOutputDim(
        d.conv.get(), d.x.get(), d.w.get(), static_cast<int>(out_dims.size()), out_dims.data()));
    const std::vector<int> expected = spatial_dims(s, s.output, 1, "output");
    if (!std::equal(expected.begin(), expected.end(), out_dims.begin() + 2) ||
        out_dims[1] != s.out_channels) {
      throw Error(ErrorKind::kInternal, "cuDNN computes another convolution output shape");
    }

    int count = 0;
    RILL_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(handle, &count));
    std::vector<cudnnConvolutionFwdAlgoPerf_t> results(static_cast<size_t>(count));
    int returned = 0;
    RILL_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
        handle, d.x.get(), d.w.get(), d.conv.get(), d.y.get(), count, &returned, results.data()));
    // cudnnConvolutionBiasActivationForward supports RELU with any algorithm and IDENTITY only
    // with IMPLICIT_PRECOMP_GEMM.
    // cudnnConvolutionBiasActivationForward can still answer NOT_SUPPORTED for other algorithms
    // at run time, where there is no way back; the GEMM-based ones are safe.
    // Half data keeps to IMPLICIT_PRECOMP_GEMM, the one algorithm documented for every fused
    // configuration.
    const bool half = is_half(s.dtype);
    const auto fusable = [fusion, half](cudnnConvolutionFwdAlgo_t algo) {
      return algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM ||
             (!half && fusion == ConvFusion::kBiasRelu &&
              algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM);
    };
    const auto prefer = [&](cudnnConvolutionFwdAlgo_t algo) {
      return fusion != ConvFusion::kNone && fusable(algo);
    };
    const cudnnConvolutionFwdAlgoPerf_t chosen =
        choose(results.data(), returned, s, kMaxWorkspaceBytes,
               CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, prefer);
    RILL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), chosen.mathType));
    plan.algo_ = chosen.algo;
    RILL_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(handle, d.x.get(), d.w.get(),
                                                             d.conv.get(), d.y.get(), chosen.algo,
                                                             &plan.workspace_bytes_));

    plan.fused_ = fusable(chosen.algo) &&
                  (fusion == ConvFusion::kBiasRelu || fusion == ConvFusion::kBiasIdentity);
    plan.relu_ = fusion == ConvFusion::kBiasRelu;
    plan.residual_ = residual;
    plan.y_bytes_ =
        static_cast<size_t>(s.batch * s.out_channels * s.output[0] * s.output[1] * s.output[2]) *
        dtype_size(s.dtype);
    if (plan.fused_) {
      ConvShape bias_shape = s;
      bias_shape.batch = 1;
      d.bias = make_tensor(bias_shape, s.out_channels, {1, 1, 1});
      cudnnActivationDescriptor_t raw = nullptr;
      RILL_CUDNN_CHECK(cudnnCreateActivationDescriptor(&raw));
      d.activation.reset(raw);
      RILL_CUDNN_CHECK(cudnnSetActivationDescriptor(
          raw, plan.relu_ ? CUDNN_ACTIVATION_RELU : CUDNN_ACTIVATION_IDENTITY,
          CUDNN_NOT_PROPAGATE_NAN, 0.0));
    }
  } catch (Error& e) {
    e.add_context("conv", s.to_string());
    throw;
  }
  return plan;
}

std::string CudnnConvForward::describe() const {
  std::string text = std::string("cudnn conv ") + fwd_algo_name(algo_) + " " +
                     std::string(dtype_name(shape_.dtype)) + (shape_.channels_last ? " nhwc" : "");
  if (residual_) text += " +residual";
  if (fused_) text += relu_ ? " +bias+relu" : " +bias";
  return text;
}

bool CudnnConvForward::run(cudnnHandle_t handle, const void* x, const void* w, const void* bias,
                           const void* z, void* y, void* workspace, cudaStream_t stream) const {
  const Descriptors& d = *desc_;
  if (residual_ && z == nullptr) {
    throw Error(ErrorKind::kInternal, "cuDNN convolution planned with a residual ran without Z");
  }
  RILL_CUDNN_CHECK(cudnnSetStream(handle, stream));
  const float one = 1.0f;
  const float zero = 0.0f;
  const auto algo = static_cast<cudnnConvolutionFwdAlgo_t>(algo_);
  if (fused_) {
    // alpha2 = 0 without a residual: z (given as y) is not read.
    const cudnnStatus_t status = cudnnConvolutionBiasActivationForward(
        handle, &one, d.x.get(), x, d.w.get(), w, d.conv.get(), algo, workspace, workspace_bytes_,
        residual_ ? &one : &zero, d.y.get(), residual_ ? z : y, d.bias.get(), bias,
        d.activation.get(), d.y.get(), y);
    // The fused call checks its configuration before it launches anything, and may refuse one
    // the heuristics offered (Note [Fused residual convolutions]); the unfused sequence below
    // uses the same algorithm and workspace, so it can stand in at no cost in safety.
    if (status != CUDNN_STATUS_NOT_SUPPORTED) {
      RILL_CUDNN_CHECK(status);
      return true;
    }
  }
  // Unfused residual: Y = Z, then Y = conv + 1 * Y (Note [Fused residual convolutions]).
  if (residual_ && y != z) {
    RILL_CUDA_CHECK(cudaMemcpyAsync(y, z, y_bytes_, cudaMemcpyDeviceToDevice, stream));
  }
  RILL_CUDNN_CHECK(cudnnConvolutionForward(handle, &one, d.x.get(), x, d.w.get(), w, d.conv.get(),
                                           algo, workspace, workspace_bytes_,
                                           residual_ ? &one : &zero, d.y.get(), y));
  return false;
}

// ---- backward data ----------------------------------------------------------------------------

struct CudnnConvBackwardData::Descriptors {
  TensorDescPtr dx, dy;
  FilterDescPtr w;
  ConvDescPtr conv;
};

CudnnConvBackwardData::CudnnConvBackwardData(CudnnConvBackwardData&&) noexcept = default;
CudnnConvBackwardData& CudnnConvBackwardData::operator=(CudnnConvBackwardData&&) noexcept = default;
CudnnConvBackwardData::~CudnnConvBackwardData() = default;

CudnnConvBackwardData CudnnConvBackwardData::plan(cudnnHandle_t handle, const ConvShape& s) {
  if (handle == nullptr) {
    throw Error(ErrorKind::kInternal, "cuDNN convolution planned without a cuDNN handle");
  }
  CudnnConvBackwardData plan;
  plan.shape_ = s;
  plan.desc_ = std::make_unique<Descriptors>();
  Descriptors& d = *plan.desc_;
  try {
    d.dx = make_tensor(s, s.in_channels, s.input);
    d.dy = make_tensor(s, s.out_channels, s.output);
    d.w = make_filter(s);
    d.conv = make_conv(s);
    int count = 0;
    RILL_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, &count));
    std::vector<cudnnConvolutionBwdDataAlgoPerf_t> results(static_cast<size_t>(count));
    int returned = 0;
    RILL_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
        handle, d.w.get(), d.dy.get(), d.conv.get(), d.dx.get(), count, &returned, results.data()));
    const cudnnConvolutionBwdDataAlgoPerf_t chosen =
        choose(results.data(), returned, s, kMaxWorkspaceBytes, CUDNN_CONVOLUTION_BWD_DATA_ALGO_1,
               [](cudnnConvolutionBwdDataAlgo_t) { return false; });
    RILL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), chosen.mathType));
    plan.algo_ = chosen.algo;
    RILL_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(
        handle, d.w.get(), d.dy.get(), d.conv.get(), d.dx.get(), chosen.algo,
        &plan.workspace_bytes_));
  } catch (Error& e) {
    e.add_context("conv_transpose", s.to_string());
    throw;
  }
  return plan;
}

std::string CudnnConvBackwardData::describe() const {
  return "cudnn conv backward-data algo " + std::to_string(algo_) + " " +
         std::string(dtype_name(shape_.dtype));
}

void CudnnConvBackwardData::run(cudnnHandle_t handle, const void* dy, const void* w, void* dx,
                                void* workspace, cudaStream_t stream) const {
  const Descriptors& d = *desc_;
  RILL_CUDNN_CHECK(cudnnSetStream(handle, stream));
  const float one = 1.0f;
  const float zero = 0.0f;
  RILL_CUDNN_CHECK(
      cudnnConvolutionBackwardData(handle, &one, d.w.get(), w, d.dy.get(), dy, d.conv.get(),
                                   static_cast<cudnnConvolutionBwdDataAlgo_t>(algo_), workspace,
                                   workspace_bytes_, &zero, d.dx.get(), dx));
}

}  // namespace rill::kernels
