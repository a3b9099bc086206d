// Builds small ONNX models in tests, so that each malformed case is explicit in the test itself.
#pragma once

#include <cstdint>
#include <onnx/onnx_pb.h>
#include <string>
#include <variant>
#include <vector>

namespace rill::onnx::testing {

//! A dim: a size, or a symbol such as "batch".
using TestDim = std::variant<int64_t, std::string>;

inline ::onnx::ValueInfoProto tensor_value(const std::string& name, std::vector<TestDim> dims,
                                           int32_t elem_type = ::onnx::TensorProto::FLOAT) {
  ::onnx::ValueInfoProto value;
  value.set_name(name);
  auto* tensor_type = value.mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(elem_type);
  auto* shape = tensor_type->mutable_shape();
  for (const TestDim& dim : dims) {
    auto* d = shape->add_dim();
    if (const auto* size = std::get_if<int64_t>(&dim)) {
      d->set_dim_value(*size);
    } else {
      d->set_dim_param(std::get<std::string>(dim));
    }
  }
  return value;
}

inline ::onnx::NodeProto make_node(const std::string& op_type, std::vector<std::string> inputs,
                                   std::vector<std::string> outputs, const std::string& name = "") {
  ::onnx::NodeProto node;
  node.set_op_type(op_type);
  node.set_name(name);
  for (const auto& in : inputs) node.add_input(in);
  for (const auto& out : outputs) node.add_output(out);
  return node;
}

inline ::onnx::TensorProto float_tensor(const std::string& name, std::vector<int64_t> dims,
                                        std::vector<float> values) {
  ::onnx::TensorProto tensor;
  tensor.set_name(name);
  tensor.set_data_type(::onnx::TensorProto::FLOAT);
  for (int64_t d : dims) tensor.add_dims(d);
  for (float v : values) tensor.add_float_data(v);
  return tensor;
}

//! A model with one default-domain opset import and an empty graph named "test".
inline ::onnx::ModelProto empty_model(int64_t opset = 17) {
  ::onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("rill-tests");
  auto* import = model.add_opset_import();
  import->set_domain("");
  import->set_version(opset);
  model.mutable_graph()->set_name("test");
  return model;
}

//! x [2,3] -> Relu -> y: the smallest valid model, a base for the broken ones.
inline ::onnx::ModelProto relu_model(int64_t opset = 17) {
  ::onnx::ModelProto model = empty_model(opset);
  auto* graph = model.mutable_graph();
  *graph->add_input() = tensor_value("x", {int64_t{2}, int64_t{3}});
  *graph->add_output() = tensor_value("y", {int64_t{2}, int64_t{3}});
  *graph->add_node() = make_node("Relu", {"x"}, {"y"}, "relu");
  return model;
}

inline std::string serialize(const ::onnx::ModelProto& model) {
  std::string bytes;
  model.SerializeToString(&bytes);
  return bytes;
}

}  // namespace rill::onnx::testing
