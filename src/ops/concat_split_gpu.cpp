// GPU preparation of Concat and Split: both move rows between the joined tensor, seen as
// [outer, axis * inner], and its parts, [outer, size_j * inner]. One launch moves up to
// kernels::kMaxParts parts (blockIdx.y picks the part). Rows move in the widest unit (up to 16
// bytes) that divides every row and offset; enqueue falls back to element-sized units when a
// pointer is not aligned to it.
#include <cstdint>
#include <numeric>

#include "kernels/copy.cuh"
#include "ops/movement.h"
#include "ops/movement_plans.h"
#include "ops/strided_gpu.h"

namespace rill::ops::movement {

namespace {

struct Launches {
  size_t unit = 1;
  std::vector<kernels::RowPartsParams> chunks;  // parts [c * kMaxParts, ...)
};

Launches make_launches(const AxisPartsPlan& plan, size_t unit, size_t element_size) {
  const auto to_units = [&](int64_t elements) {
    return static_cast<uint32_t>(static_cast<uint64_t>(elements) * element_size / unit);
  };
  Launches launches;
  launches.unit = unit;
  int64_t offset = 0;  // elements
  const int64_t joined_row = plan.joined_shape[plan.axis] * plan.inner;
  for (size_t j = 0; j < plan.sizes.size(); ++j) {
    if (j % kernels::kMaxParts == 0) {
      launches.chunks.emplace_back();
      launches.chunks.back().outer = static_cast<uint32_t>(plan.outer);
      launches.chunks.back().joined_row = to_units(joined_row);
    }
    kernels::RowPartsParams& p = launches.chunks.back();
    const int64_t row = plan.sizes[j] * plan.inner;
    // An empty part keeps a nonzero divisor; part_units = 0 keeps the kernel off it.
    p.part_row[p.parts] = kernels::FastDivmod(row > 0 ? to_units(row) : 1);
    p.part_offset[p.parts] = to_units(offset);
    p.part_units[p.parts] = static_cast<uint32_t>(plan.outer) * to_units(row);
    p.max_part_units = std::max(p.max_part_units, p.part_units[p.parts]);
    ++p.parts;
    offset += row;
  }
  return launches;
}

class RowPartsKernel final : public GpuKernel {
 public:
  RowPartsKernel(bool split, Launches wide, Launches narrow, std::vector<bool> empty)
      : split_(split),
        wide_(std::move(wide)),
        narrow_(std::move(narrow)),
        empty_(std::move(empty)) {}

  void enqueue(const GpuLaunch& launch) const override {
    const void* joined = split_ ? launch.inputs[0] : launch.outputs[0];
    auto part = [&](size_t j) -> void* {
      return split_ ? launch.outputs[j] : const_cast<void*>(launch.inputs[j]);
    };
    // The wide unit needs every pointer it touches aligned to it.
    const auto aligned = [&](const void* ptr) {
      return reinterpret_cast<uintptr_t>(ptr) % wide_.unit == 0;
    };
    bool use_wide = aligned(joined);
    for (size_t j = 0; j < empty_.size() && use_wide; ++j) {
      use_wide = empty_[j] || aligned(part(j));
    }
    const Launches& launches = use_wide ? wide_ : narrow_;
    for (size_t c = 0; c < launches.chunks.size(); ++c) {
      kernels::PartPointers pointers;
      for (int k = 0; k < launches.chunks[c].parts; ++k) {
        pointers.ptr[k] = part(c * kernels::kMaxParts + k);
      }
      if (split_) {
        kernels::launch_split(launches.chunks[c], launches.unit, joined, pointers, launch.stream);
      } else {
        kernels::launch_concat(launches.chunks[c], launches.unit, pointers,
                               const_cast<void*>(joined), launch.stream);
      }
    }
  }
  std::string describe() const override {
    return std::string(split_ ? "split" : "concat") + " (" + std::to_string(empty_.size()) +
           " parts, " + std::to_string(wide_.unit) + "-byte units)";
  }

 private:
  bool split_;
  Launches wide_;
  Launches narrow_;
  std::vector<bool> empty_;
};

std::unique_ptr<GpuKernel> prepare_row_parts(const InferContext& ctx, const AxisPartsPlan& plan,
                                             bool split) {
  const size_t element_size = dtype_size(ctx.inputs[0].dtype);
  check_kernel_elements(ctx, ir::element_count(plan.joined_shape));
  // Widest unit dividing every row's bytes (offsets are sums of rows).
  uint64_t common = static_cast<uint64_t>(plan.joined_shape[plan.axis] * plan.inner) * element_size;
  for (int64_t s : plan.sizes) {
    common = std::gcd(common, static_cast<uint64_t>(s * plan.inner) * element_size);
  }
  size_t unit = element_size;
  while (unit < 16 && common % (unit * 2) == 0 && common != 0) unit *= 2;
  std::vector<bool> empty;
  for (int64_t s : plan.sizes) empty.push_back(s * plan.inner * plan.outer == 0);
  return std::make_unique<RowPartsKernel>(split, make_launches(plan, unit, element_size),
                                          make_launches(plan, element_size, element_size),
                                          std::move(empty));
}

}  // namespace

std::unique_ptr<GpuKernel> prepare_concat_gpu(const GpuPrepareContext& gpu) {
  const InferContext ctx = infer_view(gpu);
  return prepare_row_parts(ctx, plan_concat(ctx), false);
}

std::unique_ptr<GpuKernel> prepare_split_gpu(const GpuPrepareContext& gpu) {
  const InferContext ctx = infer_view(gpu);
  return prepare_row_parts(ctx, plan_split(ctx), true);
}

}  // namespace rill::ops::movement
