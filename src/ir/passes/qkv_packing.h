// Packed QKV: the three projections that feed one rill.Attention become one GEMM whose output the
// attention kernel reads as three strided views (Note [Packed QKV] in ops/attention.h). BERT-base
// loses two GEMM launches per layer, and the one GEMM that remains is three times wider (better
// use of the tensor cores at small batch).
//
// The pass needs q, k and v to be Reshapes of rill.FusedMatMul nodes (no activation) that read
// the same input with [E, N] weights and [N] biases known at build time, each value read only
// along that path, and the three Reshape shapes to be the same computation (the exporter writes
// one shape subgraph per projection; they are compared structurally, constants by value). The new
// shape [B, S, 3, H, D] is computed on the host from q's: Concat(q_shape[0:2], [3],
// q_shape[2:4]).
#pragma once

#include <cstddef>

#include "ir/graph.h"

namespace rill::ir {

//! Packs as described above. Returns the number of attention nodes whose projections were packed.
size_t pack_qkv_projections(Graph& graph);

}  // namespace rill::ir
