// How `rill bench --profile` shows a layer profile (ExecutionContext::profile_layers): a summary
// per op type and the slowest layers. Host only.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rill/engine.h"

namespace rill::bench {

//! The layers of one op type in a profile.
struct OpTypeTime {
  std::string op;
  size_t layers = 0;
  float median_ms = 0;  //!< sum of the layers' medians
  float share = 0;      //!< of the sum over all layers, 0..1
};

//! Op types by total time, largest first (ties by name).
std::vector<OpTypeTime> time_by_op_type(const LayerProfile& profile);

//! The report: totals, the per-op-type table and the `top` slowest layers (0: all), in
//! execution-order numbering so a layer can be found in `rill inspect`.
std::string format_layer_profile(const LayerProfile& profile, size_t top);

nlohmann::json to_json(const LayerProfile& profile);

}  // namespace rill::bench
