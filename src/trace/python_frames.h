// Python stacks for rill trace: when the traced program is CPython (a PyTorch script, say), the
// script's own frames are what a reader needs, and no native unwinder can show them.
//
// Note [Python frames and the GIL]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// Python frames can only be read under the GIL, and extensions release the GIL around CUDA work
// (PyTorch's .item() does). In PythonFrames::kAuto the tracer takes the GIL back for the moment of
// the capture when the calling thread is a Python thread that released it. Taking the GIL inside a
// CUDA call can deadlock when the call runs under a lock that a GIL holder is waiting for; the
// classic one is a caching allocator's lock around cudaMalloc / cudaFree / cudaHostAlloc while
// another thread frees a tensor. So for allocation APIs the GIL is never taken (frames are read
// only when the thread already holds it), and RILL_TRACE_PYTHON=held (never take the GIL) or =off
// are there for programs that still hang. The Python C API is found with dlsym at run time: the
// tracer does not link libpython, and a program without Python pays nothing.
#pragma once

#include <cstddef>
#include <string_view>

#include "trace/report.h"

namespace rill::trace {

enum class PythonFrames {
  kOff,   //!< never read Python frames
  kHeld,  //!< only when the calling thread holds the GIL
  kAuto,  //!< also take the GIL back briefly, except inside allocation APIs
};

//! "off" / "held" / anything else (auto).
PythonFrames parse_python_frames(std::string_view text);

//! Fills `out` with up to `max` Python frames of the calling thread, innermost first; 0 when the
//! process runs no Python or the thread has none. `api` is the CUDA API being called.
size_t capture_python_frames(RawFrame* out, size_t max, PythonFrames mode, std::string_view api);

//! Function, file and line of a frame captured above. Safe after Python has finalized: names are
//! copied when a code object is first seen.
SymbolizedFrame describe_python_frame(const RawFrame& frame);

}  // namespace rill::trace
