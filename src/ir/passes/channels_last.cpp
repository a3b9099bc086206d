#include "ir/passes/channels_last.h"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ir/passes/activation_fusion.h"
#include "ir/passes/dead_node_elimination.h"
#include "ir/passes/elementwise_fusion.h"

namespace rill::ir {

namespace {

const std::vector<int64_t> kToNhwc{0, 2, 3, 1};
const std::vector<int64_t> kToNchw{0, 3, 1, 2};

bool is_onnx(const Node& node, std::string_view op) {
  return node.domain.empty() && node.op_type == op;
}

bool single_output(const Node& node) {
  return node.outputs.size() == 1 || std::all_of(node.outputs.begin() + 1, node.outputs.end(),
                                                 [](const std::string& o) { return o.empty(); });
}

// cuDNN pads symmetrically, and the channels-last GPU path has no pad copy (conv_gpu.cpp).
bool symmetric_pads(const Node& conv) {
  const std::string auto_pad = conv.attr_string("auto_pad", "NOTSET");
  if (auto_pad == "VALID") return true;
  if (auto_pad != "NOTSET") return false;  // SAME_*: may be asymmetric
  const std::vector<int64_t> pads = conv.attr_ints("pads", {0, 0, 0, 0});
  return pads.size() == 4 && pads[0] == pads[2] && pads[1] == pads[3];
}


class Rewriter {
 public:
  Rewriter(Graph& graph, const SameShape& same_shape, int64_t pad_channels_to)
      : graph_(graph), same_shape_(same_shape), pad_channels_to_(pad_channels_to) {
    for (const ValueInfo& v : graph.inputs) defined_.insert(v.name);
    for (const auto& [name, tensor] : graph.initializers) defined_.insert(name);
    for (const ValueInfo& v : graph.outputs) {
      ++uses_[v.name];
      graph_outputs_.insert(v.name);
    }
    values_ = defined_;
    for (const Node& node : graph.nodes) {
      node_names_.insert(node.name);
      for (const std::string& in : node.inputs) {
        if (!in.empty()) ++uses_[in];
      }
      for (const std::string& out : node.outputs) values_.insert(out);
    }
  }

  ChannelsLastStats run() {
    for (const Node& node : graph_.nodes) visit(node);
    for (const ValueInfo& v : graph_.outputs) materialize(v.name);
    finish();
    return stats_;
  }

 private:
  void visit(const Node& node) {
    if (is_onnx(node, "Conv") && convertible_conv(node)) return convert_conv(node);
    if (node.domain == kRillDomain && node.op_type == kFusedElementwiseOp) {
      return fused_elementwise(node);
    }
    if (!node.domain.empty() || !single_output(node) || node.inputs.empty()) return keep(node);
    const std::string& x = node.inputs[0];
    if (!nhwc_.count(x)) return keep(node);
    const std::string& op = node.op_type;
    if (op == "Relu" && node.inputs.size() == 1 && fuse_relu(node)) return;
    if ((op == "Relu" || op == "LeakyRelu" || op == "Sigmoid" || op == "Tanh") &&
        node.inputs.size() == 1) {
      ++stats_.elementwise;
      return emit_nhwc(node, std::string(op), "", {nhwc_.at(x)});
    }
    if (op == "Add" && node.inputs.size() == 2 && nhwc_.count(node.inputs[1])) {
      if (fuse_residual(node, 0, false) || fuse_residual(node, 1, false)) return;
      ++stats_.elementwise;
      return emit_nhwc(node, "Add", "", {nhwc_.at(x), nhwc_.at(node.inputs[1])});
    }
    if ((op == "MaxPool" || op == "AveragePool") && node.inputs.size() == 1 &&
        node.attr_ints("kernel_shape").size() == 2) {
      ++stats_.pools;
      return emit_nhwc(node, std::string(op == "MaxPool" ? kMaxPoolNhwcOp : kAveragePoolNhwcOp),
                       "rill", {nhwc_.at(x)});
    }
    if (op == "GlobalAveragePool" && node.inputs.size() == 1) return global_average_pool(node);
    keep(node);
  }

  // A model's own NHWC -> NCHW Transpose (an NHWC input, say): its input is the NHWC form of its
  // output, so converted readers take the input directly and the pair cancels (the Transpose
  // dies unless an NCHW reader keeps it).
  void note_model_transpose(const Node& node) {
    if (is_onnx(node, "Transpose") && node.inputs.size() == 1 && single_output(node) &&
        node.attr_ints("perm") == kToNchw && !nhwc_.count(node.outputs[0])) {
      nhwc_[node.outputs[0]] = node.inputs[0];
    }
  }

