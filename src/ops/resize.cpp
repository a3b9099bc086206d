// Resize (opset 11+ input layout: X, roi, scales, sizes): nearest and N-linear with ONNX's
// coordinate transformations. The coordinate math is shared with the GPU kernel
// (kernels/resize.cuh) so both round the same way. GPU in resize_gpu.cpp.
#include <cmath>

#include "ops/movement.h"
#include "ops/movement_plans.h"

namespace rill::ops::movement {

namespace {

using kernels::ResizeCoordMode;
using kernels::ResizeNearestMode;

ResizeCoordMode coord_mode_of(const InferContext& ctx) {
  const std::string mode = ctx.node.attr_string("coordinate_transformation_mode", "half_pixel");
  if (mode == "half_pixel") return ResizeCoordMode::kHalfPixel;
  if (mode == "half_pixel_symmetric") return ResizeCoordMode::kHalfPixelSymmetric;
  if (mode == "pytorch_half_pixel") return ResizeCoordMode::kPytorchHalfPixel;
  if (mode == "align_corners") return ResizeCoordMode::kAlignCorners;
  if (mode == "asymmetric") return ResizeCoordMode::kAsymmetric;
  if (mode == "tf_half_pixel_for_nn") return ResizeCoordMode::kTfHalfPixelForNn;
  unsupported(ctx, "Resize coordinate_transformation_mode '" + mode + "'");
}

ResizeNearestMode nearest_mode_of(const InferContext& ctx) {
  const std::string mode = ctx.node.attr_string("nearest_mode", "round_prefer_floor");
  if (mode == "round_prefer_floor") return ResizeNearestMode::kRoundPreferFloor;
  if (mode == "round_prefer_ceil") return ResizeNearestMode::kRoundPreferCeil;
  if (mode == "floor") return ResizeNearestMode::kFloor;
  if (mode == "ceil") return ResizeNearestMode::kCeil;
  invalid(ctx, "Resize nearest_mode '" + mode + "'");
}

}  // namespace

ResizePlan plan_resize(const InferContext& ctx) {
  const Node& node = ctx.node;
  if (node.inputs.size() == 2) {
    unsupported(ctx, "Resize with the opset-10 input layout (X, scales)");
  }
  check_arity(ctx, 1, 4, 1);
  const TensorDesc& x = ctx.inputs[0];
  const auto rank = static_cast<int64_t>(x.shape.size());
  ResizePlan plan;
  const std::string mode = node.attr_string("mode", "nearest");
  if (mode == "cubic") {
    unsupported(ctx, "Resize mode 'cubic' is not implemented (nearest and linear are)");
  }
  if (mode != "nearest" && mode != "linear") invalid(ctx, "Resize mode '" + mode + "'");
  plan.linear = mode == "linear";
  if (plan.linear && x.dtype != DType::kFloat32 && x.dtype != DType::kFloat64) {
    unsupported(ctx, "linear Resize of " + std::string(dtype_name(x.dtype)) +
                         " (float32 and float64 are supported)");
  }
  plan.coord_mode = coord_mode_of(ctx);
  plan.nearest_mode = nearest_mode_of(ctx);
  if (node.attr_int("antialias", 0) != 0) unsupported(ctx, "Resize with antialias=1");
  if (node.has_attribute("axes")) unsupported(ctx, "Resize with the axes attribute (opset 18)");
  if (node.attr_string("keep_aspect_ratio_policy", "stretch") != "stretch") {
    unsupported(ctx, "Resize keep_aspect_ratio_policy other than 'stretch'");
  }

  std::vector<double> scales;
  if (present(ctx, 2) && ctx.inputs[2].elements() > 0) {
    scales = ctx.constant(2).as_doubles();
  }
  std::vector<int64_t> sizes;
  if (present(ctx, 3) && ctx.inputs[3].elements() > 0) sizes = constant_ints(ctx, 3);
  if (scales.empty() == sizes.empty()) invalid(ctx, "Resize needs exactly one of scales and sizes");
  if (static_cast<int64_t>(scales.size() + sizes.size()) != rank) {
    invalid(ctx, "scales/sizes must have one entry per input dim");
  }
  for (int64_t d = 0; d < rank; ++d) {
    const int64_t in = x.shape[d];
    kernels::ResizeAxis axis;
    int64_t out = 0;
    if (!scales.empty()) {
      const auto scale = static_cast<float>(scales[d]);
      if (!(scale > 0.0f)) invalid(ctx, "Resize scales must be positive");
      out = static_cast<int64_t>(std::floor(static_cast<double>(in) * static_cast<double>(scale)));
      axis.scale = scale;
    } else {
      out = sizes[d];
      if (out < 0) invalid(ctx, "negative Resize size");
      axis.scale = in > 0 ? static_cast<float>(out) / static_cast<float>(in) : 1.0f;
    }
    if (in > kernels::kMaxKernelElements || out > kernels::kMaxKernelElements) {
      unsupported(ctx, "Resize dim too large");
    }
    axis.in_size = static_cast<int32_t>(in);
    axis.out_size = static_cast<int32_t>(out);
    if (plan.coord_mode == ResizeCoordMode::kHalfPixelSymmetric && in > 0) {
      const float adjustment = static_cast<float>(out) / (axis.scale * static_cast<float>(in));
      const float center = static_cast<float>(in) / 2.0f;
      axis.offset = center * (1.0f - adjustment);
    }
    if (in == 0 && out > 0) invalid(ctx, "Resize of an empty dim to a nonempty one");
    plan.axes.push_back(axis);
    plan.out_shape.push_back(out);
  }
  return plan;
}

namespace {

std::vector<TensorDesc> resize_infer(const InferContext& ctx) {
  return {TensorDesc{ctx.inputs[0].dtype, plan_resize(ctx).out_shape}};
}

template <class T>
T linear_value(const ResizePlan& plan, const T* in, const std::vector<int64_t>& in_strides,
               const std::vector<int64_t>& coord) {
  int64_t base = 0;
  std::vector<int64_t> steps;
  std::vector<float> weights;
  for (size_t d = 0; d < coord.size(); ++d) {
    const float x =
        kernels::resize_source_coord(plan.coord_mode, plan.axes[d], static_cast<int32_t>(coord[d]));
    const kernels::LinearTap tap = kernels::resize_linear_tap(x, plan.axes[d].in_size);
    base += tap.lower * in_strides[d];
    if (tap.weight > 0.0f && tap.upper != tap.lower) {
      steps.push_back((tap.upper - tap.lower) * in_strides[d]);
      weights.push_back(tap.weight);
    }
  }
  double sum = 0.0;
  for (size_t corner = 0; corner < (size_t{1} << steps.size()); ++corner) {
    double w = 1.0;
    int64_t offset = base;
    for (size_t a = 0; a < steps.size(); ++a) {
      if (corner & (size_t{1} << a)) {
        w *= weights[a];
        offset += steps[a];
      } else {
        w *= 1.0f - weights[a];
      }
    }
    sum += w * static_cast<double>(in[offset]);
  }
  return static_cast<T>(sum);
}

std::vector<HostTensor> resize_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const HostInferContext host(node, inputs);
  const ResizePlan plan = plan_resize(host.ctx());
  const HostTensor& in = inputs[0];
  const std::vector<int64_t> in_strides = strides_of(in.shape());
  HostTensor out(in.dtype(), plan.out_shape);
  const size_t size = dtype_size(in.dtype());
  const size_t rank = plan.out_shape.size();
  std::vector<int64_t> coord(rank, 0);
  for (int64_t i = 0; i < out.elements(); ++i) {
    if (plan.linear && in.dtype() == DType::kFloat32) {
      out.data<float>()[i] = linear_value(plan, in.data<float>(), in_strides, coord);
    } else if (plan.linear) {
      out.data<double>()[i] = linear_value(plan, in.data<double>(), in_strides, coord);
    } else {
      int64_t offset = 0;
      for (size_t d = 0; d < rank; ++d) {
        const float x = kernels::resize_source_coord(plan.coord_mode, plan.axes[d],
                                                     static_cast<int32_t>(coord[d]));
        offset += kernels::resize_nearest_index(plan.nearest_mode, x, plan.axes[d].in_size) *
                  in_strides[d];
      }
      copy_element(out.raw() + i * size, in.raw() + offset * size, size);
    }
    for (size_t d = rank; d-- > 0;) {
      if (++coord[d] < plan.out_shape[d]) break;
      coord[d] = 0;
    }
  }
  return {out};
}

}  // namespace

std::vector<OpDef> resize_ops() {
  // roi (input 1) only matters for tf_crop_and_resize, which is unsupported: not required.
  return {{"Resize",
           &resize_infer,
           &resize_cpu,
           &prepare_resize_gpu,
           OutputKind::kComputed,
           {2, 3},
           // linear interpolates in float32/float64 only; nearest moves any element size, but
           // the set is per op, so it lists what every mode computes in.
           {DType::kFloat32, DType::kFloat64}}};
}

}  // namespace rill::ops::movement
