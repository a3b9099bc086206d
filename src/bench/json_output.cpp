#include "bench/json_output.h"

#include <fstream>

#include "rill/error.h"

namespace rill::bench {

nlohmann::json to_json(const LatencyStats& s) {
  return {{"count", s.count},   {"min", s.min}, {"mean", s.mean},
          {"median", s.median}, {"p90", s.p90}, {"p95", s.p95},
          {"p99", s.p99},       {"max", s.max}, {"stddev", s.stddev}};
}

nlohmann::json to_json(const BenchConfig& c) {
  nlohmann::json shapes = nlohmann::json::object();
  for (const auto& [name, shape] : c.input_shapes) shapes[name] = shape;
  return {{"model", c.model},
          {"batch", c.batch},
          {"input_shapes", shapes},
          {"iterations", c.iterations},
          {"duration_s", c.duration_s},
          {"warmup", c.warmup},
          {"stream_mode", std::string(stream_mode_name(c.stream_mode))},
          {"threads", c.threads},
          {"streams", c.effective_streams()},
          {"cuda_graph", c.cuda_graph && c.stream_mode != StreamMode::kNaive},
          {"sync_each", c.sync_each || c.stream_mode == StreamMode::kNaive},
          {"include_transfers", c.include_transfers},
          {"buffer_sets", c.buffer_sets},
          {"max_in_flight", c.max_in_flight},
          {"count_syncs", c.count_syncs}};
}

nlohmann::json to_json(const SessionStats& s) {
  return {{"runs", s.runs},
          {"redirected_runs", s.redirected_runs},
          {"graph_captures", s.graph_captures},
          {"graph_replays", s.graph_replays},
          {"staged_replays", s.staged_replays},
          {"graph_updates", s.graph_updates},
          {"graph_evictions", s.graph_evictions},
          {"capture_fallbacks", s.capture_fallbacks},
          {"plain_enqueues", s.plain_enqueues},
          {"contexts", s.contexts}};
}

nlohmann::json to_json(const BenchResult& r) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const ShapeEntry& in : r.inputs) {
    inputs.push_back({{"name", in.name}, {"dtype", in.dtype}, {"shape", in.shape}});
  }
  nlohmann::json j = {{"label", r.label},
                      {"config", to_json(r.config)},
                      {"device", r.device},
                      {"inputs", inputs},
                      {"batch", r.batch},
                      {"inferences", r.inferences},
                      {"wall_s", r.wall_s},
                      {"throughput", r.throughput},
                      {"samples_per_s", r.throughput * static_cast<double>(r.batch)},
                      {"per_inference_ms", r.per_inference_ms},
                      {"latency_source", r.latency_source},
                      {"latency_ms", to_json(r.latency_ms)},
                      {"enqueue_ms", to_json(r.enqueue_ms)},
                      {"gpu_compute_ms", to_json(r.gpu_compute_ms)},
                      {"warnings", r.warnings}};
  if (r.h2d_ms.count > 0) j["h2d_ms"] = to_json(r.h2d_ms);
  if (r.d2h_ms.count > 0) j["d2h_ms"] = to_json(r.d2h_ms);
  if (r.syncs_counted) {
    j["host_syncs"] = r.host_syncs;
    j["default_stream_ops"] = r.default_stream_ops;
    j["host_syncs_per_inference"] = r.host_syncs_per_inference;
    j["default_stream_ops_per_inference"] = r.default_stream_ops_per_inference;
    j["sync_summary"] = r.sync_summary;
  } else {
    // null, not 0: "not measured" must not read as "none".
    j["host_syncs_per_inference"] = nullptr;
    j["default_stream_ops_per_inference"] = nullptr;
  }
  if (r.has_session) {
    j["session_stats"] = to_json(r.session_stats);
    j["timed_session_stats"] = to_json(r.timed_stats);
  }
  return j;
}

nlohmann::json to_json(const CompareReport& report) {
  nlohmann::json scenarios = nlohmann::json::array();
  const double base = report.scenarios.empty() ? 0 : report.scenarios.front().per_inference_ms;
  for (const BenchResult& r : report.scenarios) {
    nlohmann::json j = to_json(r);
    j["speedup_vs_first"] = r.per_inference_ms > 0 ? base / r.per_inference_ms : 0.0;
    scenarios.push_back(std::move(j));
  }
  return {{"model", report.model},
          {"device", report.device},
          {"date", report.date},
          {"scenarios", scenarios}};
}

void write_json_file(const nlohmann::json& value, const std::string& path) {
  std::ofstream file(path);
  if (!file) throw Error(ErrorKind::kIo, "cannot open the JSON output file", {{"path", path}});
  file << value.dump(2) << '\n';
  if (!file) throw Error(ErrorKind::kIo, "cannot write the JSON output file", {{"path", path}});
}

}  // namespace rill::bench
