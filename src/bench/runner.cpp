#include "bench/runner.h"

#include <algorithm>
#include <barrier>
#include <chrono>
#include <ctime>
#include <exception>
#include <latch>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <cuda_runtime_api.h>

#include "rill/session.h"

#include "bench/bench_buffers.h"
#include "bench/report.h"
#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/event.h"
#include "cuda/stream.h"
#include "cuda/sync_counter.h"

namespace rill::bench {

namespace {

using Clock = std::chrono::steady_clock;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Host timestamps of one timed iteration (steady clock, ns).
struct Sample {
  int64_t start = 0;          // iteration start (after any in-flight wait)
  int64_t enqueue_begin = 0;  // just before Session::run
  int64_t enqueue_end = 0;    // just after it returned
  int64_t end = 0;            // after the D2H enqueue, or after the sync with sync_each
};

// Timing events of one timed iteration, in stream order. Without transfers only kComputeStart
// and kComputeEnd exist (2 events per iteration).
enum EventSlot { kH2dStart = 0, kComputeStart = 1, kComputeEnd = 2, kD2hEnd = 3 };

// One caller stream and everything the iterations issued to it need.
struct Lane {
  cudaStream_t stream = nullptr;  // cudaStreamLegacy in naive and default modes
  cuda::Stream owned;
  std::vector<BufferSet> sets;
  std::unique_ptr<ExecutionContext> naive_context;  // naive mode only
  // Timing events, events_per_iteration per timed iteration: owned, and their raw handles.
  std::vector<cuda::Event> owned_events;
  std::vector<cudaEvent_t> events;
  std::vector<Sample> samples;
  uint64_t issued = 0;
};

// What every worker shares, read-only once the timed loop starts.
struct Shared {
  const BenchConfig& config;
  const IoSpec& io;
  Session* session;  // null in naive mode
  const Engine& engine;
  int device;
  int events_per_iteration;
  bool naive;
  bool sync_each;
  bool transfers;
};

// Polls an event until its work is done. cudaEventQuery never blocks the host and is not a host
// sync (Note [What the sync counter counts]); the spin bounds the work in flight so that a full
// launch queue does not turn enqueue time into GPU time (BenchConfig::max_in_flight).
void wait_polling(cudaEvent_t event) {
  for (;;) {
    const cudaError_t status = cudaEventQuery(event);
    if (status == cudaSuccess) return;
    if (status != cudaErrorNotReady) RILL_CUDA_CHECK(status);
    // "Not ready" is not an error; make sure it is not left as the last error, where the next
    // launch check would find it.
    if (cudaPeekAtLastError() == cudaErrorNotReady) (void)cudaGetLastError();
    std::this_thread::yield();
  }
}

void ensure_events(Lane& lane, size_t iterations, int per_iteration) {
  const size_t needed = iterations * static_cast<size_t>(per_iteration);
  lane.owned_events.reserve(needed);
  lane.events.reserve(needed);
  while (lane.events.size() < needed) {
    lane.owned_events.push_back(cuda::Event::create(cuda::Event::Timing::kEnabled));
    lane.events.push_back(lane.owned_events.back().get());
  }
}

// Issues one inference on `lane`; a timed one records events and a Sample.
void issue(Lane& lane, const Shared& s, bool timed) {
  BufferSet& set = lane.sets[lane.issued % lane.sets.size()];
  const int per = s.events_per_iteration;
  const size_t index = lane.samples.size();
  const cudaEvent_t* ev = nullptr;
  if (timed) {
    const auto limit = static_cast<size_t>(s.config.max_in_flight);
    if (limit > 0 && index >= limit) wait_polling(lane.events[(index - limit) * per + (per - 1)]);
    // Duration mode ran past the guess: grow (rare; event creation is not a host sync).
    if (lane.events.size() < (index + 1) * per) ensure_events(lane, index + 1024, per);
    ev = &lane.events[index * per];
  }
  auto record = [&](int slot) {
    const int offset = s.transfers ? slot : slot - 1;  // without transfers: compute start, end
    RILL_CUDA_CHECK(cudaEventRecord(ev[offset], lane.stream));
  };

  Sample sample;
  sample.start = now_ns();
  if (s.transfers) {
    if (ev) record(kH2dStart);
    for (size_t i = 0; i < set.inputs.size(); ++i) {
      RILL_CUDA_CHECK(cudaMemcpyAsync(set.device_inputs[i].data(), set.host_inputs[i].data(),
                                      s.io.inputs[i].bytes, cudaMemcpyHostToDevice, lane.stream));
    }
  }
  if (ev) record(kComputeStart);
  sample.enqueue_begin = now_ns();
  if (s.naive) {
    ExecutionContext& context = *lane.naive_context;
    for (size_t i = 0; i < set.inputs.size(); ++i) {
      context.set_tensor_address(s.io.inputs[i].name, set.inputs[i].data);
    }
    for (size_t i = 0; i < set.outputs.size(); ++i) {
      context.set_tensor_address(s.io.outputs[i].name, set.outputs[i].data);
    }
    context.enqueue(lane.stream);
  } else {
    s.session->run(set.inputs, set.outputs, lane.stream);
  }
  sample.enqueue_end = now_ns();
  if (ev) record(kComputeEnd);
  if (s.transfers) {
    for (size_t i = 0; i < set.outputs.size(); ++i) {
      RILL_CUDA_CHECK(cudaMemcpyAsync(set.host_outputs[i].data(), set.device_outputs[i].data(),
                                      s.io.outputs[i].bytes, cudaMemcpyDeviceToHost, lane.stream));
    }
    if (ev) record(kD2hEnd);
  }
  if (s.sync_each) RILL_CUDA_CHECK(cudaStreamSynchronize(lane.stream));
  sample.end = now_ns();
  if (timed) lane.samples.push_back(sample);
  ++lane.issued;
}

// One host thread: sets up its lanes, warms up, then runs the timed loop when released.
class Worker {
 public:
  Worker(const Shared& shared, int first_lane, int lane_stride, int lane_count, uint64_t quota)
      : s_(shared), quota_(quota) {
    for (int l = first_lane; l < lane_count; l += lane_stride) lane_ids_.push_back(l);
  }

