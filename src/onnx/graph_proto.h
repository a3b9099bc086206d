// GraphProto to ir::Graph conversion. Internal to src/onnx (protobuf types in the signatures).
#pragma once

#include <cstdint>
#include <onnx/onnx_pb.h>
#include <string>

#include "ir/graph.h"

namespace rill::onnx {

//! Throws kInvalidModel naming file, node, op and value for the first node input that no graph
//! input, initializer or earlier node output defines. Run before onnx::checker so that the
//! common "missing initializer" mistake gets a precise message.
void check_values_defined(const ::onnx::GraphProto& graph, const std::string& origin);

//! Converts a checked, shape-inferred model's main graph. `opset` is its default-domain opset.
ir::Graph graph_from_proto(const ::onnx::GraphProto& graph, int64_t opset,
                           const std::string& origin);

}  // namespace rill::onnx
