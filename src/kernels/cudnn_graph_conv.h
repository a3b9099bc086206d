// Convolutions with their epilogue as one cuDNN operation graph (the backend API).
//
// Note [Graph-API convolutions]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// Y = relu(conv(X, W) + bias + Z) is described to cuDNN as a graph: a forward convolution into a
// virtual float tensor, pointwise adds of the bias and the residual Z, and a pointwise ReLU into
// Y (each part present only when the layer has it). cuDNN's heuristics rank the engines that can
// run the whole graph, and the first one that qualifies and finalizes is kept. These engines
// include the convolution kernels built for the GPU at hand (Hopper's among them) that the legacy
// API's eight algorithm enums do not reach, and they fuse the epilogue into the convolution's
// store instead of restricting the algorithm as cudnnConvolutionBiasActivationForward does.
//
// An engine qualifies when it is deterministic (rill's results are bit-identical run to run),
// uses no FFT or Winograd transform and no reduced-precision reduction, needs at most
// kMaxWorkspaceBytes, and is precompiled: engines that compile at run time (NVRTC, cuDNN's
// "runtime fusion" engines) are skipped unless asked for, because a plan is made at the first
// run of a shape, where compiling per layer would stall the caller, and because on the H200 they
// were slower anyway (docs/PERFORMANCE.md: ResNet-50 FP16 batch 32 1.764 ms with them against
// 1.671 ms without). float32 data without TF32 also rules out tensor-core engines and those
// that down-convert their inputs, which would miss rill's FP32 accuracy. When no engine
// qualifies, plan() says why and the caller keeps the legacy path (cudnn_conv.h). In practice,
// on the H200 with cuDNN 9: convolutions with bias and ReLU find precompiled engines; those that
// also add a residual find only runtime-compiled ones and stay on the legacy fused call.
//
// Every tensor is declared 16-byte aligned; run() declines (returns false) when a caller's
// address is not, and the caller then takes the legacy path for that launch.
//
// RILL_CUDNN_CONV in the environment chooses for the Conv op, for A/B measurements: "legacy"
// turns this path off, "graph-rtc" allows runtime-compiled engines, "graph" is the default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "kernels/cudnn_backend.h"
#include "kernels/cudnn_conv.h"

namespace rill::kernels {

//! What follows the convolution inside the graph: Y = [relu](conv [+ bias] [+ Z]).
struct ConvEpilogue {
  bool bias = false;
  bool residual = false;
  bool relu = false;
};

class CudnnGraphConv {
 public:
  static constexpr size_t kMaxWorkspaceBytes = CudnnConvForward::kMaxWorkspaceBytes;

  //! The plan for `shape` with `epilogue`, or nullopt (with the reason in `why`) when no engine
  //! qualifies (Note [Graph-API convolutions]) or the path is turned off.
  struct Policy {
    bool allow_runtime_compiled = false;
  };
  static std::optional<CudnnGraphConv> plan(cudnnHandle_t handle, const ConvShape& shape,
                                            ConvEpilogue epilogue, Policy policy,
                                            std::string* why);
  //! False when RILL_CUDNN_CONV=legacy.
  static bool enabled();
  //! The policy RILL_CUDNN_CONV asks for.
  static Policy policy_from_environment();

  CudnnGraphConv(CudnnGraphConv&&) noexcept = default;
  CudnnGraphConv& operator=(CudnnGraphConv&&) noexcept = default;

  size_t workspace_bytes() const noexcept { return workspace_bytes_; }
  std::string describe() const;

  //! Runs the graph on `stream` (binding `handle` to it). Returns false, having done nothing,
  //! when an address is not 16-byte aligned. Asynchronous and capturable.
  [[nodiscard]] bool run(cudnnHandle_t handle, const void* x, const void* w, const void* bias,
                         const void* z, void* y, void* workspace, cudaStream_t stream) const;

 private:
  CudnnGraphConv() = default;

  ConvShape shape_;
  ConvEpilogue epilogue_;
  //! The operation graph's descriptors, kept alive for the plan that refers to them (a deque:
  //! planning holds references to earlier elements while it appends).
  std::deque<cudnn::BackendDescriptor> keep_alive_;
  cudnn::BackendDescriptor plan_;
  int64_t engine_index_ = -1;
  size_t workspace_bytes_ = 0;
};

}  // namespace rill::kernels
