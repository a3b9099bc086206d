# Owned by the nn family. Sources relative to src/kernels.
rill_layer(rill_kernels_nn
  SOURCES
    nn_placeholder.cu
  DEPENDS rill_cuda)
