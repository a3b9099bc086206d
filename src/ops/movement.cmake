# Owned by the movement family. Sources relative to src/ops.
rill_layer(rill_ops_movement
  SOURCES
    concat.cpp
    concat_split_gpu.cpp
    expand.cpp
    gather.cpp
    gather_gpu.cpp
    movement.cpp
    movement_common.cpp
    pad.cpp
    pad_gpu.cpp
    reshape.cpp
    resize.cpp
    resize_gpu.cpp
    shape_ops.cpp
    shape_ops_gpu.cpp
    slice.cpp
    split.cpp
    strided_gpu.cpp
    strided_host.cpp
    to_nhwc.cpp
    transpose.cpp
    transpose_gpu.cpp
  DEPENDS rill_ops_core rill_kernels_movement)
