// Convolutions through cuDNN's legacy API, planned once for fixed shapes.
//
// Note [cuDNN stream binding]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~
// A cuDNN handle carries "its" stream (cudnnSetStream), so a handle may serve one stream at a
// time: the execution context owns one handle and each run() binds it to the launch's stream
// right before the call. Descriptors are created at plan time and only read afterwards, so one
// plan may be launched through different handles from different threads at once.
//
// Tensors are packed NC(D)HW, or N(D)HWC with filters K(T)RSC when ConvShape::channels_last
// (Note [Channels-last convolutions]). 1-D convolutions are run as 2-D ones with a unit height,
// because cuDNN's N-d descriptors want at least four dimensions. cuDNN pads symmetrically;
// callers with asymmetric pads pad or crop around the call (see window_copy.cuh).
//
// Note [Half-precision convolutions]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// float16 and bfloat16 data run with a float compute type (cuDNN's PSEUDO_HALF and
// PSEUDO_BFLOAT16 configurations: float accumulators, one rounding at the store) and
// CUDNN_TENSOR_OP_MATH, so cuDNN may use tensor cores; the heuristics' math type is kept. float32
// keeps its rules: FMA math unless TF32 is allowed, no FFT or non-fused Winograd.
//
// Note [Fused residual convolutions]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// Y = act(conv(X, W) + bias + Z) is one cudnnConvolutionBiasActivationForward call with
// alpha2 = 1 (Z must have Y's shape and layout). We use the legacy API rather than the backend
// graph API's runtime-fusion engines: the legacy call is documented for exactly this pattern,
// its heuristics are one call, and its restrictions are known (see the algorithm rule in
// CudnnConvForward::plan); a backend operation graph (conv -> add bias -> add Z -> relu) needs
// engine-config filtering and variant packs we could not validate without a GPU. When the chosen
// algorithm cannot fuse, or cuDNN refuses the fused call at run time (it may, for configurations
// its heuristics offered), run() falls back to copy Z into Y, conv with beta = 1 (Y = conv + Z),
// and the caller applies bias and activation, so the result is the same either way.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "kernels/algorithm_selector.h"
#include "rill/dtype.h"

namespace rill::kernels {

//! A forward convolution X -> Y with filter W [out_channels, in_channels/group, kernel...].
//! For backward data (ConvTranspose) the same shape describes the forward convolution whose
//! data gradient is wanted: "input" is the ConvTranspose output, "output" its input.
struct ConvShape {
  DType dtype = DType::kFloat32;
  int spatial = 2;  //!< 1, 2 or 3
  int64_t batch = 1, in_channels = 1, out_channels = 1, group = 1;
  std::array<int64_t, 3> input{1, 1, 1}, output{1, 1, 1}, kernel{1, 1, 1};
  std::array<int64_t, 3> stride{1, 1, 1}, dilation{1, 1, 1}, pad{0, 0, 0};  //!< pad: both sides
  bool allow_tf32 = false;
  //! N(D)HWC data and K(T)RSC filters instead of NC(D)HW / KC(T)RS.
  bool channels_last = false;

  std::string to_string() const;
};

//! What the forward plan fuses after the convolution (cudnnConvolutionBiasActivationForward).
enum class ConvFusion {
  kNone,          //!< Y = conv(X, W)
  kBiasRelu,      //!< Y = relu(conv(X, W) + bias): always fused
  kBiasIdentity,  //!< Y = conv(X, W) + bias: fused only when the chosen algorithm allows it
};

//! The keys tuned algorithms are stored under (Note [Build-time tuning]).
std::string tuning_key(const ConvShape& shape, ConvFusion fusion, bool residual);
std::string tuning_key_backward_data(const ConvShape& shape);

class CudnnConvForward {
 public:
  //! Largest workspace a plan accepts.
  static constexpr size_t kMaxWorkspaceBytes = size_t{256} << 20;

