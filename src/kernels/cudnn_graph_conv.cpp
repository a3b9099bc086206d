#include "kernels/cudnn_graph_conv.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <deque>

#include "kernels/cudnn_types.h"
#include "kernels/library_check.h"
#include "kernels/tuning_bench.h"

namespace rill::kernels {

namespace {

using cudnn::BackendDescriptor;

// Unique ids of the graph's tensors, as the variant pack names them.
enum TensorUid : int64_t { kX = 1, kW, kBias, kZ, kY, kConvOut = 101, kWithBias, kWithResidual };

// Dims and strides in cuDNN's order (N, C, spatial...; filters K, C/group, spatial...), packed
// in memory as NC(D)HW or N(D)HWC. 1-D convolutions are 2-D with a unit height, as in the legacy
// path (cudnn_conv.h).
struct Layout {
  std::vector<int64_t> dims, strides;
};

Layout packed(int64_t outer, int64_t channels, const std::array<int64_t, 3>& spatial,
              const ConvShape& s) {
  Layout l;
  l.dims = {outer, channels};
  if (s.spatial == 1) l.dims.push_back(1);
  for (int i = 0; i < s.spatial; ++i) l.dims.push_back(spatial[static_cast<size_t>(i)]);
  std::vector<size_t> memory_order{0};
  if (!s.channels_last) memory_order.push_back(1);
  for (size_t i = 2; i < l.dims.size(); ++i) memory_order.push_back(i);
  if (s.channels_last) memory_order.push_back(1);
  l.strides.assign(l.dims.size(), 0);
  int64_t stride = 1;
  for (size_t k = memory_order.size(); k-- > 0;) {
    l.strides[memory_order[k]] = stride;
    stride *= l.dims[memory_order[k]];
  }
  return l;
}

std::vector<int64_t> spatial_values(const ConvShape& s, const std::array<int64_t, 3>& values,
                                    int64_t unit) {
  std::vector<int64_t> out;
  if (s.spatial == 1) out.push_back(unit);
  for (int i = 0; i < s.spatial; ++i) out.push_back(values[static_cast<size_t>(i)]);
  return out;
}

BackendDescriptor pointwise_op(cudnnPointwiseMode_t mode, const BackendDescriptor& x,
                               const BackendDescriptor* b, const BackendDescriptor& y,
                               std::deque<BackendDescriptor>& keep_alive) {
  BackendDescriptor pw = BackendDescriptor::create(CUDNN_BACKEND_POINTWISE_DESCRIPTOR);
  pw.set_raw(CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, 1, &mode)
      .set_data_type(CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_DATA_FLOAT);
  pw.finalize();
  BackendDescriptor op = BackendDescriptor::create(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR);
  op.set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, pw)
      .set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_XDESC, x)
      .set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_YDESC, y);
  if (b != nullptr) op.set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_BDESC, *b);
  op.finalize();
  keep_alive.push_back(std::move(pw));
  return op;
}

// RILL_CUDNN_CONV: "legacy" (graph path off), "graph" (default), "graph-rtc" (runtime-compiled
// engines allowed too).
const char* conv_mode() {
  static const char* mode = [] {
    const char* value = std::getenv("RILL_CUDNN_CONV");
    return value != nullptr ? value : "graph";
  }();
  return mode;
}

// Numerical and behaviour notes of an engine configuration's engine.
struct EngineNotes {
  int64_t index = -1;
  std::vector<cudnnBackendNumericalNote_t> numerical;
  std::vector<cudnnBackendBehaviorNote_t> behavior;
  bool has(cudnnBackendNumericalNote_t n) const {
    return std::find(numerical.begin(), numerical.end(), n) != numerical.end();
  }
  bool has(cudnnBackendBehaviorNote_t n) const {
    return std::find(behavior.begin(), behavior.end(), n) != behavior.end();
  }
};

