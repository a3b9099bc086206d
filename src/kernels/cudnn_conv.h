// Convolutions through cuDNN's legacy API, planned once for fixed shapes.
//
// Note [cuDNN stream binding]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~
// A cuDNN handle carries "its" stream (cudnnSetStream), so a handle may serve one stream at a
// time: the execution context owns one handle and each run() binds it to the launch's stream
// right before the call. Descriptors are created at plan time and only read afterwards, so one
// plan may be launched through different handles from different threads at once.
//
// Tensors are packed NC(D)HW. 1-D convolutions are run as 2-D ones with a unit height, because
// cuDNN's N-d descriptors want at least four dimensions. cuDNN pads symmetrically; callers with
// asymmetric pads pad or crop around the call (see window_copy.cuh).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include <cuda_runtime_api.h>
#include <cudnn.h>

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

  std::string to_string() const;
};

//! What the forward plan fuses after the convolution (cudnnConvolutionBiasActivationForward).
enum class ConvFusion {
  kNone,          //!< Y = conv(X, W)
  kBiasRelu,      //!< Y = relu(conv(X, W) + bias): always fused
  kBiasIdentity,  //!< Y = conv(X, W) + bias: fused only when the chosen algorithm allows it
};

class CudnnConvForward {
 public:
  //! Largest workspace a plan accepts.
  static constexpr size_t kMaxWorkspaceBytes = size_t{256} << 20;

  static CudnnConvForward plan(cudnnHandle_t handle, const ConvShape& shape, ConvFusion fusion);

  CudnnConvForward(CudnnConvForward&&) noexcept;
  CudnnConvForward& operator=(CudnnConvForward&&) noexcept;
  ~CudnnConvForward();

  size_t workspace_bytes() const noexcept { return workspace_bytes_; }
  //! True when run() adds the bias (and applies relu) itself; false means the caller must.
  bool fused() const noexcept { return fused_; }
  std::string describe() const;

  //! Y = conv(X, W) [+ bias, relu when fused()]. Binds `handle` to `stream`
  //! (Note [cuDNN stream binding]). Asynchronous, allocation-free, capturable.
  void run(cudnnHandle_t handle, const void* x, const void* w, const void* bias, void* y,
           void* workspace, cudaStream_t stream) const;

 private:
  struct Descriptors;
  CudnnConvForward() = default;

  ConvShape shape_;
  std::unique_ptr<Descriptors> desc_;
  int algo_ = 0;
  size_t workspace_bytes_ = 0;
  bool fused_ = false;
  bool relu_ = false;
};

//! dX = conv_backward_data(dY, W): the core of ConvTranspose (no bias).
class CudnnConvBackwardData {
 public:
  static constexpr size_t kMaxWorkspaceBytes = size_t{256} << 20;

  static CudnnConvBackwardData plan(cudnnHandle_t handle, const ConvShape& shape);

  CudnnConvBackwardData(CudnnConvBackwardData&&) noexcept;
  CudnnConvBackwardData& operator=(CudnnConvBackwardData&&) noexcept;
  ~CudnnConvBackwardData();

  size_t workspace_bytes() const noexcept { return workspace_bytes_; }
  std::string describe() const;

  //! dx (shape.input) from dy (shape.output) and w.
  void run(cudnnHandle_t handle, const void* dy, const void* w, void* dx, void* workspace,
           cudaStream_t stream) const;

 private:
  struct Descriptors;
  CudnnConvBackwardData() = default;

  ConvShape shape_;
  std::unique_ptr<Descriptors> desc_;
  int algo_ = 0;
  size_t workspace_bytes_ = 0;
};

}  // namespace rill::kernels
