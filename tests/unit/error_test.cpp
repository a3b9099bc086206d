#include <gtest/gtest.h>

#include "cuda/check.h"
#include "rill/error.h"

namespace rill {
namespace {

TEST(Error, FormatsKindMessageAndContextInOrder) {
  Error e(ErrorKind::kUnsupported, "op is not implemented", {{"op", "Foo"}});
  e.add_context("node", "foo_1").add_context("file", "model.onnx");
  EXPECT_STREQ(e.what(), "[unsupported] op is not implemented (op=Foo, node=foo_1, file=model.onnx)");
  EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
  EXPECT_EQ(e.message(), "op is not implemented");
  EXPECT_EQ(e.context_value("node"), "foo_1");
  EXPECT_EQ(e.context_value("missing"), "");
}

TEST(Error, WithoutContextHasNoParentheses) {
  Error e(ErrorKind::kIo, "cannot open");
  EXPECT_STREQ(e.what(), "[io] cannot open");
}

TEST(Error, EveryKindHasADistinctName) {
  const ErrorKind kinds[] = {ErrorKind::kCuda,           ErrorKind::kCublas,
                             ErrorKind::kCudnn,          ErrorKind::kCupti,
                             ErrorKind::kNoDevice,       ErrorKind::kInvalidArgument,
                             ErrorKind::kInvalidModel,   ErrorKind::kUnsupported,
                             ErrorKind::kPlanFile,       ErrorKind::kIo,
                             ErrorKind::kInternal};
  std::set<std::string_view> names;
  for (ErrorKind k : kinds) names.insert(error_kind_name(k));
  EXPECT_EQ(names.size(), std::size(kinds));
  EXPECT_EQ(names.count("unknown"), 0u);
}

TEST(CudaCheck, ThrowsWithErrorNameStringExpressionAndLocation) {
  try {
    RILL_CUDA_CHECK(cudaErrorInvalidValue);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCuda);
    EXPECT_NE(std::string(e.what()).find("cudaErrorInvalidValue"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("invalid argument"), std::string::npos) << e.what();
    EXPECT_EQ(e.context_value("call"), "cudaErrorInvalidValue");
    EXPECT_NE(e.context_value("at").find("error_test.cpp:"), std::string::npos);
  }
}

TEST(CudaCheck, NoDeviceStatusesMapToNoDeviceKind) {
  for (cudaError_t s : {cudaErrorNoDevice, cudaErrorInsufficientDriver}) {
    try {
      RILL_CUDA_CHECK(s);
      FAIL() << "no exception";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kNoDevice);
    }
  }
}

TEST(CudaCheck, EvaluatesItsArgumentOnce) {
  int calls = 0;
  auto f = [&] {
    ++calls;
    return cudaSuccess;
  };
  RILL_CUDA_CHECK(f());
  EXPECT_EQ(calls, 1);
  calls = 0;
  auto g = [&] {
    ++calls;
    return cudaErrorInvalidValue;
  };
  EXPECT_THROW(RILL_CUDA_CHECK(g()), Error);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace rill
