#include "cuda/sync_counter.h"

#include <cuda.h>
#include <cuda_runtime_api.h>
#include <cupti.h>  // also brings the generated *_params structs of every API

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <string_view>

#include "cuda/stream.h"
#include "rill/error.h"

namespace rill::cuda {

namespace {

void check_cupti(CUptiResult result, const char* expression) {
  if (result == CUPTI_SUCCESS) return;
  const char* text = nullptr;
  if (cuptiGetResultString(result, &text) != CUPTI_SUCCESS || text == nullptr) text = "unknown";
  throw Error(ErrorKind::kCupti, text, {{"call", expression}});
}
#define RILL_CUPTI_CHECK(expr) check_cupti((expr), #expr)

constexpr size_t kRuntimeIds = CUPTI_RUNTIME_TRACE_CBID_SIZE;
constexpr size_t kDriverIds = CUPTI_DRIVER_TRACE_CBID_SIZE;
constexpr size_t kIds = kRuntimeIds + kDriverIds;  // one index space: runtime ids, then driver ids

size_t slot(CUpti_CallbackDomain domain, CUpti_CallbackId cbid) {
  return domain == CUPTI_CB_DOMAIN_RUNTIME_API ? cbid : kRuntimeIds + cbid;
}

// What an API is, decided once per callback id from its name.
enum Trait : uint8_t {
  kBlocksHost = 1,         // (a) in Note [What the sync counter counts]
  kAlwaysDefault = 2,      // a synchronous copy or memset: issued to the legacy default stream
};

std::string_view base_api_name(std::string_view name) {
  // cuMemcpyHtoDAsync_v2_ptsz -> cuMemcpyHtoDAsync; cudaStreamSynchronize_v3020 -> ...
  for (std::string_view suffix : {"_ptsz", "_ptds"}) {
    if (name.ends_with(suffix)) name.remove_suffix(suffix.size());
  }
  const size_t v = name.rfind("_v");
  if (v != std::string_view::npos && v + 2 < name.size() &&
      std::all_of(name.begin() + v + 2, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    name = name.substr(0, v);
  }
  return name;
}

uint8_t traits_of(std::string_view api) {
  const bool async = api.find("Async") != std::string_view::npos;
  const auto starts = [&](std::string_view p) { return api.starts_with(p); };
  if (api == "cudaStreamSynchronize" || api == "cudaDeviceSynchronize" ||
      api == "cudaEventSynchronize" || api == "cudaThreadSynchronize" ||
      api == "cuStreamSynchronize" || api == "cuCtxSynchronize" || api == "cuEventSynchronize") {
    return kBlocksHost;
  }
  if ((starts("cudaMemcpy") || starts("cudaMemset") || starts("cuMemcpy") || starts("cuMemset")) &&
      !async) {
    return kBlocksHost | kAlwaysDefault;
  }
  if ((starts("cudaMalloc") || starts("cudaFree") || starts("cuMemAlloc") || starts("cuMemFree")) &&
      !async) {
    return kBlocksHost;  // includes cudaMallocHost, cudaFreeHost, cuMemAllocHost, cuMemFreeHost
  }
  if (api == "cudaHostAlloc" || api == "cuMemHostAlloc") return kBlocksHost;
  return 0;
}

// The stream a stream-ordered call targets, read from its parameters. Returns false for calls
// that take no stream (or that we do not parse: their nested driver call is parsed instead).
struct CudaLaunchKernelParams {  // __cudaLaunchKernel (CUDA 13's <<<>>>): no generated struct
  const void* kernel;
  dim3 grid;
  dim3 block;
  void** args;
  size_t shared_mem;
  cudaStream_t stream;
};

bool runtime_stream(CUpti_CallbackId cbid, const void* params, cudaStream_t* stream) {
#define RILL_STREAM_FIELD(id, type, expr)   \
  case CUPTI_RUNTIME_TRACE_CBID_##id: {     \
    const auto* p = static_cast<const type*>(params); \
    *stream = (expr);                       \
    return true;                            \
  }
  switch (cbid) {
    RILL_STREAM_FIELD(cudaLaunchKernel_v7000, cudaLaunchKernel_v7000_params, p->stream)
    RILL_STREAM_FIELD(cudaLaunchKernel_ptsz_v7000, cudaLaunchKernel_ptsz_v7000_params, p->stream)
    RILL_STREAM_FIELD(__cudaLaunchKernel_v13000, CudaLaunchKernelParams, p->stream)
    RILL_STREAM_FIELD(__cudaLaunchKernel_ptsz_v13000, CudaLaunchKernelParams, p->stream)
    RILL_STREAM_FIELD(cudaLaunchKernelExC_v11060, cudaLaunchKernelExC_v11060_params,
                      p->config->stream)
    RILL_STREAM_FIELD(cudaLaunchKernelExC_ptsz_v11060, cudaLaunchKernelExC_ptsz_v11060_params,
                      p->config->stream)
    RILL_STREAM_FIELD(cudaMemcpyAsync_v3020, cudaMemcpyAsync_v3020_params, p->stream)
    RILL_STREAM_FIELD(cudaMemcpyAsync_ptsz_v7000, cudaMemcpyAsync_ptsz_v7000_params, p->stream)
    RILL_STREAM_FIELD(cudaMemcpy2DAsync_v3020, cudaMemcpy2DAsync_v3020_params, p->stream)
    RILL_STREAM_FIELD(cudaMemcpy2DAsync_ptsz_v7000, cudaMemcpy2DAsync_ptsz_v7000_params, p->stream)
    RILL_STREAM_FIELD(cudaMemsetAsync_v3020, cudaMemsetAsync_v3020_params, p->stream)
    RILL_STREAM_FIELD(cudaMemsetAsync_ptsz_v7000, cudaMemsetAsync_ptsz_v7000_params, p->stream)
    RILL_STREAM_FIELD(cudaMemset2DAsync_v3020, cudaMemset2DAsync_v3020_params, p->stream)
    RILL_STREAM_FIELD(cudaMemset2DAsync_ptsz_v7000, cudaMemset2DAsync_ptsz_v7000_params, p->stream)
    RILL_STREAM_FIELD(cudaGraphLaunch_v10000, cudaGraphLaunch_v10000_params, p->stream)
    RILL_STREAM_FIELD(cudaGraphLaunch_ptsz_v10000, cudaGraphLaunch_ptsz_v10000_params, p->stream)
    RILL_STREAM_FIELD(cudaLaunchHostFunc_v10000, cudaLaunchHostFunc_v10000_params, p->stream)
    RILL_STREAM_FIELD(cudaLaunchHostFunc_ptsz_v10000, cudaLaunchHostFunc_ptsz_v10000_params,
                      p->stream)
    default: return false;
  }
#undef RILL_STREAM_FIELD
}

bool driver_stream(CUpti_CallbackId cbid, const void* params, CUstream* stream) {
#define RILL_STREAM_FIELD(id, type, expr)   \
  case CUPTI_DRIVER_TRACE_CBID_##id: {      \
    const auto* p = static_cast<const type*>(params); \
    *stream = (expr);                       \
    return true;                            \
  }
  switch (cbid) {
    RILL_STREAM_FIELD(cuLaunchKernel, cuLaunchKernel_params, p->hStream)
    RILL_STREAM_FIELD(cuLaunchKernel_ptsz, cuLaunchKernel_ptsz_params, p->hStream)
    RILL_STREAM_FIELD(cuLaunchKernelEx, cuLaunchKernelEx_params, p->config->hStream)
    RILL_STREAM_FIELD(cuLaunchKernelEx_ptsz, cuLaunchKernelEx_ptsz_params, p->config->hStream)
    RILL_STREAM_FIELD(cuLaunchCooperativeKernel, cuLaunchCooperativeKernel_params, p->hStream)
    RILL_STREAM_FIELD(cuLaunchCooperativeKernel_ptsz, cuLaunchCooperativeKernel_ptsz_params,
                      p->hStream)
    RILL_STREAM_FIELD(cuLaunchHostFunc, cuLaunchHostFunc_params, p->hStream)
    RILL_STREAM_FIELD(cuLaunchHostFunc_ptsz, cuLaunchHostFunc_ptsz_params, p->hStream)
    RILL_STREAM_FIELD(cuGraphLaunch, cuGraphLaunch_params, p->hStream)
    RILL_STREAM_FIELD(cuGraphLaunch_ptsz, cuGraphLaunch_ptsz_params, p->hStream)
    RILL_STREAM_FIELD(cuMemcpyAsync, cuMemcpyAsync_params, p->hStream)
    RILL_STREAM_FIELD(cuMemcpyAsync_ptsz, cuMemcpyAsync_ptsz_params, p->hStream)
    RILL_STREAM_FIELD(cuMemcpyHtoDAsync_v2, cuMemcpyHtoDAsync_v2_params, p->hStream)
    RILL_STREAM_FIELD(cuMemcpyHtoDAsync_v2_ptsz, cuMemcpyHtoDAsync_v2_ptsz_params, p->hStream)
    RILL_STREAM_FIELD(cuMemcpyDtoHAsync_v2, cuMemcpyDtoHAsync_v2_params, p->hStream)
    RILL_STREAM_FIELD(cuMemcpyDtoHAsync_v2_ptsz, cuMemcpyDtoHAsync_v2_ptsz_params, p->hStream)
    RILL_STREAM_FIELD(cuMemcpyDtoDAsync_v2, cuMemcpyDtoDAsync_v2_params, p->hStream)
    RILL_STREAM_FIELD(cuMemcpyDtoDAsync_v2_ptsz, cuMemcpyDtoDAsync_v2_ptsz_params, p->hStream)
    RILL_STREAM_FIELD(cuMemcpy2DAsync_v2, cuMemcpy2DAsync_v2_params, p->hStream)
    RILL_STREAM_FIELD(cuMemcpy2DAsync_v2_ptsz, cuMemcpy2DAsync_v2_ptsz_params, p->hStream)
    RILL_STREAM_FIELD(cuMemcpy3DAsync_v2, cuMemcpy3DAsync_v2_params, p->hStream)
    RILL_STREAM_FIELD(cuMemcpy3DAsync_v2_ptsz, cuMemcpy3DAsync_v2_ptsz_params, p->hStream)
    RILL_STREAM_FIELD(cuMemsetD8Async, cuMemsetD8Async_params, p->hStream)
    RILL_STREAM_FIELD(cuMemsetD8Async_ptsz, cuMemsetD8Async_ptsz_params, p->hStream)
    RILL_STREAM_FIELD(cuMemsetD16Async, cuMemsetD16Async_params, p->hStream)
    RILL_STREAM_FIELD(cuMemsetD16Async_ptsz, cuMemsetD16Async_ptsz_params, p->hStream)
    RILL_STREAM_FIELD(cuMemsetD32Async, cuMemsetD32Async_params, p->hStream)
    RILL_STREAM_FIELD(cuMemsetD32Async_ptsz, cuMemsetD32Async_ptsz_params, p->hStream)
    default: return false;
  }
#undef RILL_STREAM_FIELD
}

}  // namespace

