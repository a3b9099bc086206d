#include "runtime/graph_cache.h"

#include <algorithm>

namespace rill::runtime {

bool BoundGraph::binds(std::span<const Tensor> in, std::span<const Tensor> out) const {
  if (in.size() != inputs.size() || out.size() != outputs.size()) return false;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i].data != inputs[i]) return false;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].data != outputs[i]) return false;
  }
  return true;
}

void BoundGraph::remember(std::span<const Tensor> in, std::span<const Tensor> out) {
  inputs.clear();
  outputs.clear();
  for (const Tensor& t : in) inputs.push_back(t.data);
  for (const Tensor& t : out) outputs.push_back(t.data);
}

SessionGraph* GraphCache::find(const std::vector<ir::Shape>& signature) {
  const auto it = entries_.find(signature);
  if (it == entries_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second.position);
  return it->second.graph.get();
}

SessionGraph& GraphCache::insert(const std::vector<ir::Shape>& signature,
                                 std::unique_ptr<SessionGraph> graph) {
  if (const auto old = entries_.find(signature); old != entries_.end()) {
    order_.erase(old->second.position);
    entries_.erase(old);
  }
  order_.push_front(signature);
  Entry& entry = entries_[signature] = Entry{std::move(graph), order_.begin()};
  while (order_.size() > std::max<size_t>(capacity_, 1)) {
    entries_.erase(order_.back());
    order_.pop_back();
    ++evictions_;
  }
  return *entry.graph;
}

}  // namespace rill::runtime
