// NumPy .npy files (format 1.0/2.0, little-endian, C order): how tensors enter and leave the CLI
// and the model checks.
#pragma once

#include <string>
#include <string_view>

#include "ir/tensor.h"

namespace rill::io {

//! Reads a .npy file. Errors (kIo, kInvalidArgument) name the file and what is wrong: bad magic,
//! Fortran order, an unsupported dtype, a size that does not match the shape.
ir::HostTensor read_npy(const std::string& path);
//! Same as read_npy for a file's bytes already in memory; `origin` names them in errors.
ir::HostTensor read_npy_bytes(std::string_view bytes, const std::string& origin);
//! Writes `tensor` as a .npy 1.0 file.
void write_npy(const ir::HostTensor& tensor, const std::string& path);

}  // namespace rill::io
