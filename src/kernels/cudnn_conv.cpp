#include "kernels/cudnn_conv.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "cuda/check.h"
#include "kernels/bias_activation.cuh"
#include "kernels/cudnn_types.h"
#include "kernels/library_check.h"
#include "kernels/tuning_bench.h"

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

cudnnDataType_t cudnn_type(DType dtype) { return cudnn_data_type(dtype, "cuDNN convolution"); }

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

// Whether a heuristic result may run: it succeeded, fits the workspace cap, uses no tensor-op
// math when TF32 is off, and is accurate enough. cuDNN's heuristics report FP32 results as
// CUDNN_DEFAULT_MATH even on an FMA descriptor, so only tensor-op math is rejected, and finish()
// forces FMA math on the chosen result (as PyTorch does with allow_tf32 off). Half data (Note
// [Half-precision convolutions]) takes tensor-op results with the math type the heuristics give,
// still skipping FFT and non-fused Winograd.
template <class Perf>
bool qualifies(const Perf& r, const ConvShape& s, size_t max_workspace) {
  if (r.status != CUDNN_STATUS_SUCCESS || r.memory > max_workspace) return false;
  if (is_half(s.dtype)) return accurate_enough(r.algo);
  if (s.allow_tf32) return true;
  const bool tensor_op =
      r.mathType == CUDNN_TENSOR_OP_MATH || r.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
  return !tensor_op && accurate_enough(r.algo);
}

template <class Perf>
Perf finish(Perf chosen, const ConvShape& s) {
  if (!is_half(s.dtype) && !s.allow_tf32) chosen.mathType = CUDNN_FMA_MATH;
  return chosen;
}

// Picks the first (fastest by cuDNN's estimate) qualifying result; `fallback` when none
// qualifies. When `preferred` is given, the first qualifying result it accepts wins over
// earlier ones (half data only: a fusable algorithm saves the epilogue's pass over Y).
template <class Perf, class Algo, class Prefer>
Perf choose(const Perf* results, int count, const ConvShape& s, size_t max_workspace, Algo fallback,
            Prefer&& preferred) {
  if (is_half(s.dtype)) {
    for (int i = 0; i < count; ++i) {
      if (qualifies(results[i], s, max_workspace) && preferred(results[i].algo)) {
        return finish(results[i], s);
      }
    }
  }
  for (int i = 0; i < count; ++i) {
    if (qualifies(results[i], s, max_workspace)) return finish(results[i], s);
  }
  Perf r{};
  r.algo = fallback;
  r.status = CUDNN_STATUS_SUCCESS;
  r.mathType = base_math(s);
  return r;
}

// A cuDNN choice as bytes (Note [Build-time tuning]): the algorithm and the math type the
// heuristics reported for it (before finish()), two little-endian int32s.
template <class Perf>
AlgorithmChoice encode_choice(const Perf& r, float ms, size_t candidates) {
  AlgorithmChoice choice;
  for (int32_t v : {static_cast<int32_t>(r.algo), static_cast<int32_t>(r.mathType)}) {
    for (int b = 0; b < 4; ++b) choice.algorithm.push_back(static_cast<uint8_t>(v >> (8 * b)));
  }
  choice.milliseconds = ms;
  choice.candidates = static_cast<uint32_t>(candidates);
  return choice;
}

// The heuristic result a stored choice names, when it is among this GPU's results and may run
// here; null otherwise. Matching against the heuristics' own list (rather than trusting the
// enum) means a choice from another GPU or cuDNN never reaches a launch it cannot do.
template <class Perf>
const Perf* find_stored(const AlgorithmChoice& choice, const std::vector<Perf>& results,
                        int returned, const ConvShape& s, size_t max_workspace) {
  if (choice.algorithm.size() != 8) return nullptr;
  int32_t fields[2] = {0, 0};
  for (int f = 0; f < 2; ++f) {
    uint32_t v = 0;
    for (int b = 0; b < 4; ++b) v |= uint32_t{choice.algorithm[4 * f + b]} << (8 * b);
    fields[f] = static_cast<int32_t>(v);
  }
  for (int i = 0; i < returned; ++i) {
    const Perf& r = results[static_cast<size_t>(i)];
    if (static_cast<int32_t>(r.algo) == fields[0] &&
        static_cast<int32_t>(r.mathType) == fields[1] && qualifies(r, s, max_workspace)) {
      return &r;
    }
  }
  return nullptr;
}

