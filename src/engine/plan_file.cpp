#include "engine/plan_file.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

#include "engine/binary_io.h"
#include "engine/file_frame.h"
#include "engine/timing_cache.h"
#include "rill/version.h"

namespace rill::engine {

namespace {

constexpr FileFrame kPlanFrame{"RILLPLAN", kPlanFormatVersion, "plan file",
                               "; rebuild the plan from the ONNX model"};

// --- writing -----------------------------------------------------------------------------

void put_tensor(BinaryWriter& w, const ir::HostTensor& t) {
  w.put<uint8_t>(static_cast<uint8_t>(t.dtype()));
  w.put_vector<int64_t>(t.shape());
  w.put_bytes(std::span(t.raw(), t.bytes()));
}

void put_value_info(BinaryWriter& w, const ir::ValueInfo& v) {
  w.put_string(v.name);
  w.put<uint8_t>(static_cast<uint8_t>(v.dtype));
  w.put<uint8_t>(v.shape.has_value() ? 1 : 0);
  if (!v.shape) return;
  w.put<uint64_t>(v.shape->size());
  for (const ir::Dim& d : *v.shape) {
    w.put<int64_t>(d.value);
    w.put_string(d.symbol);
  }
}

void put_strings(BinaryWriter& w, const std::vector<std::string>& strings) {
  w.put<uint64_t>(strings.size());
  for (const auto& s : strings) w.put_string(s);
}

void put_attribute(BinaryWriter& w, const ir::AttributeValue& value) {
  w.put<uint8_t>(static_cast<uint8_t>(value.index()));
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) w.put<int64_t>(v);
        else if constexpr (std::is_same_v<T, float>) w.put<float>(v);
        else if constexpr (std::is_same_v<T, std::string>) w.put_string(v);
        else if constexpr (std::is_same_v<T, std::vector<int64_t>>) w.put_vector<int64_t>(v);
        else if constexpr (std::is_same_v<T, std::vector<float>>) w.put_vector<float>(v);
        else if constexpr (std::is_same_v<T, std::vector<std::string>>) put_strings(w, v);
        else put_tensor(w, v);
      },
      value);
}

void put_range(BinaryWriter& w, const ShapeRange& r) {
  w.put_vector<int64_t>(r.min);
  w.put_vector<int64_t>(r.opt);
  w.put_vector<int64_t>(r.max);
}

void put_tensor_info(BinaryWriter& w, const TensorInfo& info) {
  w.put_string(info.name);
  w.put<uint8_t>(static_cast<uint8_t>(info.dtype));
  w.put_vector<int64_t>(info.shape);
  put_range(w, info.range);
}

template <class Map>
std::vector<std::string> sorted_keys(const Map& map) {
  std::vector<std::string> keys;
  for (const auto& entry : map) keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// --- reading -----------------------------------------------------------------------------

DType get_dtype(BinaryReader& r) {
  const auto raw = r.get<uint8_t>();
  if (raw > static_cast<uint8_t>(DType::kBool)) r.fail("unknown dtype " + std::to_string(raw));
  return static_cast<DType>(raw);
}

ir::HostTensor get_tensor(BinaryReader& r) {
  const DType dtype = get_dtype(r);
  auto shape = r.get_vector<int64_t>();
  for (int64_t d : shape) {
    if (d < 0) r.fail("negative dimension");
  }
  const auto bytes = r.get_bytes();
  try {
    return ir::HostTensor(dtype, std::move(shape), bytes);
  } catch (const Error&) {
    r.fail("tensor size does not match its shape");
  }
}

ir::ValueInfo get_value_info(BinaryReader& r) {
  ir::ValueInfo v;
  v.name = r.get_string();
  v.dtype = get_dtype(r);
  if (r.get<uint8_t>() != 0) {
    ir::SymbolicShape shape(r.get_count(8));
    for (ir::Dim& d : shape) {
      d.value = r.get<int64_t>();
      d.symbol = r.get_string();
    }
    v.shape = std::move(shape);
  }
  return v;
}

std::vector<std::string> get_strings(BinaryReader& r) {
  std::vector<std::string> strings(r.get_count(8));
  for (auto& s : strings) s = r.get_string();
  return strings;
}

ir::AttributeValue get_attribute(BinaryReader& r) {
  switch (r.get<uint8_t>()) {
    case 0: return r.get<int64_t>();
    case 1: return r.get<float>();
    case 2: return r.get_string();
    case 3: return r.get_vector<int64_t>();
    case 4: return r.get_vector<float>();
    case 5: return get_strings(r);
    case 6: return get_tensor(r);
    default: r.fail("unknown attribute kind");
  }
}

ShapeRange get_range(BinaryReader& r) {
  ShapeRange range;
  range.min = r.get_vector<int64_t>();
  range.opt = r.get_vector<int64_t>();
  range.max = r.get_vector<int64_t>();
  return range;
}

TensorInfo get_tensor_info(BinaryReader& r) {
  TensorInfo info;
  info.name = r.get_string();
  info.dtype = get_dtype(r);
  info.shape = r.get_vector<int64_t>();
  info.range = get_range(r);
  return info;
}

// What the builder guarantees of an input's range (builder.cpp, resolve_range) and the engine
// relies on when it checks a caller's shape against it: one rank throughout, 0 <= min <= opt <=
// max. A plan with a valid checksum is still only bytes.
void check_input_range(BinaryReader& r, const TensorInfo& info) {
  const ShapeRange& range = info.range;
  const size_t rank = info.shape.size();
  if (range.min.size() != rank || range.opt.size() != rank || range.max.size() != rank) {
    r.fail("input " + info.name + " has a shape range of the wrong rank");
  }
  for (size_t i = 0; i < rank; ++i) {
    if (!(0 <= range.min[i] && range.min[i] <= range.opt[i] && range.opt[i] <= range.max[i])) {
      r.fail("input " + info.name + " has a shape range without 0 <= min <= opt <= max");
    }
  }
}

// The build's warnings are for the build's output, not the plan.
void put_tuning_summary(BinaryWriter& w, const TuningSummary& t) {
  w.put<uint8_t>(t.ran ? 1 : 0);
  w.put_string(t.status);
  w.put_string(t.device);
  for (size_t count : {t.layers, t.problems, t.timed, t.cache_hits, t.launches}) {
    w.put<uint64_t>(count);
  }
  w.put<double>(t.seconds);
}

TuningSummary get_tuning_summary(BinaryReader& r) {
  TuningSummary t;
  t.ran = r.get<uint8_t>() != 0;
  t.status = r.get_string();
  t.device = r.get_string();
  for (size_t* count : {&t.layers, &t.problems, &t.timed, &t.cache_hits, &t.launches}) {
    *count = r.get<uint64_t>();
  }
  t.seconds = r.get<double>();
  return t;
}

}  // namespace