  //! `residual`: run() gets a Z of Y's shape to add before the activation
  //! (Note [Fused residual convolutions]). The algorithm is `selector`'s stored choice when
  //! cuDNN's heuristics still offer it for this problem, else the fastest candidate timed on the
  //! selector's bench, else the heuristics' pick (Note [Build-time tuning]).
  static CudnnConvForward plan(cudnnHandle_t handle, const ConvShape& shape, ConvFusion fusion,
                               bool residual = false, AlgorithmSelector* selector = nullptr);

  CudnnConvForward(CudnnConvForward&&) noexcept;
  CudnnConvForward& operator=(CudnnConvForward&&) noexcept;
  ~CudnnConvForward();

  size_t workspace_bytes() const noexcept { return workspace_bytes_; }
  //! True when run() adds the bias (and applies relu) itself; false means the caller must.
  //! A planned residual is added by run() either way.
  bool fused() const noexcept { return fused_; }
  //! True when the algorithm came from tuning (timed now or a stored choice).
  bool tuned() const noexcept { return tuned_; }
  std::string describe() const;

  //! Y = conv(X, W) [+ Z when planned with residual] [+ bias, relu when fused()]. Binds `handle`
  //! to `stream` (Note [cuDNN stream binding]). Asynchronous, allocation-free, capturable.
  //! Returns whether bias and activation were applied: false when not fused(), or when cuDNN
  //! refused the fused call at run time and the unfused sequence ran instead; the caller then
  //! applies them (Z is added either way).
  [[nodiscard]] bool run(cudnnHandle_t handle, const void* x, const void* w, const void* bias,
                         const void* z, void* y, void* workspace, cudaStream_t stream) const;

 private:
  struct Descriptors;
  CudnnConvForward() = default;
  // Sets the algorithm, its math type and workspace, and whether run() fuses.
  void configure(cudnnHandle_t handle, const cudnnConvolutionFwdAlgoPerf_t& chosen);
  // Times `candidates` and configures the fastest; false when none ran.
  bool tune(cudnnHandle_t handle, const std::vector<cudnnConvolutionFwdAlgoPerf_t>& candidates,
            TuningBench& bench, AlgorithmSelector& selector, const std::string& key);

  ConvShape shape_;
  std::unique_ptr<Descriptors> desc_;
  int algo_ = 0;
  size_t workspace_bytes_ = 0;
  ConvFusion fusion_ = ConvFusion::kNone;
  bool fused_ = false;
  bool relu_ = false;
  bool residual_ = false;
  bool tuned_ = false;
  size_t y_bytes_ = 0;  //!< for the unfused residual's copy of Z into Y
};

//! dX = conv_backward_data(dY, W): the core of ConvTranspose (no bias).
class CudnnConvBackwardData {
 public:
  static constexpr size_t kMaxWorkspaceBytes = size_t{256} << 20;

  //! Chooses the algorithm as CudnnConvForward::plan does.
  static CudnnConvBackwardData plan(cudnnHandle_t handle, const ConvShape& shape,
                                    AlgorithmSelector* selector = nullptr);

  CudnnConvBackwardData(CudnnConvBackwardData&&) noexcept;
  CudnnConvBackwardData& operator=(CudnnConvBackwardData&&) noexcept;
  ~CudnnConvBackwardData();

  size_t workspace_bytes() const noexcept { return workspace_bytes_; }
  bool tuned() const noexcept { return tuned_; }
  std::string describe() const;

  //! dx (shape.input) from dy (shape.output) and w.
  void run(cudnnHandle_t handle, const void* dy, const void* w, void* dx, void* workspace,
           cudaStream_t stream) const;

 private:
  struct Descriptors;
  CudnnConvBackwardData() = default;
  void configure(cudnnHandle_t handle, const cudnnConvolutionBwdDataAlgoPerf_t& chosen);
  bool tune(cudnnHandle_t handle, const std::vector<cudnnConvolutionBwdDataAlgoPerf_t>& candidates,
            TuningBench& bench, AlgorithmSelector& selector, const std::string& key);

  ConvShape shape_;
  std::unique_ptr<Descriptors> desc_;
  int algo_ = 0;
  size_t workspace_bytes_ = 0;
  bool tuned_ = false;
};

}  // namespace rill::kernels
