// rill_host_time: host time per graph-replayed Session::run, and the CUDA calls it makes.
//
// For each model, one Session (CUDA graphs on) and these callers, each timed separately:
//   same buffers     an explicit stream and the same input/output buffers every call: the
//                    steady state of a serving loop, where the graph is replayed as captured
//   two buffer sets  an explicit stream alternating between two buffer sets: calls whose
//                    addresses differ from the captured ones go through the staging copies
//   default stream   the same buffers from the legacy default stream (redirected by events)
//   graph launch     cudaGraphLaunch of the model's own enqueue, captured once: the floor that
//                    the driver itself sets for replaying this many kernels
//   graph launch, GPU idle   the same, each launch onto an idle stream
// Time is steady_clock around the call (median and p90 over --iterations calls after
// --warmup, the callers taking turns in 10 rounds); the GPU is kept at most a few calls behind
// by polling an event between timed calls
// (cudaEventQuery, not a host sync), so that a full launch queue does not read as host time.
// CUDA runtime calls per run are counted in a separate pass with a CUPTI callback subscription
// (its callbacks cost host time, so the timed pass runs without it).
//
//   rill_host_time --models models/tiny_cnn.onnx,bert_fp16.rill --iterations 2000 --json out.json
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <cupti.h>
#include <nlohmann/json.hpp>

#include "rill/engine.h"
#include "rill/error.h"
#include "rill/session.h"

#include "bench/bench_buffers.h"
#include "bench/bench_config.h"
#include "bench/json_output.h"
#include "bench/runner.h"
#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/event.h"
#include "cuda/graph.h"
#include "cuda/stream.h"

namespace {

using rill::bench::BufferSet;
using rill::bench::IoSpec;

std::shared_ptr<const rill::Engine> open_engine(const std::string& path, rill::Precision precision) {
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".rill") == 0) {
    return rill::Engine::load(path);
  }
  rill::BuildOptions options;
  options.precision = precision;
  return rill::Engine::build_from_onnx(path, options);
}

// ---- counting CUDA runtime calls --------------------------------------------------------------

struct CallTally {
  std::map<std::string, uint64_t> calls;
};

void CUPTIAPI count_call(void* user, CUpti_CallbackDomain domain, CUpti_CallbackId,
                         const void* data) {
  const auto* info = static_cast<const CUpti_CallbackData*>(data);
  if (domain != CUPTI_CB_DOMAIN_RUNTIME_API || info->callbackSite != CUPTI_API_ENTER) return;
  ++static_cast<CallTally*>(user)->calls[info->functionName];
}

void check_cupti(CUptiResult result, const char* what) {
  if (result == CUPTI_SUCCESS) return;
  const char* text = nullptr;
  cuptiGetResultString(result, &text);
  throw rill::Error(rill::ErrorKind::kCupti, std::string(what) + " failed",
                    {{"cupti_error", text != nullptr ? text : "?"}});
}

//! CUDA runtime calls made by `calls` invocations of `run`, by API name, per call.
std::map<std::string, double> count_runtime_calls(const std::function<void()>& run, int calls) {
  CallTally tally;
  CUpti_SubscriberHandle subscriber = nullptr;
  check_cupti(cuptiSubscribe(&subscriber, count_call, &tally), "cuptiSubscribe");
  try {
    check_cupti(cuptiEnableDomain(1, subscriber, CUPTI_CB_DOMAIN_RUNTIME_API),
                "cuptiEnableDomain");
    for (int i = 0; i < calls; ++i) run();
  } catch (...) {
    cuptiUnsubscribe(subscriber);
    throw;
  }
  check_cupti(cuptiUnsubscribe(subscriber), "cuptiUnsubscribe");
  std::map<std::string, double> per_call;
  for (const auto& [name, count] : tally.calls) per_call[name] = static_cast<double>(count) / calls;
  return per_call;
}

// ---- timing -----------------------------------------------------------------------------------

struct HostTime {
  double median_us = 0, p90_us = 0;
};

HostTime summarize(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  HostTime t;
  t.median_us = samples[samples.size() / 2];
  t.p90_us = samples[std::min(samples.size() - 1, samples.size() * 9 / 10)];
  return t;
}

