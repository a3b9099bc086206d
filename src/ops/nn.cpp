// The nn family's table (Note [Op anatomy] in op.h): one OpDef per op, each pointing at its
// shape inference, CPU reference and GPU preparation in the op's own file pair.
#include "ops/families.h"
#include "ops/nn_common.h"

namespace rill::ops {

std::vector<OpDef> nn_ops() {
  using namespace nn;
  return {
      {"Conv", infer_conv, run_conv_cpu, prepare_conv_gpu},
      {"ConvTranspose", infer_conv_transpose, run_conv_transpose_cpu, prepare_conv_transpose_gpu},
      {"BatchNormalization", infer_batch_norm, run_batch_norm_cpu, prepare_batch_norm_gpu},
      {"MaxPool", infer_pool, run_pool_cpu, prepare_pool_gpu},
      {"AveragePool", infer_pool, run_pool_cpu, prepare_pool_gpu},
      {"Gemm", infer_gemm, run_gemm_cpu, prepare_gemm_gpu, OutputKind::kComputed, {}, kFloatDTypes},
      {"MatMul",
       infer_matmul,
       run_matmul_cpu,
       prepare_matmul_gpu,
       OutputKind::kComputed,
       {},
       kFloatDTypes},
      {"rill.FusedMatMul",
       infer_fused_matmul,
       run_fused_matmul_cpu,
       prepare_fused_matmul_gpu,
       OutputKind::kComputed,
       {},
       kFloatDTypes},
  };
}

}  // namespace rill::ops
