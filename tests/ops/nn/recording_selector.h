// An AlgorithmSelector for tests: keeps what plans report, counts lookups, rejections and
// tunings, and times on a bench when given one.
#pragma once

#include <map>
#include <string>

#include "kernels/algorithm_selector.h"

namespace rill::testing::nn {

class RecordingSelector final : public kernels::AlgorithmSelector {
 public:
  explicit RecordingSelector(kernels::TuningBench* bench = nullptr) : bench_(bench) {}
  const kernels::AlgorithmChoice* find(const std::string& key) override {
    ++finds;
    const auto it = stored.find(key);
    return it == stored.end() ? nullptr : &it->second;
  }
  void rejected(const std::string& key) override {
    ++rejections;
    stored.erase(key);
  }
  kernels::TuningBench* bench() override { return bench_; }
  void tuned(const std::string& key, kernels::AlgorithmChoice choice) override {
    ++tunings;
    stored[key] = std::move(choice);
  }

  //! The stored keys that start with `prefix`.
  int count_keys(const std::string& prefix) const {
    int n = 0;
    for (const auto& [key, choice] : stored) n += key.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }

  std::map<std::string, kernels::AlgorithmChoice> stored;
  int finds = 0, rejections = 0, tunings = 0;

 private:
  kernels::TuningBench* bench_;
};

}  // namespace rill::testing::nn