// Up to `limit` qualifying results, in the heuristics' order.
template <class Perf>
std::vector<Perf> tuning_candidates(const std::vector<Perf>& results, int returned,
                                    const ConvShape& s, size_t max_workspace, int limit) {
  std::vector<Perf> candidates;
  for (int i = 0; i < returned && static_cast<int>(candidates.size()) < limit; ++i) {
    if (qualifies(results[static_cast<size_t>(i)], s, max_workspace)) {
      candidates.push_back(results[static_cast<size_t>(i)]);
    }
  }
  return candidates;
}

constexpr size_t kUnusable = std::numeric_limits<size_t>::max();

// The workspace each candidate needs with the math type it will run with (the heuristics'
// figure is for the math type they report), or kUnusable when cuDNN refuses to size it or it
// exceeds the cap.
template <class Perf, class Configure>
std::vector<size_t> workspace_needs(const std::vector<Perf>& candidates, size_t cap,
                                    Configure&& configure) {
  std::vector<size_t> needs;
  for (const Perf& candidate : candidates) {
    try {
      const size_t need = configure(candidate);
      needs.push_back(need <= cap ? need : kUnusable);
    } catch (const Error&) {
      needs.push_back(kUnusable);
    }
  }
  return needs;
}

// The largest usable need, or kUnusable when no candidate is usable.
size_t largest_need(const std::vector<size_t>& needs) {
  size_t largest = kUnusable;
  for (size_t need : needs) {
    if (need != kUnusable) largest = largest == kUnusable ? need : std::max(largest, need);
  }
  return largest;
}

// The fastest usable candidate (needs[i] != kUnusable) by bench.time of `launch` after
// `configure(candidate)`, with its time in `best_ms`; null when none ran. A candidate cuDNN
// offered but would not run is no candidate.
template <typename Perf, typename Configure, typename Launch>
const Perf* fastest_candidate(const std::vector<Perf>& candidates, const std::vector<size_t>& needs,
                              TuningBench& bench, Configure&& configure, Launch&& launch,
                              float& best_ms) {
  const Perf* best = nullptr;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (needs[i] == kUnusable) continue;
    try {
      configure(candidates[i]);
      const float ms = bench.time(launch);
      if (best == nullptr || ms < best_ms) {
        best = &candidates[i];
        best_ms = ms;
      }
    } catch (const Error&) {
    }
  }
  return best;
}

size_t volume(const std::array<int64_t, 3>& dims) {
  return static_cast<size_t>(dims[0] * dims[1] * dims[2]);
}

const char* fusion_name(ConvFusion fusion) {
  switch (fusion) {
    case ConvFusion::kNone:
      return "none";
    case ConvFusion::kBiasRelu:
      return "bias_relu";
    case ConvFusion::kBiasIdentity:
      return "bias";
  }
  return "?";
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

namespace {

// cudnnConvolutionBiasActivationForward supports RELU with any algorithm and IDENTITY only with
// IMPLICIT_PRECOMP_GEMM. It can still answer NOT_SUPPORTED for other algorithms at run time,
// where there is no way back; the GEMM-based ones are safe. Half data keeps to
// IMPLICIT_PRECOMP_GEMM, the one algorithm documented for every fused configuration.
bool fusable(cudnnConvolutionFwdAlgo_t algo, ConvFusion fusion, bool half) {
  return algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM ||
         (!half && fusion == ConvFusion::kBiasRelu &&
          algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM);
}

}  // namespace

std::string tuning_key(const ConvShape& s, ConvFusion fusion, bool residual) {
  return "cudnn_conv_fwd " + s.to_string() + " fusion=" + fusion_name(fusion) +
         " residual=" + std::to_string(int{residual}) +
         " tf32=" + std::to_string(int{s.allow_tf32});
}

CudnnConvForward CudnnConvForward::plan(cudnnHandle_t handle, const ConvShape& s, ConvFusion fusion,
                                        bool residual, AlgorithmSelector* selector) {
  if (handle == nullptr) {
    throw Error(ErrorKind::kInternal, "cuDNN convolution planned without a cuDNN handle");
  }
  CudnnConvForward plan;
  plan.shape_ = s;
  plan.fusion_ = fusion;
  plan.residual_ = residual;
  plan.relu_ = fusion == ConvFusion::kBiasRelu;
  plan.y_bytes_ =
      static_cast<size_t>(s.batch * s.out_channels) * volume(s.output) * dtype_size(s.dtype);
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

    // Note [Build-time tuning]: a stored choice cuDNN still offers, else timed candidates.
    if (selector != nullptr) {
      const std::string key = tuning_key(s, fusion, residual);
      if (const AlgorithmChoice* stored = selector->find(key)) {
        if (const auto* r = find_stored(*stored, results, returned, s, kMaxWorkspaceBytes)) {
          plan.configure(handle, finish(*r, s));
          plan.tuned_ = true;
          return plan;
        }
        selector->rejected(key);
      }
      if (TuningBench* bench = selector->bench()) {
        const auto candidates =
            tuning_candidates(results, returned, s, kMaxWorkspaceBytes, bench->max_candidates());
        if (plan.tune(handle, candidates, *bench, *selector, key)) return plan;
      }
    }
    const bool half = is_half(s.dtype);
    const auto prefer = [&](cudnnConvolutionFwdAlgo_t algo) {
      return fusion != ConvFusion::kNone && fusable(algo, fusion, half);
    };
    plan.configure(handle, choose(results.data(), returned, s, kMaxWorkspaceBytes,
                                  CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, prefer));
  } catch (Error& e) {
    e.add_context("conv", s.to_string());
    throw;
  }
  return plan;
}

