#include "bench/report.h"

#include <cstdarg>
#include <cstdio>
#include <filesystem>

#include "ir/tensor.h"

namespace rill::bench {

namespace {

std::string strprintf(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string strprintf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string text(static_cast<size_t>(n > 0 ? n : 0), '\0');
  if (n > 0) std::vsnprintf(text.data(), text.size() + 1, format, args);
  va_end(args);
  return text;
}

bool syncs_expected(const BenchConfig& config) {
  return config.stream_mode == StreamMode::kNaive || config.sync_each;
}

bool graphs_on(const BenchConfig& config) {
  return config.cuda_graph && config.stream_mode != StreamMode::kNaive;
}

// A caller on the legacy default stream issues its own copies there: those are the caller's
// default-stream ops, not the runtime's.
bool default_stream_ops_expected(const BenchConfig& config) {
  return config.stream_mode == StreamMode::kNaive ||
         (config.stream_mode == StreamMode::kDefault && config.include_transfers);
}

std::string stats_line(const char* name, const LatencyStats& s) {
  return strprintf(
      "%s: min = %s ms, mean = %s ms, median = %s ms, p90 = %s ms, p95 = %s ms, "
      "p99 = %s ms, max = %s ms (%zu samples)\n",
      name, format_ms(s.min).c_str(), format_ms(s.mean).c_str(), format_ms(s.median).c_str(),
      format_ms(s.p90).c_str(), format_ms(s.p95).c_str(), format_ms(s.p99).c_str(),
      format_ms(s.max).c_str(), s.count);
}

std::string per_inference(double value, bool counted) {
  return counted ? strprintf("%.2f", value) : "n/a";
}

std::string escape_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string format_ms(double ms) {
  if (ms >= 100) return strprintf("%.1f", ms);
  if (ms >= 10) return strprintf("%.2f", ms);
  if (ms >= 0.1 || ms == 0) return strprintf("%.3f", ms);
  return strprintf("%.4f", ms);
}

std::vector<std::string> diagnose(const BenchResult& r) {
  std::vector<std::string> warnings;
  const BenchConfig& c = r.config;
  if (!graphs_on(c) && r.gpu_compute_ms.count > 0 && r.enqueue_ms.count > 0 &&
      r.enqueue_ms.median >= kEnqueueBoundRatio * r.gpu_compute_ms.median) {
    warnings.push_back(strprintf(
        "Throughput may be bound by enqueue time rather than GPU compute and the GPU may be "
        "under-utilized (enqueue median %s ms vs GPU compute median %s ms). CUDA graphs "
        "(--cuda-graph) may increase throughput.",
        format_ms(r.enqueue_ms.median).c_str(), format_ms(r.gpu_compute_ms.median).c_str()));
  }
  if (r.syncs_counted && r.host_syncs > 0 && !syncs_expected(c)) {
    warnings.push_back(strprintf("%llu host syncs in the timed loop (%.2f per inference): %s",
                                 static_cast<unsigned long long>(r.host_syncs),
                                 r.host_syncs_per_inference, r.sync_summary.c_str()));
  }
  if (r.syncs_counted && r.default_stream_ops > 0 && !default_stream_ops_expected(c)) {
    warnings.push_back(
        strprintf("%llu default-stream ops in the timed loop (%.2f per inference): %s",
                  static_cast<unsigned long long>(r.default_stream_ops),
                  r.default_stream_ops_per_inference, r.sync_summary.c_str()));
  }
  if (c.count_syncs && !r.syncs_counted) {
    warnings.push_back("host syncs were not counted: " + (r.sync_summary.empty()
                                                              ? std::string("CUPTI unavailable")
                                                              : r.sync_summary));
  }
  if (r.has_session && r.timed_stats.graph_captures > 0) {
    warnings.push_back(strprintf(
        "%llu CUDA graph captures in the timed loop: the warm-up did not reach every context; "
        "raise --warmup",
        static_cast<unsigned long long>(r.timed_stats.graph_captures)));
  }
  if (r.has_session && graphs_on(c) && r.session_stats.capture_fallbacks > 0) {
    warnings.push_back(strprintf(
        "CUDA graph capture failed for %llu shape signature(s); those ran as plain enqueues",
        static_cast<unsigned long long>(r.session_stats.capture_fallbacks)));
  }
  if (r.inferences < kFewSamples) {
    warnings.push_back(strprintf("only %llu timed inferences: the high percentiles are rough",
                                 static_cast<unsigned long long>(r.inferences)));
  }
  return warnings;
}

std::string format_report(const BenchResult& r) {
  const BenchConfig& c = r.config;
  std::string out = strprintf("rill bench: %s  [%s]\n", c.model.c_str(), r.label.c_str());
  out += strprintf("  device    %s\n", r.device.c_str());
  for (const ShapeEntry& in : r.inputs) {
    out += strprintf("  input     %s %s%s\n", in.name.c_str(), in.dtype.c_str(),
                     ir::shape_string(in.shape).c_str());
  }
  out +=
      strprintf("  settings  %s; %d buffer sets per stream; ", c.describe().c_str(), c.buffer_sets);
  out += c.max_in_flight > 0 ? strprintf("at most %d in flight per stream\n", c.max_in_flight)
                             : std::string("no in-flight limit\n");
  out += strprintf("  timed     %llu inferences in %.3f s, after %llu warm-up per stream\n",
                   static_cast<unsigned long long>(r.inferences), r.wall_s,
                   static_cast<unsigned long long>(c.warmup));
  out += strprintf("Throughput: %.1f inferences/s, %.1f samples/s (%s ms per inference)\n",
                   r.throughput, r.throughput * static_cast<double>(r.batch > 0 ? r.batch : 1),
                   format_ms(r.per_inference_ms).c_str());
  out += stats_line(("Latency (" + r.latency_source + ")").c_str(), r.latency_ms);
  out += stats_line("Enqueue time", r.enqueue_ms);
  out += stats_line("GPU compute time", r.gpu_compute_ms);
  if (r.h2d_ms.count > 0) out += stats_line("H2D time", r.h2d_ms);
  if (r.d2h_ms.count > 0) out += stats_line("D2H time", r.d2h_ms);
  if (r.syncs_counted) {
    out += strprintf(
        "Host syncs: %llu (%.2f per inference); default-stream ops: %llu (%.2f per inference)\n",
        static_cast<unsigned long long>(r.host_syncs), r.host_syncs_per_inference,
        static_cast<unsigned long long>(r.default_stream_ops), r.default_stream_ops_per_inference);
    if (r.host_syncs > 0 || r.default_stream_ops > 0) {
      out += "  " + r.sync_summary + "\n";
    }
  } else {
    out += "Host syncs: not counted\n";
  }
  if (r.has_session) {
    const SessionStats& s = r.session_stats;
    out += strprintf(
        "Session: %llu runs, %llu redirected, %llu graph captures, %llu replays (%llu staged), "
        "%llu plain enqueues, %llu capture fallbacks, %llu evictions, %llu contexts\n",
        static_cast<unsigned long long>(s.runs), static_cast<unsigned long long>(s.redirected_runs),
        static_cast<unsigned long long>(s.graph_captures),
        static_cast<unsigned long long>(s.graph_replays),
        static_cast<unsigned long long>(s.staged_replays),
        static_cast<unsigned long long>(s.plain_enqueues),
        static_cast<unsigned long long>(s.capture_fallbacks),
        static_cast<unsigned long long>(s.graph_evictions),
        static_cast<unsigned long long>(s.contexts));
  } else {
    out += "Session: none (ExecutionContext::enqueue directly)\n";
  }
  for (const std::string& w : r.warnings) out += "[W] " + w + "\n";
  return out;
}

std::string format_compare_table(std::span<const BenchResult> scenarios) {
  std::string out =
      "| scenario | per inference: median latency (ms) | per inference: 1/throughput (ms) | "
      "throughput (inf/s) | GPU time (ms) | host syncs / inf | default-stream ops / inf | "
      "speed-up vs (a) |\n"
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  const double base = scenarios.empty() ? 0 : scenarios.front().per_inference_ms;
  for (const BenchResult& r : scenarios) {
    const double speedup = r.per_inference_ms > 0 ? base / r.per_inference_ms : 0;
    out += strprintf(
        "| %s | %s | %s | %.1f | %s | %s | %s | %.2fx |\n", escape_cell(r.label).c_str(),
        format_ms(r.latency_ms.median).c_str(), format_ms(r.per_inference_ms).c_str(), r.throughput,
        format_ms(r.gpu_compute_ms.median).c_str(),
        per_inference(r.host_syncs_per_inference, r.syncs_counted).c_str(),
        per_inference(r.default_stream_ops_per_inference, r.syncs_counted).c_str(), speedup);
  }
  return out;
}

std::string format_compare_markdown(const CompareReport& report) {
  const std::string name = std::filesystem::path(report.model).filename().string();
  std::string out;
  const BenchResult* first = report.scenarios.empty() ? nullptr : &report.scenarios.front();
  out += strprintf("### %s, batch %lld\n\n", name.c_str(),
                   static_cast<long long>(first ? first->batch : 0));
  out += strprintf("%s, %s. ", report.device.c_str(), report.date.c_str());
  if (first) {
    std::string inputs;
    for (const ShapeEntry& in : first->inputs) {
      if (!inputs.empty()) inputs += ", ";
      inputs += in.name + " " + in.dtype + ir::shape_string(in.shape);
    }
    const BenchConfig& c = first->config;
    out += strprintf("Inputs %s; ", inputs.c_str());
    out += c.iterations > 0 ? strprintf("%llu timed inferences per scenario",
                                        static_cast<unsigned long long>(c.iterations))
                            : strprintf("%.1f s per scenario", c.duration_s);
    out += strprintf(" after %llu warm-up per stream; %d buffer sets rotated per stream%s.\n\n",
                     static_cast<unsigned long long>(c.warmup), c.buffer_sets,
                     c.include_transfers ? "; H2D/D2H copies included" : "");
  }
  out += format_compare_table(report.scenarios);
  out +=
      "\nPer-inference time: the median latency (host wall time per call where the caller syncs "
      "after each call; otherwise the CUDA-event span of the inference) and wall time over "
      "inferences (1/throughput); the speed-up is by 1/throughput. GPU time: median CUDA-event "
      "time per inference on the caller stream. Host syncs and default-stream ops: CUPTI counts "
      "over the timed loop (cuda::SyncCounter), per inference.\n";
  bool any = false;
  for (const BenchResult& r : report.scenarios) {
    for (const std::string& w : r.warnings) {
      if (!any) out += "\nWarnings:\n";
      any = true;
      out += "- " + escape_cell(r.label) + ": " + w + "\n";
    }
  }
  return out;
}

}  // namespace rill::bench
