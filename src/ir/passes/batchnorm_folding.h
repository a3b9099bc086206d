// BatchNormalization folded into the preceding Conv.
#pragma once

#include <cstddef>

#include "ir/graph.h"

namespace rill::ir {

//! Folds y = BN(Conv(x, W, B)) into y = Conv(x, W', B') with
//!   s = scale / sqrt(var + epsilon),  W'[m] = W[m] * s[m],  B' = (B - mean) * s + bias,
//! computed in double. Applies when W, B (if present) and the BN parameters are float32
//! initializers of matching size, BN runs in inference mode with one output, and the Conv output
//! feeds only the BN. New initializers are created (W may be shared by other nodes); the old ones
//! are left for dead-node elimination. Returns the number of BNs folded.
size_t fold_batchnorm_into_conv(Graph& graph);

}  // namespace rill::ir
