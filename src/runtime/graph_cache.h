// Per-context CUDA graphs, one per input-shape signature, with the static staging buffers each
// graph reads and writes (Note [Session graphs] in include/rill/session.h). Bounded, least
// recently used first out.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "cuda/device_buffer.h"
#include "cuda/graph.h"
#include "ir/tensor.h"
#include "rill/session.h"

namespace rill::runtime {

//! An instantiated graph that reads and writes fixed tensor addresses, and those addresses.
struct BoundGraph {
  cuda::GraphExec exec;
  std::vector<void*> inputs;   //!< engine input order
  std::vector<void*> outputs;  //!< engine output order

  //! True when the graph was captured with exactly these tensors' addresses.
  bool binds(std::span<const Tensor> in, std::span<const Tensor> out) const;
  void remember(std::span<const Tensor> in, std::span<const Tensor> out);
};

struct SessionGraph {
  bool capture_failed = false;  //!< this signature runs without a graph
  //! Bound to the caller's buffers of the call that captured it (Note [Direct replay] in
  //! session.cpp). kCaptureAndUpdate re-binds it when the addresses change.
  BoundGraph direct;
  //! kStagingCopies: the graph bound to the staging buffers, for calls with other addresses.
  cuda::GraphExec staged;
  std::vector<cuda::DeviceAllocation> inputs;   //!< staging, engine input order
  std::vector<cuda::DeviceAllocation> outputs;  //!< staging, engine output order
};

class GraphCache {
 public:
  explicit GraphCache(size_t capacity) : capacity_(capacity) {}

  //! The graph of `signature`, marked most recently used; null when absent.
  SessionGraph* find(const std::vector<ir::Shape>& signature);
  //! Stores a graph, evicting the least recently used beyond capacity. Returns the stored graph.
  //! Evicting frees staging memory (cudaFree waits for the device), so capacity should cover the
  //! signatures a workload really uses.
  SessionGraph& insert(const std::vector<ir::Shape>& signature, std::unique_ptr<SessionGraph> graph);
  //! Drops every graph (the context's memory moved; see ExecutionContext::memory_generation).
  void clear() noexcept {
    entries_.clear();
    order_.clear();
  }
  uint64_t evictions() const noexcept { return evictions_; }
  size_t size() const noexcept { return order_.size(); }

 private:
  using Order = std::list<std::vector<ir::Shape>>;
  struct Entry {
    std::unique_ptr<SessionGraph> graph;
    Order::iterator position;
  };
  size_t capacity_;
  Order order_;  // most recently used first
  std::map<std::vector<ir::Shape>, Entry> entries_;
  uint64_t evictions_ = 0;
};

}  // namespace rill::runtime
