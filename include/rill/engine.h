// The engine API: build an ONNX model into a planned GPU engine, save and load it as a .rill
// plan, and run it through execution contexts (after TensorRT's ICudaEngine and
// IExecutionContext::enqueueV3).
//
//   auto engine = rill::Engine::build_from_onnx("model.onnx");
//   auto context = engine->create_context();
//   context->set_input_shape("input", {8, 3, 224, 224});
//   context->set_tensor_address("input", d_input);
//   context->set_tensor_address("logits", d_logits);
//   context->enqueue(stream);  // returns at once; no host sync, no allocation
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rill/dtype.h"

namespace rill {

namespace engine {
struct EngineState;   // internal
class ContextState;   // internal
struct EngineAccess;  // internal: rill's own code reaches an Engine's state through it
}  // namespace engine

//! The range of shapes an input accepts: every dim d must satisfy min[d] <= d <= max[d].
//! Plans for `opt` are made first; static dims have min == opt == max.
struct ShapeRange {
  std::vector<int64_t> min;
  std::vector<int64_t> opt;
  std::vector<int64_t> max;
};

//! What an engine computes in. kFloat16/kBFloat16 build a reduced-precision engine: weights are
//! converted at build time, every op that can runs in that dtype with float accumulation, and the
//! engine's inputs and outputs keep the model's dtypes (casts at the edges).
enum class Precision : uint8_t { kFloat32, kFloat16, kBFloat16 };
//! "fp32", "fp16", "bf16".
const char* precision_name(Precision precision) noexcept;

struct BuildOptions {
  Precision precision = Precision::kFloat32;
  //! FP32 matrix math may use TF32 tensor cores (faster, ~1e-3 relative error).
  bool allow_tf32 = false;
  //! Shape ranges per input name. Inputs with symbolic dims that are not listed get
  //! min 1, opt 1, max kDefaultMaxDim for each symbolic dim.
  std::map<std::string, ShapeRange> shapes;
  //! Run the graph optimizer (constant folding, fusion). Off only for debugging.
  bool optimize = true;
  //! Every enqueue wraps each layer in an NVTX range named after its node (domain "rill"), so
  //! Nsight Systems shows layer names, as TensorRT's detailed profiling verbosity does. Off by
  //! default: a range costs a little host time per layer. CUDA graph replays show the ranges
  //! recorded when the graph was captured.
  bool nvtx_layers = false;
  //! Time the candidate cuBLASLt and cuDNN algorithms of every GEMM and convolution at the opt
  //! shapes on the build GPU and keep the fastest; the choices travel in the plan file. Without
  //! a GPU (or when off) each layer takes the libraries' heuristic choice when it is planned.
  bool tuning = true;
  //! A timing cache file (empty: none): tuning reads choices from it instead of timing them
  //! again and writes what it timed back. A cache made on another GPU or library version, or a
  //! corrupt one, is ignored with a warning and rewritten.
  std::string timing_cache;
  static constexpr int64_t kDefaultMaxDim = 64;
};

//! A graph input or output as the engine sees it. Dynamic dims are -1 in `shape`.
struct TensorInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  ShapeRange range;  //!< inputs only
};

//! What build-time tuning did (BuildOptions::tuning).
struct TuningSummary {
  bool ran = false;                 //!< false: off, or no GPU at build (see `status`)
  std::string status;               //!< "tuned", "off", "no GPU", ...
  std::string device;               //!< the GPU and library versions it tuned for
  size_t layers = 0;                //!< layers whose library algorithm was chosen by tuning
  size_t problems = 0;              //!< distinct problems among them (identical layers share one)
  size_t timed = 0;                 //!< problems timed by this build
  size_t cache_hits = 0;            //!< problems taken from the timing cache
  size_t launches = 0;              //!< kernel launches spent timing
  double seconds = 0.0;             //!< wall time of the tuning stage
  std::vector<std::string> warnings;  //!< a rejected timing cache, a layer left untuned, ...
};

//! Build-time facts for summaries and `rill inspect`.
struct EngineSummary {
  size_t nodes_imported = 0;
  size_t nodes_optimized = 0;
  size_t fused_nodes = 0;
  size_t weight_bytes = 0;
  std::map<std::string, size_t> op_counts;  //!< after optimization
  //! Reduced-precision builds: GPU nodes computing in float16/bfloat16, GPU nodes left in float32
  //! (no half path), and Cast nodes inserted between the two and at the engine's edges.
  size_t half_nodes = 0;
  size_t float_nodes = 0;
  size_t precision_casts = 0;
  TuningSummary tuning;
};

class ExecutionContext;

//! Build progress: the stage now running ("import", "optimize", ...) and the fraction of the
//! whole build done when it starts (0 to 1; 1 with stage "done").
using BuildProgress = std::function<void(const std::string& stage, double fraction)>;

//! Activation memory of a plan: the arena the memory planner packs every activation and
//! workspace into, and the naive sum of all of them.
struct PlannedMemory {
  size_t arena_bytes = 0;
  size_t naive_bytes = 0;
  size_t kernels = 0;
};

