# Owned by the elementwise family. Sources relative to src/ops.
rill_layer(rill_ops_elementwise
  SOURCES
    elementwise_placeholder.cpp
  DEPENDS rill_ops_core rill_kernels_elementwise)
