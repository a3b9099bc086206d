#include "bench/stats.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "rill/error.h"

namespace rill::bench {

double percentile_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty()) throw Error(ErrorKind::kInvalidArgument, "percentile of no samples");
  if (!(p >= 0 && p <= 100)) {
    throw Error(ErrorKind::kInvalidArgument, "percentile must be in [0, 100]",
                {{"p", std::to_string(p)}});
  }
  const double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

double percentile(std::vector<double> samples, double p) {
  std::sort(samples.begin(), samples.end());
  return percentile_sorted(samples, p);
}

double median(std::vector<double> samples) {
  return percentile(std::move(samples), 50);
}

LatencyStats summarize(std::vector<double> samples) {
  LatencyStats s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.count = samples.size();
  s.min = samples.front();
  s.max = samples.back();
  double sum = 0;
  for (double v : samples) sum += v;
  s.mean = sum / static_cast<double>(s.count);
  double squares = 0;
  for (double v : samples) squares += (v - s.mean) * (v - s.mean);
  s.stddev = std::sqrt(squares / static_cast<double>(s.count));
  s.median = percentile_sorted(samples, 50);
  s.p90 = percentile_sorted(samples, 90);
  s.p95 = percentile_sorted(samples, 95);
  s.p99 = percentile_sorted(samples, 99);
  return s;
}

}  // namespace rill::bench
