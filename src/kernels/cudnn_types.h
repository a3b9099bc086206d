// rill's dtypes as cuDNN's, for both of rill's cuDNN paths (the legacy convolution calls and the
// backend graph API).
#pragma once

#include <string>

#include <cudnn.h>

#include "rill/dtype.h"
#include "rill/error.h"

namespace rill::kernels {

//! The cuDNN data type of `dtype`; throws kUnsupported (naming `what`) for a dtype rill's cuDNN
//! paths do not run.
inline cudnnDataType_t cudnn_data_type(DType dtype, const char* what) {
  switch (dtype) {
    case DType::kFloat32: return CUDNN_DATA_FLOAT;
    case DType::kFloat16: return CUDNN_DATA_HALF;
    case DType::kBFloat16: return CUDNN_DATA_BFLOAT16;
    default:
      throw Error(ErrorKind::kUnsupported, std::string(what) + ": dtype has no GPU path",
                  {{"dtype", std::string(dtype_name(dtype))}});
  }
}

}  // namespace rill::kernels
