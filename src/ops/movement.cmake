# Owned by the movement family. Sources relative to src/ops.
rill_layer(rill_ops_movement
  SOURCES
    movement_placeholder.cpp
  DEPENDS rill_ops_core rill_kernels_movement)
