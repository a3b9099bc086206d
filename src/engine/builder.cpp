#include "engine/builder.h"

#include <algorithm>

#include "engine/algorithm_tuner.h"
#include "engine/graph_shapes.h"
#include "engine/host_evaluation.h"
#include "engine/reduced_precision.h"
#include "ir/passes/channels_last.h"
#include "ir/passes/gelu_epilogue_fusion.h"
#include "ir/passes/optimize.h"
#include "onnx/importer.h"

namespace rill::engine {

namespace {

// The accepted shapes of one input: from BuildOptions when given, else static dims as they are
// and symbolic dims in [1, kDefaultMaxDim] with opt 1.
ShapeRange resolve_range(const ir::ValueInfo& input, const BuildOptions& options) {
  if (!input.shape) {
    throw Error(ErrorKind::kInvalidModel, "graph input has no shape (unknown rank)",
                {{"input", input.name}});
  }
  const ir::SymbolicShape& declared = *input.shape;
  const auto given = options.shapes.find(input.name);
  if (given == options.shapes.end()) {
    ShapeRange range;
    for (const ir::Dim& d : declared) {
      range.min.push_back(d.is_static() ? d.value : 1);
      range.opt.push_back(d.is_static() ? d.value : 1);
      range.max.push_back(d.is_static() ? d.value : BuildOptions::kDefaultMaxDim);
    }
    return range;
  }
  const ShapeRange& range = given->second;
  const Error::Context context{{"input", input.name},
                               {"declared", ir::symbolic_shape_string(declared)}};
  for (const auto* dims : {&range.min, &range.opt, &range.max}) {
    if (dims->size() != declared.size()) {
      throw Error(ErrorKind::kInvalidArgument, "shape range has the wrong rank", context);
    }
  }
  for (size_t i = 0; i < declared.size(); ++i) {
    if (!(0 <= range.min[i] && range.min[i] <= range.opt[i] && range.opt[i] <= range.max[i])) {
      throw Error(ErrorKind::kInvalidArgument, "shape range needs 0 <= min <= opt <= max",
                  context);
    }
    if (declared[i].is_static() &&
        (range.min[i] != declared[i].value || range.max[i] != declared[i].value)) {
      throw Error(ErrorKind::kInvalidArgument,
                  "shape range changes dim " + std::to_string(i) + ", which the model fixes",
                  context);
    }
  }
  return range;
}

std::map<std::string, ir::Shape> pick(const std::vector<TensorInfo>& inputs,
                                      std::vector<int64_t> ShapeRange::*which) {
  std::map<std::string, ir::Shape> shapes;
  for (const TensorInfo& info : inputs) shapes[info.name] = info.range.*which;
  return shapes;
}

EngineSummary summarize(const ir::Graph& graph, size_t nodes_imported) {
  EngineSummary summary;
  summary.nodes_imported = nodes_imported;
  summary.nodes_optimized = graph.nodes.size();
  for (const ir::Node& node : graph.nodes) {
    ++summary.op_counts[node.op_type];
    if (node.domain == "rill" || node.has_attribute("rill_activation")) ++summary.fused_nodes;
  }
  for (const auto& [name, tensor] : graph.initializers) summary.weight_bytes += tensor.bytes();
  return summary;
}

}  // namespace

EngineDefinition build_definition(const std::string& onnx_path, const BuildOptions& options,
                                  const BuildProgress& progress) {
  if (progress) progress("import", 0.0);
  return build_definition(onnx::import_onnx_file(onnx_path), options, onnx_path, progress);
}

EngineDefinition build_definition(ir::Graph graph, const BuildOptions& options,
                                  const std::string& origin, const BuildProgress& progress) {
  const auto report = [&](const char* stage, double fraction) {
    if (progress) progress(stage, fraction);
  };
  try {
    const size_t nodes_imported = graph.nodes.size();
    report("check ops", 0.3);
    onnx::check_ops_supported(
        graph, [](const ir::Node& node) { return ops::find_op(node.op_type) != nullptr; }, origin);
    report("optimize", 0.35);
    if (options.optimize) {
      ir::optimize(graph, &evaluate_on_host);
      (void)ir::fuse_gelu_epilogue(graph, &evaluate_on_host,
                                   /*allow_tanh_approximation=*/options.precision != Precision::kFloat32);
    }
    graph.validate();
    report("check shape range", 0.7);

    for (const auto& entry : options.shapes) {
      const std::string& name = entry.first;  // not a binding: clang-14 (fuzzing) cannot capture one
      const bool known = std::any_of(graph.inputs.begin(), graph.inputs.end(),
                                     [&](const ir::ValueInfo& in) { return in.name == name; });
      if (!known) {
        throw Error(ErrorKind::kInvalidArgument, "shape range given for an input the model lacks",
                    {{"input", name}});
      }
    }
    EngineDefinition def;
    def.options = options;
    for (const ir::ValueInfo& input : graph.inputs) {
      def.inputs.push_back({input.name, input.dtype, {}, resolve_range(input, options)});
      for (const ir::Dim& d : *input.shape) def.inputs.back().shape.push_back(d.is_static() ? d.value : -1);
    }
    const std::map<std::string, ir::Shape> at_opt = pick(def.inputs, &ShapeRange::opt);
    if (options.optimize && options.precision != Precision::kFloat32) {
      // Note [Channels-last layout] (ir/passes/channels_last.h); an Add joins a convolution only
      // where both operands have one shape at both ends of the range.
      report("channels last", 0.72);
      const GraphShapes lo = infer_graph_shapes(graph, pick(def.inputs, &ShapeRange::min));
      const GraphShapes hi = infer_graph_shapes(graph, pick(def.inputs, &ShapeRange::max));
      ir::convert_to_channels_last(graph, [&](const std::string& a, const std::string& b) {
        return lo.descs[lo.id(a)].shape == lo.descs[lo.id(b)].shape &&
               hi.descs[hi.id(a)].shape == hi.descs[hi.id(b)].shape;
      });
      graph.validate();
    }
    PrecisionReport precision;
    if (options.precision != Precision::kFloat32) {
      report("reduced precision", 0.75);
      precision = convert_to_reduced_precision(
          graph, options.precision == Precision::kFloat16 ? DType::kFloat16 : DType::kBFloat16,
          at_opt);
    }
    report("check dtypes", 0.85);
    check_gpu_dtypes(graph, at_opt);
    // Check the whole range now, on the host, so that a bad model fails at build rather than at
    // its first inference; the outputs' dims are dynamic where min and max disagree.
    const GraphShapes at_min = infer_graph_shapes(graph, pick(def.inputs, &ShapeRange::min));
    const GraphShapes at_max = infer_graph_shapes(graph, pick(def.inputs, &ShapeRange::max));
    for (const ir::ValueInfo& output : graph.outputs) {
      const ir::TensorDesc& lo = at_min.descs[at_min.id(output.name)];
      const ir::TensorDesc& hi = at_max.descs[at_max.id(output.name)];
      TensorInfo info{output.name, lo.dtype, {}, {}};
      for (size_t i = 0; i < lo.shape.size(); ++i) {
        info.shape.push_back(i < hi.shape.size() && lo.shape[i] == hi.shape[i] ? lo.shape[i] : -1);
      }
      def.outputs.push_back(std::move(info));
    }
    def.summary = summarize(graph, nodes_imported);
    def.summary.half_nodes = precision.half_nodes;
    def.summary.float_nodes = precision.float_nodes;
    def.summary.precision_casts = precision.casts;
    def.graph = std::move(graph);
    // Note [Build-time tuning] (kernels/algorithm_selector.h): on a GPU, time the GEMMs' and
    // convolutions' candidate algorithms at the opt shapes.
    tune_algorithms(def, progress, 0.86, 0.99);
    report("done", 1.0);
    return def;
  } catch (Error& e) {
    if (e.context_value("file").empty()) e.add_context("file", origin);
    throw;
  }
}

}  // namespace rill::engine
