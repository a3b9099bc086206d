# Owned by the movement family. Sources relative to src/kernels.
rill_layer(rill_kernels_movement
  SOURCES
    movement_placeholder.cu
  DEPENDS rill_cuda)
