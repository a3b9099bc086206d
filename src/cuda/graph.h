// CUDA graphs: an owning Graph (the captured template) and GraphExec (the instantiated,
// launchable graph), both move-only.
#pragma once

#include <cuda_runtime_api.h>

#include <utility>

#include "cuda/stream.h"

namespace rill::cuda {

class Graph {
 public:
  Graph() noexcept = default;
  static Graph from_native_handle(cudaGraph_t graph) noexcept { return Graph(graph); }
  Graph(Graph&& other) noexcept : graph_(std::exchange(other.graph_, nullptr)) {}
  Graph& operator=(Graph&& other) noexcept {
    std::swap(graph_, other.graph_);
    return *this;
  }
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  ~Graph();

  cudaGraph_t get() const noexcept { return graph_; }
  explicit operator bool() const noexcept { return graph_ != nullptr; }
  cudaGraph_t release() noexcept { return std::exchange(graph_, nullptr); }

 private:
  explicit Graph(cudaGraph_t graph) noexcept : graph_(graph) {}
  cudaGraph_t graph_ = nullptr;
};

class GraphExec {
 public:
  GraphExec() noexcept = default;
  //! Instantiates `graph`; throws on failure.
  static GraphExec instantiate(const Graph& graph);
  static GraphExec from_native_handle(cudaGraphExec_t exec) noexcept { return GraphExec(exec); }
  GraphExec(GraphExec&& other) noexcept : exec_(std::exchange(other.exec_, nullptr)) {}
  GraphExec& operator=(GraphExec&& other) noexcept {
    std::swap(exec_, other.exec_);
    return *this;
  }
  GraphExec(const GraphExec&) = delete;
  GraphExec& operator=(const GraphExec&) = delete;
  ~GraphExec();

  cudaGraphExec_t get() const noexcept { return exec_; }
  explicit operator bool() const noexcept { return exec_ != nullptr; }
  cudaGraphExec_t release() noexcept { return std::exchange(exec_, nullptr); }

  //! Launches the graph on `stream` (asynchronous).
  void launch(StreamRef stream) const;
  //! Tries to update this executable graph in place from `graph` (same topology, new node
  //! parameters). Returns false when the update is not possible and the graph must be
  //! re-instantiated; throws on any other failure.
  bool try_update(const Graph& graph);

 private:
  explicit GraphExec(cudaGraphExec_t exec) noexcept : exec_(exec) {}
  cudaGraphExec_t exec_ = nullptr;
};

}  // namespace rill::cuda
