// Native stacks for rill trace: the program's frames of a CUDA call, without the tracer's own.
#pragma once

#include <cstddef>

#include "trace/call_sites.h"

namespace rill::trace {

//! Fills `out` with up to `max` return addresses of the calling thread, innermost first, starting
//! at the first frame that belongs to none of: the tracer, CUPTI, the CUDA runtime, the CUDA
//! driver. Returns how many it wrote. Cheap after the first call of each newly loaded library:
//! modules are looked up in a cached address map, never by symbol.
size_t capture_native_frames(RawFrame* out, size_t max);

//! Unwinds once, so that glibc loads its unwinder (libgcc_s) now rather than inside a CUDA call.
void warm_up_native_frames();

}  // namespace rill::trace
