#include "kernels/cublaslt_gemm.h"

#include <algorithm>
#include <array>
#include <string>

#include "kernels/library_check.h"

namespace rill::kernels {

namespace {

struct LayoutDeleter {
  void operator()(cublasLtMatrixLayoutOpaque_t* layout) const noexcept {
    (void)cublasLtMatrixLayoutDestroy(layout);
  }
};
using LayoutPtr = std::unique_ptr<cublasLtMatrixLayoutOpaque_t, LayoutDeleter>;

struct PreferenceDeleter {
  void operator()(cublasLtMatmulPreferenceOpaque_t* pref) const noexcept {
    (void)cublasLtMatmulPreferenceDestroy(pref);
  }
};

cudaDataType_t cuda_type(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return CUDA_R_32F;
    case DType::kFloat16:
      return CUDA_R_16F;
    case DType::kBFloat16:
      return CUDA_R_16BF;
    default:
      throw Error(ErrorKind::kUnsupported, "cuBLASLt matmul: dtype has no GPU path yet",
                  {{"dtype", std::string(dtype_name(dtype))}});
  }
}

// Column-major layout of `rows` x `cols` with leading dimension `ld`, batched.
LayoutPtr make_layout(cudaDataType_t type, int64_t rows, int64_t cols, int64_t ld, int64_t batch,
                      int64_t stride) {
  cublasLtMatrixLayout_t raw = nullptr;
  RILL_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&raw, type, static_cast<uint64_t>(rows),
                                               static_cast<uint64_t>(cols), ld));
  LayoutPtr layout(raw);
  if (batch > 1) {
    const int32_t count = static_cast<int32_t>(batch);
    RILL_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(raw, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                                       &count, sizeof(count)));
    RILL_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(
        raw, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)));
  }
  return layout;
}

cublasLtEpilogue_t lt_epilogue(MatmulEpilogue epilogue) {
  switch (epilogue) {
    case MatmulEpilogue::kNone:
      return CUBLASLT_EPILOGUE_DEFAULT;
    case MatmulEpilogue::kRelu:
      return CUBLASLT_EPILOGUE_RELU;
    case MatmulEpilogue::kBias:
      return CUBLASLT_EPILOGUE_BIAS;
    case MatmulEpilogue::kReluBias:
      return CUBLASLT_EPILOGUE_RELU_BIAS;
    case MatmulEpilogue::kGelu:
      return CUBLASLT_EPILOGUE_GELU;
    case MatmulEpilogue::kGeluBias:
      return CUBLASLT_EPILOGUE_GELU_BIAS;
  }
  return CUBLASLT_EPILOGUE_DEFAULT;
}

bool has_bias(MatmulEpilogue epilogue) {
  return epilogue == MatmulEpilogue::kBias || epilogue == MatmulEpilogue::kReluBias ||
         epilogue == MatmulEpilogue::kGeluBias;
}

// Fills a stack descriptor: used by plan() for the heuristic and by every run(), so that both
// see the same operation (see Note [Row-major GEMM on cuBLASLt] for why a and b swap).
void init_desc(cublasLtMatmulDescOpaque_t* desc, const MatmulProblem& p, const void* bias) {
  // Half operands accumulate in float on the tensor cores; float32 uses TF32 only when allowed.
  const cublasComputeType_t compute =
      p.dtype == DType::kFloat32 && p.allow_tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  RILL_CUBLAS_CHECK(cublasLtMatmulDescInit(desc, compute, CUDA_R_32F));
  // cuBLASLt "A" is our B, cuBLASLt "B" is our A.
  const cublasOperation_t op_a = p.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = p.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  RILL_CUBLAS_CHECK(
      cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &op_a, sizeof(op_a)));
  RILL_CUBLAS_CHECK(
      cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &op_b, sizeof(op_b)));
  const cublasLtEpilogue_t epilogue = lt_epilogue(p.epilogue);
  RILL_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue,
                                                   sizeof(epilogue)));
  if (has_bias(p.epilogue)) {
    const cudaDataType_t bias_type = cuda_type(p.dtype);
    RILL_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE,
                                                     &bias_type, sizeof(bias_type)));
    RILL_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias,
                                                     sizeof(bias)));
  }
}

std::string problem_string(const MatmulProblem& p) {
  return "m=" + std::to_string(p.m) + " n=" + std::to_string(p.n) + " k=" + std::to_string(p.k) +
         " batch=" + std::to_string(p.batch) + " transA=" + std::to_string(p.trans_a) +
         " transB=" + std::to_string(p.trans_b);
}

// cuBLASLt's kernels gain nothing from more than 16-byte alignment; asking for no more keeps
// views into larger buffers usable.
size_t required_alignment(const MatmulProblem& p) {
  return std::min<size_t>(std::max<size_t>(p.pointer_alignment, 1), 16);
}

void check_aligned(const void* pointer, size_t alignment, const char* operand) {
  if (reinterpret_cast<uintptr_t>(pointer) % alignment != 0) {
    throw Error(ErrorKind::kInvalidArgument, "matmul operand is less aligned than its plan assumes",
                {{"operand", operand}, {"alignment", std::to_string(alignment)}});
  }
}

}  // namespace

struct CublasLtMatmul::Layouts {
  LayoutPtr a;  // cuBLASLt's A: our B
  LayoutPtr b;  // cuBLASLt's B: our A
  LayoutPtr d;  // also C
};

CublasLtMatmul::CublasLtMatmul(CublasLtMatmul&&) noexcept = default;
CublasLtMatmul& CublasLtMatmul::operator=(CublasLtMatmul&&) noexcept = default;
CublasLtMatmul::~CublasLtMatmul() = default;