//! Host times of `iterations` calls of `run` (which enqueues on `stream`) after `warmup`
//! untimed ones, keeping the GPU at most a few calls behind.
std::vector<double> time_calls(const std::function<void()>& run, cudaStream_t stream, int warmup,
                               int iterations, int lag) {
  std::vector<rill::cuda::Event> marks;
  for (int i = 0; i < lag; ++i) marks.push_back(rill::cuda::Event::create());
  auto wait_polling = [](cudaEvent_t event) {
    for (;;) {
      const cudaError_t status = cudaEventQuery(event);
      if (status == cudaSuccess) return;
      if (status != cudaErrorNotReady) RILL_CUDA_CHECK(status);
      (void)cudaGetLastError();  // "not ready" must not linger as the last error
    }
  };
  std::vector<double> samples;
  samples.reserve(static_cast<size_t>(iterations));
  for (int i = 0; i < warmup + iterations; ++i) {
    cudaEvent_t mark = marks[static_cast<size_t>(i % lag)].get();
    if (i >= lag) wait_polling(mark);  // the call lag ago has finished
    const auto begin = std::chrono::steady_clock::now();
    run();
    const auto end = std::chrono::steady_clock::now();
    RILL_CUDA_CHECK(cudaEventRecord(mark, stream));
    if (i >= warmup) samples.push_back(std::chrono::duration<double, std::micro>(end - begin).count());
  }
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream));  // harness, outside the timed calls
  return samples;
}

struct Scenario {
  std::string name;
  std::function<void()> run;
  cudaStream_t stream;  // where run() leaves its work (for pacing)
  int lag = 4;          // calls the GPU may be behind when a timed call starts
};

