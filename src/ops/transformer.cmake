# Owned by the transformer family. Sources relative to src/ops.
rill_layer(rill_ops_transformer
  SOURCES
    attention.cpp
    attention_gpu.cpp
    transformer.cpp
  DEPENDS rill_ops_core rill_kernels_transformer)
