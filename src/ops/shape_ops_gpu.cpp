// GPU path of the shape-valued ops. Their values are known at plan time, so prepare uploads the
// value once and enqueue() is one device-to-device copy; ConstantOfShape, whose output may be
// large, is a fill kernel instead.
#include <cstring>

#include <cuda_runtime_api.h>

#include "cuda/check.h"
#include "kernels/copy.cuh"
#include "ops/movement.h"
#include "ops/movement_common.h"
#include "ops/shape_ops.h"

namespace rill::ops::movement {

namespace {

// Device memory written once at plan time and only read afterwards, so one kernel serves every
// context at once.
class HostValueKernel final : public GpuKernel {
 public:
  HostValueKernel(const HostTensor& value, std::string what)
      : bytes_(value.bytes()), what_(std::move(what)) {
    if (bytes_ == 0) return;
    RILL_CUDA_CHECK(cudaMalloc(&device_, bytes_));
    try {
      RILL_CUDA_CHECK(cudaMemcpy(device_, value.raw(), bytes_, cudaMemcpyHostToDevice));
    } catch (...) {
      (void)cudaFree(device_);
      throw;
    }
  }
  ~HostValueKernel() override {
    if (device_ != nullptr) (void)cudaFree(device_);
  }
  HostValueKernel(const HostValueKernel&) = delete;
  HostValueKernel& operator=(const HostValueKernel&) = delete;

  void enqueue(const GpuLaunch& launch) const override {
    if (bytes_ == 0) return;
    RILL_CUDA_CHECK(cudaMemcpyAsync(launch.outputs[0], device_, bytes_, cudaMemcpyDeviceToDevice,
                                    launch.stream));
  }
  std::string describe() const override { return what_ + " (plan-time value, device copy)"; }

 private:
  void* device_ = nullptr;
  size_t bytes_ = 0;
  std::string what_;
};

class FillKernel final : public GpuKernel {
 public:
  FillKernel(uint64_t count, size_t element_size, uint64_t bits)
      : count_(count), element_size_(element_size), bits_(bits) {}
  void enqueue(const GpuLaunch& launch) const override {
    kernels::launch_fill(launch.outputs[0], count_, element_size_, bits_, launch.stream);
  }
  std::string describe() const override { return "fill"; }

 private:
  uint64_t count_;
  size_t element_size_;
  uint64_t bits_;
};

}  // namespace

std::unique_ptr<GpuKernel> prepare_host_value_gpu(const GpuPrepareContext& ctx) {
  const InferContext view = infer_view(ctx);
  return std::make_unique<HostValueKernel>(host_value(view), std::string(ctx.node.op_type));
}

std::unique_ptr<GpuKernel> prepare_constant_of_shape_gpu(const GpuPrepareContext& ctx) {
  const InferContext view = infer_view(ctx);
  const HostTensor value = constant_of_shape_fill_value(view);
  uint64_t bits = 0;
  std::memcpy(&bits, value.raw(), value.bytes());
  return std::make_unique<FillKernel>(static_cast<uint64_t>(ctx.outputs[0].elements()),
                                      dtype_size(value.dtype()), bits);
}

}  // namespace rill::ops::movement
