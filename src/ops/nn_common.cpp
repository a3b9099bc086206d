#include "ops/nn_common.h"

#include <algorithm>
#include <cmath>

namespace rill::ops::nn {

Shape Geometry::out_shape() const {
  return Shape(out.end() - spatial, out.end());
}

std::string Geometry::to_string() const {
  auto list = [&](const std::array<int64_t, 3>& v) {
    return ir::shape_string(Shape(v.end() - spatial, v.end()));
  };
  return "in=" + list(in) + " out=" + list(out) + " kernel=" + list(kernel) +
         " stride=" + list(stride) + " dilation=" + list(dilation) + " pads=" + list(pad_begin) +
         "+" + list(pad_end);
}

void fail(const Node& node, ErrorKind kind, const std::string& message,
          std::vector<std::pair<std::string, std::string>> extra) {
  Error::Context context = node.context();
  for (auto& entry : extra) context.push_back(std::move(entry));
  throw Error(kind, message, std::move(context));
}

void require_float(const Node& node, const TensorDesc& desc, const char* input) {
  if (!is_floating(desc.dtype)) {
    fail(node, ErrorKind::kInvalidModel, std::string(input) + " must be a floating-point tensor",
         {{input, ir::desc_string(desc)}});
  }
}

std::string describe_inputs(const Node& node, std::span<const TensorDesc> inputs) {
  std::string text;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!node.has_input(i)) continue;
    if (!text.empty()) text += ' ';
    text += node.input(i) + "=" + ir::desc_string(inputs[i]);
  }
  return text;
}

Geometry window_geometry(const Node& node, const Shape& in, const Shape& kernel, bool ceil_mode) {
  const auto rank = static_cast<int>(in.size());
  if (rank < 1 || rank > 3 || kernel.size() != in.size()) {
    fail(node, ErrorKind::kUnsupported, "only 1-D, 2-D and 3-D windows are supported",
         {{"spatial", ir::shape_string(in)}, {"kernel", ir::shape_string(kernel)}});
  }
  const std::vector<int64_t> strides = node.attr_ints("strides", std::vector<int64_t>(rank, 1));
  const std::vector<int64_t> dilations = node.attr_ints("dilations", std::vector<int64_t>(rank, 1));
  const std::vector<int64_t> pads = node.attr_ints("pads", std::vector<int64_t>(2 * rank, 0));
  const std::string auto_pad = node.attr_string("auto_pad", "NOTSET");
  if (strides.size() != in.size() || dilations.size() != in.size() ||
      pads.size() != 2 * in.size()) {
    fail(node, ErrorKind::kInvalidModel, "strides, dilations or pads do not match the rank",
         {{"spatial", ir::shape_string(in)}});
  }
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER") {
    fail(node, ErrorKind::kInvalidModel, "unknown auto_pad " + auto_pad);
  }
  Geometry g;
  g.spatial = rank;
  const int off = 3 - rank;
  for (int i = 0; i < rank; ++i) {
    const int j = i + off;
    const int64_t s = strides[i];
    const int64_t d = dilations[i];
    const int64_t k = kernel[i];
    if (s <= 0 || d <= 0 || k <= 0 || pads[i] < 0 || pads[i + rank] < 0 || in[i] < 0) {
      fail(node, ErrorKind::kInvalidModel,
           "non-positive stride, dilation or kernel, or a "
           "negative pad",
           {{"spatial", ir::shape_string(in)}, {"kernel", ir::shape_string(kernel)}});
    }
    const int64_t dk = (k - 1) * d + 1;
    g.in[j] = in[i];
    g.kernel[j] = k;
    g.stride[j] = s;
    g.dilation[j] = d;
    int64_t out = 0;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out = (in[i] + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + dk - in[i]);
      g.pad_begin[j] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      g.pad_end[j] = total - g.pad_begin[j];
    } else {
      if (auto_pad == "NOTSET") {
        g.pad_begin[j] = pads[i];
        g.pad_end[j] = pads[i + rank];
      }
      const int64_t span = in[i] + g.pad_begin[j] + g.pad_end[j] - dk;
      if (span < 0) {
        fail(node, ErrorKind::kInvalidModel, "window larger than the padded input",
             {{"spatial", ir::shape_string(in)}, {"kernel", ir::shape_string(kernel)}});
      }
      out = span / s + 1;
      if (ceil_mode && auto_pad == "NOTSET") {
        out = (span + s - 1) / s + 1;
        // The last window must start inside the input or its leading pad.
        if ((out - 1) * s >= in[i] + g.pad_begin[j]) --out;
      }
    }
    g.out[j] = out;
  }
  return g;
}

FusedActivation fused_activation(const Node& node, std::initializer_list<Activation> allowed) {
  FusedActivation act;
  const std::string name = node.attr_string("rill_activation", "");
  if (name.empty()) return act;
  if (name == "Relu")
    act.kind = Activation::kRelu;
  else if (name == "Sigmoid")
    act.kind = Activation::kSigmoid;
  else if (name == "Tanh")
    act.kind = Activation::kTanh;
  else if (name == "LeakyRelu")
    act.kind = Activation::kLeakyRelu;
  else if (name == "GeluTanh")
    act.kind = Activation::kGeluTanh;
  else
    fail(node, ErrorKind::kUnsupported, "unknown rill_activation " + name);
  if (std::find(allowed.begin(), allowed.end(), act.kind) == allowed.end()) {
    fail(node, ErrorKind::kUnsupported, "rill_activation " + name + " is not fused into this op");
  }
  act.alpha = node.attr_float("rill_activation_alpha", 0.01f);
  return act;
}

