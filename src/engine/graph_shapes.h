// Plan-time inference over a whole graph for one set of concrete input shapes.
//
// Note [Host-known values]
// ~~~~~~~~~~~~~~~~~~~~~~~~
// Exported models compute shapes at run time: Shape -> Gather -> Concat -> Reshape, masks from
// ConstantOfShape, position ids from Range. With concrete input shapes all of that is known before
// any data arrives, so rill computes it once per shape signature on the host with the CPU
// reference and never launches a kernel for it. A value is host-known when it is an initializer,
// the output of Shape (which needs only its input's shape), or the output of a node whose inputs
// are all host-known. Everything else runs on the GPU. A host-known value that a GPU kernel reads
// as data is uploaded once per plan.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/graph.h"
#include "ops/op.h"

namespace rill::engine {

struct NodeFacts {
  const ops::OpDef* def = nullptr;
  bool on_host = false;     //!< evaluated at plan time (see Note [Host-known values])
  std::vector<int> inputs;  //!< value ids; -1 for absent optional inputs
  std::vector<int> outputs;
};

struct GraphShapes {
  std::unordered_map<std::string, int> ids;
  std::vector<std::string> names;
  std::vector<ir::TensorDesc> descs;
  std::vector<const ir::HostTensor*> host;  //!< host value, when host-known
  std::vector<NodeFacts> nodes;             //!< one per graph node, same order
  std::vector<std::unique_ptr<ir::HostTensor>> computed;  //!< owns host values made here

  int id(const std::string& name) const;
  //! Input descriptions and host values of a node, in the shape op.h's contexts want.
  std::vector<ir::TensorDesc> input_descs(const NodeFacts& node) const;
  std::vector<const ir::HostTensor*> input_constants(const NodeFacts& node) const;
};

//! Infers every value's type for the given input shapes; evaluates host-known nodes. Errors name
//! the node, the op and the input types.
GraphShapes infer_graph_shapes(const ir::Graph& graph,
                               const std::map<std::string, ir::Shape>& input_shapes);

}  // namespace rill::engine