std::vector<std::byte> serialize_plan(const EngineDefinition& def) {
  BinaryWriter w;
  w.put_string(kVersion);
  // Build options.
  w.put<uint8_t>(static_cast<uint8_t>(def.options.precision));
  w.put<uint8_t>(def.options.allow_tf32 ? 1 : 0);
  w.put<uint8_t>(def.options.optimize ? 1 : 0);
  w.put<uint8_t>(def.options.nvtx_layers ? 1 : 0);
  w.put<uint8_t>(def.options.tuning ? 1 : 0);
  w.put<uint64_t>(def.options.shapes.size());
  for (const auto& [name, range] : def.options.shapes) {
    w.put_string(name);
    put_range(w, range);
  }
  // Summary.
  w.put<uint64_t>(def.summary.nodes_imported);
  w.put<uint64_t>(def.summary.nodes_optimized);
  w.put<uint64_t>(def.summary.fused_nodes);
  w.put<uint64_t>(def.summary.weight_bytes);
  w.put<uint64_t>(def.summary.half_nodes);
  w.put<uint64_t>(def.summary.float_nodes);
  w.put<uint64_t>(def.summary.precision_casts);
  put_tuning_summary(w, def.summary.tuning);
  w.put<uint64_t>(def.summary.op_counts.size());
  for (const auto& [op, count] : def.summary.op_counts) {
    w.put_string(op);
    w.put<uint64_t>(count);
  }
  // Engine I/O.
  w.put<uint64_t>(def.inputs.size());
  for (const auto& info : def.inputs) put_tensor_info(w, info);
  w.put<uint64_t>(def.outputs.size());
  for (const auto& info : def.outputs) put_tensor_info(w, info);
  // Graph.
  const ir::Graph& g = def.graph;
  w.put_string(g.name);
  w.put<int64_t>(g.opset);
  w.put<uint64_t>(g.inputs.size());
  for (const auto& v : g.inputs) put_value_info(w, v);
  w.put<uint64_t>(g.outputs.size());
  for (const auto& v : g.outputs) put_value_info(w, v);
  // Hash maps are written in name order, so that one engine always makes the same file.
  w.put<uint64_t>(g.value_info.size());
  for (const std::string& name : sorted_keys(g.value_info)) put_value_info(w, g.value_info.at(name));
  w.put<uint64_t>(g.initializers.size());
  for (const std::string& name : sorted_keys(g.initializers)) {
    w.put_string(name);
    put_tensor(w, g.initializers.at(name));
  }
  w.put<uint64_t>(g.nodes.size());
  for (const ir::Node& n : g.nodes) {
    w.put_string(n.name);
    w.put_string(n.op_type);
    w.put_string(n.domain);
    put_strings(w, n.inputs);
    put_strings(w, n.outputs);
    w.put<uint64_t>(n.attributes.size());
    for (const auto& [key, value] : n.attributes) {
      w.put_string(key);
      put_attribute(w, value);
    }
  }
  // Tuned algorithms (Note [Build-time tuning] in kernels/algorithm_selector.h).
  put_environment(w, def.algorithms.environment);
  put_choices(w, def.algorithms.choices);

  return frame(kPlanFrame, w.bytes());
}

