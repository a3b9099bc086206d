# Owned by the nn family. Sources relative to src/kernels.
# cuDNN ships beside the CUDA toolkit here but has no imported target in FindCUDAToolkit.
find_library(RILL_CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR} REQUIRED)
find_path(RILL_CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS} REQUIRED)
rill_layer(rill_kernels_nn
  SOURCES
    batch_norm.cu
    bias_activation.cu
    cublaslt_gemm.cpp
    cudnn_backend.cpp
    cudnn_conv.cpp
    cudnn_graph_conv.cpp
    layout_copy.cu
    library_check.cpp
    library_handles.cpp
    pool.cu
  DEPENDS rill_cuda CUDA::cublasLt ${RILL_CUDNN_LIBRARY})
target_include_directories(rill_kernels_nn PUBLIC ${RILL_CUDNN_INCLUDE_DIR})
