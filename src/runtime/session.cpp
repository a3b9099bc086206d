// Note [Context reuse across streams]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// A pooled context returns to the pool as soon as its run has *enqueued* its work, while that
// work may still be running. The next run that takes the context may be on another stream; if it
// simply enqueued, both streams would use the same activation arena and staging buffers at once
// (the failure mode where a few percent of outputs under threads come out wrong). So every run
// ends by recording the slot's `done` event on its work stream and begins by making its own work
// stream wait for that event: the context's memory is handed from stream to stream in order,
// without the host ever waiting. A run on the very stream that ran the context last skips the
// wait, which stream order already implies. Streams are told apart by cudaStreamGetId, never by
// handle: a destroyed stream's handle may come back for a new stream, its id never does; a
// stream being captured has no known id, so it always waits.
#include "runtime/session_state.h"

#include <algorithm>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/pointer_check.h"
#include "cuda/stream.h"
#include "runtime/log.h"

namespace rill::runtime {

namespace {

size_t tensor_bytes(const Tensor& t) {
  return static_cast<size_t>(ir::element_count(t.shape)) * dtype_size(t.dtype);
}

std::vector<ir::Shape> signature_of(std::span<const Tensor> inputs) {
  std::vector<ir::Shape> signature;
  signature.reserve(inputs.size());
  for (const Tensor& t : inputs) signature.push_back(t.shape);
  return signature;
}

//! True while `stream` is being captured into a CUDA graph (Note [Caller capture]). The legacy
//! default stream cannot be captured, and asking about it during another thread's capture may
//! itself be refused, so it is not asked.
bool is_capturing(cudaStream_t stream) {
  if (stream == nullptr || stream == cudaStreamLegacy) return false;
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  RILL_CUDA_CHECK(cudaStreamIsCapturing(stream, &status));
  return status != cudaStreamCaptureStatusNone;
}

Error tensor_error(const std::string& what, const std::string& role, const TensorInfo& info,
                   const Tensor& t) {
  return Error(ErrorKind::kInvalidArgument, what,
               {{role, info.name},
                {"dtype", std::string(dtype_name(t.dtype))},
                {"shape", ir::shape_string(t.shape)},
                {"expected_dtype", std::string(dtype_name(info.dtype))}});
}

}  // namespace

// ---- the context pool ------------------------------------------------------------------------

class SessionState::SlotLease {
 public:
  SlotLease(SessionState* state, ContextSlot* slot) : state_(state), slot_(slot) {}
  SlotLease(SlotLease&& other) noexcept
      : state_(other.state_), slot_(std::exchange(other.slot_, nullptr)) {}
  SlotLease(const SlotLease&) = delete;
  SlotLease& operator=(const SlotLease&) = delete;
  SlotLease& operator=(SlotLease&&) = delete;
  ~SlotLease() {
    if (slot_ != nullptr) state_->release(slot_);
  }
  ContextSlot& operator*() const { return *slot_; }

