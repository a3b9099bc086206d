// A cuBLASLt matmul planned once for fixed shapes and launched many times.
//
// Note [Row-major GEMM on cuBLASLt]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// rill tensors are row-major; cuBLASLt's default order is column-major. A row-major M x N matrix
// is, byte for byte, a column-major N x M matrix (its transpose), so
//   D = op(A) op(B)      (row-major, D: M x N)
// is computed as
//   D^T = op(B)^T op(A)^T (column-major, D^T: N x M)
// by handing cuBLASLt B as its "A" and A as its "B", with the transpose flags unchanged. The
// epilogue bias is broadcast along the rows of cuBLASLt's D, which are our columns: a bias of
// length N, exactly what Gemm's row-vector C and FusedMatMul's bias need.
//
// Descriptors are created at plan time and only read afterwards, except the matmul descriptor,
// which holds the bias pointer: enqueue builds it on the stack (cublasLtMatmulDescInit, no heap
// allocation) so that one plan may be launched from several contexts at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include "kernels/algorithm_selector.h"
#include "rill/dtype.h"

namespace rill::kernels {

enum class MatmulEpilogue { kNone, kRelu, kBias, kReluBias, kGelu, kGeluBias };

//! One (possibly strided-batched) row-major matmul:
//!   D[b] = epilogue(alpha * op(A[b]) * op(B[b]) + beta * C[b] + bias)
//! A is stored M x K (K x M when trans_a), B is stored K x N (N x K when trans_b), C and D are
//! M x N with packed rows. Batch strides are in elements; 0 broadcasts one matrix to all batches.
struct MatmulProblem {
  DType dtype = DType::kFloat32;
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  int64_t batch = 1;
  int64_t stride_a = 0, stride_b = 0, stride_d = 0;  //!< C shares D's layout
  float alpha = 1.0f;
  float beta = 0.0f;  //!< when non-zero, run() reads C
  MatmulEpilogue epilogue = MatmulEpilogue::kNone;
  bool allow_tf32 = false;
  //! Alignment in bytes every pointer handed to run() is guaranteed to have (A, B, C, D, bias).
  //! The plan relies on min(this, 16) bytes; run() throws kInvalidArgument for a pointer with
  //! less.
  size_t pointer_alignment = 256;
};

//! The key a tuned algorithm for `problem` is stored under (Note [Build-time tuning]):
//! "cublaslt_matmul fp16 m=128 n=3072 k=768 ...", every field the choice depends on.
std::string tuning_key(const MatmulProblem& problem);

class CublasLtMatmul {
 public:
  //! Largest workspace a plan asks for.
  static constexpr size_t kMaxWorkspaceBytes = size_t{32} << 20;

  //! Validates the problem and picks the algorithm: `selector`'s stored choice when cuBLASLt
  //! accepts it (cublasLtMatmulAlgoCheck), else the fastest of the heuristic's candidates timed
  //! on the selector's bench, else the first result of cublasLtMatmulAlgoGetHeuristic (Note
  //! [Build-time tuning]). Throws kUnsupported for a dtype without a path, kCublas when no
  //! algorithm fits.
  static CublasLtMatmul plan(cublasLtHandle_t handle, const MatmulProblem& problem,
                             AlgorithmSelector* selector = nullptr);

  CublasLtMatmul(CublasLtMatmul&&) noexcept;
  CublasLtMatmul& operator=(CublasLtMatmul&&) noexcept;
  ~CublasLtMatmul();

  size_t workspace_bytes() const noexcept { return workspace_bytes_; }
  const MatmulProblem& problem() const noexcept { return problem_; }
  //! True when the algorithm came from tuning (timed now or a stored choice).
  bool tuned() const noexcept { return tuned_; }
  //! "cublasLt sgemm 1024x3072x768 batch 1 +bias+relu" (", tuned" when tuned()).
  std::string describe() const;

  //! Enqueues the matmul on `stream`. `c` may equal `d` (in-place accumulate); `c` is ignored
  //! when beta is zero, `bias` (N elements) when the epilogue has no bias. Asynchronous,
  //! allocation-free and capturable.
  void run(cublasLtHandle_t handle, const void* a, const void* b, const void* c, void* d,
           const void* bias, void* workspace, cudaStream_t stream) const;

 private:
  struct Layouts;
  CublasLtMatmul() = default;
  // Takes a stored choice when cuBLASLt accepts it for this problem.
  bool restore(cublasLtHandle_t handle, cublasLtMatmulDescOpaque_t* desc,
               const AlgorithmChoice& choice);
  // Times up to bench.max_candidates() of `candidates`, keeps the fastest and reports it.
  void tune(cublasLtHandle_t handle, const std::vector<cublasLtMatmulHeuristicResult_t>& candidates,
            TuningBench& bench, AlgorithmSelector& selector, const std::string& key);

  MatmulProblem problem_;
  std::unique_ptr<Layouts> layouts_;
  cublasLtMatmulAlgo_t algo_{};
  size_t workspace_bytes_ = 0;
  bool tuned_ = false;
};

}  // namespace rill::kernels