EngineNotes notes_of(const BackendDescriptor& config) {
  BackendDescriptor engine = BackendDescriptor::create(CUDNN_BACKEND_ENGINE_DESCRIPTOR);
  cudnnBackendDescriptor_t raw = engine.get();
  int64_t count = 0;
  RILL_CUDNN_CHECK(cudnnBackendGetAttribute(config.get(), CUDNN_ATTR_ENGINECFG_ENGINE,
                                            CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &count, &raw));
  EngineNotes notes;
  notes.index = engine.get_int64(CUDNN_ATTR_ENGINE_GLOBAL_INDEX);
  notes.numerical.resize(CUDNN_NUMERICAL_NOTE_TYPE_COUNT);
  RILL_CUDNN_CHECK(cudnnBackendGetAttribute(
      engine.get(), CUDNN_ATTR_ENGINE_NUMERICAL_NOTE, CUDNN_TYPE_NUMERICAL_NOTE,
      CUDNN_NUMERICAL_NOTE_TYPE_COUNT, &count, notes.numerical.data()));
  notes.numerical.resize(static_cast<size_t>(count));
  notes.behavior.resize(CUDNN_BEHAVIOR_NOTE_TYPE_COUNT);
  RILL_CUDNN_CHECK(cudnnBackendGetAttribute(engine.get(), CUDNN_ATTR_ENGINE_BEHAVIOR_NOTE,
                                            CUDNN_TYPE_BEHAVIOR_NOTE,
                                            CUDNN_BEHAVIOR_NOTE_TYPE_COUNT, &count,
                                            notes.behavior.data()));
  notes.behavior.resize(static_cast<size_t>(count));
  return notes;
}

// Note [Graph-API convolutions]: the reason an engine does not qualify, or null.
const char* disqualified(const EngineNotes& notes, const ConvShape& s,
                         CudnnGraphConv::Policy policy) {
  if (notes.has(CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION) && !policy.allow_runtime_compiled) {
    return "compiles at run time";
  }
  if (notes.has(CUDNN_NUMERICAL_NOTE_NONDETERMINISTIC)) return "nondeterministic";
  if (notes.has(CUDNN_NUMERICAL_NOTE_FFT) || notes.has(CUDNN_NUMERICAL_NOTE_WINOGRAD) ||
      notes.has(CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_4x4) ||
      notes.has(CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_6x6) ||
      notes.has(CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_13x13)) {
    return "FFT or Winograd";
  }
  if (notes.has(CUDNN_NUMERICAL_NOTE_REDUCED_PRECISION_REDUCTION)) {
    return "reduced-precision reduction";
  }
  if (s.dtype == DType::kFloat32 && !s.allow_tf32 &&
      (notes.has(CUDNN_NUMERICAL_NOTE_TENSOR_CORE) ||
       notes.has(CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS))) {
    return "tensor cores on float32 without TF32";
  }
  return nullptr;
}

bool aligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