 private:
  SessionState* state_;
  ContextSlot* slot_;
};

SessionState::SessionState(std::shared_ptr<const Engine> engine, SessionOptions options)
    : engine_(std::move(engine)),
      options_(options),
      device_(cuda::current_device()),
      streams_(device_),
      events_(device_) {
  if (!engine_) throw Error(ErrorKind::kInvalidArgument, "Session needs an engine");
  if (options_.max_contexts == 0) {
    throw Error(ErrorKind::kInvalidArgument, "SessionOptions.max_contexts must be at least 1");
  }
  options_.initial_contexts = std::min(options_.initial_contexts, options_.max_contexts);
  for (size_t i = 0; i < options_.initial_contexts; ++i) {
    slots_.push_back(make_slot());
    free_.push_back(slots_.back().get());
  }
}

SessionState::~SessionState() {
  // Work enqueued by runs may still read the contexts' memory: let it finish before freeing.
  for (const auto& slot : slots_) (void)cudaEventSynchronize(slot->done.get());
  // Pinned contexts belong to callers' graphs, which must not outlive the session
  // (Note [Caller capture]); their last direct work is waited for like the others'.
  for (const auto& slot : pinned_) (void)cudaEventSynchronize(slot->done.get());
}

std::unique_ptr<ContextSlot> SessionState::make_slot() {
  cuda::DeviceGuard guard(device_);
  auto slot = std::make_unique<ContextSlot>(options_.graphs_per_context);
  slot->context = engine_->create_context();
  slot->engine_stream = streams_.acquire();
  slot->engine_stream_id = cuda::stream_id_if_known(slot->engine_stream.get());
  slot->done = cuda::Event::create();
  slot->bound_inputs.assign(engine_->inputs().size(), nullptr);
  slot->bound_outputs.assign(engine_->outputs().size(), nullptr);
  slot->checked_inputs.assign(engine_->inputs().size(), {});
  slot->checked_outputs.assign(engine_->outputs().size(), {});
  return slot;
}

SessionState::SlotLease SessionState::acquire() {
  std::unique_lock lock(pool_mutex_);
  for (;;) {
    if (!free_.empty()) {
      ContextSlot* slot = free_.back();
      free_.pop_back();
      return SlotLease(this, slot);
    }
    if (slots_.size() + making_ < options_.max_contexts) break;
    slot_freed_.wait(lock);
  }
  // Grow: make the context outside the lock (it allocates), so other runs go on meanwhile.
  ++making_;
  lock.unlock();
  std::unique_ptr<ContextSlot> slot;
  try {
    slot = make_slot();
  } catch (...) {
    lock.lock();
    --making_;
    slot_freed_.notify_one();
    throw;
  }
  lock.lock();
  --making_;
  slots_.push_back(std::move(slot));
  return SlotLease(this, slots_.back().get());
}

void SessionState::release(ContextSlot* slot) {
  {
    std::lock_guard lock(pool_mutex_);
    free_.push_back(slot);
  }
  slot_freed_.notify_one();
}

// ---- one run ---------------------------------------------------------------------------------

void SessionState::set_shapes(ContextSlot& slot, std::span<const Tensor> inputs) {
  const auto& infos = engine_->inputs();
  if (inputs.size() != infos.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                "expected " + std::to_string(infos.size()) + " inputs, got " +
                    std::to_string(inputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    if (t.dtype != infos[i].dtype) throw tensor_error("input has the wrong dtype", "input", infos[i], t);
    if (t.data == nullptr && tensor_bytes(t) > 0) {
      throw tensor_error("input data pointer is null", "input", infos[i], t);
    }
    check_address(t, infos[i], "input", slot.checked_inputs[i]);
    slot.context->set_input_shape(infos[i].name, t.shape);
  }
}

void SessionState::check_outputs(ContextSlot& slot, std::span<const Tensor> outputs) {
  const auto& infos = engine_->outputs();
  if (outputs.size() != infos.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                "expected " + std::to_string(infos.size()) + " outputs, got " +
                    std::to_string(outputs.size()));
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& t = outputs[i];
    if (t.dtype != infos[i].dtype) throw tensor_error("output has the wrong dtype", "output", infos[i], t);
    const std::vector<int64_t> expected = slot.context->output_shape(infos[i].name);
    if (t.shape != expected) {
      Error e = tensor_error("output has the wrong shape", "output", infos[i], t);
      e.add_context("expected_shape", ir::shape_string(expected));
      throw e;
    }
    if (t.data == nullptr && tensor_bytes(t) > 0) {
      throw tensor_error("output data pointer is null", "output", infos[i], t);
    }
    check_address(t, infos[i], "output", slot.checked_outputs[i]);
  }
}

void SessionState::check_address(const Tensor& t, const TensorInfo& info, const char* role,
                                 ContextSlot::CheckedAddresses& checked) const {
  if (tensor_bytes(t) == 0 || checked.contains(t.data)) return;
  if (std::string problem = cuda::device_pointer_problem(t.data, device_); !problem.empty()) {
    Error e = tensor_error(std::string(role) + " address is not usable device memory", role, info, t);
    e.add_context("problem", problem);
    throw e;
  }
  checked.add(t.data);
}

void SessionState::bind(ContextSlot& slot, std::span<const Tensor> inputs,
                        std::span<const Tensor> outputs) {
  const auto& in_infos = engine_->inputs();
  const auto& out_infos = engine_->outputs();
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].data != nullptr && slot.bound_inputs[i] != inputs[i].data) {
      slot.context->set_tensor_address(in_infos[i].name, inputs[i].data);
      slot.bound_inputs[i] = inputs[i].data;
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].data != nullptr && slot.bound_outputs[i] != outputs[i].data) {
      slot.context->set_tensor_address(out_infos[i].name, outputs[i].data);
      slot.bound_outputs[i] = outputs[i].data;
    }
  }
}