  // A 2-D Conv whose filter is known (it is permuted here) and whose pads cuDNN can take.
  bool convertible_conv(const Node& node) const {
    if (node.inputs.size() < 2 || !single_output(node) || node.input(0).empty() ||
        !symmetric_pads(node)) {
      return false;
    }
    const auto w = graph_.initializers.find(node.inputs[1]);
    return w != graph_.initializers.end() && w->second.shape().size() == 4;
  }

  // Input channels to pad with zeros: an ungrouped convolution with few channels (the RGB stem)
  // gets them up to pad_channels_to_, where cuDNN's half NHWC tensor-core kernels want a
  // multiple of 8 (16-byte vectors). Zero channels of X against zero taps of W add nothing.
  int64_t channel_padding(const Node& node) const {
    const int64_t c = graph_.initializers.at(node.inputs[1]).shape()[1];
    if (pad_channels_to_ <= 1 || node.attr_int("group", 1) != 1 || c >= pad_channels_to_) return 0;
    return pad_channels_to_ - c;
  }

  void convert_conv(const Node& node) {
    const std::string& w = node.inputs[1];
    const int64_t padding = channel_padding(node);
    auto permuted = permuted_weights_.find(w);
    if (permuted == permuted_weights_.end()) {
      const std::string name = fresh_value(w + "_krsc");
      HostTensor krsc = transposed(graph_.initializers.at(w), kToNhwc);
      if (padding > 0) krsc = pad_last_dim(krsc, padding);
      graph_.initializers[name] = std::move(krsc);
      defined_.insert(name);
      permuted = permuted_weights_.emplace(w, name).first;
    }
    const std::string x =
        padding > 0 ? padded_nhwc(node.inputs[0], padding) : to_nhwc(node.inputs[0]);
    std::vector<std::string> inputs{x, permuted->second};
    if (node.has_input(2)) inputs.push_back(node.inputs[2]);
    ++stats_.convs;
    emit_nhwc(node, std::string(kConvNhwcOp), "rill", std::move(inputs));
  }

  // `t` [..., C] -> [..., C + padding], zeros after the data.
  static HostTensor pad_last_dim(const HostTensor& t, int64_t padding) {
    Shape shape = t.shape();
    const int64_t c = shape.back();
    shape.back() += padding;
    HostTensor out(t.dtype(), shape);  // zero-filled
    const size_t size = dtype_size(t.dtype());
    const int64_t rows = t.elements() / c;
    for (int64_t r = 0; r < rows; ++r) {
      std::copy_n(t.raw() + static_cast<size_t>(r * c) * size, static_cast<size_t>(c) * size,
                  out.raw() + static_cast<size_t>(r * (c + padding)) * size);
    }
    return out;
  }

  // The NCHW value `value` in NHWC with `padding` zero channels appended: from its NHWC form by a
  // Pad when it has one, else by one rill.ToNhwc (one pass instead of a Transpose and a Pad).
  std::string padded_nhwc(const std::string& value, int64_t padding) {
    if (nhwc_.count(value)) return padded_channels(nhwc_.at(value), padding);
    const std::string key = value + "#to_nhwc#" + std::to_string(padding);
    const auto cached = padded_.find(key);
    if (cached != padded_.end()) return cached->second;
    Node to;
    to.name = fresh_node(value + "/to_nhwc_padded");
    to.op_type = std::string(kToNhwcOp);
    to.domain = "rill";
    to.inputs = {value};
    const std::string out = fresh_value(value + "_nhwc_padded");
    to.outputs = {out};
    to.attributes["pad_channels"] = padding;
    push(std::move(to));
    ++stats_.to_nhwc;
    padded_.emplace(key, out);
    return out;
  }

  // NHWC value `x` with `padding` zero channels appended (one Pad node per value and amount).
  std::string padded_channels(const std::string& x, int64_t padding) {
    const std::string key = x + "#" + std::to_string(padding);
    const auto cached = padded_.find(key);
    if (cached != padded_.end()) return cached->second;
    const std::string pads = fresh_value(x + "_channel_pads");
    graph_.initializers[pads] =
        HostTensor::from<int64_t>({8}, std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, padding});
    defined_.insert(pads);
    Node pad;
    pad.name = fresh_node(x + "/pad_channels");
    pad.op_type = "Pad";
    pad.inputs = {x, pads};
    const std::string out = fresh_value(x + "_padded");
    pad.outputs = {out};
    push(std::move(pad));
    ++stats_.channel_pads;
    padded_.emplace(key, out);
    return out;
  }

  // The convolution producing NHWC value `v`, when it is live and `original` (v's NCHW name) has
  // no reader but the node being fused and no NCHW copy.
  Node* sole_conv_reader_of(const std::string& original) {
    if (uses_[original] != 1 || graph_outputs_.count(original) || defined_.count(original)) {
      return nullptr;
    }
    const auto p = producer_.find(nhwc_.at(original));
    if (p == producer_.end() || dead_[p->second]) return nullptr;
    Node& conv = out_[p->second];
    return conv.op_type == kConvNhwcOp ? &conv : nullptr;
  }

