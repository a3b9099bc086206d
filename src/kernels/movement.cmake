# Owned by the movement family. Sources relative to src/kernels.
rill_layer(rill_kernels_movement
  SOURCES
    copy.cu
    gather.cu
    pad.cu
    resize.cu
    transpose.cu
  DEPENDS rill_cuda)
