// `rill trace [--output FILE] [--json] [--top N] -- COMMAND ARGS...`: runs any CUDA program (a
// PyTorch script included) under rill's CUPTI tracer and reports its host syncs and its work on
// the legacy default stream, with the call sites behind them (docs/TRACE.md).
#pragma once

#include <string>
#include <vector>

namespace rill::cli {

struct TraceCommand {
  std::vector<std::string> command;  //!< the program and its arguments
  std::string output;                //!< report file; empty: stdout
  bool json = false;
  int top = 5;  //!< call sites shown per API
};

//! Runs the command, prints (or writes) the report and returns the command's exit code; a command
//! killed by signal N returns 128 + N. Throws rill::Error when the command cannot be run at all
//! (none given, not found) or the tracer library is missing.
int run_trace(const TraceCommand& command);

}  // namespace rill::cli