void CudnnConvForward::configure(cudnnHandle_t handle,
                                 const cudnnConvolutionFwdAlgoPerf_t& chosen) {
  const ConvShape& s = shape_;
  Descriptors& d = *desc_;
  RILL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), chosen.mathType));
  algo_ = chosen.algo;
  RILL_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(
      handle, d.x.get(), d.w.get(), d.conv.get(), d.y.get(), chosen.algo, &workspace_bytes_));
  fused_ = fusable(chosen.algo, fusion_, is_half(s.dtype)) &&
           (fusion_ == ConvFusion::kBiasRelu || fusion_ == ConvFusion::kBiasIdentity);
  if (fused_ && !d.bias) {
    ConvShape bias_shape = s;
    bias_shape.batch = 1;
    d.bias = make_tensor(bias_shape, s.out_channels, {1, 1, 1});
    cudnnActivationDescriptor_t raw = nullptr;
    RILL_CUDNN_CHECK(cudnnCreateActivationDescriptor(&raw));
    d.activation.reset(raw);
    RILL_CUDNN_CHECK(
        cudnnSetActivationDescriptor(raw, relu_ ? CUDNN_ACTIVATION_RELU : CUDNN_ACTIVATION_IDENTITY,
                                     CUDNN_NOT_PROPAGATE_NAN, 0.0));
  }
}

bool CudnnConvForward::tune(cudnnHandle_t handle,
                            const std::vector<cudnnConvolutionFwdAlgoPerf_t>& candidates,
                            TuningBench& bench, AlgorithmSelector& selector,
                            const std::string& key) {
  const ConvShape& s = shape_;
  const std::vector<size_t> needs =
      workspace_needs(candidates, kMaxWorkspaceBytes, [&](const auto& candidate) {
        configure(handle, finish(candidate, s));
        return workspace_bytes_;
      });
  const size_t workspace = largest_need(needs);
  if (workspace == kUnusable) return false;
  const size_t element = dtype_size(s.dtype);
  const std::vector<void*> buffers = bench.buffers(
      {static_cast<size_t>(s.batch * s.in_channels) * volume(s.input) * element,
       static_cast<size_t>(s.out_channels * (s.in_channels / s.group)) * volume(s.kernel) * element,
       static_cast<size_t>(s.out_channels) * element, y_bytes_, y_bytes_, workspace});
  // A candidate that cannot fuse the requested bias and activation leaves them to the caller's
  // bias_activation pass (ops/conv_gpu.cpp): timed here too, so that fused and unfused
  // candidates are compared on the whole layer.
  BiasActivationParams epilogue;
  const size_t spatial = volume(s.output);
  epilogue.outer = s.channels_last ? s.batch * static_cast<int64_t>(spatial) : s.batch;
  epilogue.channels = s.out_channels;
  epilogue.inner = s.channels_last ? 1 : static_cast<int64_t>(spatial);
  epilogue.activation = relu_ ? Activation::kRelu : Activation::kNone;
  float best_ms = 0.0f;
  const cudnnConvolutionFwdAlgoPerf_t* best = fastest_candidate(
      candidates, needs, bench, [&](const auto& candidate) { configure(handle, finish(candidate, s)); },
      [&](cudaStream_t stream) {
        const bool done = run(handle, buffers[0], buffers[1], buffers[2],
                              residual_ ? buffers[3] : nullptr, buffers[4], buffers[5], stream);
        if (!done && fusion_ != ConvFusion::kNone) {
          launch_bias_activation(s.dtype, epilogue, buffers[4], buffers[2], buffers[4], stream);
        }
      },
      best_ms);
  if (best == nullptr) return false;
  configure(handle, finish(*best, s));
  tuned_ = true;
  selector.tuned(key, encode_choice(*best, best_ms, candidates.size()));
  return true;
}

