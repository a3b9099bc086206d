#include "bench/layer_report.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace rill::bench {

namespace {

float layer_sum(const LayerProfile& profile) {
  float sum = 0;
  for (const LayerTime& layer : profile.layers) sum += layer.median_ms;
  return sum;
}

std::string format_line(const char* format, auto... values) {
  char line[512];
  std::snprintf(line, sizeof line, format, values...);
  return line;
}

// Kernel descriptions can be long (library call, algorithm, epilogue): keep tables readable.
std::string shorten(const std::string& text, size_t width) {
  return text.size() <= width ? text : text.substr(0, width - 3) + "...";
}

}  // namespace

std::vector<OpTypeTime> time_by_op_type(const LayerProfile& profile) {
  std::vector<OpTypeTime> types;
  for (const LayerTime& layer : profile.layers) {
    auto it = std::find_if(types.begin(), types.end(),
                           [&](const OpTypeTime& t) { return t.op == layer.op; });
    if (it == types.end()) it = types.insert(types.end(), OpTypeTime{layer.op});
    ++it->layers;
    it->median_ms += layer.median_ms;
  }
  const float sum = layer_sum(profile);
  for (OpTypeTime& t : types) t.share = sum > 0 ? t.median_ms / sum : 0;
  std::sort(types.begin(), types.end(), [](const OpTypeTime& a, const OpTypeTime& b) {
    return a.median_ms != b.median_ms ? a.median_ms > b.median_ms : a.op < b.op;
  });
  return types;
}

std::string format_layer_profile(const LayerProfile& profile, size_t top) {
  const float sum = layer_sum(profile);
  std::string text = format_line(
      "layer profile: %zu layers, %d iterations; median of the whole enqueue %.3f ms, sum of "
      "layer medians %.3f ms\n",
      profile.layers.size(), profile.iterations, profile.total_median_ms, sum);
  text += format_line("\n  %-28s %7s %10s %7s\n", "op type", "layers", "ms", "share");
  for (const OpTypeTime& t : time_by_op_type(profile)) {
    text += format_line("  %-28s %7zu %10.4f %6.1f%%\n", shorten(t.op, 28).c_str(), t.layers,
                        t.median_ms, 100.0 * t.share);
  }

  std::vector<size_t> order(profile.layers.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return profile.layers[a].median_ms > profile.layers[b].median_ms;
  });
  if (top > 0 && order.size() > top) order.resize(top);
  text += format_line("\n  %5s %-32s %-18s %9s %9s %6s  %s\n", "#", "layer", "op", "median ms",
                      "min ms", "share", "kernel");
  for (size_t i : order) {
    const LayerTime& layer = profile.layers[i];
    text += format_line("  %5zu %-32s %-18s %9.4f %9.4f %5.1f%%  %s\n", i,
                        shorten(layer.name, 32).c_str(), shorten(layer.op, 18).c_str(),
                        layer.median_ms, layer.min_ms, sum > 0 ? 100.0 * layer.median_ms / sum : 0.0,
                        shorten(layer.kernel, 90).c_str());
  }
  return text;
}

nlohmann::json to_json(const LayerProfile& profile) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerTime& layer : profile.layers) {
    layers.push_back({{"name", layer.name},
                      {"op", layer.op},
                      {"kernel", layer.kernel},
                      {"median_ms", layer.median_ms},
                      {"min_ms", layer.min_ms}});
  }
  nlohmann::json types = nlohmann::json::array();
  for (const OpTypeTime& t : time_by_op_type(profile)) {
    types.push_back(
        {{"op", t.op}, {"layers", t.layers}, {"median_ms", t.median_ms}, {"share", t.share}});
  }
  return {{"iterations", profile.iterations},
          {"total_median_ms", profile.total_median_ms},
          {"layer_sum_ms", layer_sum(profile)},
          {"by_op_type", std::move(types)},
          {"layers", std::move(layers)}};
}

}  // namespace rill::bench
