#include "ops/elementwise_common.h"

#include <algorithm>
#include <array>
#include <utility>

namespace rill::ops::ew {

namespace {

constexpr std::array<std::pair<std::string_view, EwOp>, 31> kOpNames = {{
    {"Identity", EwOp::kIdentity},
    {"Relu", EwOp::kRelu},
    {"LeakyRelu", EwOp::kLeakyRelu},
    {"Sigmoid", EwOp::kSigmoid},
    {"Tanh", EwOp::kTanh},
    {"Clip", EwOp::kClip},
    {"HardSigmoid", EwOp::kHardSigmoid},
    {"HardSwish", EwOp::kHardSwish},
    {"Erf", EwOp::kErf},
    {"Sqrt", EwOp::kSqrt},
    {"Reciprocal", EwOp::kReciprocal},
    {"Neg", EwOp::kNeg},
    {"Exp", EwOp::kExp},
    {"Log", EwOp::kLog},
    {"Abs", EwOp::kAbs},
    {"Not", EwOp::kNot},
    {"IsNaN", EwOp::kIsNaN},
    {"Add", EwOp::kAdd},
    {"Sub", EwOp::kSub},
    {"Mul", EwOp::kMul},
    {"Div", EwOp::kDiv},
    {"Pow", EwOp::kPow},
    {"Min", EwOp::kMin},
    {"Max", EwOp::kMax},
    {"Equal", EwOp::kEqual},
    {"Less", EwOp::kLess},
    {"Greater", EwOp::kGreater},
    {"GreaterOrEqual", EwOp::kGreaterOrEqual},
    {"And", EwOp::kAnd},
    {"Or", EwOp::kOr},
    {"Where", EwOp::kWhere},
}};

std::optional<EwOp> op_from_name(std::string_view name) {
  for (const auto& [n, op] : kOpNames) {
    if (n == name) return op;
  }
  return std::nullopt;
}

}  // namespace

std::string inputs_string(const Node& node, std::span<const TensorDesc> inputs) {
  std::string text;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (i > 0) text += ", ";
    text += node.has_input(i) ? ir::desc_string(inputs[i]) : std::string("<absent>");
  }
  return text;
}

Error op_error(ErrorKind kind, std::string message, const Node& node,
               std::span<const TensorDesc> inputs) {
  Error error(kind, std::move(message), node.context());
  error.add_context("inputs", inputs_string(node, inputs));
  return error;
}

void expect_arity(const Node& node, std::span<const TensorDesc> inputs, size_t min_inputs,
                  size_t max_inputs, size_t min_outputs, size_t max_outputs) {
  // Trailing absent optional inputs do not count.
  size_t present = node.inputs.size();
  while (present > 0 && node.inputs[present - 1].empty()) --present;
  if (present < min_inputs || node.inputs.size() > max_inputs) {
    throw op_error(ErrorKind::kInvalidModel,
                   "expected " + std::to_string(min_inputs) + ".." + std::to_string(max_inputs) +
                       " inputs, got " + std::to_string(node.inputs.size()),
                   node, inputs);
  }
  for (size_t i = 0; i < min_inputs; ++i) {
    if (!node.has_input(i)) {
      throw op_error(ErrorKind::kInvalidModel, "required input " + std::to_string(i) + " is absent",
                     node, inputs);
    }
  }
  if (node.outputs.size() < min_outputs || node.outputs.size() > max_outputs) {
    throw op_error(ErrorKind::kInvalidModel,
                   "expected " + std::to_string(min_outputs) + ".." + std::to_string(max_outputs) +
                       " outputs, got " + std::to_string(node.outputs.size()),
                   node, inputs);
  }
}

void expect_dtype(const Node& node, std::span<const TensorDesc> inputs, size_t i,
                  std::initializer_list<DType> allowed) {
  const DType dtype = inputs[i].dtype;
  if (std::find(allowed.begin(), allowed.end(), dtype) == allowed.end()) {
    Error error =
        op_error(ErrorKind::kUnsupported,
                 "input " + std::to_string(i) + " has an unsupported dtype", node, inputs);
    error.add_context("dtype", std::string(dtype_name(dtype)));
    throw error;
  }
}

void expect_same_dtype(const Node& node, std::span<const TensorDesc> inputs, size_t i, size_t j) {
  if (inputs[i].dtype != inputs[j].dtype) {
    throw op_error(
        ErrorKind::kInvalidModel,
        "inputs " + std::to_string(i) + " and " + std::to_string(j) + " must have the same dtype",
        node, inputs);
  }
}

Shape broadcast_shapes(const Node& node, std::span<const TensorDesc> inputs,
                       std::span<const size_t> which) {
  size_t rank = 0;
  for (size_t i : which) rank = std::max(rank, inputs[i].shape.size());
  Shape out(rank, 1);
  for (size_t i : which) {
    const Shape& s = inputs[i].shape;
    const size_t pad = rank - s.size();
    for (size_t d = 0; d < s.size(); ++d) {
      int64_t& o = out[pad + d];
      if (s[d] == o || s[d] == 1) continue;
      if (o == 1) {
        o = s[d];
        continue;
      }
      throw op_error(ErrorKind::kInvalidModel, "input shapes are not broadcastable", node, inputs);
    }
  }
  return out;
}

Shape broadcast_all(const Node& node, std::span<const TensorDesc> inputs) {
  std::vector<size_t> which;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (node.has_input(i)) which.push_back(i);
  }
  return broadcast_shapes(node, inputs, which);
}

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> strides(out.size(), 0);
  const size_t pad = out.size() - in.size();
  int64_t stride = 1;
  for (size_t d = in.size(); d-- > 0;) {
    strides[pad + d] = in[d] == 1 ? 0 : stride;
    stride *= in[d];
  }
  return strides;
}

bool has_half_input(std::span<const HostTensor> inputs) {
  for (const HostTensor& t : inputs) {
    if (is_half(t.dtype()) && t.bytes() > 0) return true;
  }
  return false;
}

std::vector<HostTensor> run_half_through_float(const Node& node, std::span<const HostTensor> inputs,
                                               CpuFn float_reference, DType half, size_t narrowed) {
  std::vector<HostTensor> widened;
  widened.reserve(inputs.size());
  for (const HostTensor& t : inputs) {
    widened.push_back(is_half(t.dtype()) ? ir::convert_floating(t, DType::kFloat32) : t);
  }
  std::vector<HostTensor> outputs = float_reference(node, widened);
  if (!is_half(half)) return outputs;
  for (size_t i = 0; i < outputs.size() && i < narrowed; ++i) {
    if (outputs[i].dtype() == DType::kFloat32) {
      outputs[i] = ir::convert_floating(outputs[i], half);
    }
  }
  return outputs;
}

int64_t normalize_axis(const Node& node, std::span<const TensorDesc> inputs, int64_t axis,
                       int64_t rank) {
  if (axis < -rank || axis >= rank) {
    Error error = op_error(ErrorKind::kInvalidModel, "axis out of range", node, inputs);
    error.add_context("axis", std::to_string(axis));
    throw error;
  }
  return axis < 0 ? axis + rank : axis;
}

std::optional<EwOp> fusable_op_from_name(std::string_view name) {
  const auto op = op_from_name(name);
  bool binary = false;
  if (!op || !kernels::is_fusable_op(*op, &binary)) return std::nullopt;
  return op;
}

EwOp ew_op_of(const Node& node) {
  const auto op = op_from_name(node.op_type);
  if (!op) {
    throw Error(ErrorKind::kInternal, "not an elementwise op", node.context());
  }
  return *op;
}

}  // namespace rill::ops::ew