  bool fuse_relu(const Node& relu) {
    const std::string& x = relu.inputs[0];
    Node* conv = sole_conv_reader_of(x);
    if (conv == nullptr || conv->has_attribute(std::string(kActivationAttribute))) return false;
    conv->attributes[std::string(kActivationAttribute)] = std::string("Relu");
    rename_nhwc(x, relu.outputs[0]);
    ++stats_.activations_fused;
    return true;
  }

  // An elementwise program runs unchanged on NHWC values when every operand is one: they are all
  // rank 4, so numpy broadcasting commutes with the permutation. relu(a + b) (elementwise fusion
  // makes it of ResNet's Add + Relu) is a convolution's residual and activation when it can be.
  void fused_elementwise(const Node& node) {
    const bool all_nhwc =
        single_output(node) && !node.inputs.empty() &&
        std::all_of(node.inputs.begin(), node.inputs.end(),
                    [&](const std::string& in) { return !in.empty() && nhwc_.count(in); });
    if (!all_nhwc) return keep(node);
    const ElementwiseProgram program = decode_elementwise_program(node);
    const bool add_relu = program.input_count == 2 && program.steps.size() == 2 &&
                          program.steps[0].op == "Add" &&
                          program.steps[0].lhs != program.steps[0].rhs &&
                          program.steps[1].op == "Relu" && program.steps[1].lhs == 2;
    if (add_relu && (fuse_residual(node, 0, true) || fuse_residual(node, 1, true))) return;
    std::vector<std::string> inputs;
    for (const std::string& in : node.inputs) inputs.push_back(nhwc_.at(in));
    ++stats_.elementwise;
    emit_nhwc(node, node.op_type, node.domain, std::move(inputs));
  }

  // `add` computes [relu](inputs[0] + inputs[1]); the side `conv_side` may be a convolution's.
  bool fuse_residual(const Node& add, size_t conv_side, bool relu) {
    if (!same_shape_) return false;
    const std::string& a = add.inputs[conv_side];
    const std::string& b = add.inputs[1 - conv_side];
    Node* conv = sole_conv_reader_of(a);
    if (conv == nullptr || conv->has_attribute(std::string(kActivationAttribute)) ||
        conv->inputs.size() > 3 || a == b || !same_shape_(a, b)) {
      return false;
    }
    // Z may be computed after the convolution: the fused node moves to the Add's place (its own
    // inputs are all defined before its old place).
    const size_t old_index = producer_.at(nhwc_.at(a));
    Node moved = *conv;
    moved.inputs.resize(3);  // B may be absent ("")
    moved.inputs.push_back(nhwc_.at(b));
    if (relu) {
      moved.attributes[std::string(kActivationAttribute)] = std::string("Relu");
      ++stats_.activations_fused;
    }
    dead_[old_index] = true;
    out_.push_back(std::move(moved));
    dead_.push_back(false);
    producer_[nhwc_.at(a)] = out_.size() - 1;
    rename_nhwc(a, add.outputs[0]);
    ++stats_.residuals_fused;
    return true;
  }

  // The NHWC value of `from` is now (after fusing a reader into its producer) that of `to`.
  void rename_nhwc(const std::string& from, const std::string& to) {
    nhwc_[to] = nhwc_.at(from);
    nhwc_.erase(from);
  }

  void global_average_pool(const Node& node) {
    // mean over H, W of [N,H,W,C] keeps [N,1,1,C], which is [N,C,1,1] in memory order.
    Node mean;
    mean.name = node.name;
    mean.op_type = "ReduceMean";
    mean.inputs = {nhwc_.at(node.inputs[0])};
    const std::vector<int64_t> axes{1, 2};
    if (graph_.opset >= 18) {
      const std::string name = fresh_value(node.name + "_axes");
      graph_.initializers[name] = HostTensor::from<int64_t>({2}, axes);
      defined_.insert(name);
      mean.inputs.push_back(name);
    } else {
      mean.attributes["axes"] = axes;
    }
    mean.attributes["keepdims"] = int64_t{1};
    const std::string reduced = fresh_value(node.outputs[0] + "_nhwc");
    mean.outputs = {reduced};
    push(std::move(mean));

    if (reshape_shape_.empty()) {
      reshape_shape_ = fresh_value("nhwc_pool_to_nchw_shape");
      graph_.initializers[reshape_shape_] =
          HostTensor::from<int64_t>({4}, std::vector<int64_t>{0, -1, 1, 1});
      defined_.insert(reshape_shape_);
    }
    Node reshape;
    reshape.name = fresh_node(node.name + "/to_nchw");
    reshape.op_type = "Reshape";
    reshape.inputs = {reduced, reshape_shape_};
    reshape.outputs = {node.outputs[0]};
    defined_.insert(node.outputs[0]);
    push(std::move(reshape));
    ++stats_.pools;
  }