nlohmann::json measure_model(const std::string& model, rill::Precision precision, int64_t batch,
                             int warmup, int iterations) {
  const auto engine = open_engine(model, precision);
  rill::bench::BenchConfig config;
  config.batch = batch;
  const IoSpec io = rill::bench::resolve_io(*engine, config);
  std::vector<BufferSet> sets;
  sets.push_back(BufferSet::make(io, false, 1));
  sets.push_back(BufferSet::make(io, false, 2));

  rill::Session session(engine);
  const rill::cuda::Stream stream = rill::cuda::Stream::create();
  const cudaStream_t s = stream.get();

  // The floor: the model's plain enqueue, captured once and launched as it is.
  auto context = engine->create_context();
  for (size_t i = 0; i < io.inputs.size(); ++i) {
    context->set_input_shape(io.inputs[i].name, io.inputs[i].shape);
    context->set_tensor_address(io.inputs[i].name, sets[0].inputs[i].data);
  }
  for (size_t i = 0; i < io.outputs.size(); ++i) {
    context->set_tensor_address(io.outputs[i].name, sets[0].outputs[i].data);
  }
  context->enqueue(s);  // plans the shape outside the capture
  RILL_CUDA_CHECK(cudaStreamSynchronize(s));
  cudaGraph_t raw = nullptr;
  RILL_CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
  context->enqueue(s);
  RILL_CUDA_CHECK(cudaStreamEndCapture(s, &raw));
  const rill::cuda::Graph graph = rill::cuda::Graph::from_native_handle(raw);
  const rill::cuda::GraphExec exec = rill::cuda::GraphExec::instantiate(graph);
  size_t nodes = 0;
  RILL_CUDA_CHECK(cudaGraphGetNodes(graph.get(), nullptr, &nodes));

  uint64_t calls = 0;
  const std::vector<Scenario> scenarios = {
      {"same buffers", [&] { session.run(sets[0].inputs, sets[0].outputs, s); }, s},
      {"two buffer sets",
       [&] {
         const BufferSet& set = sets[calls++ % 2];
         session.run(set.inputs, set.outputs, s);
       },
       s},
      {"default stream",
       [&] { session.run(sets[0].inputs, sets[0].outputs, cudaStreamLegacy); },
       cudaStreamLegacy},
      {"graph launch", [&] { exec.launch(rill::cuda::StreamRef(s)); }, s},
      // The same launch onto an idle stream: whether the driver's cost depends on work in flight.
      {"graph launch, GPU idle", [&] { exec.launch(rill::cuda::StreamRef(s)); }, s, 1},
  };

  nlohmann::json result = {{"model", model},
                           {"precision", std::string(rill::precision_name(precision))},
                           {"batch", batch},
                           {"graph_nodes", nodes},
                           {"scenarios", nlohmann::json::array()}};
  std::printf("### %s (%s, batch %lld, %zu graph nodes)\n\n", model.c_str(),
              std::string(rill::precision_name(precision)).c_str(), static_cast<long long>(batch),
              nodes);
  std::printf("| caller | host time median (us) | p90 (us) | CUDA runtime calls per run |\n");
  std::printf("| --- | ---: | ---: | --- |\n");
  // The callers take turns in rounds, so that drift in the machine's speed (clocks, other
  // processes) spreads over all of them alike instead of favouring whichever ran first.
  constexpr int kRounds = 10;
  std::vector<std::vector<double>> samples(scenarios.size());
  for (size_t i = 0; i < scenarios.size(); ++i) {
    (void)time_calls(scenarios[i].run, scenarios[i].stream, warmup, 1, scenarios[i].lag);
  }
  for (int round = 0; round < kRounds; ++round) {
    for (size_t i = 0; i < scenarios.size(); ++i) {
      const std::vector<double> part =
          time_calls(scenarios[i].run, scenarios[i].stream, warmup / kRounds,
                     std::max(1, iterations / kRounds), scenarios[i].lag);
      samples[i].insert(samples[i].end(), part.begin(), part.end());
    }
  }
  for (size_t i = 0; i < scenarios.size(); ++i) {
    const Scenario& scenario = scenarios[i];
    const HostTime t = summarize(samples[i]);
    const auto per_call = count_runtime_calls(scenario.run, 100);
    RILL_CUDA_CHECK(cudaDeviceSynchronize());  // harness
    std::string calls_text;
    double total = 0;
    for (const auto& [name, count] : per_call) {
      char item[128];
      std::snprintf(item, sizeof item, "%s%s %.3g", calls_text.empty() ? "" : ", ", name.c_str(),
                    count);
      calls_text += item;
      total += count;
    }
    std::printf("| %s | %.2f | %.2f | %.3g: %s |\n", scenario.name.c_str(), t.median_us, t.p90_us,
                total, calls_text.c_str());
    std::fflush(stdout);
    result["scenarios"].push_back({{"caller", scenario.name},
                                   {"host_us_median", t.median_us},
                                   {"host_us_p90", t.p90_us},
                                   {"runtime_calls_per_run", per_call},
                                   {"runtime_calls_total", total}});
  }
  std::printf("\n");
  const rill::SessionStats stats = session.stats();
  result["session"] = {{"runs", stats.runs},
                       {"graph_replays", stats.graph_replays},
                       {"staged_replays", stats.staged_replays},
                       {"graph_captures", stats.graph_captures}};
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rill_host_time: host time per graph-replayed Session::run"};
  std::string models = "models/tiny_cnn.onnx";
  std::string json_path;
  std::string precision_text = "fp32";
  int64_t batch = 1;
  int warmup = 200;
  int iterations = 2000;
  app.add_option("--models", models, "comma-separated ONNX models or .rill plans");
  app.add_option("--precision", precision_text, "build precision for ONNX models: fp32, fp16, bf16")
      ->check(CLI::IsMember({"fp32", "fp16", "bf16"}));
  app.add_option("--batch", batch, "leading dim of dynamic inputs")->check(CLI::PositiveNumber);
  app.add_option("--warmup", warmup, "untimed calls per caller")->check(CLI::NonNegativeNumber);
  app.add_option("--iterations", iterations, "timed calls per caller")->check(CLI::PositiveNumber);
  app.add_option("--json", json_path, "write the results to this JSON file");
  CLI11_PARSE(app, argc, argv);

  try {
    if (!rill::cuda::has_device()) {
      std::fprintf(stderr, "rill_host_time: no CUDA device on this machine\n");
      return 1;
    }
    const rill::Precision precision = precision_text == "fp16"   ? rill::Precision::kFloat16
                                      : precision_text == "bf16" ? rill::Precision::kBFloat16
                                                                 : rill::Precision::kFloat32;
    const std::string device = rill::bench::current_device_name();
    const std::string date = rill::bench::utc_date();
    std::printf("## rill host time per Session::run: %s, %s\n\n", device.c_str(), date.c_str());
    nlohmann::json all = {{"device", device}, {"date", date}, {"models", nlohmann::json::array()}};
    for (const std::string& model : rill::bench::split_list(models)) {
      all["models"].push_back(measure_model(model, precision, batch, warmup, iterations));
      if (!json_path.empty()) rill::bench::write_json_file(all, json_path);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rill_host_time: %s\n", e.what());
    return 1;
  }
}
