// librill_trace.so: the CUPTI injection library behind `rill trace` (docs/TRACE.md).
//
// The CUDA driver loads the library named by CUDA_INJECTION64_PATH during cuInit and calls its
// InitializeInjection. From then until exit, every host sync and default-stream operation (Note
// [What the sync counter counts] in cuda/sync_counter.h) reaches observe() on the thread that made
// the call, which records the call site; at exit the report goes to $RILL_TRACE_OUTPUT (or stderr).
//
// Settings, all from the environment:
//   RILL_TRACE_OUTPUT      report file; unset: stderr
//   RILL_TRACE_FORMAT      "json" for JSON, else text
//   RILL_TRACE_TOP         call sites kept per API in the report (default 5)
//   RILL_TRACE_PYTHON      off | held | auto (default): Note [Python frames and the GIL]
//   RILL_TRACE_ADDR2LINE   0: no file:line look-ups at exit
//   RILL_TRACE_PARENT_PID  set by `rill trace`: a process whose parent is not this pid (a worker
//                          the command started) writes to $RILL_TRACE_OUTPUT.<pid> instead
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

#include "rill/error.h"

#include "cuda/sync_counter.h"
#include "trace/call_sites.h"
#include "trace/native_stack.h"
#include "trace/python_frames.h"
#include "trace/report.h"
#include "trace/symbolize.h"

namespace rill::trace {

namespace {

struct Settings {
  std::string output;
  bool json = false;
  size_t top = 5;
  PythonFrames python = PythonFrames::kAuto;
  bool addr2line = true;
};

struct State {
  Settings settings;
  CallSiteTable table;
  bool tracking = false;
  std::vector<std::string> notes;
  std::atomic<bool> finished{false};
};

// Leaked on purpose: CUDA calls made during static destruction still reach observe().
State* g_state = nullptr;

// Set while this thread is inside observe(): anything the observer does must not count itself.
thread_local bool t_observing = false;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

Settings read_settings() {
  Settings s;
  s.output = env("RILL_TRACE_OUTPUT");
  s.json = env("RILL_TRACE_FORMAT") == "json";
  if (const std::string top = env("RILL_TRACE_TOP"); !top.empty()) {
    s.top = static_cast<size_t>(std::max(0L, std::strtol(top.c_str(), nullptr, 10)));
  }
  s.python = parse_python_frames(env("RILL_TRACE_PYTHON"));
  s.addr2line = env("RILL_TRACE_ADDR2LINE") != "0";
  // A process started by the traced command (a data-loader worker, a launcher's child) writes
  // its own file, so that it cannot overwrite the command's report.
  if (const std::string parent = env("RILL_TRACE_PARENT_PID");
      !parent.empty() && !s.output.empty()) {
    if (std::to_string(getppid()) != parent) s.output += "." + std::to_string(getpid());
  }
  return s;
}

void observe(const cuda::SyncEvent& event) {
  State* state = g_state;
  if (state == nullptr || t_observing || state->finished.load(std::memory_order_relaxed)) return;
  t_observing = true;
  RawFrame frames[kMaxFrames];
  size_t n = capture_python_frames(frames, kMaxPythonFrames, state->settings.python, event.api);
  n += capture_native_frames(frames + n, kMaxNativeFrames);
  state->table.record(event.kind, event.api, {frames, n});
  t_observing = false;
}

std::string command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char& c : text) c = c == '\0' ? ' ' : c;
  return text;
}

std::vector<SymbolizedFrame> symbolize(const std::vector<RawFrame>& frames, bool addr2line) {
  std::vector<SymbolizedFrame> words = symbolize_native(frames, addr2line);
  for (size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].is_python()) words[i] = describe_python_frame(frames[i]);
  }
  return words;
}

// At exit. Reads only our own state: CUPTI and the CUDA runtime may be gone already.
void write_report() {
  State* state = g_state;
  if (state == nullptr || state->finished.exchange(true)) return;
  const Settings& s = state->settings;
  TraceReport report = build_report(state->table, s.top, [&](const std::vector<RawFrame>& frames) {
    return symbolize(frames, s.addr2line);
  });
  report.pid = static_cast<int>(getpid());
  report.command = command_line();
  report.tracking = state->tracking;
  report.notes = state->notes;
  const std::string text = s.json ? format_json(report) : format_text(report);

  FILE* out = s.output.empty() ? stderr : std::fopen(s.output.c_str(), "w");
  if (out == nullptr) {
    std::fprintf(stderr, "rill trace: cannot write %s: %s\n", s.output.c_str(),
                 std::strerror(errno));
    out = stderr;
  }
  std::fwrite(text.data(), 1, text.size(), out);
  if (out != stderr) std::fclose(out);
}

}  // namespace

}  // namespace rill::trace

//! The driver's entry point (CUDA_INJECTION64_PATH). Returns 1 (success) even when CUPTI is
//! unavailable: the program must run as it would untraced, and the report says why it is empty.
extern "C" __attribute__((visibility("default"))) int InitializeInjection(void) {
  using namespace rill::trace;
  static std::atomic<bool> started{false};
  if (started.exchange(true)) return 1;
  auto* state = new State;
  state->settings = read_settings();
  warm_up_native_frames();
  g_state = state;
  try {
    rill::cuda::set_sync_observer(&observe);
    rill::cuda::start_process_tracking();
    state->tracking = true;
  } catch (const std::exception& e) {
    rill::cuda::set_sync_observer(nullptr);
    std::string why = e.what();
    if (why.find("MULTIPLE_SUBSCRIBERS") != std::string::npos) {
      why =
          "another CUPTI tool (Nsight Systems, Nsight Compute, a profiler, cuda-gdb or "
          "compute-sanitizer) already owns this process, and CUPTI allows one; nothing was "
          "counted (" +
          why + ")";
    } else {
      why = "CUPTI could not be used, nothing was counted: " + why;
    }
    std::fprintf(stderr, "rill trace: %s\n", why.c_str());
    state->notes.push_back(std::move(why));
  }
  std::atexit(&write_report);
  return 1;
}