void SessionState::enqueue_plain(ContextSlot& slot, std::span<const Tensor> inputs,
                                 std::span<const Tensor> outputs, cudaStream_t stream) {
  bind(slot, inputs, outputs);
  slot.context->enqueue(stream);
  counters_.plain.fetch_add(1, std::memory_order_relaxed);
}

// Note [Direct replay]
// ~~~~~~~~~~~~~~~~~~~~
// A serving loop usually hands rill the same input and output buffers call after call. So every
// signature's first capture binds the caller's own buffers (`direct`), and a later call with
// exactly those addresses replays that graph as it is: one cudaGraphLaunch, no staging copies,
// no re-capture. The graph touches those addresses only when a call passes them again, so it is
// correct whatever the caller did with the memory in between. A call with other addresses takes
// the policy's path: kStagingCopies replays a second graph bound to static staging buffers
// (copy in, replay, copy out), kCaptureAndUpdate re-binds the direct graph to the new addresses.
std::unique_ptr<SessionGraph> SessionState::capture(ContextSlot& slot,
                                                    std::span<const Tensor> inputs,
                                                    std::span<const Tensor> outputs) {
  auto graph = std::make_unique<SessionGraph>();
  try {
    bind(slot, inputs, outputs);
    graph->direct.exec = cuda::GraphExec::instantiate(capture_enqueue(slot));
    graph->direct.remember(inputs, outputs);
    if (options_.graph_rebinding == GraphRebinding::kStagingCopies) {
      // The staged graph reads and writes buffers of its own, allocated before the capture
      // begins (allocation is not capturable): calls with other addresses copy through them.
      std::vector<Tensor> staged_in(inputs.begin(), inputs.end());
      std::vector<Tensor> staged_out(outputs.begin(), outputs.end());
      for (Tensor& t : staged_in) {
        graph->inputs.emplace_back(std::max<size_t>(tensor_bytes(t), 1));
        t.data = graph->inputs.back().data();
      }
      for (Tensor& t : staged_out) {
        graph->outputs.emplace_back(std::max<size_t>(tensor_bytes(t), 1));
        t.data = graph->outputs.back().data();
      }
      bind(slot, staged_in, staged_out);
      graph->staged = cuda::GraphExec::instantiate(capture_enqueue(slot));
    }
    return graph;
  } catch (const Error& e) {
    auto failed = std::make_unique<SessionGraph>();
    failed->capture_failed = true;
    log(LogLevel::kWarning,
        std::string("CUDA graph capture failed; this input shape runs without a graph: ") +
            e.what());
    return failed;
  }
}

cuda::Graph SessionState::capture_enqueue(ContextSlot& slot) {
  const cudaStream_t stream = slot.engine_stream.get();
  cudaGraph_t raw = nullptr;
  cuda::CaptureModeGuard mode(cudaStreamCaptureModeThreadLocal);
  RILL_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  try {
    slot.context->enqueue(stream);
  } catch (...) {
    cudaGraph_t broken = nullptr;
    (void)cudaStreamEndCapture(stream, &broken);
    if (broken != nullptr) (void)cudaGraphDestroy(broken);
    throw;
  }
  RILL_CUDA_CHECK(cudaStreamEndCapture(stream, &raw));
  return cuda::Graph::from_native_handle(raw);
}

void SessionState::rebind_direct(SessionGraph& graph, ContextSlot& slot,
                                 std::span<const Tensor> inputs, std::span<const Tensor> outputs) {
  bind(slot, inputs, outputs);
  const cuda::Graph fresh = capture_enqueue(slot);
  if (!graph.direct.exec.try_update(fresh)) graph.direct.exec = cuda::GraphExec::instantiate(fresh);
  graph.direct.remember(inputs, outputs);
  counters_.updates.fetch_add(1, std::memory_order_relaxed);
}

