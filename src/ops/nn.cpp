// The nn family's table (Note [Op anatomy] in op.h): one OpDef per op, each pointing at its
// shape inference, CPU reference and GPU preparation in the op's own file pair.
#include "ops/channels_last.h"
#include "ops/families.h"
#include "ops/nn_common.h"

namespace rill::ops {

std::vector<OpDef> nn_ops() {
  using namespace nn;
  return {
      {"Conv", infer_conv, run_conv_cpu, prepare_conv_gpu, OutputKind::kComputed, {},
       kFloatDTypes, /*tunable=*/true},
      {"ConvTranspose", infer_conv_transpose, run_conv_transpose_cpu, prepare_conv_transpose_gpu,
       OutputKind::kComputed, {}, kFloatDTypes, /*tunable=*/true},
      {"BatchNormalization", infer_batch_norm, run_batch_norm_cpu, prepare_batch_norm_gpu,
       OutputKind::kComputed, {}, kFloatDTypes},
      {"MaxPool", infer_pool, run_pool_cpu, prepare_pool_gpu, OutputKind::kComputed, {},
       kFloatDTypes},
      {"AveragePool", infer_pool, run_pool_cpu, prepare_pool_gpu, OutputKind::kComputed, {},
       kFloatDTypes},
      {"rill.ConvNhwc", infer_conv_nhwc, run_conv_nhwc_cpu, prepare_conv_nhwc_gpu,
       OutputKind::kComputed, {}, kFloatDTypes, /*tunable=*/true},
      {"rill.MaxPoolNhwc", infer_pool_nhwc, run_pool_nhwc_cpu, prepare_pool_nhwc_gpu,
       OutputKind::kComputed, {}, kFloatDTypes},
      {"rill.AveragePoolNhwc", infer_pool_nhwc, run_pool_nhwc_cpu, prepare_pool_nhwc_gpu,
       OutputKind::kComputed, {}, kFloatDTypes},
      {"Gemm", infer_gemm, run_gemm_cpu, prepare_gemm_gpu, OutputKind::kComputed, {},
       kFloatDTypes, /*tunable=*/true},
      {"MatMul", infer_matmul, run_matmul_cpu, prepare_matmul_gpu, OutputKind::kComputed, {},
       kFloatDTypes, /*tunable=*/true},
      {"rill.FusedMatMul", infer_fused_matmul, run_fused_matmul_cpu, prepare_fused_matmul_gpu,
       OutputKind::kComputed, {}, kFloatDTypes, /*tunable=*/true},
  };
}

}  // namespace rill::ops
