# Owned by the elementwise family. Sources relative to src/kernels.
rill_layer(rill_kernels_elementwise
  SOURCES
    elementwise_placeholder.cu
  DEPENDS rill_cuda)