std::string CudnnConvForward::describe() const {
  std::string text = std::string("cudnn conv ") + fwd_algo_name(algo_) + " " +
                     std::string(dtype_name(shape_.dtype)) + (shape_.channels_last ? " nhwc" : "");
  if (residual_) text += " +residual";
  if (fused_) text += relu_ ? " +bias+relu" : " +bias";
  if (tuned_) text += ", tuned";
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

std::string tuning_key_backward_data(const ConvShape& s) {
  return "cudnn_conv_bwd_data " + s.to_string() + " tf32=" + std::to_string(int{s.allow_tf32});
}

CudnnConvBackwardData CudnnConvBackwardData::plan(cudnnHandle_t handle, const ConvShape& s,
                                                  AlgorithmSelector* selector) {
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
    // Note [Build-time tuning], as in the forward plan.
    if (selector != nullptr) {
      const std::string key = tuning_key_backward_data(s);
      if (const AlgorithmChoice* stored = selector->find(key)) {
        if (const auto* r = find_stored(*stored, results, returned, s, kMaxWorkspaceBytes)) {
          plan.configure(handle, finish(*r, s));
          plan.tuned_ = true;
          return plan;
        }
        selector->rejected(key);
      }
      if (TuningBench* bench = selector->bench()) {
        const auto candidates =
            tuning_candidates(results, returned, s, kMaxWorkspaceBytes, bench->max_candidates());
        if (plan.tune(handle, candidates, *bench, *selector, key)) return plan;
      }
    }
    plan.configure(handle, choose(results.data(), returned, s, kMaxWorkspaceBytes,
                                  CUDNN_CONVOLUTION_BWD_DATA_ALGO_1,
                                  [](cudnnConvolutionBwdDataAlgo_t) { return false; }));
  } catch (Error& e) {
    e.add_context("conv_transpose", s.to_string());
    throw;
  }
  return plan;
}

void CudnnConvBackwardData::configure(cudnnHandle_t handle,
                                      const cudnnConvolutionBwdDataAlgoPerf_t& chosen) {
  Descriptors& d = *desc_;
  RILL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), chosen.mathType));
  algo_ = chosen.algo;
  RILL_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(
      handle, d.w.get(), d.dy.get(), d.conv.get(), d.dx.get(), chosen.algo, &workspace_bytes_));
}

bool CudnnConvBackwardData::tune(cudnnHandle_t handle,
                                 const std::vector<cudnnConvolutionBwdDataAlgoPerf_t>& candidates,
                                 TuningBench& bench, AlgorithmSelector& selector,
                                 const std::string& key) {
  const ConvShape& s = shape_;
  const std::vector<size_t> needs =
      workspace_needs(candidates, kMaxWorkspaceBytes, [&](const auto& candidate) {
        configure(handle, finish(candidate, s));
        return workspace_bytes_;
      });
  const size_t workspace = largest_need(needs);
  if (workspace == kUnusable) return false;
  const size_t element = dtype_size(s.dtype);
  const std::vector<void*> buffers = bench.buffers(
      {static_cast<size_t>(s.batch * s.out_channels) * volume(s.output) * element,
       static_cast<size_t>(s.out_channels * (s.in_channels / s.group)) * volume(s.kernel) * element,
       static_cast<size_t>(s.batch * s.in_channels) * volume(s.input) * element, workspace});
  float best_ms = 0.0f;
  const cudnnConvolutionBwdDataAlgoPerf_t* best = fastest_candidate(
      candidates, needs, bench, [&](const auto& candidate) { configure(handle, finish(candidate, s)); },
      [&](cudaStream_t stream) { run(handle, buffers[0], buffers[1], buffers[2], buffers[3], stream); },
      best_ms);
  if (best == nullptr) return false;
  configure(handle, finish(*best, s));
  tuned_ = true;
  selector.tuned(key, encode_choice(*best, best_ms, candidates.size()));
  return true;
}

std::string CudnnConvBackwardData::describe() const {
  return "cudnn conv backward-data algo " + std::to_string(algo_) + " " +
         std::string(dtype_name(shape_.dtype)) + (tuned_ ? ", tuned" : "");
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
