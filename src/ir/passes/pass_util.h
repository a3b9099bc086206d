// Small graph queries and edits shared by the passes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/graph.h"

namespace rill::ir::passes {

//! For each value, the indices of the nodes that read it (each node once, in graph order).
using ConsumerMap = std::unordered_map<std::string, std::vector<size_t>>;
ConsumerMap consumer_map(const Graph& graph);

bool is_graph_output(const Graph& graph, const std::string& value);

//! The declared dtype of a value: initializer, graph input or output, or value_info.
std::optional<DType> value_dtype(const Graph& graph, const std::string& value);
//! The declared shape of a value (same sources); nullopt when the rank is unknown.
std::optional<SymbolicShape> value_shape(const Graph& graph, const std::string& value);
//! The declared shape when every dim is static.
std::optional<Shape> static_value_shape(const Graph& graph, const std::string& value);

//! The initializer named `value`, or null.
const HostTensor* initializer(const Graph& graph, const std::string& value);

//! Makes every node input that reads `from` read `to` instead.
void replace_uses(Graph& graph, const std::string& from, const std::string& to);

//! Removes the nodes whose flag is set, keeping the order of the rest.
void erase_nodes(Graph& graph, const std::vector<bool>& erase);

//! A node name not used by any node of the graph, derived from `base`.
std::string unique_node_name(const Graph& graph, const std::string& base);

}  // namespace rill::ir::passes