//! An immutable, shareable engine. Thread-safe: create one context per concurrent caller.
class Engine : public std::enable_shared_from_this<Engine> {
 public:
  //! Imports, checks and optimizes an ONNX model; needs no GPU, but tunes on one (see tuning).
  static std::shared_ptr<Engine> build_from_onnx(const std::string& path,
                                                  const BuildOptions& options = {},
                                                  const BuildProgress& progress = {});
  //! Loads a .rill plan file; a corrupt, truncated or wrong-version file throws kPlanFile.
  static std::shared_ptr<Engine> load(const std::string& path);
  //! Writes the engine as a .rill plan file.
  void save(const std::string& path) const;

  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;
  const EngineSummary& summary() const;
  const BuildOptions& options() const;

  //! A new execution context on the current CUDA device (needs a GPU). The context owns its
  //! activation memory, library handles and events.
  std::unique_ptr<ExecutionContext> create_context() const;

  //! Runs the model with the CPU reference implementation (no GPU needed): inputs and outputs
  //! are host buffers described by shapes. For tests, tools and machines without a GPU.
  struct HostTensor {
    DType dtype = DType::kFloat32;
    std::vector<int64_t> shape;
    std::vector<std::byte> data;
  };
  std::map<std::string, HostTensor> run_on_cpu(const std::map<std::string, HostTensor>& inputs) const;

  //! The output shapes (engine output order) for concrete input shapes (engine input order),
  //! inferred on the host: no GPU needed. Throws kInvalidArgument for a shape outside an input's
  //! range. Costs a shape inference over the graph: cache the answer per signature.
  std::vector<std::vector<int64_t>> output_shapes(
      const std::vector<std::vector<int64_t>>& input_shapes) const;

  //! The activation memory plan at the inputs' opt shapes (plans on the current GPU; needs one).
  PlannedMemory planned_memory() const;

  //! A human-readable description: inputs, outputs, layers with their kernels, memory plan.
  std::string describe(bool with_gpu_plan) const;

  ~Engine();

 private:
  friend struct engine::EngineAccess;
  explicit Engine(std::unique_ptr<engine::EngineState> state);
  engine::EngineState& state() const { return *state_; }

  std::unique_ptr<engine::EngineState> state_;
};

//! One layer's GPU time in a profiling run (ExecutionContext::profile_layers).
struct LayerTime {
  std::string name;    //!< the node's name (fused layers: the name the fusion gave)
  std::string op;      //!< op type, e.g. "Conv", "rill.Attention"
  std::string kernel;  //!< how it runs: the library call or kernel and its settings
  float median_ms = 0;
  float min_ms = 0;
};

//! Per-layer times of one context at its current shapes (trtexec's --dumpProfile).
struct LayerProfile {
  std::vector<LayerTime> layers;  //!< in execution order
  float total_median_ms = 0;      //!< median of the whole enqueue, first layer start to end
  int iterations = 0;
};

//! Per-caller execution state (TensorRT's IExecutionContext). Not thread-safe: one context is
//! used by one thread at a time; use one context per concurrent caller.
class ExecutionContext {
 public:
  ~ExecutionContext();

  //! Selects the concrete shape of an input (within its ShapeRange). The first time a shape
  //! signature is seen, the engine plans it (kernel preparation, memory plan): that costs
  //! milliseconds and may allocate; later calls with a seen signature are cheap.
  void set_input_shape(const std::string& name, const std::vector<int64_t>& shape);
  //! The shape of an output for the current input shapes.
  std::vector<int64_t> output_shape(const std::string& name) const;
  //! Binds a device pointer to an input or output. Must stay valid until the work enqueued
  //! with it has run (see Note [Lifetimes] in src/engine/execution_context.cpp).
  void set_tensor_address(const std::string& name, void* data);
  //! Enqueues one inference on `stream` and returns at once. No host synchronization, no
  //! allocation, no work on a default stream other than `stream` itself, capturable into a CUDA
  //! graph. `stream` should not be a default stream (the Session redirects those).
  void enqueue(cudaStream_t stream);

  //! Times every layer: `iterations` enqueues on `stream` (after two untimed ones), each layer
  //! between two timing events, the stream held until an iteration is queued so that host launch
  //! cost does not read as GPU time (Note [Timing without host gaps], src/cuda/stream_hold.h).
  //! A diagnostic that blocks the host and creates events: never call it on a serving path. The
  //! layers' sum exceeds a graph replay's time by the event records between them.
  LayerProfile profile_layers(cudaStream_t stream, int iterations = 50);

  //! Changes whenever the context's internal memory moves (a larger shape signature grew the
  //! activation arena). CUDA graphs captured from enqueue() before the change read freed memory
  //! and must be dropped.
  uint64_t memory_generation() const;

  //! Planned activation bytes (arena) and the naive sum of all activations, for the current
  //! shapes.
  size_t arena_bytes() const;
  size_t naive_activation_bytes() const;


 private:
  friend class Engine;  // create_context() makes contexts
  explicit ExecutionContext(std::unique_ptr<engine::ContextState> state);

  std::unique_ptr<engine::ContextState> state_;
};

}  // namespace rill
