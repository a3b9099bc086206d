#include "kernels/cublaslt_gemm.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/library_check.h"
#include "kernels/tuning_bench.h"

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

const char* epilogue_name(MatmulEpilogue epilogue) {
  switch (epilogue) {
    case MatmulEpilogue::kNone: return "none";
    case MatmulEpilogue::kRelu: return "relu";
    case MatmulEpilogue::kBias: return "bias";
    case MatmulEpilogue::kReluBias: return "bias_relu";
    case MatmulEpilogue::kGelu: return "gelu";
    case MatmulEpilogue::kGeluBias: return "bias_gelu";
  }
  return "?";
}

}  // namespace

std::string tuning_key(const MatmulProblem& p) {
  // alpha does not change which algorithm is fastest; whether C is read (beta != 0) does.
  return "cublaslt_matmul " + std::string(dtype_name(p.dtype)) + " m=" + std::to_string(p.m) +
         " n=" + std::to_string(p.n) + " k=" + std::to_string(p.k) +
         " batch=" + std::to_string(p.batch) + " strides=" + std::to_string(p.stride_a) + "," +
         std::to_string(p.stride_b) + "," + std::to_string(p.stride_d) +
         " trans=" + std::to_string(int{p.trans_a}) + std::to_string(int{p.trans_b}) +
         " beta=" + (p.beta != 0.0f ? "1" : "0") + " epilogue=" + epilogue_name(p.epilogue) +
         " tf32=" + std::to_string(int{p.allow_tf32}) +
         " align=" + std::to_string(required_alignment(p));
}

struct CublasLtMatmul::Layouts {
  LayoutPtr a;  // cuBLASLt's A: our B
  LayoutPtr b;  // cuBLASLt's B: our A
  LayoutPtr d;  // also C
};

CublasLtMatmul::CublasLtMatmul(CublasLtMatmul&&) noexcept = default;
CublasLtMatmul& CublasLtMatmul::operator=(CublasLtMatmul&&) noexcept = default;
CublasLtMatmul::~CublasLtMatmul() = default;

CublasLtMatmul CublasLtMatmul::plan(cublasLtHandle_t handle, const MatmulProblem& p,
                                    AlgorithmSelector* selector) {
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

    std::string key;
    if (selector != nullptr) {
      key = tuning_key(p);
      if (const AlgorithmChoice* stored = selector->find(key)) {
        if (plan.restore(handle, &desc, *stored)) return plan;
        selector->rejected(key);
      }
    }

    std::array<cublasLtMatmulHeuristicResult_t, 8> results{};
    int returned = 0;
    RILL_CUBLAS_CHECK(cublasLtMatmulAlgoGetHeuristic(
        handle, &desc, plan.layouts_->a.get(), plan.layouts_->b.get(), plan.layouts_->d.get(),
        plan.layouts_->d.get(), raw_pref, static_cast<int>(results.size()), results.data(),
        &returned));
    std::vector<cublasLtMatmulHeuristicResult_t> candidates;
    for (int i = 0; i < returned; ++i) {
      if (results[i].state == CUBLAS_STATUS_SUCCESS) candidates.push_back(results[i]);
    }
    if (candidates.empty()) {
      throw Error(ErrorKind::kCublas, "CUBLAS_STATUS_NOT_SUPPORTED",
                  {{"call", "cublasLtMatmulAlgoGetHeuristic returned no algorithm"}});
    }
    plan.algo_ = candidates.front().algo;
    plan.workspace_bytes_ = candidates.front().workspaceSize;
    if (selector != nullptr && selector->bench() != nullptr) {
      plan.tune(handle, candidates, *selector->bench(), *selector, key);
    }
  } catch (Error& e) {
    e.add_context("matmul", problem_string(p));
    throw;
  }
  return plan;
}

bool CublasLtMatmul::restore(cublasLtHandle_t handle, cublasLtMatmulDescOpaque_t* desc,
                             const AlgorithmChoice& choice) {
  cublasLtMatmulAlgo_t algo{};
  if (choice.algorithm.size() != sizeof(algo)) return false;
  std::memcpy(&algo, choice.algorithm.data(), sizeof(algo));
  cublasLtMatmulHeuristicResult_t result{};
  // Another GPU or cuBLASLt may not run the stored configuration: the check says so, and the
  // caller falls back to the heuristic rather than failing.
  const cublasStatus_t status =
      cublasLtMatmulAlgoCheck(handle, desc, layouts_->a.get(), layouts_->b.get(), layouts_->d.get(),
                              layouts_->d.get(), &algo, &result);
  if (status != CUBLAS_STATUS_SUCCESS || result.workspaceSize > kMaxWorkspaceBytes) return false;
  algo_ = algo;
  workspace_bytes_ = result.workspaceSize;
  tuned_ = true;
  return true;
}

void CublasLtMatmul::tune(cublasLtHandle_t handle,
                          const std::vector<cublasLtMatmulHeuristicResult_t>& candidates,
                          TuningBench& bench, AlgorithmSelector& selector, const std::string& key) {
  const MatmulProblem& p = problem_;
  const size_t element = dtype_size(p.dtype);
  const auto span = [&](int64_t stride, int64_t matrix) {
    return static_cast<size_t>((p.batch - 1) * stride + matrix) * element;
  };
  const size_t count = std::min(candidates.size(), static_cast<size_t>(bench.max_candidates()));
  size_t workspace = 0;
  for (size_t i = 0; i < count; ++i) workspace = std::max(workspace, candidates[i].workspaceSize);
  const std::vector<void*> buffers =
      bench.buffers({span(p.stride_a, p.m * p.k), span(p.stride_b, p.k * p.n),
                     span(p.stride_d, p.m * p.n), static_cast<size_t>(p.n) * element, workspace});
  float best_ms = 0.0f;
  size_t best = count;
  for (size_t i = 0; i < count; ++i) {
    algo_ = candidates[i].algo;
    workspace_bytes_ = candidates[i].workspaceSize;
    try {
      // C is D (accumulated in place when beta is non-zero), as Gemm runs it.
      const float ms = bench.time([&](cudaStream_t stream) {
        run(handle, buffers[0], buffers[1], buffers[2], buffers[2], buffers[3], buffers[4], stream);
      });
      if (best == count || ms < best_ms) {
        best = i;
        best_ms = ms;
      }
    } catch (const Error&) {
      // A candidate the library offered but would not launch is no candidate.
    }
  }
  if (best == count) {
    // None ran: keep the heuristic's first pick, untuned, and store nothing.
    algo_ = candidates.front().algo;
    workspace_bytes_ = candidates.front().workspaceSize;
    return;
  }
  algo_ = candidates[best].algo;
  workspace_bytes_ = candidates[best].workspaceSize;
  AlgorithmChoice choice;
  choice.algorithm.resize(sizeof(algo_));
  std::memcpy(choice.algorithm.data(), &algo_, sizeof(algo_));
  choice.milliseconds = best_ms;
  choice.candidates = static_cast<uint32_t>(count);
  selector.tuned(key, std::move(choice));
  tuned_ = true;
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
  if (tuned_) text += ", tuned";
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
