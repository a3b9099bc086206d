#include "cuda/graph.h"

#include "cuda/check.h"

namespace rill::cuda {

Graph::~Graph() {
  if (graph_ != nullptr) (void)cudaGraphDestroy(graph_);
}

GraphExec GraphExec::instantiate(const Graph& graph) {
  cudaGraphExec_t exec = nullptr;
  RILL_CUDA_CHECK(cudaGraphInstantiate(&exec, graph.get(), 0));
  return GraphExec(exec);
}

GraphExec::~GraphExec() {
  if (exec_ != nullptr) (void)cudaGraphExecDestroy(exec_);
}

void GraphExec::launch(StreamRef stream) const {
  RILL_CUDA_CHECK(cudaGraphLaunch(exec_, stream.get()));
}

bool GraphExec::try_update(const Graph& graph) {
  cudaGraphExecUpdateResultInfo info{};
  const cudaError_t status = cudaGraphExecUpdate(exec_, graph.get(), &info);
  if (status == cudaErrorGraphExecUpdateFailure) {
    cudaGetLastError();  // the failure is an answer, not a sticky error
    return false;
  }
  RILL_CUDA_CHECK(status);
  return true;
}

}  // namespace rill::cuda