// Binds the tensors' addresses and runs an execution plan (CudnnGraphConv::run, and tuning).
void execute(cudnnHandle_t handle, const BackendDescriptor& plan, ConvEpilogue epilogue,
             const void* x, const void* w, const void* bias, const void* z, void* y,
             void* workspace, cudaStream_t stream) {
  std::array<int64_t, 5> uids{};
  std::array<void*, 5> pointers{};
  int64_t count = 0;
  auto add = [&](int64_t uid, const void* p) {
    uids[static_cast<size_t>(count)] = uid;
    pointers[static_cast<size_t>(count)] = const_cast<void*>(p);
    ++count;
  };
  add(kX, x);
  add(kW, w);
  add(kY, y);
  if (epilogue.bias) add(kBias, bias);
  if (epilogue.residual) add(kZ, z);
  BackendDescriptor pack = BackendDescriptor::create(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
  pack.set_raw(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, count, uids.data())
      .set_raw(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, count, pointers.data())
      .set_raw(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1, &workspace);
  pack.finalize();
  RILL_CUDNN_CHECK(cudnnSetStream(handle, stream));
  RILL_CUDNN_CHECK(cudnnBackendExecute(handle, plan.get(), pack.get()));
}

// A finalized execution plan for one engine configuration of the heuristics' list.
struct Candidate {
  int64_t position = -1;  // in the heuristics' results
  int64_t engine = -1;    // the engine's global index
  BackendDescriptor plan;
  size_t workspace = 0;
};

// A graph-convolution choice as bytes (Note [Build-time tuning] in algorithm_selector.h): the
// configuration's position in the heuristics' results and its engine's global index, two
// little-endian int64s. The heuristics are deterministic for one graph, GPU and cuDNN (the
// environment a stored choice is used in), and the engine index is checked on restore.
AlgorithmChoice encode_choice(const Candidate& c, float ms, size_t candidates) {
  AlgorithmChoice choice;
  for (int64_t v : {c.position, c.engine}) {
    for (int b = 0; b < 8; ++b) {
      choice.algorithm.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * b)));
    }
  }
  choice.milliseconds = ms;
  choice.candidates = static_cast<uint32_t>(candidates);
  return choice;
}

bool decode_choice(const AlgorithmChoice& choice, int64_t* position, int64_t* engine) {
  if (choice.algorithm.size() != 16) return false;
  int64_t* fields[2] = {position, engine};
  for (int f = 0; f < 2; ++f) {
    uint64_t v = 0;
    for (int b = 0; b < 8; ++b) {
      v |= uint64_t{choice.algorithm[static_cast<size_t>(8 * f + b)]} << (8 * b);
    }
    *fields[f] = static_cast<int64_t>(v);
  }
  return true;
}

// Times `candidates` on `bench` and reports the fastest to `selector`: its index, or nullopt when
// none ran.
std::optional<size_t> tune(cudnnHandle_t handle, const ConvShape& s, ConvEpilogue epilogue,
                           const std::vector<Candidate>& candidates, TuningBench& bench,
                           AlgorithmSelector& selector, const std::string& key) {
  if (candidates.empty()) return std::nullopt;
  const size_t element = dtype_size(s.dtype);
  const size_t y_bytes =
      static_cast<size_t>(s.batch * s.out_channels * s.output[0] * s.output[1] * s.output[2]) *
      element;
  size_t workspace = 0;
  for (const Candidate& c : candidates) workspace = std::max(workspace, c.workspace);
  const std::vector<void*> buffers = bench.buffers(
      {static_cast<size_t>(s.batch * s.in_channels * s.input[0] * s.input[1] * s.input[2]) *
           element,
       static_cast<size_t>(s.out_channels * (s.in_channels / s.group) * s.kernel[0] *
                           s.kernel[1] * s.kernel[2]) *
           element,
       static_cast<size_t>(s.out_channels) * element, y_bytes, y_bytes, workspace});
  std::optional<size_t> best;
  float best_ms = 0.0f;
  for (size_t i = 0; i < candidates.size(); ++i) {
    try {
      const float ms = bench.time([&](cudaStream_t stream) {
        execute(handle, candidates[i].plan, epilogue, buffers[0], buffers[1], buffers[2],
                buffers[3], buffers[4], buffers[5], stream);
      });
      if (!best || ms < best_ms) {
        best = i;
        best_ms = ms;
      }
    } catch (const Error&) {
      // An engine that finalized but would not run is no candidate.
    }
  }
  if (best) selector.tuned(key, encode_choice(candidates[*best], best_ms, candidates.size()));
  return best;
}

}  // namespace

std::string tuning_key(const ConvShape& s, ConvEpilogue epilogue,
                       CudnnGraphConv::Policy policy) {
  return "cudnn_graph_conv " + s.to_string() + " bias=" + std::to_string(int{epilogue.bias}) +
         " residual=" + std::to_string(int{epilogue.residual}) +
         " relu=" + std::to_string(int{epilogue.relu}) +
         " rtc=" + std::to_string(int{policy.allow_runtime_compiled}) +
         " tf32=" + std::to_string(int{s.allow_tf32});
}

