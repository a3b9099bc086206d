// Dead-node elimination.
#pragma once

#include <cstddef>

#include "ir/graph.h"

namespace rill::ir {

//! Removes nodes none of whose outputs reaches a graph output, then initializers that nothing
//! reads and value_info entries for values that no longer exist. Graph inputs stay (they are the
//! caller's interface). Returns the number of nodes removed.
size_t eliminate_dead_nodes(Graph& graph);

}  // namespace rill::ir