// Counts per callback slot and per kind. The process-wide copy is atomic; each thread also keeps
// a plain copy of its own.
struct SyncTotals {
  std::array<uint64_t, kIds> host_syncs{};
  std::array<uint64_t, kIds> default_ops{};
  uint64_t total_host_syncs = 0;
  uint64_t total_default_ops = 0;
};

namespace {

struct AtomicTotals {
  std::array<std::atomic<uint64_t>, kIds> host_syncs{};
  std::array<std::atomic<uint64_t>, kIds> default_ops{};
  std::atomic<uint64_t> total_host_syncs{0};
  std::atomic<uint64_t> total_default_ops{0};

  SyncTotals snapshot() const {
    SyncTotals t;
    for (size_t i = 0; i < kIds; ++i) {
      t.host_syncs[i] = host_syncs[i].load(std::memory_order_relaxed);
      t.default_ops[i] = default_ops[i].load(std::memory_order_relaxed);
    }
    t.total_host_syncs = total_host_syncs.load(std::memory_order_relaxed);
    t.total_default_ops = total_default_ops.load(std::memory_order_relaxed);
    return t;
  }
};

// Per-thread state: this thread's counts, and which runtime calls are open on it (so that their
// nested driver calls are not counted twice).
struct ThreadState {
  SyncTotals totals;
  static constexpr int kMaxDepth = 8;
  int runtime_depth = 0;
  // For each open runtime call: was it counted as a host sync / was its stream judged?
  std::array<uint8_t, kMaxDepth> open_traits{};
};

std::atomic<SyncObserver> g_observer{nullptr};

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

class Tracker {
 public:
  static Tracker& instance() {
    // Never destroyed: after start_process_tracking() CUPTI calls back until the very end of the
    // process, after static destructors have run.
    static Tracker* tracker = new Tracker;
    return *tracker;
  }

