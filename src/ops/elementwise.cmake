# Owned by the elementwise family. Sources relative to src/ops.
rill_layer(rill_ops_elementwise
  SOURCES
    add_layer_norm.cpp
    add_layer_norm_gpu.cpp
    binary.cpp
    cast.cpp
    cast_gpu.cpp
    elementwise.cpp
    elementwise_common.cpp
    elementwise_gpu.cpp
    fused_elementwise.cpp
    fused_elementwise_gpu.cpp
    layer_norm.cpp
    layer_norm_gpu.cpp
    reduce.cpp
    reduce_gpu.cpp
    softmax.cpp
    softmax_gpu.cpp
    unary.cpp
  DEPENDS rill_ops_core rill_kernels_elementwise)
