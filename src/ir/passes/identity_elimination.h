// Identity removal.
#pragma once

#include <cstddef>

#include "ir/graph.h"

namespace rill::ir {

//! Removes Identity nodes by rewiring their consumers to the Identity's input. Graph output names
//! never change: when the Identity produces a graph output, its input's producer is renamed to
//! write that output directly; an Identity that copies a graph input, an initializer or another
//! graph output to a graph output is a real copy and stays. Returns the number removed.
size_t remove_identities(Graph& graph);

}  // namespace rill::ir
