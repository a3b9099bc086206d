// The op interface: how each ONNX op (and each rill fused op) tells the engine its output types,
// computes its CPU reference, and prepares its GPU kernel.
//
// Note [Op anatomy]
// ~~~~~~~~~~~~~~~~~
// One op family per file pair, after ONNX Runtime:
//   src/ops/<family>.cpp      attributes, shape inference, CPU reference (no CUDA in here)
//   src/ops/<family>_gpu.cpp  prepare_gpu: validates what the GPU path supports, precomputes
//                             launch parameters for one set of concrete shapes, and returns a
//                             GpuKernel whose enqueue() only launches
//   src/kernels/<name>.cu/.cuh the CUDA kernels and their launchers, raw pointers and sizes in,
//                             never IR, ONNX or protobuf headers
// The registry (registry.cpp) is one explicit table of OpDefs; dispatch, supports() and the
// conformance suite's list of supported ops all come from it.
//
// Shapes are concrete by the time an op sees them: the engine plans once per input-shape
// signature (see engine/), so a dynamic batch is just another signature.
//
// Constant inputs: an op reads some inputs as values at plan time (Reshape's shape, Slice's
// starts, Resize's scales...). Those arrive in `constants[i]` (non-null when the value is known on
// the host: an initializer, or computed on the host from other known values).
#pragma once

#include <cuda_runtime_api.h>

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "ir/tensor.h"

// Library handles are forward-declared so that ops need not include cuBLAS or cuDNN headers.
struct cublasLtContext;
struct cudnnContext;

namespace rill::kernels {
class AlgorithmSelector;  // kernels/algorithm_selector.h
}  // namespace rill::kernels

namespace rill::ops {

using ir::HostTensor;
using ir::Node;
using ir::TensorDesc;

//! Plan-time view of a node's inputs: their descriptions, and their host values when known.
struct InferContext {
  const Node& node;
  std::span<const TensorDesc> inputs;       //!< one per node input; absent inputs have no shape
  std::span<const HostTensor* const> constants;  //!< same length; null when not known on host
  //! The host value of input i, or an invalid-model error naming the node when it is not known
  //! at plan time (for example a Reshape whose shape is computed on the GPU).
  const HostTensor& constant(size_t i) const;
  bool has_input(size_t i) const { return node.has_input(i); }
};

//! Output descriptions from input descriptions. Validates attributes and input types; errors
//! carry the node's context.
using InferFn = std::vector<TensorDesc> (*)(const InferContext& ctx);

//! The CPU reference: outputs from inputs, all on the host. Simple and exact (accumulates in
//! double where it matters); used by constant folding, the CPU executor and as the oracle of
//! every GPU test. Absent optional inputs are passed as empty HostTensors.
using CpuFn = std::vector<HostTensor> (*)(const Node& node, std::span<const HostTensor> inputs);

//! Per-context library handles a kernel may use. Owned by the execution context; a handle is
//! used by one stream at a time.
struct LibraryHandles {
  cublasLtContext* cublaslt = nullptr;
  cudnnContext* cudnn = nullptr;
};

//! Everything one enqueue of one node needs. Pointers are device pointers.
struct GpuLaunch {
  std::span<const void* const> inputs;  //!< null for absent optional inputs
  std::span<void* const> outputs;
  void* workspace = nullptr;            //!< workspace_bytes() bytes, 256-byte aligned
  cudaStream_t stream = nullptr;        //!< never a default stream (see Note [Default streams])
  const LibraryHandles* libraries = nullptr;
};

//! A node's GPU kernel, prepared for one set of concrete shapes. enqueue() must be asynchronous,
//! allocation-free, host-sync-free and capturable into a CUDA graph; it may be called from many
//! threads at once for different contexts, so it must not mutate the kernel.
class GpuKernel {
 public:
  virtual ~GpuKernel() = default;
  //! Scratch memory enqueue() needs, provided by the context's arena.
  virtual size_t workspace_bytes() const { return 0; }
  virtual void enqueue(const GpuLaunch& launch) const = 0;
  //! Short human-readable name of what runs ("cublasLt gemm+bias+relu", "elementwise add").
  virtual std::string describe() const = 0;
};

//! What prepare_gpu gets.
struct GpuPrepareContext {
  const Node& node;
  std::span<const TensorDesc> inputs;
  std::span<const HostTensor* const> constants;
  std::span<const TensorDesc> outputs;  //!< as infer() computed them
  const LibraryHandles& libraries;      //!< for plan-time queries (algorithm heuristics)
  bool allow_tf32 = false;              //!< FP32 math may use TF32 tensor cores
  //! Tuned library algorithms to look up or, at build time, to time (Note [Build-time tuning]
  //! in kernels/algorithm_selector.h); handed to the cuBLASLt/cuDNN plan functions. May be null.
  kernels::AlgorithmSelector* algorithms = nullptr;
  const HostTensor& constant(size_t i) const;
};
using GpuPrepareFn = std::unique_ptr<GpuKernel> (*)(const GpuPrepareContext& ctx);

//! How the engine treats an op's outputs.
enum class OutputKind {
  kComputed,       //!< a kernel writes the outputs
  kAliasOfInput0,  //!< output 0 is input 0's memory with a new shape (Reshape, Flatten, ...)
};

struct OpDef {
  std::string_view op_type;
  InferFn infer = nullptr;
  CpuFn run_cpu = nullptr;
  GpuPrepareFn prepare_gpu = nullptr;  //!< null when only the CPU reference exists
  OutputKind output_kind = OutputKind::kComputed;
  //! Inputs that must be known on the host at plan time (Reshape: {1}; Slice: {1,2,3,4}).
  std::vector<int> constant_inputs;
  //! The floating-point dtypes the GPU path computes in (Note [Dtypes as data]). The builder
  //! rejects a node whose floating-point inputs or outputs fall outside this set, and a reduced-
  //! precision build runs a node in float16/bfloat16 only when the set holds that dtype. Integer
  //! and bool operands are each op's own business (prepare_gpu checks them).
  DTypeSet gpu_dtypes{DType::kFloat32};
  //! prepare_gpu plans a cuBLASLt or cuDNN call whose algorithm a build on a GPU times and keeps
  //! (Note [Build-time tuning] in kernels/algorithm_selector.h); the builder prepares these nodes
  //! at the opt shapes with a tuning selector.
  bool tunable = false;
};

// Note [Dtypes as data]
// ~~~~~~~~~~~~~~~~~~~~~~
// What an op computes in is declared in its OpDef (gpu_dtypes), not discovered when a kernel is
// prepared: the builder checks every node against it at build time (a model that cannot run
// fails with the node, op and dtype named, before any GPU is touched), the reduced-precision
// pass (ir/passes/reduced_precision.h) reads it to decide which nodes run in float16/bfloat16,
// and the op tests iterate over it. Half-precision kernels keep float accumulators; ops whose
// arithmetic is sensitive (normalizations, softmax, reductions, exp/log) compute in float inside
// the kernel and round only what they store.

//! The op named `op_type` (ONNX domain, or "rill." ops), or null.
const OpDef* find_op(std::string_view op_type);
//! Every registered op, in registry order.
std::span<const OpDef> all_ops();

}  // namespace rill::ops
