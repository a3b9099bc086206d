// Summary statistics of timing samples: min, mean, median, percentiles, max.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace rill::bench {

//! A summary of samples in one unit (the benchmark uses milliseconds). All fields are 0 when
//! count is 0.
struct LatencyStats {
  size_t count = 0;
  double min = 0;
  double mean = 0;
  double median = 0;
  double p90 = 0;
  double p95 = 0;
  double p99 = 0;
  double max = 0;
  double stddev = 0;  //!< population standard deviation
};

//! The p-th percentile (0 <= p <= 100) of ascending-sorted samples, interpolating linearly
//! between the two closest ranks (numpy's default, Hyndman & Fan type 7): the median of
//! {1, 2, 3, 4} is 2.5. Throws rill::Error (kInvalidArgument) for no samples or p out of range.
double percentile_sorted(std::span<const double> sorted, double p);

//! Sorts a copy and takes percentile_sorted.
double percentile(std::vector<double> samples, double p);
double median(std::vector<double> samples);

//! Summarizes samples (any order); an empty input gives an all-zero summary.
LatencyStats summarize(std::vector<double> samples);

}  // namespace rill::bench