  // Setup and warm-up; on the worker's thread. Every worker passes `warmup_round` once per warm-up
  // iteration, even after a failure, so that no worker waits for one that gave up.
  void prepare(std::barrier<>& warmup_round) {
    std::exception_ptr failure;
    try {
      set_up();
    } catch (...) {
      failure = std::current_exception();
    }
    // Note [Warming every context]: the Session hands out contexts last-in first-out, so calls
    // that never overlap all land on one context. The threads therefore start each warm-up
    // round together: the first call on a cold context plans and captures for milliseconds, so
    // concurrent callers take distinct contexts, and the timed loop finds each one planned and
    // captured (a first use there could allocate, which would count as a host sync).
    const uint64_t warmup = s_.config.warmup;
    int64_t steady_start = now_ns();
    for (uint64_t i = 0; i < warmup; ++i) {
      warmup_round.arrive_and_wait();
      if (i == warmup / 2) steady_start = now_ns();
      if (failure) continue;
      try {
        for (Lane& lane : lanes_) issue(lane, s_, /*timed=*/false);
      } catch (...) {
        failure = std::current_exception();
      }
    }
    if (failure) std::rethrow_exception(failure);
    for (Lane& lane : lanes_) RILL_CUDA_CHECK(cudaStreamSynchronize(lane.stream));
    // The second half of the warm-up, without first-call costs, estimates the steady rate.
    const double warm_ns = static_cast<double>(now_ns() - steady_start);
    const uint64_t steady_iterations = warmup - warmup / 2;

    // Events for the timed loop, made now so that the loop creates none.
    size_t per_lane = 0;
    if (quota_ > 0) {
      per_lane = static_cast<size_t>(quota_ / lane_ids_.size() + 1);
    } else {
      // Duration mode: guess from the warm-up rate, with headroom; the loop grows it if needed.
      const double issued = static_cast<double>(steady_iterations * lanes_.size());
      const double per_inference_ns = issued > 0 ? warm_ns / issued : 0;
      const double guess = per_inference_ns > 0
                               ? 1.25 * s_.config.duration_s * 1e9 / per_inference_ns /
                                     static_cast<double>(lanes_.size())
                               : 4096;
      per_lane = static_cast<size_t>(std::clamp(guess, 1024.0, 200000.0));
    }
    for (Lane& lane : lanes_) {
      ensure_events(lane, per_lane, s_.events_per_iteration);
      lane.samples.reserve(per_lane);
    }
  }

  // Streams, buffers and (naive mode) execution contexts of this worker's lanes.
  void set_up() {
    RILL_CUDA_CHECK(cudaSetDevice(s_.device));
    const bool legacy = s_.naive || s_.config.stream_mode == StreamMode::kDefault;
    for (int id : lane_ids_) {
      Lane& lane = lanes_.emplace_back();
      if (legacy) {
        lane.stream = cudaStreamLegacy;
      } else {
        lane.owned = cuda::Stream::create();
        lane.stream = lane.owned.get();
      }
      for (int k = 0; k < s_.config.buffer_sets; ++k) {
        const uint64_t seed = 1000003ull * static_cast<uint64_t>(id) + 7919ull * k + 2026;
        lane.sets.push_back(BufferSet::make(s_.io, s_.transfers, seed));
      }
      if (s_.naive) {
        lane.naive_context = s_.engine.create_context();
        for (const TensorSpec& in : s_.io.inputs) {
          lane.naive_context->set_input_shape(in.name, in.shape);
        }
      }
    }
  }