EngineDefinition deserialize_plan(std::span<const std::byte> bytes, const std::string& origin) {
  auto fail = [&](const std::string& what) -> Error {
    return Error(ErrorKind::kPlanFile, what, {{"file", origin}});
  };
  const auto payload = unframe(kPlanFrame, bytes, origin);

  BinaryReader r(payload, origin);
  EngineDefinition def;
  (void)r.get_string();  // the rill version that wrote it, informational
  const auto precision = r.get<uint8_t>();
  if (precision > static_cast<uint8_t>(Precision::kBFloat16)) {
    throw fail("plan file names an unknown precision " + std::to_string(precision));
  }
  def.options.precision = static_cast<Precision>(precision);
  def.options.allow_tf32 = r.get<uint8_t>() != 0;
  def.options.optimize = r.get<uint8_t>() != 0;
  def.options.nvtx_layers = r.get<uint8_t>() != 0;
  def.options.tuning = r.get<uint8_t>() != 0;
  for (uint64_t i = 0, n = r.get_count(8); i < n; ++i) {
    std::string name = r.get_string();
    def.options.shapes[name] = get_range(r);
  }
  def.summary.nodes_imported = r.get<uint64_t>();
  def.summary.nodes_optimized = r.get<uint64_t>();
  def.summary.fused_nodes = r.get<uint64_t>();
  def.summary.weight_bytes = r.get<uint64_t>();
  def.summary.half_nodes = r.get<uint64_t>();
  def.summary.float_nodes = r.get<uint64_t>();
  def.summary.precision_casts = r.get<uint64_t>();
  def.summary.tuning = get_tuning_summary(r);
  for (uint64_t i = 0, n = r.get_count(16); i < n; ++i) {
    std::string op = r.get_string();
    def.summary.op_counts[op] = r.get<uint64_t>();
  }
  for (uint64_t i = 0, n = r.get_count(8); i < n; ++i) {
    def.inputs.push_back(get_tensor_info(r));
    check_input_range(r, def.inputs.back());
  }
  for (uint64_t i = 0, n = r.get_count(8); i < n; ++i) def.outputs.push_back(get_tensor_info(r));
  ir::Graph& g = def.graph;
  g.name = r.get_string();
  g.opset = r.get<int64_t>();
  for (uint64_t i = 0, n = r.get_count(8); i < n; ++i) g.inputs.push_back(get_value_info(r));
  for (uint64_t i = 0, n = r.get_count(8); i < n; ++i) g.outputs.push_back(get_value_info(r));
  for (uint64_t i = 0, n = r.get_count(8); i < n; ++i) {
    ir::ValueInfo v = get_value_info(r);
    g.value_info[v.name] = std::move(v);
  }
  for (uint64_t i = 0, n = r.get_count(8); i < n; ++i) {
    std::string name = r.get_string();
    g.initializers[name] = get_tensor(r);
  }
  for (uint64_t i = 0, n = r.get_count(8); i < n; ++i) {
    ir::Node node;
    node.name = r.get_string();
    node.op_type = r.get_string();
    node.domain = r.get_string();
    node.inputs = get_strings(r);
    node.outputs = get_strings(r);
    for (uint64_t a = 0, na = r.get_count(8); a < na; ++a) {
      std::string key = r.get_string();
      node.attributes[key] = get_attribute(r);
    }
    g.nodes.push_back(std::move(node));
  }
  def.algorithms.environment = get_environment(r);
  def.algorithms.choices = get_choices(r);
  if (r.remaining() != 0) r.fail("trailing bytes after the tuned algorithms");
  // The builder makes the engine's I/O from the graph's, in order; the engine looks them up there.
  const auto same_names = [](const std::vector<TensorInfo>& infos,
                             const std::vector<ir::ValueInfo>& values) {
    return infos.size() == values.size() &&
           std::equal(infos.begin(), infos.end(), values.begin(),
                      [](const TensorInfo& a, const ir::ValueInfo& b) { return a.name == b.name; });
  };
  if (!same_names(def.inputs, g.inputs) || !same_names(def.outputs, g.outputs)) {
    throw fail("plan file's engine inputs or outputs are not its graph's");
  }
  try {
    g.validate();
  } catch (Error& e) {
    e.add_context("file", origin);
    throw;
  }
  return def;
}

void write_plan_file(const EngineDefinition& definition, const std::string& path) {
  const std::vector<std::byte> bytes = serialize_plan(definition);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorKind::kIo, "cannot open plan file for writing", {{"file", path}});
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw Error(ErrorKind::kIo, "failed to write plan file", {{"file", path}});
}

EngineDefinition read_plan_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kIo, "cannot open plan file", {{"file", path}});
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return deserialize_plan(std::as_bytes(std::span(raw.data(), raw.size())), path);
}

}  // namespace rill::engine
