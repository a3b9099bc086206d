#include "engine/algorithm_tuner.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>

#include "cuda/device.h"
#include "engine/graph_shapes.h"
#include "engine/timing_cache.h"
#include "kernels/library_handles.h"
#include "kernels/tuning_bench.h"

namespace rill::engine {

namespace {

// The build's selector: a choice already made for an identical layer, else the timing cache's,
// else the plan times the candidates on the bench.
class TuningSelector final : public kernels::AlgorithmSelector {
 public:
  TuningSelector(TunedAlgorithms& table, TimingCache* cache, kernels::TuningBench& bench)
      : table_(table), cache_(cache), bench_(bench) {}

  const kernels::AlgorithmChoice* find(const std::string& key) override {
    if (const auto it = table_.choices.find(key); it != table_.choices.end()) return &it->second;
    if (cache_ == nullptr) return nullptr;
    const kernels::AlgorithmChoice* cached = cache_->find(key);
    if (cached == nullptr) return nullptr;
    from_cache_.insert(key);
    return &(table_.choices[key] = *cached);
  }
  void rejected(const std::string& key) override {
    // A cached choice this GPU's library will not run (the environment matched, so this is rare:
    // a changed problem rule): forget it everywhere, so that the plan's tuning replaces it.
    table_.choices.erase(key);
    if (cache_ != nullptr) cache_->erase(key);
    from_cache_.erase(key);
    changed_ = true;
  }
  kernels::TuningBench* bench() override { return &bench_; }
  void tuned(const std::string& key, kernels::AlgorithmChoice choice) override {
    if (cache_ != nullptr) cache_->put(key, choice);
    table_.choices[key] = std::move(choice);
    ++timed_;
    changed_ = true;
  }

  size_t cache_hits() const noexcept { return from_cache_.size(); }
  size_t timed() const noexcept { return timed_; }
  bool changed() const noexcept { return changed_; }

 private:
  TunedAlgorithms& table_;
  TimingCache* cache_;
  kernels::TuningBench& bench_;
  std::set<std::string> from_cache_;
  size_t timed_ = 0;
  bool changed_ = false;
};

std::map<std::string, ir::Shape> opt_shapes(const EngineDefinition& definition) {
  std::map<std::string, ir::Shape> shapes;
  for (const TensorInfo& info : definition.inputs) shapes[info.name] = info.range.opt;
  return shapes;
}

// tune_algorithms() on a GPU; throws what a failing CUDA or library call throws.
void tune_on_gpu(EngineDefinition& definition, const BuildProgress& progress, double from,
                 double to) {
  TuningSummary& summary = definition.summary.tuning;
  const BuildOptions& options = definition.options;
  const auto start = std::chrono::steady_clock::now();
  const kernels::TuningEnvironment environment = kernels::current_tuning_environment();
  definition.algorithms.environment = environment;
  summary.device = environment.to_string();

  std::optional<TimingCache> cache;
  bool cache_needs_writing = false;
  if (!options.timing_cache.empty()) {
    LoadedTimingCache loaded = TimingCache::load(options.timing_cache, environment);
    if (loaded.warning) summary.warnings.push_back(*loaded.warning);
    std::error_code ignored;
    cache_needs_writing =
        loaded.warning.has_value() || !std::filesystem::exists(options.timing_cache, ignored);
    cache.emplace(std::move(loaded.cache));
  }

  const ir::Graph& graph = definition.graph;
  const GraphShapes shapes = infer_graph_shapes(graph, opt_shapes(definition));
  std::vector<size_t> tunable;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const NodeFacts& facts = shapes.nodes[n];
    if (!facts.on_host && facts.def->tunable && facts.def->prepare_gpu != nullptr &&
        facts.def->output_kind == ops::OutputKind::kComputed) {
      tunable.push_back(n);
    }
  }

  summary.ran = true;
  summary.status = "tuned";
  if (tunable.empty()) return;  // nothing to time: no handles, no bench