void SessionState::replay_staged(SessionGraph& graph, std::span<const Tensor> inputs,
                                 std::span<const Tensor> outputs, cudaStream_t stream) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (const size_t bytes = tensor_bytes(inputs[i]); bytes > 0) {
      RILL_CUDA_CHECK(cudaMemcpyAsync(graph.inputs[i].data(), inputs[i].data, bytes,
                                      cudaMemcpyDeviceToDevice, stream));
    }
  }
  graph.staged.launch(stream);
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (const size_t bytes = tensor_bytes(outputs[i]); bytes > 0) {
      RILL_CUDA_CHECK(cudaMemcpyAsync(outputs[i].data, graph.outputs[i].data(), bytes,
                                      cudaMemcpyDeviceToDevice, stream));
    }
  }
  counters_.staged.fetch_add(1, std::memory_order_relaxed);
}

void SessionState::replay(SessionGraph& graph, ContextSlot& slot, std::span<const Tensor> inputs,
                          std::span<const Tensor> outputs, cudaStream_t stream) {
  // Note [Direct replay].
  if (graph.direct.binds(inputs, outputs)) {
    graph.direct.exec.launch(stream);
  } else if (options_.graph_rebinding == GraphRebinding::kCaptureAndUpdate) {
    rebind_direct(graph, slot, inputs, outputs);
    graph.direct.exec.launch(stream);
  } else {
    replay_staged(graph, inputs, outputs, stream);
  }
  counters_.replays.fetch_add(1, std::memory_order_relaxed);
}

void SessionState::drop_stale_graphs(ContextSlot& slot) {
  const uint64_t generation = slot.context->memory_generation();
  if (generation == slot.graphs_memory_generation) return;
  // Planning a larger signature grew the context's arena: every graph captured before points
  // into the freed one.
  slot.graphs.clear();
  slot.graphs_memory_generation = generation;
}

void SessionState::run_on_slot(ContextSlot& slot, std::span<const Tensor> inputs,
                               std::span<const Tensor> outputs, cudaStream_t caller) {
  counters_.runs.fetch_add(1, std::memory_order_relaxed);
  set_shapes(slot, inputs);
  check_outputs(slot, outputs);
  // The run's input shapes, in the slot's scratch (no allocation per run).
  slot.signature.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) slot.signature[i] = inputs[i].shape;

  const bool redirect =
      options_.stream_policy == StreamPolicy::kAlwaysDedicated || cuda::is_default_stream(caller);
  const cudaStream_t work = redirect ? slot.engine_stream.get() : caller;
  if (redirect) {
    counters_.redirected.fetch_add(1, std::memory_order_relaxed);
    if (cuda::is_default_stream(caller)) {
      log_once(redirect_logged_, LogLevel::kWarning,
               "a caller is on a default CUDA stream; rill runs its inferences on a pooled engine "
               "stream joined to it by events (no host synchronization). Pass a non-default "
               "stream to run on it directly.");
    }
    cuda::join(work, caller, events_);
  }
  // Note [Context reuse across streams].
  const uint64_t work_id =
      work == slot.engine_stream.get() ? slot.engine_stream_id : cuda::stream_id_if_known(work);
  // From the first join on, every path must leave the context's done event recorded after
  // whatever was issued and the caller joined back, or the next run of this context and the
  // caller's later work would be unordered with it (Note [Failed runs]).
  auto finish = [&] {
    slot.done.ref().record(work);
    slot.last_stream_id = work_id;
    if (redirect) cuda::join(caller, work, events_);
  };
  try {
    if (work_id == 0 || work_id != slot.last_stream_id) {
      RILL_CUDA_CHECK(cudaStreamWaitEvent(work, slot.done.get(), 0));
    }
    enqueue_on(slot, inputs, outputs, work);
  } catch (...) {
    try {
      finish();
    } catch (const Error&) {
      // The run's own error says more than a failure to order after it (a sticky error fails
      // both the same way).
    }
    throw;
  }
  finish();
  if (!slot.warmed.contains(slot.signature)) {  // a lookup; inserts only on a signature's first run
    slot.warmed.insert(slot.signature);
    std::lock_guard lock(pool_mutex_);
    warmed_.insert(slot.signature);
  }
}

