// choose_kernel's bookkeeping (Note [Kernel choice]) without a GPU: stored choices restored,
// unusable ones rejected, the default and its fallbacks. Timing is covered by the GPU tests
// (pointwise_conv_gpu_test.cpp).
#include <gtest/gtest.h>

#include "ops/kernel_choice.h"
#include "recording_selector.h"

namespace rill::testing::nn {
namespace {

class NamedKernel final : public ops::GpuKernel {
 public:
  explicit NamedKernel(std::string name) : name_(std::move(name)) {}
  void enqueue(const ops::GpuLaunch&) const override {}
  std::string describe() const override { return name_; }

 private:
  std::string name_;
};

std::vector<std::unique_ptr<ops::GpuKernel>> kernels_named(std::vector<std::string> names) {
  std::vector<std::unique_ptr<ops::GpuKernel>> out;
  for (auto& n : names) out.push_back(n.empty() ? nullptr : std::make_unique<NamedKernel>(n));
  return out;
}

struct Prepare {
  ir::Node node;
  ops::LibraryHandles libraries;
  ops::GpuPrepareContext ctx(kernels::AlgorithmSelector* selector) {
    ops::GpuPrepareContext c{node, {}, {}, {}, libraries};
    c.algorithms = selector;
    return c;
  }
};

TEST(KernelChoice, WithoutSelectorTakesTheDefault) {
  Prepare p;
  EXPECT_EQ(ops::choose_kernel(p.ctx(nullptr), "k", kernels_named({"a", "b"}), 1)->describe(), "b");
}

TEST(KernelChoice, UnavailableDefaultFallsBackToTheFirstAvailable) {
  Prepare p;
  EXPECT_EQ(ops::choose_kernel(p.ctx(nullptr), "k", kernels_named({"", "b", "c"}), 0)->describe(),
            "b");
  EXPECT_EQ(ops::choose_kernel(p.ctx(nullptr), "k", kernels_named({"a"}), 5)->describe(), "a");
}

TEST(KernelChoice, NoCandidateIsAnInternalError) {
  Prepare p;
  try {
    ops::choose_kernel(p.ctx(nullptr), "k", kernels_named({"", ""}), 0);
    FAIL() << "no candidate accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
    EXPECT_EQ(e.context_value("key"), "k");
  }
}

TEST(KernelChoice, StoredChoiceIsRestored) {
  Prepare p;
  RecordingSelector selector;
  selector.stored["k"] = kernels::AlgorithmChoice{{1}, 0.5f, 2};
  EXPECT_EQ(ops::choose_kernel(p.ctx(&selector), "k", kernels_named({"a", "b"}), 0)->describe(),
            "b");
  EXPECT_EQ(selector.rejections, 0);
  EXPECT_EQ(selector.tunings, 0);
}

TEST(KernelChoice, UnusableStoredChoicesAreRejected) {
  Prepare p;
  for (const kernels::AlgorithmChoice& bad :
       {kernels::AlgorithmChoice{{2}, 0.5f, 2}, kernels::AlgorithmChoice{{1}, 0.5f, 2},
        kernels::AlgorithmChoice{{0, 1}, 0.5f, 2}, kernels::AlgorithmChoice{{}, 0.5f, 2}}) {
    RecordingSelector selector;
    selector.stored["k"] = bad;
    // {1} names a candidate that is unavailable here.
    EXPECT_EQ(ops::choose_kernel(p.ctx(&selector), "k", kernels_named({"a", ""}), 0)->describe(),
              "a");
    EXPECT_EQ(selector.rejections, 1);
  }
}

TEST(KernelChoice, LookupOnlySelectorWithoutChoiceTakesTheDefault) {
  Prepare p;
  RecordingSelector selector(nullptr);
  EXPECT_EQ(ops::choose_kernel(p.ctx(&selector), "k", kernels_named({"a", "b"}), 1)->describe(), "b");
  EXPECT_EQ(selector.tunings, 0);
}

}  // namespace
}  // namespace rill::testing::nn