CublasLtMatmul CublasLtMatmul::plan(cublasLtHandle_t handle, const MatmulProblem& p) {
  if (p.m <= 0 || p.n <= 0 || p.k <= 0 || p.batch <= 0) {
    throw Error(ErrorKind::kInternal, "cuBLASLt matmul planned with an empty dimension",
                {{"problem", problem_string(p)}});
  }
  if (handle == nullptr) {
    throw Error(ErrorKind::kInternal, "cuBLASLt matmul planned without a cuBLASLt handle");
  }
  const cudaDataType_t type = cuda_type(p.dtype);
  CublasLtMatmul plan;
  plan.problem_ = p;
  plan.layouts_ = std::make_unique<Layouts>();
  try {
    // Column-major views (Note [Row-major GEMM on cuBLASLt]).
    plan.layouts_->a = p.trans_b ? make_layout(type, p.k, p.n, p.k, p.batch, p.stride_b)
                                 : make_layout(type, p.n, p.k, p.n, p.batch, p.stride_b);
    plan.layouts_->b = p.trans_a ? make_layout(type, p.m, p.k, p.m, p.batch, p.stride_a)
                                 : make_layout(type, p.k, p.m, p.k, p.batch, p.stride_a);
    plan.layouts_->d = make_layout(type, p.n, p.m, p.n, p.batch, p.stride_d);

    cublasLtMatmulDescOpaque_t desc;
    // The heuristic needs a bias pointer only for its alignment: any aligned non-null value.
    init_desc(&desc, p, reinterpret_cast<const void*>(uintptr_t{p.pointer_alignment}));

    cublasLtMatmulPreference_t raw_pref = nullptr;
    RILL_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&raw_pref));
    std::unique_ptr<cublasLtMatmulPreferenceOpaque_t, PreferenceDeleter> pref(raw_pref);
    const uint64_t max_workspace = kMaxWorkspaceBytes;
    RILL_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
        raw_pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &max_workspace, sizeof(max_workspace)));
    const auto alignment = static_cast<uint32_t>(required_alignment(p));
    for (auto attr :
         {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
          CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES}) {
      RILL_CUBLAS_CHECK(
          cublasLtMatmulPreferenceSetAttribute(raw_pref, attr, &alignment, sizeof(alignment)));
    }

    std::array<cublasLtMatmulHeuristicResult_t, 8> results{};
    int returned = 0;
    RILL_CUBLAS_CHECK(cublasLtMatmulAlgoGetHeuristic(
        handle, &desc, plan.layouts_->a.get(), plan.layouts_->b.get(), plan.layouts_->d.get(),
        plan.layouts_->d.get(), raw_pref, static_cast<int>(results.size()), results.data(),
        &returned));
    const cublasLtMatmulHeuristicResult_t* chosen = nullptr;
    for (int i = 0; i < returned; ++i) {
      if (results[i].state == CUBLAS_STATUS_SUCCESS) {
        chosen = &results[i];
        break;
      }
    }
    if (chosen == nullptr) {
      throw Error(ErrorKind::kCublas, "CUBLAS_STATUS_NOT_SUPPORTED",
                  {{"call", "cublasLtMatmulAlgoGetHeuristic returned no algorithm"}});
    }
    plan.algo_ = chosen->algo;
    plan.workspace_bytes_ = chosen->workspaceSize;
  } catch (Error& e) {
    e.add_context("matmul", problem_string(p));
    throw;
  }
  return plan;
}

std::string CublasLtMatmul::describe() const {
  const MatmulProblem& p = problem_;
  const char* math = p.dtype == DType::kFloat16    ? "fp16"
                     : p.dtype == DType::kBFloat16 ? "bf16"
                     : p.allow_tf32                ? "tf32"
                                                   : "fp32";
  std::string text = std::string("cublasLt ") + math + " gemm " +
                     std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k);
  if (p.batch > 1) text += " batch " + std::to_string(p.batch);
  if (has_bias(p.epilogue)) text += " +bias";
  if (p.epilogue == MatmulEpilogue::kRelu || p.epilogue == MatmulEpilogue::kReluBias) {
    text += " +relu";
  }
  if (p.epilogue == MatmulEpilogue::kGelu || p.epilogue == MatmulEpilogue::kGeluBias) {
    text += " +gelu_tanh";
  }
  return text;
}

void CublasLtMatmul::run(cublasLtHandle_t handle, const void* a, const void* b, const void* c,
                         void* d, const void* bias, void* workspace, cudaStream_t stream) const {
  const size_t alignment = required_alignment(problem_);
  check_aligned(a, alignment, "A");
  check_aligned(b, alignment, "B");
  check_aligned(d, alignment, "D");
  if (problem_.beta != 0.0f) check_aligned(c, alignment, "C");
  if (has_bias(problem_.epilogue)) check_aligned(bias, alignment, "bias");
  cublasLtMatmulDescOpaque_t desc;
  init_desc(&desc, problem_, bias);
  const float alpha = problem_.alpha;
  const float beta = problem_.beta;
  const void* c_ptr = beta != 0.0f ? c : d;
  RILL_CUBLAS_CHECK(cublasLtMatmul(handle, &desc, &alpha, b, layouts_->a.get(), a,
                                   layouts_->b.get(), &beta, c_ptr, layouts_->d.get(), d,
                                   layouts_->d.get(), &algo_, workspace, workspace_bytes_, stream));
}

}  // namespace rill::kernels