// Note [Failed runs]
// ~~~~~~~~~~~~~~~~~~
// run() validates everything about the caller's tensors (count, dtype, shape, null, and that
// each address is device memory of the session's GPU, suitably aligned) before it issues any
// work, so a bad call issues nothing. What can still fail afterwards (a CUDA or library error
// partway through the enqueue) leaves some kernels issued: the context's done event is then
// still recorded after them and a redirected caller joined back, so the next run of the context
// waits for them and the caller's later work is ordered after them, as after a good run.
void SessionState::enqueue_on(ContextSlot& slot, std::span<const Tensor> inputs,
                              std::span<const Tensor> outputs, cudaStream_t work) {
  if (!options_.cuda_graphs) {
    enqueue_plain(slot, inputs, outputs, work);
    return;
  }
  SessionGraph* graph = slot.graphs.find(slot.signature);
  if (graph == nullptr) {
    // Warm-up: the first call of a signature runs plainly (planning it), then captures.
    enqueue_plain(slot, inputs, outputs, work);
    drop_stale_graphs(slot);
    graph = &slot.graphs.insert(slot.signature, capture(slot, inputs, outputs));
    (graph->capture_failed ? counters_.fallbacks : counters_.captures)
        .fetch_add(1, std::memory_order_relaxed);
  } else if (graph->capture_failed) {
    enqueue_plain(slot, inputs, outputs, work);
    drop_stale_graphs(slot);
  } else {
    replay(*graph, slot, inputs, outputs, work);
  }
}

ContextSlot& SessionState::pin_for_caller_capture(const std::vector<ir::Shape>& signature) {
  std::unique_lock lock(pool_mutex_);
  if (!warmed_.contains(signature)) {
    std::string shapes;
    for (const ir::Shape& shape : signature) shapes += (shapes.empty() ? "" : ",") + ir::shape_string(shape);
    throw Error(ErrorKind::kInvalidArgument,
                "these input shapes have not run on this session yet; run them once before "
                "capturing (a capture must not plan or allocate), as torch.cuda.graph's warm-up "
                "does",
                {{"shapes", shapes}});
  }
  const auto warmed = std::find_if(free_.begin(), free_.end(), [&](ContextSlot* slot) {
    return slot->warmed.contains(signature);
  });
  if (warmed != free_.end()) {
    ContextSlot* slot = *warmed;
    free_.erase(warmed);
    const auto owner = std::find_if(slots_.begin(), slots_.end(),
                                    [&](const auto& s) { return s.get() == slot; });
    pinned_.push_back(std::move(*owner));
    slots_.erase(owner);
    return *pinned_.back();
  }
  // Every context that ran these shapes is busy or pinned: make one. Its handles and arena are
  // allocated with this thread in relaxed capture mode, as PyTorch's allocator does under capture;
  // the plan itself is the engine's, made by the warm-up.
  lock.unlock();
  std::unique_ptr<ContextSlot> slot;
  {
    cuda::CaptureModeGuard relaxed(cudaStreamCaptureModeRelaxed);
    slot = make_slot();
  }
  lock.lock();
  pinned_.push_back(std::move(slot));
  return *pinned_.back();
}

void SessionState::run_into_caller_capture(std::span<const Tensor> inputs,
                                           std::span<const Tensor> outputs, cudaStream_t caller) {
  ContextSlot& slot = pin_for_caller_capture(signature_of(inputs));
  counters_.runs.fetch_add(1, std::memory_order_relaxed);
  counters_.caller_captures.fetch_add(1, std::memory_order_relaxed);
  {
    // A fresh context plans its arena here (the engine's plan exists): allocation, not capture.
    cuda::CaptureModeGuard relaxed(cudaStreamCaptureModeRelaxed);
    set_shapes(slot, inputs);
    check_outputs(slot, outputs);
  }
  // The context's last work before it was pinned ran outside the capture: the graph waits for
  // that record of `done` (an external wait), so its first replay cannot overtake it.
  RILL_CUDA_CHECK(cudaStreamWaitEvent(caller, slot.done.get(), cudaEventWaitExternal));
  enqueue_plain(slot, inputs, outputs, caller);
}

