// One declarative driver for op tests (after ONNX Runtime's OpTester and ggml's test-backend-ops):
// describe a node and its inputs once, then check the CPU reference against expected values, and
// the GPU kernel against the CPU reference, in a plain launch and replayed from a CUDA graph.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/tensor.h"
#include "kernels/algorithm_selector.h"
#include "ops/op.h"

namespace rill::testing {

//! One op invocation: the op under test, the node (op_type, attributes, input/output names) and
//! its input values.
struct OpCase {
  //! Required: the op under test. Family tests take it from their own table, so they build and
  //! run without the other families: `static const auto kOps = ops::elementwise_ops();` then
  //! `c.def = testing::find_def(kOps, "Relu");`.
  const ops::OpDef* def = nullptr;
  ir::Node node;
  std::vector<ir::HostTensor> inputs;  //!< absent optional inputs: empty HostTensor
  //! Inputs handed to the op as plan-time constants (defaults to the OpDef's constant_inputs).
  std::vector<int> constant_inputs;
  bool use_def_constant_inputs = true;
  //! Handed to prepare_gpu: stored choices to restore, or a bench to time on (may be null).
  kernels::AlgorithmSelector* algorithms = nullptr;
  //! When set, expect_gpu_matches_cpu checks that the prepared kernel's describe() contains it.
  std::string kernel_must_contain;
};

//! The OpDef named `op_type` in `family`; fails the test (and returns null) when absent.
const ops::OpDef* find_def(std::span<const ops::OpDef> family, std::string_view op_type);

//! Builds a node: make_node("Gemm", 3, 1, {{"transB", int64_t{1}}}) names inputs in0..in2, outputs
//! out0.
ir::Node make_node(const std::string& op_type, int inputs, int outputs,
                   std::map<std::string, ir::AttributeValue> attributes = {});

//! Fresh pseudo-random values (never zeros): floats uniform in [lo, hi), integers in [lo, hi).
ir::HostTensor random_tensor(DType dtype, ir::Shape shape, uint64_t seed, double lo = -1.0,
                             double hi = 1.0);

//! Runs the op's infer() and run_cpu() and checks that the CPU outputs have the inferred types.
std::vector<ir::HostTensor> run_cpu(const OpCase& c);

//! The op's infer() on the case's inputs (constants as the OpDef or the case names them).
std::vector<ir::TensorDesc> infer(const OpCase& c);

//! prepare_gpu on the host, without library handles: for ops whose plan-time validation and
//! launch planning need no device. Errors propagate.
std::unique_ptr<ops::GpuKernel> prepare_on_host(const OpCase& c);

//! Relative L2 error ||a - b|| / ||b|| computed in double; NaN in either gives +inf unless both
//! are NaN at the same positions. Integer and bool tensors compare exactly (0 or +inf).
double relative_l2(const ir::HostTensor& actual, const ir::HostTensor& expected);

//! gtest assertion: same dtype and shape, and relative L2 <= tolerance (exact for non-floats).
::testing::AssertionResult tensors_close(const ir::HostTensor& actual,
                                         const ir::HostTensor& expected, double tolerance);

//! On the GPU (skips without one, see RILL_REQUIRE_GPU): prepares the op's GpuKernel, poisons the
//! outputs, enqueues on a pool stream, copies back and compares with the CPU reference; then
//! captures the enqueue into a CUDA graph, poisons again, replays, and compares again.
//! Also checks that enqueue() made zero host syncs and zero default-stream ops.
void expect_gpu_matches_cpu(const OpCase& c, double tolerance = 1e-5, bool allow_tf32 = false);

//! `c` with every float32 input (constant inputs too) converted to `dtype`, rounding to nearest
//! even; other inputs unchanged.
OpCase converted_case(const OpCase& c, DType dtype);

//! The GPU kernel in `dtype` against the CPU reference in `dtype`: expect_gpu_matches_cpu on
//! converted_case(c, dtype). Build `c` in float32; half tolerances are relative L2 (about 1e-3
//! for float16, 8e-3 for bfloat16, see half_tolerance).
void expect_gpu_matches_cpu_in(const OpCase& c, DType dtype, double tolerance);

//! A relative-L2 tolerance for comparing two computations of one op in `dtype` that each round
//! once: 1e-3 (float16), 8e-3 (bfloat16), 1e-5 otherwise.
double half_tolerance(DType dtype);

}  // namespace rill::testing
