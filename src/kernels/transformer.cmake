# Owned by the transformer family. Sources relative to src/kernels.
rill_layer(rill_kernels_transformer
  SOURCES
    attention.cu
  DEPENDS rill_cuda)