  // Emits `node` rewritten to `op` over NHWC `inputs`; its output becomes an NHWC value.
  void emit_nhwc(const Node& node, std::string op, std::string domain,
                 std::vector<std::string> inputs) {
    Node n = node;
    n.op_type = std::move(op);
    n.domain = std::move(domain);
    n.inputs = std::move(inputs);
    const std::string out = fresh_value(node.outputs[0] + "_nhwc");
    n.outputs = {out};
    nhwc_[node.outputs[0]] = out;
    producer_[out] = out_.size();
    push(std::move(n));
  }

  void keep(const Node& node) {
    for (const std::string& in : node.inputs) {
      if (!in.empty()) materialize(in);
    }
    for (const std::string& out : node.outputs) {
      if (!out.empty()) defined_.insert(out);
    }
    push(node);
    note_model_transpose(node);
  }

  std::string to_nhwc(const std::string& value) {
    const auto it = nhwc_.find(value);
    if (it != nhwc_.end()) return it->second;
    const std::string out = fresh_value(value + "_nhwc");
    push(transpose(value, out, kToNhwc, value + "/to_nhwc"));
    nhwc_[value] = out;
    return out;
  }

  // Makes the NCHW value `value` exist, from its NHWC form, if it does not yet.
  void materialize(const std::string& value) {
    if (defined_.count(value) || !nhwc_.count(value)) return;
    push(transpose(nhwc_.at(value), value, kToNchw, value + "/to_nchw"));
    defined_.insert(value);
  }

  Node transpose(const std::string& in, const std::string& out, const std::vector<int64_t>& perm,
                 const std::string& name) {
    Node t;
    t.name = fresh_node(name);
    t.op_type = "Transpose";
    t.inputs = {in};
    t.outputs = {out};
    t.attributes["perm"] = perm;
    ++stats_.transposes;
    return t;
  }

  void push(Node node) {
    node_names_.insert(node.name);
    out_.push_back(std::move(node));
    dead_.push_back(false);
  }

  std::string fresh_value(const std::string& base) {
    std::string name = base;
    for (int i = 1; values_.count(name); ++i) name = base + "_" + std::to_string(i);
    values_.insert(name);
    return name;
  }
  std::string fresh_node(const std::string& base) {
    std::string name = base;
    for (int i = 1; node_names_.count(name); ++i) name = base + "_" + std::to_string(i);
    node_names_.insert(name);
    return name;
  }

  void finish() {
    std::vector<Node> nodes;
    for (size_t i = 0; i < out_.size(); ++i) {
      if (!dead_[i]) nodes.push_back(std::move(out_[i]));
    }
    graph_.nodes = std::move(nodes);
    std::unordered_set<std::string> used;
    for (const Node& node : graph_.nodes) used.insert(node.inputs.begin(), node.inputs.end());
    for (const auto& [original, permuted] : permuted_weights_) {
      if (!used.count(original) && !graph_outputs_.count(original)) {
        graph_.initializers.erase(original);
      }
    }
    // Annotations of NCHW values that no longer exist.
    for (auto it = graph_.value_info.begin(); it != graph_.value_info.end();) {
      it = defined_.count(it->first) ? std::next(it) : graph_.value_info.erase(it);
    }
    stats_.cancelled = eliminate_dead_nodes(graph_);
  }

  Graph& graph_;
  const SameShape& same_shape_;
  int64_t pad_channels_to_;
  ChannelsLastStats stats_;
  std::vector<Node> out_;
  std::vector<bool> dead_;
  std::unordered_map<std::string, std::string> nhwc_;  // NCHW value -> its NHWC form
  std::unordered_map<std::string, size_t> producer_;   // NHWC value -> index in out_
  std::unordered_set<std::string> defined_;            // NCHW values that exist in out_
  std::unordered_map<std::string, size_t> uses_;       // readers in the original graph
  std::unordered_set<std::string> graph_outputs_;
  std::unordered_set<std::string> values_, node_names_;  // names taken
  std::unordered_map<std::string, std::string> permuted_weights_;
  std::unordered_map<std::string, std::string> padded_;  // "value#padding" -> padded value
  std::string reshape_shape_;
};

}  // namespace

ChannelsLastStats convert_to_channels_last(Graph& graph, const SameShape& same_shape,
                                           int64_t pad_channels_to) {
  return Rewriter(graph, same_shape, pad_channels_to).run();
}

}  // namespace rill::ir
