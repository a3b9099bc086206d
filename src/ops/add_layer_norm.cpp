// rill.AddLayerNorm (Note [AddLayerNorm] in ir/passes/add_layer_norm_fusion.h): shape inference
// and CPU reference. The reference is the unfused pair's, the Add reference and then the
// LayerNormalization reference, so the fusion is exact by construction on the CPU. The GPU half
// is add_layer_norm_gpu.cpp.
#include "ops/add_layer_norm.h"

#include "ir/passes/add_layer_norm_fusion.h"
#include "ops/elementwise_common.h"

namespace rill::ops::ew {

namespace {

constexpr size_t kA = 0, kB = 1, kScale = 2, kBias = 3;

const OpDef& def_named(const std::vector<OpDef>& defs, std::string_view name) {
  for (const OpDef& d : defs) {
    if (d.op_type == name) return d;
  }
  throw Error(ErrorKind::kInternal, "op table lacks " + std::string(name));
}

//! The LayerNormalization node the fused one stands for (reading the sum as "sum").
Node layer_norm_node(const Node& node) {
  Node ln;
  ln.name = node.name;
  ln.op_type = "LayerNormalization";
  ln.inputs = {"sum", node.inputs[kScale]};
  if (node.has_input(kBias)) ln.inputs.push_back(node.inputs[kBias]);
  ln.outputs = {node.outputs[0]};
  ln.attributes["axis"] = int64_t{-1};
  ln.attributes["epsilon"] = node.attr_float("epsilon", 1e-5f);
  return ln;
}

Node add_node(const Node& node) {
  Node add;
  add.name = node.name;
  add.op_type = "Add";
  add.inputs = {node.inputs[kA], node.inputs[kB]};
  add.outputs = {"sum"};
  return add;
}

std::vector<TensorDesc> infer_add_layer_norm(const InferContext& ctx) {
  const AddLayerNormSpec spec = add_layer_norm_spec(ctx.node, ctx.inputs);
  std::vector<TensorDesc> outs = {TensorDesc{ctx.inputs[kA].dtype, spec.sum_shape}};
  if (ctx.node.outputs.size() > 1) outs.push_back(outs[0]);
  return outs;
}

std::vector<HostTensor> run_add_layer_norm_cpu(const Node& node,
                                               std::span<const HostTensor> inputs) {
  static const std::vector<OpDef> binary = binary_op_defs();
  static const std::vector<OpDef> norms = layer_norm_op_defs();
  const std::vector<HostTensor> operands = {inputs[kA], inputs[kB]};
  HostTensor sum = def_named(binary, "Add").run_cpu(add_node(node), operands)[0];
  std::vector<HostTensor> ln_inputs = {sum, inputs[kScale]};
  if (node.has_input(kBias)) ln_inputs.push_back(inputs[kBias]);
  std::vector<HostTensor> outs = {
      def_named(norms, "LayerNormalization").run_cpu(layer_norm_node(node), ln_inputs)[0]};
  if (node.outputs.size() > 1) outs.push_back(std::move(sum));
  return outs;
}

}  // namespace

AddLayerNormSpec add_layer_norm_spec(const Node& node, std::span<const TensorDesc> inputs) {
  expect_arity(node, inputs, 3, 4, 1, 2);
  expect_dtype(node, inputs, kA,
               {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64});
  expect_same_dtype(node, inputs, kA, kB);
  expect_same_dtype(node, inputs, kA, kScale);
  if (node.has_input(kBias)) expect_same_dtype(node, inputs, kA, kBias);
  AddLayerNormSpec spec;
  const size_t pair[] = {kA, kB};
  spec.sum_shape = broadcast_shapes(node, inputs, pair);
  std::vector<TensorDesc> ln_inputs = {TensorDesc{inputs[kA].dtype, spec.sum_shape},
                                       inputs[kScale]};
  if (node.has_input(kBias)) ln_inputs.push_back(inputs[kBias]);
  spec.ln = layer_norm_spec(layer_norm_node(node), ln_inputs);
  return spec;
}

std::vector<OpDef> add_layer_norm_op_defs() {
  OpDef def;
  def.op_type = ir::kAddLayerNormOp;
  def.infer = &infer_add_layer_norm;
  def.run_cpu = &run_add_layer_norm_cpu;
  def.prepare_gpu = &prepare_add_layer_norm_gpu;
  def.gpu_dtypes = kFloatDTypes;
  return {def};
}

}  // namespace rill::ops::ew
