// ONNX import: model files and bytes to rill's graph IR.
//
// This header is protobuf-free on purpose: only src/onnx/*.cpp see ONNX and protobuf headers, so
// the rest of rill (and its users) never compile against them.
//
// Every failure is a rill::Error whose context names the file ("file"), and where it applies the
// node ("node"), its op ("op"), the value or tensor involved, and the opset:
//   kIo            the file cannot be read
//   kInvalidModel  not a parsable ModelProto, rejected by onnx::checker or by strict shape
//                  inference, or a node reads a value nothing defines
//   kUnsupported   a valid model that rill does not import: default-domain opset outside 13..17,
//                  external tensor data, sub-graph attributes (If/Loop/Scan), element types
//                  other than float32/16, bfloat16, float64, int64/32/8, uint8, bool
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "ir/tensor.h"

namespace rill::onnx {

//! Default-domain opsets rill imports.
inline constexpr int64_t kMinOpset = 13;
inline constexpr int64_t kMaxOpset = 17;

//! Reads, checks (onnx::checker, strict shape inference) and converts the model at `path`.
ir::Graph import_onnx_file(const std::string& path);

//! Same as import_onnx_file for a serialized ModelProto already in memory; `origin` names the
//! bytes in error messages (a path, or something like "<python bytes>").
ir::Graph import_onnx_bytes(std::string_view bytes, const std::string& origin);

//! The op types of a model's top-level nodes, in order, without checking or converting anything
//! ("domain.Op" outside the ONNX domain). For tools that triage models, such as the conformance
//! runner.
std::vector<std::string> model_op_types(const std::string& path);

//! Reads one serialized TensorProto (the input_*.pb / output_*.pb files of ONNX's backend test
//! data). Errors name the file.
ir::HostTensor load_tensor_proto_file(const std::string& path);

//! Throws kUnsupported naming `file`, the node and its op for the first node, in graph order,
//! for which `is_supported` returns false. The engine builder passes a predicate over its op
//! registry, so that an unsupported op is reported at import with its node rather than deep in
//! planning.
void check_ops_supported(const ir::Graph& graph,
                         const std::function<bool(const ir::Node&)>& is_supported,
                         const std::string& file);

}  // namespace rill::onnx
