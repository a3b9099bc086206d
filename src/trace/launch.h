// Running a command under the tracer: what `rill trace -- COMMAND ARGS...` does, as a library so
// that tests can drive it without the CLI.
#pragma once

#include <string>
#include <vector>

namespace rill::trace {

struct TraceOptions {
  std::vector<std::string> command;  //!< the program (looked up in PATH) and its arguments
  bool json = false;                 //!< JSON report (docs/TRACE.md) rather than text
  int top = 5;                       //!< call sites shown per API
  std::string library;               //!< librill_trace.so; empty: find_trace_library()
};

struct TraceResult {
  int exit_code = 0;  //!< the command's exit status; 128 + N when signal N killed it
  int signal = 0;     //!< the signal that killed it, or 0
  //! The report: the command's own process first, then any process it started that used CUDA.
  //! Text, or one JSON object (see docs/TRACE.md). Empty when no process used CUDA.
  std::string report;
  int processes = 0;  //!< how many processes wrote a report
};

//! Where librill_trace.so is: $RILL_TRACE_LIBRARY when set, else next to the running executable,
//! else in ../lib beside it. Throws rill::Error (kIo) naming the places it looked.
std::string find_trace_library();

//! Runs the command with the injection library, waits for it and collects the report. Throws
//! rill::Error: kInvalidArgument for an empty command or one that cannot be executed (not found,
//! not executable), kIo when the library is missing or no temporary directory can be made.
//! The command's own failure is not an error: it is in exit_code / signal.
TraceResult run_traced(const TraceOptions& options);

}  // namespace rill::trace
