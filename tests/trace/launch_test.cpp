// The launcher of `rill trace`, with no GPU: plain shell commands stand in for CUDA programs and
// write "reports" where the injection library would.
#include "trace/launch.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stdlib.h>
#include <unistd.h>

#include "rill/error.h"

namespace rill::trace {
namespace {

namespace fs = std::filesystem;

// Any existing file will do as the library: these commands never initialize CUDA.
class LaunchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    library_ = fs::temp_directory_path() / ("rill-trace-fake-" + std::to_string(getpid()) + ".so");
    std::ofstream(library_) << "not a library";
  }
  void TearDown() override { fs::remove(library_); }

  TraceResult run_shell(const std::string& script, bool json = false) {
    TraceOptions options;
    options.command = {"/bin/sh", "-c", script};
    options.library = library_.string();
    options.json = json;
    options.top = 7;
    return run_traced(options);
  }

  fs::path library_;
};

ErrorKind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no rill::Error thrown";
  return ErrorKind::kInternal;
}

TEST_F(LaunchTest, AnEmptyCommandIsAnError) {
  TraceOptions options;
  options.library = library_.string();
  EXPECT_EQ(kind_of([&] { run_traced(options); }), ErrorKind::kInvalidArgument);
}

TEST_F(LaunchTest, ACommandThatDoesNotExistIsAnErrorNamingIt) {
  TraceOptions options;
  options.library = library_.string();
  options.command = {"rill-no-such-command-xyz", "arg"};
  try {
    run_traced(options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(e.message(), "command not found");
    EXPECT_EQ(e.context_value("command"), "rill-no-such-command-xyz");
  }
}

TEST_F(LaunchTest, AMissingLibraryIsAnError) {
  TraceOptions options;
  options.command = {"/bin/true"};
  options.library = "/nonexistent/librill_trace.so";
  EXPECT_EQ(kind_of([&] { run_traced(options); }), ErrorKind::kIo);
}

TEST(FindTraceLibrary, HonoursRillTraceLibraryAndSaysWhereItLooked) {
  const char* saved = std::getenv("RILL_TRACE_LIBRARY");
  const std::string saved_value = saved != nullptr ? saved : "";
  setenv("RILL_TRACE_LIBRARY", "/nonexistent/librill_trace.so", 1);
  try {
    find_trace_library();
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_EQ(e.context_value("path"), "/nonexistent/librill_trace.so");
  }
  setenv("RILL_TRACE_LIBRARY", "/bin/sh", 1);
  EXPECT_EQ(find_trace_library(), "/bin/sh");
  // Unset: next to this test executable (or ../lib), where it is not.
  unsetenv("RILL_TRACE_LIBRARY");
  try {
    find_trace_library();
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_NE(e.context_value("looked in").find("librill_trace.so"), std::string::npos);
  }
  if (saved != nullptr) setenv("RILL_TRACE_LIBRARY", saved_value.c_str(), 1);
}

TEST_F(LaunchTest, PassesTheCommandsExitCode) {
  const TraceResult r = run_shell("exit 3");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.report, "");  // no process used CUDA
  EXPECT_EQ(r.processes, 0);
}

TEST_F(LaunchTest, ReportsAKillingSignal) {
  const TraceResult r = run_shell("kill -TERM $$");
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_EQ(r.exit_code, 128 + SIGTERM);
}

TEST_F(LaunchTest, HandsTheInjectionItsSettingsAndReadsItsReport) {
  const TraceResult r = run_shell(
      "printf '%s|%s|%s|%s' \"$CUDA_INJECTION64_PATH\" \"$RILL_TRACE_FORMAT\" "
      "\"$RILL_TRACE_TOP\" \"$RILL_TRACE_PARENT_PID\" > \"$RILL_TRACE_OUTPUT\"");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.processes, 1);
  EXPECT_EQ(r.report, fs::absolute(library_).string() + "|text|7|" + std::to_string(getpid()));
}

TEST_F(LaunchTest, RemovesItsTemporaryDirectory) {
  const TraceResult r = run_shell("dirname \"$RILL_TRACE_OUTPUT\" > \"$RILL_TRACE_OUTPUT\"");
  ASSERT_FALSE(r.report.empty());
  const std::string dir = r.report.substr(0, r.report.find('\n'));
  EXPECT_NE(dir.find("rill-trace-"), std::string::npos) << dir;
  EXPECT_FALSE(fs::exists(dir)) << dir;
}

TEST_F(LaunchTest, AppendsTheReportsOfProcessesTheCommandStarted) {
  const TraceResult r =
      run_shell("echo own > \"$RILL_TRACE_OUTPUT\"; echo worker > \"$RILL_TRACE_OUTPUT.4242\"");
  EXPECT_EQ(r.processes, 2);
  EXPECT_EQ(r.report, "own\n\nworker\n");
}

TEST_F(LaunchTest, JsonPutsWorkerReportsUnderChildProcesses) {
  const TraceResult r = run_shell(
      "echo '{\"rill_trace\":1,\"pid\":1}' > \"$RILL_TRACE_OUTPUT\";"
      "echo '{\"rill_trace\":1,\"pid\":2}' > \"$RILL_TRACE_OUTPUT.2\"",
      /*json=*/true);
  const nlohmann::json j = nlohmann::json::parse(r.report);
  EXPECT_EQ(j["pid"], 1);
  ASSERT_EQ(j["child_processes"].size(), 1u);
  EXPECT_EQ(j["child_processes"][0]["pid"], 2);
}

TEST_F(LaunchTest, JsonWithOnlyAWorkerReportSaysTheCommandDidNotUseCuda) {
  const TraceResult r =
      run_shell("echo '{\"rill_trace\":1,\"pid\":2}' > \"$RILL_TRACE_OUTPUT.2\"", /*json=*/true);
  const nlohmann::json j = nlohmann::json::parse(r.report);
  EXPECT_EQ(j["tracking"], false);
  EXPECT_EQ(j["child_processes"][0]["pid"], 2);
}

}  // namespace
}  // namespace rill::trace