  // The timed loop; on the worker's thread. `deadline_ns` is used in duration mode.
  void run(int64_t deadline_ns) {
    uint64_t i = 0;
    if (quota_ > 0) {
      for (; i < quota_; ++i) issue(lanes_[i % lanes_.size()], s_, /*timed=*/true);
    } else {
      while (now_ns() < deadline_ns) issue(lanes_[i++ % lanes_.size()], s_, /*timed=*/true);
    }
  }

  std::vector<Lane>& lanes() { return lanes_; }

 private:
  const Shared& s_;
  uint64_t quota_;  // 0: duration mode
  std::vector<int> lane_ids_;
  std::vector<Lane> lanes_;
};

SessionStats difference(const SessionStats& after, const SessionStats& before) {
  SessionStats d;
  d.runs = after.runs - before.runs;
  d.redirected_runs = after.redirected_runs - before.redirected_runs;
  d.graph_captures = after.graph_captures - before.graph_captures;
  d.graph_replays = after.graph_replays - before.graph_replays;
  d.graph_updates = after.graph_updates - before.graph_updates;
  d.staged_replays = after.staged_replays - before.staged_replays;
  d.graph_evictions = after.graph_evictions - before.graph_evictions;
  d.capture_fallbacks = after.capture_fallbacks - before.capture_fallbacks;
  d.plain_enqueues = after.plain_enqueues - before.plain_enqueues;
  d.contexts = after.contexts;
  return d;
}

// Turns the lanes' samples and events into statistics (after the device is idle).
void collect(std::vector<Worker>& workers, const Shared& s, BenchResult& r) {
  std::vector<double> latency, enqueue, compute, h2d, d2h;
  const int per = s.events_per_iteration;
  for (Worker& worker : workers) {
    for (Lane& lane : worker.lanes()) {
      for (size_t i = 0; i < lane.samples.size(); ++i) {
        const Sample& sample = lane.samples[i];
        const cudaEvent_t* ev = &lane.events[i * per];
        auto event = [&](int slot) { return cuda::EventRef(ev[s.transfers ? slot : slot - 1]); };
        enqueue.push_back(static_cast<double>(sample.enqueue_end - sample.enqueue_begin) * 1e-6);
        compute.push_back(cuda::elapsed_ms(event(kComputeStart), event(kComputeEnd)));
        if (s.transfers) {
          h2d.push_back(cuda::elapsed_ms(event(kH2dStart), event(kComputeStart)));
          d2h.push_back(cuda::elapsed_ms(event(kComputeEnd), event(kD2hEnd)));
        }
        if (s.sync_each) {
          latency.push_back(static_cast<double>(sample.end - sample.start) * 1e-6);
        } else {
          latency.push_back(s.transfers ? cuda::elapsed_ms(event(kH2dStart), event(kD2hEnd))
                                        : compute.back());
        }
      }
    }
  }
  r.latency_ms = summarize(std::move(latency));
  r.enqueue_ms = summarize(std::move(enqueue));
  r.gpu_compute_ms = summarize(std::move(compute));
  r.h2d_ms = summarize(std::move(h2d));
  r.d2h_ms = summarize(std::move(d2h));
}

}  // namespace

std::string current_device_name() {
  cudaDeviceProp properties{};
  RILL_CUDA_CHECK(cudaGetDeviceProperties(&properties, cuda::current_device()));
  return properties.name;
}

std::string utc_date() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[16];
  std::strftime(text, sizeof(text), "%Y-%m-%d", &tm);
  return text;
}

