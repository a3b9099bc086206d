// Stack capture and symbols, on the host: the parts of the injection library that need no CUPTI.
#include <cstdio>
#include <gtest/gtest.h>
#include <vector>

#include "trace/native_stack.h"
#include "trace/python_frames.h"
#include "trace/symbolize.h"

// Outside any namespace and exported (ENABLE_EXPORTS), like a user's function would be.
__attribute__((noinline)) size_t rill_trace_capture_here(rill::trace::RawFrame* out, size_t max) {
  const size_t n = rill::trace::capture_native_frames(out, max);
  asm volatile("" ::: "memory");  // keeps the call from becoming a tail call
  return n;
}

namespace rill::trace {
namespace {

TEST(NativeStack, CapturesTheCallerAndNamesIt) {
  warm_up_native_frames();
  RawFrame raw[kMaxNativeFrames];
  const size_t n = rill_trace_capture_here(raw, kMaxNativeFrames);
  ASSERT_GT(n, 0u);
  const std::vector<RawFrame> frames(raw, raw + n);
  for (const RawFrame& f : frames) EXPECT_FALSE(f.is_python());
  const std::vector<SymbolizedFrame> words = symbolize_native(frames, /*use_addr2line=*/true);
  ASSERT_EQ(words.size(), n);
  for (const SymbolizedFrame& w : words) {
    std::printf("  %s  %s:%d  [%s+0x%zx]\n", w.function.c_str(), w.file.c_str(), w.line,
                w.module.c_str(), static_cast<size_t>(w.offset));
  }
  // No tracer module in this process: the innermost frame is capture_native_frames' caller.
  EXPECT_NE(words[0].function.find("rill_trace_capture_here"), std::string::npos)
      << words[0].function;
  EXPECT_NE(words[0].module.find("rill_trace_tests"), std::string::npos) << words[0].module;
  EXPECT_EQ(words[0].module.front(), '/') << words[0].module;  // absolute, for addr2line
  // file:line comes from addr2line when the test carries debug info.
  if (!words[0].file.empty()) {
    EXPECT_NE(words[0].file.find("capture_test.cpp"), std::string::npos) << words[0].file;
    EXPECT_GT(words[0].line, 0);
  }
  // The test body is the next frame up.
  EXPECT_NE(words[1].function.find("CapturesTheCallerAndNamesIt"), std::string::npos)
      << words[1].function;
}

TEST(NativeStack, RespectsTheLimit) {
  RawFrame raw[2];
  EXPECT_EQ(rill_trace_capture_here(raw, 2), 2u);
}

TEST(PythonFrames, NoneInAProcessWithoutPython) {
  RawFrame raw[4];
  EXPECT_EQ(capture_python_frames(raw, 4, PythonFrames::kAuto, "cudaStreamSynchronize"), 0u);
  const SymbolizedFrame unknown = describe_python_frame(RawFrame{0x1234, 3});
  EXPECT_TRUE(unknown.python);
  EXPECT_EQ(unknown.function, "??");
  EXPECT_EQ(unknown.line, 3);
}

TEST(PythonFrames, ParsesTheMode) {
  EXPECT_EQ(parse_python_frames("off"), PythonFrames::kOff);
  EXPECT_EQ(parse_python_frames("0"), PythonFrames::kOff);
  EXPECT_EQ(parse_python_frames("held"), PythonFrames::kHeld);
  EXPECT_EQ(parse_python_frames(""), PythonFrames::kAuto);
  EXPECT_EQ(parse_python_frames("auto"), PythonFrames::kAuto);
}

}  // namespace
}  // namespace rill::trace