  void attach() {
    std::lock_guard lock(mutex_);
    attach_locked();
  }

  // A user that never detaches: tracking stays on until the process ends.
  void attach_for_process() {
    std::lock_guard lock(mutex_);
    if (process_user_) return;
    attach_locked();
    process_user_ = true;
  }

  void detach() noexcept {
    std::lock_guard lock(mutex_);
    if (--users_ == 0) {
      // Disable is best effort in a destructor path; a failure leaves callbacks running, which
      // only costs time.
      (void)cuptiEnableDomain(0, subscriber_, CUPTI_CB_DOMAIN_RUNTIME_API);
      (void)cuptiEnableDomain(0, subscriber_, CUPTI_CB_DOMAIN_DRIVER_API);
    }
  }

  SyncTotals process_snapshot() const { return process_.snapshot(); }
  const std::string& name(size_t i) const { return names_[i]; }

 private:
  static constexpr uint8_t kCountedSync = 1;   // open runtime call was a host sync
  static constexpr uint8_t kJudgedStream = 2;  // open runtime call's stream was examined

  void attach_locked() {
    if (subscriber_ == nullptr) subscribe();
    if (users_ == 0) set_enabled(true);
    ++users_;
  }

  void subscribe() {
    RILL_CUPTI_CHECK(cuptiSubscribe(&subscriber_, &Tracker::on_callback, this));
    for (size_t i = 0; i < kIds; ++i) {
      const bool runtime = i < kRuntimeIds;
      const auto domain = runtime ? CUPTI_CB_DOMAIN_RUNTIME_API : CUPTI_CB_DOMAIN_DRIVER_API;
      const auto cbid = static_cast<CUpti_CallbackId>(runtime ? i : i - kRuntimeIds);
      const char* raw = nullptr;
      if (cuptiGetCallbackName(domain, cbid, &raw) != CUPTI_SUCCESS || raw == nullptr) continue;
      names_[i] = raw;
      traits_[i] = traits_of(base_api_name(raw));
    }
  }

