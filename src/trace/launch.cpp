#include "trace/launch.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include "rill/error.h"

extern char** environ;

namespace rill::trace {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLibraryName = "librill_trace.so";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A private directory for the reports, removed when the run is over.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/rill-trace-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      throw Error(ErrorKind::kIo, "cannot make a temporary directory for the report",
                  {{"pattern", pattern}, {"error", std::strerror(errno)}});
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// SIGINT and SIGQUIT go to the whole foreground process group: while the command runs, rill
// ignores them so that it can still print the report of a command stopped with Ctrl-C.
class IgnoreTerminalSignals {
 public:
  IgnoreTerminalSignals() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGINT, &ignore, &old_int_);
    sigaction(SIGQUIT, &ignore, &old_quit_);
  }
  ~IgnoreTerminalSignals() { restore(); }
  IgnoreTerminalSignals(const IgnoreTerminalSignals&) = delete;
  IgnoreTerminalSignals& operator=(const IgnoreTerminalSignals&) = delete;
  //! Also called in the child before exec: an ignored signal stays ignored across exec.
  void restore() const {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGQUIT, &old_quit_, nullptr);
  }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_quit_ {};
};

std::vector<std::string> child_environment(
    const std::vector<std::pair<std::string, std::string>>& set) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const bool replaced = std::any_of(
        set.begin(), set.end(), [&](const auto& kv) { return entry.starts_with(kv.first + "="); });
    if (!replaced) env.emplace_back(entry);
  }
  for (const auto& [key, value] : set) env.push_back(key + "=" + value);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (std::string& s : strings) result.push_back(s.data());
  result.push_back(nullptr);
  return result;
}

// The reports in `dir`: the command's own ("report") first, then its children's ("report.<pid>").
std::vector<std::string> collect_reports(const fs::path& dir) {
  std::vector<std::string> reports;
  if (fs::exists(dir / "report")) reports.push_back(read_file(dir / "report"));
  std::vector<fs::path> children;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().starts_with("report.")) children.push_back(e.path());
  }
  std::sort(children.begin(), children.end());
  for (const fs::path& p : children) reports.push_back(read_file(p));
  return reports;
}

std::string combine_json(const std::vector<std::string>& reports, bool has_own_report) {
  nlohmann::json root;
  size_t first_child = 0;
  if (has_own_report) {
    root = nlohmann::json::parse(reports[0], nullptr, /*allow_exceptions=*/false);
    first_child = 1;
  }
  if (!has_own_report || root.is_discarded()) {
    root = {{"rill_trace", 1},
            {"tracking", false},
            {"notes",
             {has_own_report ? "the command's report is unreadable (it stopped while "
                               "writing it?)"
                             : "the command's own process never initialized CUDA"}}};
  }
  nlohmann::json children = nlohmann::json::array();
  for (size_t i = first_child; i < reports.size(); ++i) {
    nlohmann::json child = nlohmann::json::parse(reports[i], nullptr, false);
    if (!child.is_discarded()) children.push_back(std::move(child));
  }
  if (!children.empty()) root["child_processes"] = std::move(children);
  return root.dump(2) + "\n";
}

}  // namespace

std::string find_trace_library() {
  if (const char* named = std::getenv("RILL_TRACE_LIBRARY"); named != nullptr && *named != '\0') {
    std::error_code ec;
    if (fs::is_regular_file(named, ec)) return fs::absolute(named).string();
    throw Error(ErrorKind::kIo, "the trace library named by RILL_TRACE_LIBRARY does not exist",
                {{"path", named}});
  }
  std::error_code ec;
  const fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  std::string looked;
  for (const fs::path& candidate :
       {exe_dir / kLibraryName, exe_dir.parent_path() / "lib" / kLibraryName}) {
    if (fs::is_regular_file(candidate, ec)) return fs::weakly_canonical(candidate).string();
    looked += (looked.empty() ? "" : ", ") + candidate.string();
  }
  throw Error(ErrorKind::kIo,
              "librill_trace.so not found; build the rill_trace_injection target or set "
              "RILL_TRACE_LIBRARY",
              {{"looked in", looked}});
}

TraceResult run_traced(const TraceOptions& options) {
  if (options.command.empty() || options.command[0].empty()) {
    throw Error(
        ErrorKind::kInvalidArgument,
        "no command to trace; usage: rill trace [--json] [--output FILE] -- COMMAND ARGS...");
  }
  std::string library = options.library.empty() ? find_trace_library() : options.library;
  {
    std::error_code ec;
    if (!fs::is_regular_file(library, ec)) {
      throw Error(ErrorKind::kIo, "the trace library does not exist", {{"path", library}});
    }
    library = fs::absolute(library).string();  // the command may change directory
  }

  TempDir dir;
  std::vector<std::string> env = child_environment({
      {"CUDA_INJECTION64_PATH", library},
      {"RILL_TRACE_OUTPUT", (dir.path() / "report").string()},
      {"RILL_TRACE_FORMAT", options.json ? "json" : "text"},
      {"RILL_TRACE_TOP", std::to_string(std::max(0, options.top))},
      {"RILL_TRACE_PARENT_PID", std::to_string(getpid())},
  });
  std::vector<std::string> argv = options.command;
  std::vector<char*> env_pointers = pointers(env);
  std::vector<char*> argv_pointers = pointers(argv);

  // exec's failure travels back through a close-on-exec pipe: EOF means exec succeeded.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    throw Error(ErrorKind::kIo, "cannot make a pipe", {{"error", std::strerror(errno)}});
  }
  IgnoreTerminalSignals ignore_signals;
  const pid_t child = fork();
  if (child < 0) {
    const int error = errno;
    close(fds[0]);
    close(fds[1]);
    throw Error(ErrorKind::kIo, "cannot fork", {{"error", std::strerror(error)}});
  }
  if (child == 0) {
    ignore_signals.restore();
    close(fds[0]);
    execvpe(argv_pointers[0], argv_pointers.data(), env_pointers.data());
    const int error = errno;
    (void)!write(fds[1], &error, sizeof(error));
    _exit(127);
  }
  close(fds[1]);
  int exec_error = 0;
  ssize_t got;
  do {
    got = read(fds[0], &exec_error, sizeof(exec_error));
  } while (got < 0 && errno == EINTR);
  close(fds[0]);

  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (got == static_cast<ssize_t>(sizeof(exec_error))) {
    throw Error(ErrorKind::kInvalidArgument,
                exec_error == ENOENT
                    ? "command not found"
                    : std::string("cannot run command: ") + std::strerror(exec_error),
                {{"command", options.command[0]}});
  }

  TraceResult result;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    result.exit_code = 128 + result.signal;
  }
  const bool has_own_report = fs::exists(dir.path() / "report");
  const std::vector<std::string> reports = collect_reports(dir.path());
  result.processes = static_cast<int>(reports.size());
  if (reports.empty()) return result;
  if (options.json) {
    result.report = combine_json(reports, has_own_report);
  } else {
    for (const std::string& r : reports) {
      if (!result.report.empty()) result.report += "\n";
      result.report += r;
    }
  }
  return result;
}

}  // namespace rill::trace
