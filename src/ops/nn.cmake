# Owned by the nn family. Sources relative to src/ops.
rill_layer(rill_ops_nn
  SOURCES
    nn_placeholder.cpp
  DEPENDS rill_ops_core rill_kernels_nn)
