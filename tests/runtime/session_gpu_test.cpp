// The Session on the GPU: stream ordering for default-stream callers, zero host syncs in steady
// state under every policy, CUDA graphs with new buffers on every call, and 32 threads at once.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/device_buffer.h"
#include "cuda/event.h"
#include "cuda/graph.h"
#include "cuda/stream_pool.h"
#include "cuda/sync_counter.h"
#include "gpu_test.h"
#include "op_test_driver.h"
#include "rill/session.h"
#include "test_kernels.cuh"
#include "test_paths.h"

namespace rill {
namespace {

constexpr int64_t kInputElements = 3 * 32 * 32;  // tiny_cnn, batch 1
constexpr int64_t kOutputElements = 10;

std::shared_ptr<const Engine> tiny_cnn() {
  static const std::shared_ptr<const Engine> engine =
      Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"));
  return engine;
}

// Device copies of one inference's input and outputs (logits, probs).
struct Buffers {
  explicit Buffers(int64_t batch_size = 1)
      : batch(batch_size),
        input(batch_size * kInputElements * sizeof(float)),
        logits(batch_size * kOutputElements * sizeof(float)),
        probs(batch_size * kOutputElements * sizeof(float)) {}
  std::vector<Tensor> inputs() const {
    return {{input.data(), DType::kFloat32, {batch, 3, 32, 32}}};
  }
  std::vector<Tensor> outputs() const {
    return {{logits.data(), DType::kFloat32, {batch, kOutputElements}},
            {probs.data(), DType::kFloat32, {batch, kOutputElements}}};
  }
  void upload(const ir::HostTensor& t) {
    RILL_CUDA_CHECK(cudaMemcpy(input.data(), t.raw(), t.bytes(), cudaMemcpyHostToDevice));
  }
  void poison() {
    RILL_CUDA_CHECK(cudaMemset(logits.data(), 0xFF, logits.size()));
    RILL_CUDA_CHECK(cudaMemset(probs.data(), 0xFF, probs.size()));
  }
  std::vector<float> read_logits() const {
    std::vector<float> out(static_cast<size_t>(batch * kOutputElements));
    RILL_CUDA_CHECK(cudaMemcpy(out.data(), logits.data(), logits.size(), cudaMemcpyDeviceToHost));
    return out;
  }
  int64_t batch;
  cuda::DeviceAllocation input, logits, probs;
};

ir::HostTensor random_input(uint64_t seed, int64_t batch = 1) {
  return testing::random_tensor(DType::kFloat32, {batch, 3, 32, 32}, seed);
}

// The logits of one input, from a plain single-thread run: the bit-exact expectation.
std::vector<float> reference_logits(const ir::HostTensor& input) {
  static Session session(tiny_cnn(), {.cuda_graphs = false});
  cuda::StreamPool pool(cuda::current_device());
  const auto stream = pool.acquire();
  Buffers b(input.shape()[0]);
  b.upload(input);
  session.run(b.inputs(), b.outputs(), stream.get());
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
  return b.read_logits();
}

class SessionGpu : public ::testing::Test {
 protected:
  void SetUp() override { RILL_REQUIRE_GPU(); }
};

TEST_F(SessionGpu, ReferenceRunMatchesTheCpuExecutor) {
  const ir::HostTensor input = random_input(1);
  const std::vector<float> gpu = reference_logits(input);
  const auto cpu = tiny_cnn()->run_on_cpu(
      {{"input", {DType::kFloat32, input.shape(), {input.raw(), input.raw() + input.bytes()}}}});
  const ir::HostTensor expected(DType::kFloat32, {1, 10}, cpu.at("logits").data);
  EXPECT_TRUE(testing::tensors_close(ir::HostTensor::from<float>({1, 10}, gpu), expected, 1e-5));
}

// A producer that is still running when run() is called, and a consumer enqueued right after it,
// both on a default stream: the session must order itself between them without a host sync.
void check_default_stream_ordering(cudaStream_t caller, bool graphs) {
  Session session(tiny_cnn(), {.cuda_graphs = graphs});
  const ir::HostTensor input = random_input(7);
  const std::vector<float> expected = reference_logits(input);
  cuda::DeviceAllocation staged(input.bytes());
  cuda::DeviceAllocation result(kOutputElements * sizeof(float));
  cuda::DeviceAllocation flag(sizeof(int));
  RILL_CUDA_CHECK(cudaMemcpy(staged.data(), input.raw(), input.bytes(), cudaMemcpyHostToDevice));
  {
    // Warm-up: the first call of a shape plans it, sizes the arena and captures its graph; the
    // ordering below is checked in steady state, where nothing may sync.
    Buffers warm;
    warm.upload(input);
    session.run(warm.inputs(), warm.outputs(), caller);
    RILL_CUDA_CHECK(cudaDeviceSynchronize());
  }
  for (int round = 0; round < 3; ++round) {
    Buffers b;
    b.poison();
    RILL_CUDA_CHECK(cudaMemset(result.data(), 0, result.size()));
    RILL_CUDA_CHECK(cudaDeviceSynchronize());
    // Producer: 20 ms of spinning, then the input appears.
    testing::launch_spin_then_write(static_cast<int*>(flag.data()), 1, 20'000'000, caller);
    RILL_CUDA_CHECK(cudaMemcpyAsync(b.input.data(), staged.data(), input.bytes(),
                                    cudaMemcpyDeviceToDevice, caller));
    {
      cuda::SyncCounter counter;
      session.run(b.inputs(), b.outputs(), caller);
      EXPECT_EQ(counter.host_syncs(), 0u) << counter.summary();
      EXPECT_EQ(counter.default_stream_ops(), 0u) << counter.summary();
    }
    // Consumer.
    RILL_CUDA_CHECK(cudaMemcpyAsync(result.data(), b.logits.data(), result.size(),
                                    cudaMemcpyDeviceToDevice, caller));
    RILL_CUDA_CHECK(cudaStreamSynchronize(caller));
    std::vector<float> seen(kOutputElements);
    RILL_CUDA_CHECK(cudaMemcpy(seen.data(), result.data(), result.size(), cudaMemcpyDeviceToHost));
    EXPECT_EQ(seen, expected) << "round " << round << " graphs " << graphs;
  }
  EXPECT_EQ(session.stats().redirected_runs, 4u);
  EXPECT_EQ(session.stats().graph_replays, graphs ? 3u : 0u);
}

TEST_F(SessionGpu, LegacyDefaultStreamCallerIsOrderedWithoutHostSync) {
  check_default_stream_ordering(cudaStreamLegacy, false);
  check_default_stream_ordering(cudaStreamLegacy, true);
  check_default_stream_ordering(nullptr, true);
}

TEST_F(SessionGpu, PerThreadDefaultStreamCallerIsOrderedWithoutHostSync) {
  check_default_stream_ordering(cudaStreamPerThread, false);
  check_default_stream_ordering(cudaStreamPerThread, true);
}

TEST_F(SessionGpu, SteadyStateHasZeroHostSyncsUnderEveryPolicy) {
  cuda::StreamPool pool(cuda::current_device());
  const auto explicit_stream = pool.acquire();
  for (bool graphs : {false, true}) {
    for (StreamPolicy policy : {StreamPolicy::kCallerStream, StreamPolicy::kAlwaysDedicated}) {
      for (cudaStream_t caller : {explicit_stream.get(), cudaStreamLegacy, cudaStreamPerThread}) {
        Session session(tiny_cnn(), {.stream_policy = policy, .cuda_graphs = graphs});
        Buffers b;
        b.upload(random_input(3));
        session.run(b.inputs(), b.outputs(), caller);  // warm-up: plan, capture
        RILL_CUDA_CHECK(cudaDeviceSynchronize());
        cuda::SyncCounter counter;
        for (int i = 0; i < 50; ++i) session.run(b.inputs(), b.outputs(), caller);
        EXPECT_EQ(counter.host_syncs(), 0u) << counter.summary();
        EXPECT_EQ(counter.default_stream_ops(), 0u) << counter.summary();
        RILL_CUDA_CHECK(cudaDeviceSynchronize());
        const bool redirected = policy == StreamPolicy::kAlwaysDedicated || cuda::is_default_stream(caller);
        EXPECT_EQ(session.stats().redirected_runs, redirected ? 51u : 0u);
        if (graphs) {
          EXPECT_EQ(session.stats().graph_replays, 50u);
          EXPECT_EQ(session.stats().staged_replays, 0u) << "the capturing buffers replay directly";
        }
      }
    }
  }
}

TEST_F(SessionGpu, GraphReplayWithNewBuffersEveryCallCapturesOncePerShape) {
  Session session(tiny_cnn(), {.cuda_graphs = true});
  cuda::StreamPool pool(cuda::current_device());
  const auto stream = pool.acquire();
  std::vector<std::unique_ptr<Buffers>> sets;
  std::vector<std::vector<float>> expected;
  // The largest shape comes first, so that no later shape grows the context's arena (which
  // would drop its graphs: see GraphsSurviveNoArenaGrowthButStayCorrect).
  for (int i = 0; i < 3; ++i) {
    const int64_t batch = i == 0 ? 2 : 1;
    const ir::HostTensor input = random_input(40 + static_cast<uint64_t>(i), batch);
    sets.push_back(std::make_unique<Buffers>(batch));
    sets.back()->upload(input);
    expected.push_back(reference_logits(input));
  }
  for (int call = 0; call < 30; ++call) {
    Buffers& b = *sets[static_cast<size_t>(call % 3)];
    b.poison();
    session.run(b.inputs(), b.outputs(), stream.get());
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
    EXPECT_EQ(b.read_logits(), expected[static_cast<size_t>(call % 3)]) << "call " << call;
  }
  const SessionStats stats = session.stats();
  EXPECT_EQ(stats.graph_captures, 2u) << "one per input shape (batch 1 and 2)";
  EXPECT_EQ(stats.graph_replays, 28u);
  EXPECT_EQ(stats.staged_replays, 10u)
      << "set 2 shares set 1's shape but not its addresses; sets 0 and 1 replay directly";
  EXPECT_EQ(stats.capture_fallbacks, 0u);
}

// Note [Direct replay]: the buffers of the capturing call replay the graph as it is, reading
// whatever those buffers hold at the time; other buffers go through the staging graph.
TEST_F(SessionGpu, DirectReplayReadsTheCapturingBuffersAsTheyAreNow) {
  Session session(tiny_cnn(), {.cuda_graphs = true});
  cuda::StreamPool pool(cuda::current_device());
  const auto stream = pool.acquire();
  Buffers mine;
  Buffers other;
  for (int call = 0; call < 8; ++call) {
    const bool use_other = call == 4;
    Buffers& b = use_other ? other : mine;
    const ir::HostTensor input = random_input(200 + static_cast<uint64_t>(call));
    b.upload(input);  // new contents at the same address
    b.poison();
    RILL_CUDA_CHECK(cudaDeviceSynchronize());
    {
      cuda::SyncCounter counter;
      session.run(b.inputs(), b.outputs(), stream.get());
      if (call > 0) {
        EXPECT_EQ(counter.host_syncs(), 0u) << counter.summary();
      }
    }
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
    EXPECT_EQ(b.read_logits(), reference_logits(input)) << "call " << call;
  }
  const SessionStats stats = session.stats();
  EXPECT_EQ(stats.graph_captures, 1u);
  EXPECT_EQ(stats.graph_replays, 7u);
  EXPECT_EQ(stats.staged_replays, 1u) << "only the call with other buffers copies";
}

// Note [Context reuse across streams]: one context used from two streams. The second stream's
// run is made ready at the moment the first stream's run starts (it waits for the same slow
// producer, not for the run): without the session's wait on the context, both would use the
// context's arena at once.
TEST_F(SessionGpu, ContextReuseAcrossStreamsIsOrdered) {
  Session session(tiny_cnn(), {.cuda_graphs = true, .max_contexts = 1});
  cuda::StreamPool pool(cuda::current_device());
  const auto a = pool.acquire();
  const auto b = pool.acquire();
  constexpr int64_t kBatch = 16;  // long enough runs for the two to overlap if unordered
  const ir::HostTensor input_a = random_input(300, kBatch);
  const ir::HostTensor input_b = random_input(301, kBatch);
  const std::vector<float> expected_a = reference_logits(input_a);
  const std::vector<float> expected_b = reference_logits(input_b);
  Buffers on_a(kBatch);
  Buffers on_b(kBatch);
  on_a.upload(input_a);
  on_b.upload(input_b);
  cuda::DeviceAllocation flag(sizeof(int));
  const cuda::Event producer_done = cuda::Event::create();
  for (int round = 0; round < 20; ++round) {
    on_a.poison();
    on_b.poison();
    RILL_CUDA_CHECK(cudaDeviceSynchronize());
    testing::launch_spin_then_write(static_cast<int*>(flag.data()), round, 2'000'000, a.get());
    producer_done.ref().record(a.get());
    RILL_CUDA_CHECK(cudaStreamWaitEvent(b.get(), producer_done.get(), 0));
    // Every order of the two streams: A then B, B then A, and twice on one stream.
    const bool a_first = round % 2 == 0;
    session.run((a_first ? on_a : on_b).inputs(), (a_first ? on_a : on_b).outputs(),
                (a_first ? a : b).get());
    session.run((a_first ? on_b : on_a).inputs(), (a_first ? on_b : on_a).outputs(),
                (a_first ? b : a).get());
    if (round % 4 == 1) session.run(on_a.inputs(), on_a.outputs(), a.get());
    RILL_CUDA_CHECK(cudaDeviceSynchronize());
    EXPECT_EQ(on_a.read_logits(), expected_a) << "round " << round;
    EXPECT_EQ(on_b.read_logits(), expected_b) << "round " << round;
  }
  EXPECT_EQ(session.stats().contexts, 1u);
}

// The other rebinding: the graph binds the caller's buffers and is re-captured and updated when
// they change, instead of copying through staging buffers.
TEST_F(SessionGpu, CaptureAndUpdateRebindingFollowsNewBuffers) {
  Session session(tiny_cnn(), {.cuda_graphs = true,
                               .graph_rebinding = GraphRebinding::kCaptureAndUpdate});
  cuda::StreamPool pool(cuda::current_device());
  const auto stream = pool.acquire();
  std::vector<std::unique_ptr<Buffers>> sets;
  std::vector<std::vector<float>> expected;
  for (int i = 0; i < 3; ++i) {
    const ir::HostTensor input = random_input(60 + static_cast<uint64_t>(i));
    sets.push_back(std::make_unique<Buffers>());
    sets.back()->upload(input);
    expected.push_back(reference_logits(input));
  }
  for (int call = 0; call < 12; ++call) {
    const auto k = static_cast<size_t>(call < 6 ? call % 3 : 0);  // rotate, then repeat one set
    Buffers& b = *sets[k];
    b.poison();
    session.run(b.inputs(), b.outputs(), stream.get());
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
    EXPECT_EQ(b.read_logits(), expected[k]) << "call " << call;
  }
  const SessionStats stats = session.stats();
  EXPECT_EQ(stats.graph_captures, 1u);
  EXPECT_EQ(stats.graph_replays, 11u);
  EXPECT_EQ(stats.graph_updates, 6u) << "calls 1-6 change buffers; 7-11 reuse call 6's";
}

// A larger shape after a capture grows the arena and so invalidates the graphs captured into the
// old one; the session must drop them and capture again rather than replay into freed memory.
TEST_F(SessionGpu, ArenaGrowthDropsStaleGraphsAndStaysCorrect) {
  Session session(tiny_cnn(), {.cuda_graphs = true});
  cuda::StreamPool pool(cuda::current_device());
  const auto stream = pool.acquire();
  const ir::HostTensor small_input = random_input(90, 1);
  const ir::HostTensor large_input = random_input(91, 16);
  Buffers small(1);
  Buffers large(16);
  small.upload(small_input);
  large.upload(large_input);
  const std::vector<float> small_expected = reference_logits(small_input);
  const std::vector<float> large_expected = reference_logits(large_input);
  for (int call = 0; call < 6; ++call) {
    Buffers& b = call % 3 == 2 ? large : small;
    b.poison();
    session.run(b.inputs(), b.outputs(), stream.get());
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
    EXPECT_EQ(b.read_logits(), call % 3 == 2 ? large_expected : small_expected) << call;
  }
  // small captured, large grows the arena (small's graph dropped), small captured again.
  EXPECT_EQ(session.stats().graph_captures, 3u);
}

// 32 threads x 500 runs on one session, each thread with its own inputs and stream; every output
// must be bit-identical to the single-thread result for the same input.
int env_or(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::atoi(value) : fallback;
}

void hammer(bool graphs) {
  // Smaller under compute-sanitizer, which runs kernels hundreds of times slower.
  const int kThreads = env_or("RILL_HAMMER_THREADS", 32);
  const int kRuns = env_or("RILL_HAMMER_RUNS", 500);
  constexpr int kInputsPerThread = 4;
  Session session(tiny_cnn(), {.cuda_graphs = graphs, .max_contexts = static_cast<size_t>(kThreads)});
  std::vector<std::vector<ir::HostTensor>> inputs(static_cast<size_t>(kThreads));
  std::vector<std::vector<std::vector<float>>> expected(static_cast<size_t>(kThreads));
  for (int t = 0; t < kThreads; ++t) {
    for (int k = 0; k < kInputsPerThread; ++k) {
      inputs[t].push_back(random_input(1000 + static_cast<uint64_t>(t * kInputsPerThread + k)));
      expected[t].push_back(reference_logits(inputs[t].back()));
    }
  }
  cuda::StreamPool pool(cuda::current_device());
  std::atomic<int> wrong{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        const auto stream = pool.acquire();
        std::vector<std::unique_ptr<Buffers>> bufs;
        for (int k = 0; k < kInputsPerThread; ++k) {
          bufs.push_back(std::make_unique<Buffers>());
          bufs.back()->upload(inputs[t][static_cast<size_t>(k)]);
        }
        cuda::PinnedBuffer host(kOutputElements * sizeof(float));
        for (int r = 0; r < kRuns; ++r) {
          const auto k = static_cast<size_t>(r % kInputsPerThread);
          Buffers& b = *bufs[k];
          session.run(b.inputs(), b.outputs(), stream.get());
          RILL_CUDA_CHECK(cudaMemcpyAsync(host.data(), b.logits.data(), host.size(),
                                          cudaMemcpyDeviceToHost, stream.get()));
          RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
          if (std::memcmp(host.data(), expected[t][k].data(), host.size()) != 0) ++wrong;
        }
      } catch (const std::exception& e) {
        ++errors;
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(wrong.load(), 0) << "of " << kThreads * kRuns << " runs (graphs " << graphs << ")";
  const SessionStats stats = session.stats();
  EXPECT_EQ(stats.runs, static_cast<uint64_t>(kThreads * kRuns));
  EXPECT_GT(stats.contexts, 1u) << "threads ran on contexts of their own";
  EXPECT_LE(stats.contexts, static_cast<uint64_t>(kThreads));
}

TEST_F(SessionGpu, ThirtyTwoThreadsBitIdenticalWithoutGraphs) { hammer(false); }
TEST_F(SessionGpu, ThirtyTwoThreadsBitIdenticalWithGraphs) { hammer(true); }

TEST_F(SessionGpu, AllocatingRunIsStreamOrdered) {
  Session session(tiny_cnn());
  cuda::StreamPool pool(cuda::current_device());
  const auto stream = pool.acquire();
  const ir::HostTensor input = random_input(77);
  Buffers b;
  b.upload(input);
  for (cudaStream_t caller : {stream.get(), cudaStreamLegacy}) {
    std::vector<OwnedTensor> outputs = session.run(b.inputs(), caller);
    ASSERT_EQ(outputs.size(), 2u);
    EXPECT_EQ(outputs[0].shape(), (std::vector<int64_t>{1, 10}));
    std::vector<float> logits(10);
    RILL_CUDA_CHECK(cudaMemcpyAsync(logits.data(), outputs[0].data(), 40, cudaMemcpyDeviceToHost, caller));
    RILL_CUDA_CHECK(cudaStreamSynchronize(caller));
    EXPECT_EQ(logits, reference_logits(input));
  }
}

// Note [Caller capture]: a run on a stream the caller is capturing lands in the caller's graph
// (no capture of the session's own), pins its context, and the graph replays it correctly with
// the producer and consumer around it, while the session keeps serving ordinary calls.
TEST_F(SessionGpu, RunInsideTheCallersCaptureIsPartOfTheCallersGraph) {
  for (bool graphs : {true, false}) {
    Session session(tiny_cnn(), {.cuda_graphs = graphs});
    cuda::StreamPool pool(cuda::current_device());
    const auto stream = pool.acquire();
    Buffers staged, b;
    const ir::HostTensor first = random_input(91);
    b.upload(first);
    session.run(b.inputs(), b.outputs(), stream.get());  // warm-up of the shape
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
    EXPECT_EQ(b.read_logits(), reference_logits(first));

    cuda::DeviceAllocation flag(sizeof(int));
    cuda::DeviceAllocation result(kOutputElements * sizeof(float));
    cudaGraph_t raw = nullptr;
    RILL_CUDA_CHECK(cudaStreamBeginCapture(stream.get(), cudaStreamCaptureModeGlobal));
    // Producer, the session, consumer: all in the caller's graph.
    testing::launch_spin_then_write(static_cast<int*>(flag.data()), 1, 20'000'000, stream.get());
    RILL_CUDA_CHECK(cudaMemcpyAsync(b.input.data(), staged.input.data(), staged.input.size(),
                                    cudaMemcpyDeviceToDevice, stream.get()));
    session.run(b.inputs(), b.outputs(), stream.get());
    RILL_CUDA_CHECK(cudaMemcpyAsync(result.data(), b.logits.data(), result.size(),
                                    cudaMemcpyDeviceToDevice, stream.get()));
    RILL_CUDA_CHECK(cudaStreamEndCapture(stream.get(), &raw));
    const cuda::GraphExec exec = cuda::GraphExec::instantiate(cuda::Graph::from_native_handle(raw));
    EXPECT_EQ(session.stats().caller_captures, 1u);
    EXPECT_EQ(session.stats().contexts, 0u) << "the captured context left the pool";

    for (uint64_t seed : {92u, 93u}) {
      const ir::HostTensor input = random_input(seed);
      staged.upload(input);
      RILL_CUDA_CHECK(cudaMemset(result.data(), 0xFF, result.size()));
      RILL_CUDA_CHECK(cudaDeviceSynchronize());
      exec.launch(stream.get());
      // An ordinary run meanwhile takes a fresh context, not the graph's.
      Buffers other;
      other.upload(first);
      session.run(other.inputs(), other.outputs(), stream.get());
      RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
      std::vector<float> seen(kOutputElements);
      RILL_CUDA_CHECK(cudaMemcpy(seen.data(), result.data(), result.size(), cudaMemcpyDeviceToHost));
      EXPECT_EQ(seen, reference_logits(input)) << "graphs " << graphs << " seed " << seed;
      EXPECT_EQ(other.read_logits(), reference_logits(first));
    }
    // An unseen shape inside a capture is refused before anything is enqueued.
    Buffers two(2);
    RILL_CUDA_CHECK(cudaStreamBeginCapture(stream.get(), cudaStreamCaptureModeGlobal));
    try {
      session.run(two.inputs(), two.outputs(), stream.get());
      ADD_FAILURE() << "no error for an unseen shape";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
    RILL_CUDA_CHECK(cudaStreamEndCapture(stream.get(), &raw));
    if (raw != nullptr) RILL_CUDA_CHECK(cudaGraphDestroy(raw));
  }
}

TEST_F(SessionGpu, BadCallsAreClearErrorsAndTheSessionStaysUsable) {
  Session session(tiny_cnn());
  cuda::StreamPool pool(cuda::current_device());
  const auto stream = pool.acquire();
  Buffers b;
  b.upload(random_input(5));
  auto expect_invalid = [&](std::vector<Tensor> in, std::vector<Tensor> out) {
    try {
      session.run(in, out, stream.get());
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
  };
  auto in = b.inputs();
  auto out = b.outputs();
  expect_invalid({}, out);
  auto wrong_dtype = in;
  wrong_dtype[0].dtype = DType::kInt64;
  expect_invalid(wrong_dtype, out);
  auto wrong_shape = in;
  wrong_shape[0].shape = {1, 3, 31, 32};
  expect_invalid(wrong_shape, out);
  auto null_input = in;
  null_input[0].data = nullptr;
  expect_invalid(null_input, out);
  auto wrong_output = out;
  wrong_output[0].shape = {2, 10};
  expect_invalid(in, wrong_output);
  // Addresses the GPU cannot use (Note [Failed runs]): rejected before any work is issued, so
  // the good first output keeps its poison.
  std::vector<float> pageable(kOutputElements);
  cuda::PinnedBuffer pinned(kOutputElements * sizeof(float));
  auto* misaligned_input = static_cast<std::byte*>(b.input.data()) + 4;
  for (void* bad_probs : {static_cast<void*>(pageable.data()), pinned.data()}) {
    b.poison();
    auto bad_output = out;
    bad_output[1].data = bad_probs;
    expect_invalid(in, bad_output);
    RILL_CUDA_CHECK(cudaDeviceSynchronize());
    const std::vector<float> logits = b.read_logits();
    uint32_t bits = 0;
    std::memcpy(&bits, logits.data(), sizeof bits);
    EXPECT_EQ(bits, 0xFFFFFFFFu) << "a rejected run issued work";
  }
  auto misaligned = in;
  misaligned[0].data = misaligned_input;
  expect_invalid(misaligned, out);
  b.poison();
  session.run(in, out, stream.get());
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
  EXPECT_EQ(b.read_logits(), reference_logits(random_input(5)));
}

}  // namespace
}  // namespace rill