void SessionState::run(std::span<const Tensor> inputs, std::span<const Tensor> outputs,
                       cudaStream_t caller) {
  cuda::DeviceGuard guard(device_);
  if (is_capturing(caller)) {
    run_into_caller_capture(inputs, outputs, caller);
    return;
  }
  SlotLease slot = acquire();
  run_on_slot(*slot, inputs, outputs, caller);
}

std::vector<OwnedTensor> SessionState::run_allocating(std::span<const Tensor> inputs,
                                                      cudaStream_t caller) {
  cuda::DeviceGuard guard(device_);
  if (is_capturing(caller)) {
    throw Error(ErrorKind::kUnsupported,
                "a run that allocates its outputs cannot be captured; allocate them in the "
                "capture and pass them to run()");
  }
  SlotLease slot = acquire();
  set_shapes(*slot, inputs);
  std::vector<OwnedTensor> owned;
  std::vector<Tensor> views;
  for (const TensorInfo& info : engine_->outputs()) {
    owned.emplace_back(info.dtype, (*slot).context->output_shape(info.name), caller);
    views.push_back(owned.back().view());
  }
  run_on_slot(*slot, inputs, views, caller);
  return owned;
}

SessionStats SessionState::stats() const {
  SessionStats s;
  s.runs = counters_.runs.load();
  s.redirected_runs = counters_.redirected.load();
  s.graph_captures = counters_.captures.load();
  s.graph_replays = counters_.replays.load();
  s.capture_fallbacks = counters_.fallbacks.load();
  s.plain_enqueues = counters_.plain.load();
  s.graph_updates = counters_.updates.load();
  s.staged_replays = counters_.staged.load();
  s.caller_captures = counters_.caller_captures.load();
  std::lock_guard lock(pool_mutex_);
  s.contexts = slots_.size();
  for (const auto& slot : slots_) s.graph_evictions += slot->graphs.evictions();
  return s;
}

}  // namespace rill::runtime

namespace rill {

OwnedTensor::OwnedTensor(DType dtype, std::vector<int64_t> shape, cudaStream_t stream)
    : bytes_(static_cast<size_t>(ir::element_count(shape)) * dtype_size(dtype)),
      dtype_(dtype),
      shape_(std::move(shape)),
      stream_(stream) {
  if (bytes_ > 0) RILL_CUDA_CHECK(cudaMallocAsync(&data_, bytes_, stream));
}

OwnedTensor::OwnedTensor(OwnedTensor&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      bytes_(std::exchange(other.bytes_, 0)),
      dtype_(other.dtype_),
      shape_(std::move(other.shape_)),
      stream_(other.stream_) {}

OwnedTensor& OwnedTensor::operator=(OwnedTensor&& other) noexcept {
  std::swap(data_, other.data_);
  std::swap(bytes_, other.bytes_);
  std::swap(dtype_, other.dtype_);
  std::swap(shape_, other.shape_);
  std::swap(stream_, other.stream_);
  return *this;
}

OwnedTensor::~OwnedTensor() {
  if (data_ != nullptr) (void)cudaFreeAsync(data_, stream_);
}

Session::Session(std::shared_ptr<const Engine> engine, SessionOptions options)
    : state_(std::make_unique<runtime::SessionState>(std::move(engine), options)) {}
Session::~Session() = default;

void Session::run(std::span<const Tensor> inputs, std::span<const Tensor> outputs,
                  cudaStream_t caller_stream) {
  state_->run(inputs, outputs, caller_stream);
}

std::vector<OwnedTensor> Session::run(std::span<const Tensor> inputs, cudaStream_t caller_stream) {
  return state_->run_allocating(inputs, caller_stream);
}

const Engine& Session::engine() const { return state_->engine(); }
SessionStats Session::stats() const { return state_->stats(); }

}  // namespace rill
