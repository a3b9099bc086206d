// Elementwise fusion: chains and trees of float32 elementwise nodes become one
// rill.FusedElementwise node that a single kernel evaluates, one read of each input and one write
// of the result instead of a round trip through memory per op.
//
// Note [FusedElementwise encoding]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// A fused node is  op_type "rill.FusedElementwise", domain "rill", one output, and
//   inputs   the n external inputs x_0 .. x_{n-1} (n >= 1), each float32, numpy-broadcastable to
//            the output shape. Scalars (rank 0) and initializers are ordinary inputs. An input
//            name appears once even when several steps read it.
//   "ops"    STRINGS, one entry per step s = 0 .. S-1 (S >= 2): the ONNX op type of the step.
//   "args"   INTS, 2 per step: args[2s] and args[2s+1] are the step's operands. An operand index
//            i < n names external input x_i; i >= n names the result of step (i - n), which must
//            be an earlier step (i - n < s). Unary steps have args[2s+1] == -1. A binary step may
//            use the same operand twice (x * x).
//   "alphas" FLOATS, 2 per step: the step's constant parameters, 0 where it has none:
//              LeakyRelu    alphas[2s] = alpha
//              Clip         alphas[2s] = min, alphas[2s+1] = max (-inf / +inf when absent)
//              HardSigmoid  alphas[2s] = alpha, alphas[2s+1] = beta
// The node's output is the result of the last step, of shape broadcast(x_0, .., x_{n-1}) (true by
// construction: each step's shape is the broadcast of its operands' shapes).
//
// Step semantics (a, b the operands, broadcast numpy-style; every result is float32, as in the
// unfused graph; an implementation may keep intermediates in registers):
//   binary  Add a+b   Sub a-b   Mul a*b   Div a/b   Pow pow(a,b)
//           Min (a < b ? a : b)   Max (a > b ? a : b)   (ONNX Min/Max with exactly two inputs)
//   unary   Relu max(a,0)   LeakyRelu (a < 0 ? alpha*a : a)   Sigmoid 1/(1+exp(-a))   Tanh
//           Erf   Sqrt   Reciprocal 1/a   Neg -a   Exp   Log   Abs
//           Clip min(max(a,min),max)   HardSigmoid max(0, min(1, alpha*a + beta))
//           HardSwish a * max(0, min(1, a/6 + 0.5))
//
// Example: y = relu(x * w + b) with x [8,64], w [64], b [64] is
//   inputs (x, w, b); ops [Mul, Add, Relu]; args [0,1, 3,2, 4,-1]; alphas [0,0, 0,0, 0,0]
// (step 0 = x*w, step 1 = step0 + b, step 2 = relu(step1); n = 3, so step k is operand 3+k).
//
// What the pass fuses: maximal connected groups of the ops above where every value passed
// between two members has exactly one consumer node and is not a graph output, every value in
// the group and every external input is float32, and the group has at least two steps. Gelu as
// exported at opset 17 (Div, Erf, Add, Mul, Mul) fuses here, exactly; it is never folded into a
// GEMM epilogue (see activation_fusion.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace rill::ir {

inline constexpr std::string_view kFusedElementwiseOp = "rill.FusedElementwise";
inline constexpr std::string_view kRillDomain = "rill";

//! One decoded step of a fused elementwise program (see Note [FusedElementwise encoding]).
struct ElementwiseStep {
  std::string op;     //!< ONNX op type: "Add", "Relu", "Clip", ...
  int64_t lhs = 0;    //!< operand index: < input_count is an input, else step (index - input_count)
  int64_t rhs = -1;   //!< second operand, -1 for unary steps
  float alpha = 0.f;  //!< alphas[2s]
  float beta = 0.f;   //!< alphas[2s+1]

  bool is_unary() const noexcept { return rhs < 0; }
};

struct ElementwiseProgram {
  size_t input_count = 0;
  std::vector<ElementwiseStep> steps;  //!< the last step's result is the output
};

//! Whether `op_type` may be a step, and how many operands it takes (1 or 2; 0 when not fusable).
//! Clip counts as unary: its min/max are constants folded into alphas.
int elementwise_step_arity(std::string_view op_type) noexcept;

//! Decodes and validates a rill.FusedElementwise node: attribute lengths, operand ranges, operand
//! order and op names. Malformed programs are kInvalidModel errors naming the node.
ElementwiseProgram decode_elementwise_program(const Node& node);

//! Fuses elementwise groups as described above. Returns the number of fused nodes created.
size_t fuse_elementwise(Graph& graph);

}  // namespace rill::ir
