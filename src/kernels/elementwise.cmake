# Owned by the elementwise family. Sources relative to src/kernels.
rill_layer(rill_kernels_elementwise
  SOURCES
    binary.cu
    cast.cu
    fused_elementwise.cu
    layer_norm.cu
    reduce.cu
    softmax.cu
    unary.cu
  DEPENDS rill_cuda)