BenchResult run_benchmark(std::shared_ptr<const Engine> engine, const BenchConfig& config) {
  config.validate();
  if (engine == nullptr) throw Error(ErrorKind::kInvalidArgument, "run_benchmark: no engine");
  const int device = cuda::current_device();
  const bool naive = config.stream_mode == StreamMode::kNaive;

  BenchResult r;
  r.config = config;
  r.label = config.label.empty() ? config.describe() : config.label;
  r.device = current_device_name();
  r.has_session = !naive;
  r.latency_source = naive || config.sync_each ? "host" : "gpu-events";

  const IoSpec io = resolve_io(*engine, config);
  for (const TensorSpec& in : io.inputs) {
    r.inputs.push_back({in.name, std::string(dtype_name(in.dtype)), in.shape});
  }
  r.batch = !io.inputs.empty() && !io.inputs[0].shape.empty() ? io.inputs[0].shape[0] : 1;

  const int lanes = config.effective_streams();
  std::optional<Session> session;
  if (!naive) {
    SessionOptions options;
    options.stream_policy = config.stream_mode == StreamMode::kDedicated
                                ? StreamPolicy::kAlwaysDedicated
                                : StreamPolicy::kCallerStream;
    options.cuda_graphs = config.cuda_graph;
    options.graph_rebinding = config.graph_capture_update ? GraphRebinding::kCaptureAndUpdate
                                                          : GraphRebinding::kStagingCopies;
    options.max_contexts = std::max<size_t>(8, static_cast<size_t>(lanes));
    options.initial_contexts = static_cast<size_t>(lanes);
    session.emplace(engine, options);
  }

  const Shared shared{config,
                      io,
                      session ? &*session : nullptr,
                      *engine,
                      device,
                      config.include_transfers ? 4 : 2,
                      naive,
                      naive || config.sync_each,
                      config.include_transfers};

  // Subscribe CUPTI before the warm-up, so subscription costs stay out of the timed loop.
  std::optional<cuda::SyncCounter> counter;
  std::string counter_error;
  if (config.count_syncs) {
    try {
      counter.emplace();
    } catch (const Error& e) {
      counter_error = e.what();
    }
  }

  std::vector<Worker> workers;
  workers.reserve(static_cast<size_t>(config.threads));
  for (int t = 0; t < config.threads; ++t) {
    const auto threads = static_cast<uint64_t>(config.threads);
    const uint64_t quota =
        config.iterations == 0
            ? 0
            : config.iterations / threads +
                  (static_cast<uint64_t>(t) < config.iterations % threads ? 1 : 0);
    workers.emplace_back(shared, t, config.threads, lanes, quota);
  }

  std::barrier<> warmup_round(config.threads);
  std::latch prepared(config.threads);
  std::latch start(1);
  int64_t deadline_ns = 0;  // written before `start` opens, read after
  std::mutex error_mutex;
  std::exception_ptr error;
  bool setup_failed = false;
  auto fail = [&] {
    std::lock_guard lock(error_mutex);
    if (!error) error = std::current_exception();
  };
  std::vector<std::thread> threads;
  for (Worker& worker : workers) {
    threads.emplace_back([&, w = &worker] {
      bool ok = true;
      try {
        w->prepare(warmup_round);
      } catch (...) {
        ok = false;
        fail();
      }
      prepared.count_down();
      start.wait();
      if (!ok || setup_failed) return;
      try {
        w->run(deadline_ns);
      } catch (...) {
        fail();
      }
    });
  }

  // Whatever happens here, the workers must be released and joined before anything throws.
  SessionStats before;
  int64_t t0 = 0;
  std::exception_ptr main_error;
  try {
    prepared.wait();
    {
      std::lock_guard lock(error_mutex);
      setup_failed = error != nullptr;
    }
    if (session) before = session->stats();
    if (counter) counter->reset();
    t0 = now_ns();
    deadline_ns = t0 + static_cast<int64_t>(config.duration_s * 1e9);
  } catch (...) {
    main_error = std::current_exception();
    setup_failed = true;
  }
  start.count_down();
  for (std::thread& t : threads) t.join();
  if (main_error) std::rethrow_exception(main_error);
  if (error) std::rethrow_exception(error);

  // Counts first: the drain below is a host sync of the harness, not of an inference.
  if (counter) {
    r.syncs_counted = true;
    r.host_syncs = counter->host_syncs();
    r.default_stream_ops = counter->default_stream_ops();
    r.sync_summary = counter->summary();
  } else {
    r.sync_summary = counter_error;
  }
  RILL_CUDA_CHECK(cudaDeviceSynchronize());
  const int64_t t1 = now_ns();

  for (Worker& worker : workers) {
    for (Lane& lane : worker.lanes()) r.inferences += lane.samples.size();
  }
  r.wall_s = static_cast<double>(t1 - t0) * 1e-9;
  r.throughput = r.wall_s > 0 ? static_cast<double>(r.inferences) / r.wall_s : 0;
  r.per_inference_ms = r.throughput > 0 ? 1e3 / r.throughput : 0;
  if (r.inferences > 0 && r.syncs_counted) {
    const auto n = static_cast<double>(r.inferences);
    r.host_syncs_per_inference = static_cast<double>(r.host_syncs) / n;
    r.default_stream_ops_per_inference = static_cast<double>(r.default_stream_ops) / n;
  }
  collect(workers, shared, r);
  if (session) {
    r.session_stats = session->stats();
    r.timed_stats = difference(r.session_stats, before);
  }
  r.warnings = diagnose(r);
  return r;
}

}  // namespace rill::bench