bool CudnnGraphConv::enabled() { return std::strcmp(conv_mode(), "legacy") != 0; }

CudnnGraphConv::Policy CudnnGraphConv::policy_from_environment() {
  return {.allow_runtime_compiled = std::strcmp(conv_mode(), "graph-rtc") == 0};
}

std::optional<CudnnGraphConv> CudnnGraphConv::plan(cudnnHandle_t handle, const ConvShape& s,
                                                   ConvEpilogue epilogue, Policy policy,
                                                   std::string* why, AlgorithmSelector* selector) {
  auto decline = [&](std::string reason) -> std::optional<CudnnGraphConv> {
    if (why != nullptr) *why = std::move(reason);
    return std::nullopt;
  };
  if (s.group != 1) return decline("grouped convolution");
  if (handle == nullptr) {
    throw Error(ErrorKind::kInternal, "cuDNN graph convolution planned without a cuDNN handle");
  }

  CudnnGraphConv conv;
  conv.shape_ = s;
  conv.epilogue_ = epilogue;
  std::deque<BackendDescriptor>& keep = conv.keep_alive_;
  try {
    const cudnnDataType_t type = cudnn_data_type(s.dtype, "cuDNN graph convolution");
    const Layout x = packed(s.batch, s.in_channels, s.input, s);
    const Layout w = packed(s.out_channels, s.in_channels, s.kernel, s);
    const Layout y = packed(s.batch, s.out_channels, s.output, s);
    const Layout bias = packed(1, s.out_channels, {1, 1, 1}, s);
    const bool any_epilogue = epilogue.bias || epilogue.residual || epilogue.relu;

    keep.push_back(cudnn::make_tensor(kX, type, x.dims, x.strides, false));
    const BackendDescriptor& x_desc = keep.back();
    keep.push_back(cudnn::make_tensor(kW, type, w.dims, w.strides, false));
    const BackendDescriptor& w_desc = keep.back();
    keep.push_back(cudnn::make_tensor(kY, type, y.dims, y.strides, false));
    const BackendDescriptor& y_desc = keep.back();

    const int64_t spatial_dims = std::max(s.spatial, 2);
    const cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION;
    BackendDescriptor conv_desc = BackendDescriptor::create(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
    conv_desc.set_int64(CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, spatial_dims)
        .set_data_type(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_DATA_FLOAT)
        .set_raw(CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, 1, &mode)
        .set_int64s(CUDNN_ATTR_CONVOLUTION_DILATIONS, spatial_values(s, s.dilation, 1))
        .set_int64s(CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, spatial_values(s, s.stride, 1))
        .set_int64s(CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, spatial_values(s, s.pad, 0))
        .set_int64s(CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, spatial_values(s, s.pad, 0));
    conv_desc.finalize();

    // The convolution writes Y itself, or a virtual float tensor the epilogue reads.
    const BackendDescriptor* conv_out = &y_desc;
    if (any_epilogue) {
      keep.push_back(cudnn::make_tensor(kConvOut, CUDNN_DATA_FLOAT, y.dims, y.strides, true));
      conv_out = &keep.back();
    }
    BackendDescriptor conv_op =
        BackendDescriptor::create(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR);
    conv_op.set_descriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, x_desc)
        .set_descriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, w_desc)
        .set_descriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, *conv_out)
        .set_descriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, conv_desc)
        .set_float(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, 1.0f)
        .set_float(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, 0.0f);
    conv_op.finalize();
    keep.push_back(std::move(conv_desc));

    // The epilogue: each step reads the previous one's output; the last writes Y.
    std::vector<BackendDescriptor> ops;
    ops.push_back(std::move(conv_op));
    const BackendDescriptor* current = conv_out;
    auto next_output = [&](bool last, int64_t uid) -> const BackendDescriptor& {
      if (last) return y_desc;
      keep.push_back(cudnn::make_tensor(uid, CUDNN_DATA_FLOAT, y.dims, y.strides, true));
      return keep.back();
    };
    if (epilogue.bias) {
      keep.push_back(cudnn::make_tensor(kBias, type, bias.dims, bias.strides, false));
      const BackendDescriptor& b = keep.back();
      const BackendDescriptor& out = next_output(!epilogue.residual && !epilogue.relu, kWithBias);
      ops.push_back(pointwise_op(CUDNN_POINTWISE_ADD, *current, &b, out, keep));
      current = &out;
    }
    if (epilogue.residual) {
      keep.push_back(cudnn::make_tensor(kZ, type, y.dims, y.strides, false));
      const BackendDescriptor& z = keep.back();
      const BackendDescriptor& out = next_output(!epilogue.relu, kWithResidual);
      ops.push_back(pointwise_op(CUDNN_POINTWISE_ADD, *current, &z, out, keep));
      current = &out;
    }
    if (epilogue.relu) {
      ops.push_back(pointwise_op(CUDNN_POINTWISE_RELU_FWD, *current, nullptr, y_desc, keep));
    }

    std::vector<cudnnBackendDescriptor_t> raw_ops;
    for (const BackendDescriptor& op : ops) raw_ops.push_back(op.get());
    BackendDescriptor graph = BackendDescriptor::create(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    // The handle attributes are deprecated in favour of device-property descriptors (cuDNN
    // 9.x), which older cuDNN 9 releases lack; the handle works across all of them.
    graph.set_handle(CUDNN_ATTR_OPERATIONGRAPH_HANDLE, handle);
#pragma GCC diagnostic pop
    graph.set_raw(CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR,
                  static_cast<int64_t>(raw_ops.size()), raw_ops.data());
    if (const cudnnStatus_t status = graph.try_finalize(); status != CUDNN_STATUS_SUCCESS) {
      return decline(std::string("operation graph refused: ") + cudnnGetErrorString(status));
    }
    for (BackendDescriptor& op : ops) keep.push_back(std::move(op));

    BackendDescriptor heuristics = BackendDescriptor::create(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
    const cudnnBackendHeurMode_t heur_mode = CUDNN_HEUR_MODE_A;
    heuristics.set_descriptor(CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, graph)
        .set_raw(CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1, &heur_mode);
    if (const cudnnStatus_t status = heuristics.try_finalize(); status != CUDNN_STATUS_SUCCESS) {
      return decline(std::string("no heuristics: ") + cudnnGetErrorString(status));
    }
    int64_t available = 0;
    RILL_CUDNN_CHECK(cudnnBackendGetAttribute(heuristics.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                              CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &available,
                                              nullptr));
    std::vector<BackendDescriptor> configs;
    std::vector<cudnnBackendDescriptor_t> raw_configs;
    for (int64_t i = 0; i < available; ++i) {
      configs.push_back(BackendDescriptor::create(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR));
      raw_configs.push_back(configs.back().get());
    }
    int64_t returned = 0;
    if (available > 0) {
      RILL_CUDNN_CHECK(cudnnBackendGetAttribute(heuristics.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                                CUDNN_TYPE_BACKEND_DESCRIPTOR, available,
                                                &returned, raw_configs.data()));
    }

    std::string skipped;
    // The configuration at `i` as a finalized plan, or nullopt (the reason added to `skipped`).
    auto candidate_at = [&](int64_t i) -> std::optional<Candidate> {
      const BackendDescriptor& config = configs[static_cast<size_t>(i)];
      const EngineNotes notes = notes_of(config);
      if (const char* reason = disqualified(notes, s, policy)) {
        skipped += " engine " + std::to_string(notes.index) + ": " + reason + ";";
        return std::nullopt;
      }
      BackendDescriptor plan = BackendDescriptor::create(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      plan.set_handle(CUDNN_ATTR_EXECUTION_PLAN_HANDLE, handle);
#pragma GCC diagnostic pop
      plan.set_descriptor(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, config);
      if (const cudnnStatus_t status = plan.try_finalize(); status != CUDNN_STATUS_SUCCESS) {
        skipped += " engine " + std::to_string(notes.index) + ": " + cudnnGetErrorString(status) +
                   ";";
        return std::nullopt;
      }
      const int64_t workspace = plan.get_int64(CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE);
      if (workspace < 0 || static_cast<size_t>(workspace) > kMaxWorkspaceBytes) {
        skipped += " engine " + std::to_string(notes.index) + ": workspace;";
        return std::nullopt;
      }
      return Candidate{i, notes.index, std::move(plan), static_cast<size_t>(workspace)};
    };
    auto adopt = [&](Candidate chosen, bool tuned) {
      conv.plan_ = std::move(chosen.plan);
      conv.engine_index_ = chosen.engine;
      conv.workspace_bytes_ = chosen.workspace;
      conv.tuned_ = tuned;
      keep.push_back(std::move(graph));
      keep.push_back(std::move(heuristics));
      for (BackendDescriptor& c : configs) keep.push_back(std::move(c));
    };

    // Note [Build-time tuning]: a stored choice the heuristics still offer, else timed
    // candidates, else the first that qualifies.
    std::vector<Candidate> candidates;
    if (selector != nullptr) {
      const std::string key = tuning_key(s, epilogue, policy);
      if (const AlgorithmChoice* stored = selector->find(key)) {
        int64_t position = -1;
        int64_t engine = -1;
        if (decode_choice(*stored, &position, &engine) && position >= 0 && position < returned) {
          std::optional<Candidate> c = candidate_at(position);
          if (c && c->engine == engine) {
            adopt(std::move(*c), true);
            return conv;
          }
        }
        selector->rejected(key);
      }
      if (TuningBench* bench = selector->bench()) {
        for (int64_t i = 0; i < returned && static_cast<int>(candidates.size()) <
                                                 bench->max_candidates(); ++i) {
          if (std::optional<Candidate> c = candidate_at(i)) candidates.push_back(std::move(*c));
        }
        if (const std::optional<size_t> best =
                tune(handle, s, epilogue, candidates, *bench, *selector, key)) {
          adopt(std::move(candidates[*best]), true);
          return conv;
        }
        if (!candidates.empty()) {
          adopt(std::move(candidates.front()), false);
          return conv;
        }
      }
    }
    for (int64_t i = 0; i < returned; ++i) {
      if (std::optional<Candidate> c = candidate_at(i)) {
        adopt(std::move(*c), false);
        return conv;
      }
    }
    return decline("no qualifying engine among " + std::to_string(returned) + ":" + skipped);
  } catch (Error& e) {
    e.add_context("conv", s.to_string());
    throw;
  }
}

std::string CudnnGraphConv::describe() const {
  std::string text = "cudnn graph conv engine " + std::to_string(engine_index_) + " " +
                     std::string(dtype_name(shape_.dtype)) + (shape_.channels_last ? " nhwc" : "");
  if (epilogue_.bias) text += " +bias";
  if (epilogue_.residual) text += " +residual";
  if (epilogue_.relu) text += " +relu";
  if (tuned_) text += ", tuned";
  return text;
}

bool CudnnGraphConv::run(cudnnHandle_t handle, const void* x, const void* w, const void* bias,
                         const void* z, void* y, void* workspace, cudaStream_t stream) const {
  if (!aligned(x) || !aligned(w) || !aligned(y) || (epilogue_.bias && !aligned(bias)) ||
      (epilogue_.residual && !aligned(z))) {
    return false;
  }
  execute(handle, plan_, epilogue_, x, w, bias, z, y, workspace, stream);
  return true;
}

}  // namespace rill::kernels
