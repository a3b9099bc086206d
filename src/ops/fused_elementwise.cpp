// rill.FusedElementwise: a program of float elementwise steps built by the fusion pass (Note
// [FusedElementwise encoding] in ir/passes/elementwise_fusion.h). The pass fuses float32
// groups; a reduced-precision build then runs the node in float16/bfloat16: inputs and output
// in that dtype, the program still in float (intermediates are float, not rounded to half). Shape
// inference and CPU reference; the GPU half is fused_elementwise_gpu.cpp.
#include "ops/fused_elementwise.h"

#include "ir/passes/elementwise_fusion.h"
#include "ops/elementwise_common.h"

namespace rill::ops::ew {

FusedProgram decode_fused(const Node& node, std::span<const TensorDesc> inputs) {
  const ir::ElementwiseProgram decoded = ir::decode_elementwise_program(node);
  if (decoded.input_count != inputs.size()) {
    throw op_error(ErrorKind::kInvalidModel, "program input count differs from the node's inputs",
                   node, inputs);
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!node.has_input(i)) {
      throw op_error(ErrorKind::kInvalidModel, "fused inputs may not be absent", node, inputs);
    }
    expect_dtype(node, inputs, i, {DType::kFloat32, DType::kFloat16, DType::kBFloat16});
    expect_same_dtype(node, inputs, 0, i);
  }
  FusedProgram program;
  program.input_count = decoded.input_count;
  for (const ir::ElementwiseStep& s : decoded.steps) {
    const auto op = fusable_op_from_name(s.op);
    bool binary = false;
    if (!op || !kernels::is_fusable_op(*op, &binary) || binary == s.is_unary()) {
      Error error = op_error(ErrorKind::kUnsupported, "fused step op not supported", node, inputs);
      error.add_context("step_op", s.op);
      throw error;
    }
    program.steps.push_back(FusedStep{*op, s.lhs, s.rhs, s.alpha, s.beta});
  }
  if (program.steps.empty()) {
    throw op_error(ErrorKind::kInvalidModel, "fused program has no steps", node, inputs);
  }
  return program;
}

namespace {

std::vector<TensorDesc> infer_fused(const InferContext& ctx) {
  const Node& node = ctx.node;
  expect_arity(node, ctx.inputs, 1, SIZE_MAX, 1, 1);
  (void)decode_fused(node, ctx.inputs);
  return {TensorDesc{ctx.inputs[0].dtype, broadcast_all(node, ctx.inputs)}};
}

std::vector<HostTensor> run_fused_cpu(const Node& node, std::span<const HostTensor> inputs) {
  // The program runs in float for every dtype; a half output is rounded once at the end.
  if (has_half_input(inputs)) {
    return run_half_through_float(node, inputs, &run_fused_cpu, inputs[0].dtype());
  }
  std::vector<TensorDesc> descs;
  std::vector<Shape> shapes;
  for (const HostTensor& t : inputs) {
    descs.push_back(t.desc());
    shapes.push_back(t.shape());
  }
  const FusedProgram program = decode_fused(node, descs);
  const Shape out_shape = broadcast_all(node, descs);
  HostTensor y(DType::kFloat32, out_shape);
  float* out = y.data<float>();
  const size_t n_in = program.input_count;
  std::vector<float> values(n_in + program.steps.size());
  for_each_broadcast(out_shape, shapes, [&](int64_t i, const int64_t* off) {
    for (size_t k = 0; k < n_in; ++k) values[k] = inputs[k].data<float>()[off[k]];
    for (size_t s = 0; s < program.steps.size(); ++s) {
      const FusedStep& step = program.steps[s];
      const double a = values[static_cast<size_t>(step.lhs)];
      const double b = step.rhs < 0 ? 0.0 : values[static_cast<size_t>(step.rhs)];
      // Each step rounds to float32, as the unfused graph does.
      values[n_in + s] = static_cast<float>(
          kernels::fused_step_value<double>(step.op, a, b, step.alpha, step.beta));
    }
    out[i] = values.back();
  });
  return {std::move(y)};
}

}  // namespace

std::vector<OpDef> fused_op_defs() {
  OpDef fused;
  fused.op_type = ir::kFusedElementwiseOp;
  fused.infer = &infer_fused;
  fused.run_cpu = &run_fused_cpu;
  fused.prepare_gpu = &prepare_fused_gpu;
  fused.gpu_dtypes = kFloatDTypes;
  return {fused};
}

}  // namespace rill::ops::ew
