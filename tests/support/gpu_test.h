// GPU test plumbing. Every GPU test starts with RILL_REQUIRE_GPU():
//  - no driver or no device (cudaErrorNoDevice / cudaErrorInsufficientDriver): the test skips
//    with a message, unless RILL_EXPECT_GPU=1 says a GPU must be there, when it fails;
//  - a device: the test runs;
//  - any other CUDA failure: the test fails (a broken driver is not "no GPU").
#pragma once

#include <gtest/gtest.h>
#include <string>

namespace rill::testing {

//! Empty when a GPU is usable; otherwise why not.
std::string gpu_unavailable_reason();
//! True when RILL_EXPECT_GPU=1 is set (scripts/gpu-check.sh sets it on the device machine).
bool gpu_expected();

}  // namespace rill::testing

#define RILL_REQUIRE_GPU()                                                             \
  do {                                                                                 \
    const std::string rill_no_gpu_reason_ = ::rill::testing::gpu_unavailable_reason(); \
    if (!rill_no_gpu_reason_.empty()) {                                                \
      if (::rill::testing::gpu_expected()) {                                           \
        FAIL() << "RILL_EXPECT_GPU=1 but " << rill_no_gpu_reason_;                     \
      }                                                                                \
      GTEST_SKIP() << "GPU test skipped: " << rill_no_gpu_reason_;                     \
    }                                                                                  \
  } while (0)
