// The attention block model on the engine's CPU executor: the pass fuses it into one
// rill.Attention, and the fused engine computes what the unoptimized one does.
#include <gtest/gtest.h>

#include "attention_engine_util.h"

namespace rill::testing::transformer {
namespace {

TEST(AttentionEngine, BlockFusesAndMatchesTheUnfusedGraphOnTheCpu) {
  const auto fused = Engine::build_from_onnx(attention_block_path());
  EXPECT_EQ(fused->summary().op_counts.count("rill.Attention")
                ? fused->summary().op_counts.at("rill.Attention")
                : 0u,
            1u);
  EXPECT_EQ(fused->summary().op_counts.count("Softmax"), 0u);
  EXPECT_EQ(fused->summary().op_counts.count("Transpose"), 0u);
  BuildOptions plain_options;
  plain_options.optimize = false;
  const auto plain = Engine::build_from_onnx(attention_block_path(), plain_options);
  for (int64_t batch : {1, 3}) {
    const auto inputs = attention_block_inputs(batch, 40 + static_cast<uint64_t>(batch));
    const auto want = run_engine_on_cpu(*plain, inputs);
    const auto got = run_engine_on_cpu(*fused, inputs);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(tensors_close(got[0], want[0], 1e-6)) << "batch " << batch;
  }
}

}  // namespace
}  // namespace rill::testing::transformer