  void set_enabled(bool on) {
    RILL_CUPTI_CHECK(cuptiEnableDomain(on ? 1 : 0, subscriber_, CUPTI_CB_DOMAIN_RUNTIME_API));
    RILL_CUPTI_CHECK(cuptiEnableDomain(on ? 1 : 0, subscriber_, CUPTI_CB_DOMAIN_DRIVER_API));
  }

  void count(size_t i, SyncEventKind kind) noexcept {
    ThreadState& t = thread_state();
    if (kind == SyncEventKind::kHostSync) {
      process_.host_syncs[i].fetch_add(1, std::memory_order_relaxed);
      process_.total_host_syncs.fetch_add(1, std::memory_order_relaxed);
      ++t.totals.host_syncs[i];
      ++t.totals.total_host_syncs;
    } else {
      process_.default_ops[i].fetch_add(1, std::memory_order_relaxed);
      process_.total_default_ops.fetch_add(1, std::memory_order_relaxed);
      ++t.totals.default_ops[i];
      ++t.totals.total_default_ops;
    }
    if (SyncObserver observer = g_observer.load(std::memory_order_acquire)) {
      observer(SyncEvent{kind, names_[i].c_str()});
    }
  }

  static void CUPTIAPI on_callback(void* userdata, CUpti_CallbackDomain domain,
                                   CUpti_CallbackId cbid, const void* data) {
    static_cast<Tracker*>(userdata)->handle(domain, cbid,
                                            static_cast<const CUpti_CallbackData*>(data));
  }

  void handle(CUpti_CallbackDomain domain, CUpti_CallbackId cbid,
              const CUpti_CallbackData* data) noexcept {
    if (domain != CUPTI_CB_DOMAIN_RUNTIME_API && domain != CUPTI_CB_DOMAIN_DRIVER_API) return;
    const size_t limit = domain == CUPTI_CB_DOMAIN_RUNTIME_API ? kRuntimeIds : kDriverIds;
    if (cbid >= limit) return;
    const size_t i = slot(domain, cbid);
    ThreadState& t = thread_state();

    if (domain == CUPTI_CB_DOMAIN_RUNTIME_API) {
      if (data->callbackSite == CUPTI_API_EXIT) {
        if (t.runtime_depth > 0) --t.runtime_depth;
        return;
      }
      uint8_t judged = 0;
      if (traits_[i] & kBlocksHost) {
        count(i, SyncEventKind::kHostSync);
        judged |= kCountedSync;
      }
      if (traits_[i] & kAlwaysDefault) {
        count(i, SyncEventKind::kDefaultStreamOp);
        judged |= kJudgedStream;
      } else if (cudaStream_t stream{}; runtime_stream(cbid, data->functionParams, &stream)) {
        if (is_default_stream(stream)) count(i, SyncEventKind::kDefaultStreamOp);
        judged |= kJudgedStream;
      }
      if (t.runtime_depth < ThreadState::kMaxDepth) t.open_traits[t.runtime_depth] = judged;
      ++t.runtime_depth;
      return;
    }

    if (data->callbackSite != CUPTI_API_ENTER) return;
    // A driver call inside a runtime call counts only for what the runtime call did not.
    const uint8_t outer = t.runtime_depth > 0 && t.runtime_depth <= ThreadState::kMaxDepth
                              ? t.open_traits[t.runtime_depth - 1]
                              : 0;
    if ((traits_[i] & kBlocksHost) && !(outer & kCountedSync)) count(i, SyncEventKind::kHostSync);
    if (outer & kJudgedStream) return;
    if (traits_[i] & kAlwaysDefault) {
      count(i, SyncEventKind::kDefaultStreamOp);
    } else if (CUstream stream{}; driver_stream(cbid, data->functionParams, &stream)) {
      if (is_default_stream(reinterpret_cast<cudaStream_t>(stream))) {
        count(i, SyncEventKind::kDefaultStreamOp);
      }
    }
  }