double apply_activation(double v, const FusedActivation& act) {
  switch (act.kind) {
    case Activation::kRelu:
      return v > 0.0 ? v : 0.0;
    case Activation::kSigmoid:
      return 1.0 / (1.0 + std::exp(-v));
    case Activation::kTanh:
      return std::tanh(v);
    case Activation::kLeakyRelu:
      return v >= 0.0 ? v : static_cast<double>(act.alpha) * v;
    case Activation::kGeluTanh:
      return 0.5 * v * (1.0 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
    case Activation::kNone:
      break;
  }
  return v;
}

const char* activation_name(Activation act) {
  switch (act) {
    case Activation::kRelu:
      return "relu";
    case Activation::kSigmoid:
      return "sigmoid";
    case Activation::kTanh:
      return "tanh";
    case Activation::kLeakyRelu:
      return "leaky_relu";
    case Activation::kGeluTanh:
      return "gelu_tanh";
    case Activation::kNone:
      break;
  }
  return "none";
}

HostTensor from_doubles(DType dtype, Shape shape, const std::vector<double>& values) {
  HostTensor t(dtype, std::move(shape));
  const size_t n = values.size();
  auto fill_int = [&](auto* out, double lo, double hi) {
    for (size_t i = 0; i < n; ++i) {
      out[i] = static_cast<std::remove_pointer_t<decltype(out)>>(
          std::clamp(std::nearbyint(values[i]), lo, hi));
    }
  };
  switch (dtype) {
    case DType::kFloat32:
      for (size_t i = 0; i < n; ++i) t.data<float>()[i] = static_cast<float>(values[i]);
      break;
    case DType::kFloat64:
      std::copy(values.begin(), values.end(), t.data<double>());
      break;
    case DType::kInt8:
      fill_int(t.data<int8_t>(), -128.0, 127.0);
      break;
    case DType::kUInt8:
      fill_int(t.data<uint8_t>(), 0.0, 255.0);
      break;
    case DType::kInt32:
      fill_int(t.data<int32_t>(), -2147483648.0, 2147483647.0);
      break;
    case DType::kInt64:
      for (size_t i = 0; i < n; ++i) t.data<int64_t>()[i] = std::llround(values[i]);
      break;
    case DType::kFloat16:
    case DType::kBFloat16: {
      // Accumulated in double, rounded once (through float, as the GPU stores its float
      // accumulators).
      HostTensor as_float = from_doubles(DType::kFloat32, t.shape(), values);
      return ir::convert_floating(as_float, dtype);
    }
    default:
      throw Error(ErrorKind::kUnsupported, "nn CPU reference: dtype not supported",
                  {{"dtype", std::string(dtype_name(dtype))}});
  }
  return t;
}

void require_gpu_dtype(const Node& node, DType dtype, DTypeSet supported) {
  if (!supported.contains(dtype)) {
    fail(node, ErrorKind::kUnsupported, node.op_type + " has no GPU kernel for this dtype",
         {{"dtype", std::string(dtype_name(dtype))}, {"supported", supported.to_string()}});
  }
}

std::unique_ptr<GpuKernel> prepare_with_context(
    const GpuPrepareContext& ctx, const std::function<std::unique_ptr<GpuKernel>()>& prepare) {
  try {
    return prepare();
  } catch (Error& e) {
    if (e.context_value("node").empty()) {
      e.add_context("node", ctx.node.name);
      e.add_context("op", ctx.node.op_type);
    }
    e.add_context("inputs", describe_inputs(ctx.node, ctx.inputs));
    throw;
  }
}

namespace {
[[noreturn]] void no_handle(const char* which) {
  throw Error(ErrorKind::kInternal,
              std::string("the execution context provided no ") + which + " handle");
}
}  // namespace

cublasLtContext* cublaslt_of(const GpuLaunch& launch) {
  if (launch.libraries == nullptr || launch.libraries->cublaslt == nullptr) no_handle("cuBLASLt");
  return launch.libraries->cublaslt;
}
cudnnContext* cudnn_of(const GpuLaunch& launch) {
  if (launch.libraries == nullptr || launch.libraries->cudnn == nullptr) no_handle("cuDNN");
  return launch.libraries->cudnn;
}
cublasLtContext* cublaslt_of(const GpuPrepareContext& ctx) {
  if (ctx.libraries.cublaslt == nullptr) no_handle("cuBLASLt");
  return ctx.libraries.cublaslt;
}
cudnnContext* cudnn_of(const GpuPrepareContext& ctx) {
  if (ctx.libraries.cudnn == nullptr) no_handle("cuDNN");
  return ctx.libraries.cudnn;
}

}  // namespace rill::ops::nn
