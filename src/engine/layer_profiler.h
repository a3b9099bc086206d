// The per-layer profile of an execution context (ExecutionContext::profile_layers).
#pragma once

#include <cuda_runtime_api.h>

#include "rill/engine.h"

namespace rill::engine {

class ContextState;

//! Times every layer of `context` at its current shapes and bindings on `stream` (a created,
//! non-default stream). Blocks the host; throws rill::Error for a default stream, iterations < 1
//! or any failure of the enqueue.
LayerProfile profile_layers(ContextState& context, cudaStream_t stream, int iterations);

}  // namespace rill::engine
