#include "runtime/graph_cache.h"

#include <algorithm>

namespace rill::runtime {

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
