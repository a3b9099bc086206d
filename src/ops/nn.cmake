# Owned by the nn family. Sources relative to src/ops.
rill_layer(rill_ops_nn
  SOURCES
    batch_norm.cpp
    batch_norm_gpu.cpp
    conv.cpp
    conv_gemm_gpu.cpp
    conv_nhwc.cpp
    conv_gpu.cpp
    conv_transpose.cpp
    conv_transpose_gpu.cpp
    gemm.cpp
    gemm_gpu.cpp
    kernel_choice.cpp
    matmul.cpp
    matmul_gpu.cpp
    nn.cpp
    nn_common.cpp
    pool.cpp
    pool_gpu.cpp
  DEPENDS rill_ops_core rill_kernels_nn)
