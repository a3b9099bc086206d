#include "cli/trace_command.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "rill/error.h"

#include "trace/launch.h"

namespace rill::cli {

int run_trace(const TraceCommand& cmd) {
  trace::TraceOptions options;
  options.command = cmd.command;
  options.json = cmd.json;
  options.top = cmd.top;
  const trace::TraceResult result = trace::run_traced(options);
  const std::string& name = cmd.command.front();

  if (result.report.empty()) {
    std::fprintf(stderr,
                 "rill trace: no report: %s never initialized CUDA (or exited without running its "
                 "exit handlers)\n",
                 name.c_str());
  } else if (cmd.output.empty()) {
    std::fwrite(result.report.data(), 1, result.report.size(), stdout);
    std::fflush(stdout);
  } else {
    std::ofstream out(cmd.output, std::ios::binary);
    out << result.report;
    if (!out) throw Error(ErrorKind::kIo, "cannot write the report", {{"path", cmd.output}});
    std::fprintf(stderr, "rill trace: report written to %s\n", cmd.output.c_str());
  }

  if (result.signal != 0) {
    std::fprintf(stderr, "rill trace: %s was killed by signal %d (%s)\n", name.c_str(),
                 result.signal, strsignal(result.signal));
  } else if (result.exit_code != 0) {
    std::fprintf(stderr, "rill trace: %s exited with code %d\n", name.c_str(), result.exit_code);
  }
  return result.exit_code;
}

}  // namespace rill::cli