  const kernels::CublasLtHandle cublaslt = kernels::CublasLtHandle::create();
  const kernels::CudnnHandle cudnn = kernels::CudnnHandle::create();
  const ops::LibraryHandles libraries{cublaslt.get(), cudnn.get()};
  kernels::TuningBench bench;
  TuningSelector selector(definition.algorithms, cache ? &*cache : nullptr, bench);
  const size_t count = tunable.size();
  for (size_t i = 0; i < count; ++i) {
    if (progress) {
      progress("tuning " + std::to_string(i + 1) + "/" + std::to_string(count) + " layers",
               from + (to - from) * static_cast<double>(i) / static_cast<double>(count));
    }
    const ir::Node& node = graph.nodes[tunable[i]];
    const NodeFacts& facts = shapes.nodes[tunable[i]];
    const std::vector<ir::TensorDesc> in_descs = shapes.input_descs(facts);
    const std::vector<const ir::HostTensor*> constants = shapes.input_constants(facts);
    std::vector<ir::TensorDesc> out_descs;
    for (int v : facts.outputs) out_descs.push_back(v >= 0 ? shapes.descs[v] : ir::TensorDesc{});
    try {
      // The kernel is thrown away: only the choices its library plans made are kept.
      (void)facts.def->prepare_gpu(ops::GpuPrepareContext{
          node, in_descs, constants, out_descs, libraries, options.allow_tf32, &selector});
      ++summary.layers;
    } catch (const Error& e) {
      summary.warnings.push_back("layer " + node.name + " (" + node.op_type +
                                 ") not tuned: " + e.what());
    }
  }

  summary.problems = definition.algorithms.choices.size();
  summary.timed = selector.timed();
  summary.cache_hits = selector.cache_hits();
  summary.launches = bench.launches();
  if (cache && (cache_needs_writing || selector.changed())) {
    try {
      cache->save(options.timing_cache);
    } catch (const Error& e) {
      summary.warnings.push_back(std::string("timing cache not written: ") + e.what());
    }
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

void tune_algorithms(EngineDefinition& definition, const BuildProgress& progress, double from,
                     double to) {
  TuningSummary& summary = definition.summary.tuning;
  definition.algorithms = {};
  if (!definition.options.tuning) {
    summary.status = "off";
    return;
  }
  if (cuda::device_count() == 0) {
    summary.status = "skipped: no GPU at build (each layer takes the heuristic's choice)";
    return;
  }
  try {
    tune_on_gpu(definition, progress, from, to);
  } catch (const Error& e) {
    // Tuning only saves inference time: a GPU that cannot tune (out of memory, a library that
    // fails to start) leaves every layer to the heuristic, as a build without a GPU does.
    std::vector<std::string> warnings = std::move(summary.warnings);
    warnings.push_back(std::string("tuning failed, every layer takes the heuristic's choice: ") +
                       e.what());
    summary = TuningSummary{};
    summary.status = "failed (each layer takes the heuristic's choice)";
    summary.warnings = std::move(warnings);
    definition.algorithms = {};
  }
}

StoredAlgorithms::StoredAlgorithms(const TunedAlgorithms& algorithms,
                                   const kernels::TuningEnvironment& current)
    : algorithms_(algorithms),
      applicable_(!algorithms.choices.empty() && algorithms.environment == current) {}

const kernels::AlgorithmChoice* StoredAlgorithms::find(const std::string& key) {
  if (!applicable_) return nullptr;
  const auto it = algorithms_.choices.find(key);
  if (it == algorithms_.choices.end()) return nullptr;
  ++found_;
  return &it->second;
}

void StoredAlgorithms::rejected(const std::string&) {
  ++rejected_;
}

void StoredAlgorithms::tuned(const std::string& key, kernels::AlgorithmChoice) {
  // bench() is null, so no plan times; reaching here is a bug in a plan function.
  throw Error(ErrorKind::kInternal, "a plan tuned without a tuning bench", {{"key", key}});
}

}  // namespace rill::engine