  std::mutex mutex_;
  CUpti_SubscriberHandle subscriber_ = nullptr;
  int users_ = 0;
  bool process_user_ = false;  // attach_for_process() has run
  AtomicTotals process_;
  std::array<uint8_t, kIds> traits_{};
  std::array<std::string, kIds> names_{};
};

uint64_t delta(uint64_t now, uint64_t start) { return now - start; }

}  // namespace

void set_sync_observer(SyncObserver observer) noexcept {
  g_observer.store(observer, std::memory_order_release);
}

void start_process_tracking() { Tracker::instance().attach_for_process(); }

SyncCounter::SyncCounter()
    : owner_(std::this_thread::get_id()),
      process_start_(std::make_unique<SyncTotals>()),
      thread_start_(std::make_unique<SyncTotals>()) {
  Tracker::instance().attach();
  reset();
}

SyncCounter::~SyncCounter() { Tracker::instance().detach(); }

void SyncCounter::reset() {
  *process_start_ = Tracker::instance().process_snapshot();
  if (std::this_thread::get_id() == owner_) *thread_start_ = thread_state().totals;
}

uint64_t SyncCounter::host_syncs() const {
  return delta(Tracker::instance().process_snapshot().total_host_syncs,
               process_start_->total_host_syncs);
}

uint64_t SyncCounter::default_stream_ops() const {
  return delta(Tracker::instance().process_snapshot().total_default_ops,
               process_start_->total_default_ops);
}

void SyncCounter::check_owner_thread() const {
  if (std::this_thread::get_id() != owner_) {
    throw Error(ErrorKind::kInvalidArgument,
                "per-thread sync counts are only readable on the thread that made the counter");
  }
}

uint64_t SyncCounter::thread_host_syncs() const {
  check_owner_thread();
  return delta(thread_state().totals.total_host_syncs, thread_start_->total_host_syncs);
}

uint64_t SyncCounter::thread_default_stream_ops() const {
  check_owner_thread();
  return delta(thread_state().totals.total_default_ops, thread_start_->total_default_ops);
}

std::vector<ApiCount> SyncCounter::breakdown() const {
  const Tracker& tracker = Tracker::instance();
  const SyncTotals now = tracker.process_snapshot();
  std::vector<ApiCount> counts;
  for (size_t i = 0; i < kIds; ++i) {
    if (uint64_t n = delta(now.host_syncs[i], process_start_->host_syncs[i]); n > 0) {
      counts.push_back({tracker.name(i), SyncEventKind::kHostSync, n});
    }
    if (uint64_t n = delta(now.default_ops[i], process_start_->default_ops[i]); n > 0) {
      counts.push_back({tracker.name(i), SyncEventKind::kDefaultStreamOp, n});
    }
  }
  std::stable_sort(counts.begin(), counts.end(),
                   [](const ApiCount& a, const ApiCount& b) { return a.count > b.count; });
  return counts;
}

std::string SyncCounter::summary() const {
  const std::vector<ApiCount> counts = breakdown();
  std::string text;
  for (SyncEventKind kind : {SyncEventKind::kHostSync, SyncEventKind::kDefaultStreamOp}) {
    const uint64_t total = kind == SyncEventKind::kHostSync ? host_syncs() : default_stream_ops();
    if (!text.empty()) text += ", ";
    text += std::to_string(total);
    text += kind == SyncEventKind::kHostSync ? " host syncs" : " default-stream ops";
    std::string detail;
    for (const ApiCount& c : counts) {
      if (c.kind != kind) continue;
      if (!detail.empty()) detail += ", ";
      detail += c.api + " " + std::to_string(c.count);
    }
    if (!detail.empty()) text += " (" + detail + ")";
  }
  return text;
}

}  // namespace rill::cuda
