#include <cstring>
#include <vector>

#include "engine/engine_state.h"
#include "engine/file_frame.h"
#include "engine/plan_file.h"
#include "fuzz/fuzz_guard.h"
#include "fuzz/targets.h"

namespace rill::fuzz {

namespace {

constexpr size_t kHeaderBytes = 32;  // engine/file_frame.h

void load(std::span<const std::byte> bytes) {
  // As Engine::load does after reading the file, then what `rill inspect` shows without a GPU,
  // then the host's shape inference over the loaded graph at the smallest accepted shapes.
  auto engine = engine::EngineAccess::make(engine::deserialize_plan(bytes, "<fuzz>"));
  (void)engine->describe(/*with_gpu_plan=*/false);
  std::vector<std::vector<int64_t>> min_shapes;
  for (const TensorInfo& input : engine->inputs()) min_shapes.push_back(input.range.min);
  (void)engine->output_shapes(min_shapes);
}

}  // namespace

void plan_loader(Bytes data) {
  const auto bytes = std::as_bytes(data);
  expect_clean_outcome([&] { load(bytes); });
  // A mutated payload almost never keeps its checksum: frame it again so that the parser itself
  // sees it. The header's own checks are covered by the raw bytes above.
  const auto payload = bytes.size() >= kHeaderBytes && std::memcmp(data.data(), "RILLPLAN", 8) == 0
                           ? bytes.subspan(kHeaderBytes)
                           : bytes;
  const engine::FileFrame plan_frame{"RILLPLAN", engine::kPlanFormatVersion, "plan file"};
  const std::vector<std::byte> framed = engine::frame(plan_frame, payload);
  expect_clean_outcome([&] { load(framed); });
}

}  // namespace rill::fuzz
