// Names for native frames, at the end of a traced run: dladdr and the C++ demangler for function
// names, and (best effort) addr2line for file:line in modules that carry DWARF line tables.
#pragma once

#include <vector>

#include "trace/report.h"

namespace rill::trace {

//! Symbolizes native frames (Python frames are left to describe_python_frame). With
//! `use_addr2line`, runs `addr2line` once per module that has debug info to add file:line, and a
//! function name where dladdr found none (a static function, or an executable built without
//! -rdynamic). Never throws; unknown parts stay empty.
std::vector<SymbolizedFrame> symbolize_native(const std::vector<RawFrame>& frames,
                                              bool use_addr2line);

}  // namespace rill::trace
