#include "ops/kernel_choice.h"

#include "ir/tensor.h"
#include "kernels/algorithm_selector.h"
#include "kernels/tuning_bench.h"

namespace rill::ops {

namespace {

size_t bytes_of(const TensorDesc& desc) {
  return static_cast<size_t>(ir::element_count(desc.shape)) * dtype_size(desc.dtype);
}

// Milliseconds of one enqueue of `kernel` on the bench's scratch buffers.
float time_kernel(const GpuPrepareContext& ctx, const GpuKernel& kernel,
                  kernels::TuningBench& bench) {
  std::vector<size_t> sizes;
  for (const TensorDesc& in : ctx.inputs) sizes.push_back(bytes_of(in));
  for (const TensorDesc& out : ctx.outputs) sizes.push_back(bytes_of(out));
  sizes.push_back(kernel.workspace_bytes());
  const std::vector<void*> buffers = bench.buffers(sizes);
  const size_t inputs = ctx.inputs.size();
  std::vector<const void*> in(buffers.begin(), buffers.begin() + static_cast<std::ptrdiff_t>(inputs));
  std::vector<void*> out(buffers.begin() + static_cast<std::ptrdiff_t>(inputs), buffers.end() - 1);
  return bench.time([&](cudaStream_t stream) {
    kernel.enqueue(GpuLaunch{in, out, buffers.back(), stream, &ctx.libraries});
  });
}

}  // namespace

std::unique_ptr<GpuKernel> choose_kernel(const GpuPrepareContext& ctx, const std::string& key,
                                         std::vector<std::unique_ptr<GpuKernel>> candidates,
                                         size_t default_index) {
  auto take = [&](size_t i) { return std::move(candidates[i]); };
  size_t fallback = default_index < candidates.size() && candidates[default_index]
                        ? default_index
                        : candidates.size();
  for (size_t i = 0; fallback == candidates.size() && i < candidates.size(); ++i) {
    if (candidates[i]) fallback = i;
  }
  if (fallback == candidates.size()) {
    throw Error(ErrorKind::kInternal, "no kernel candidate for this node", {{"key", key}});
  }
  kernels::AlgorithmSelector* selector = ctx.algorithms;
  if (selector == nullptr) return take(fallback);
  if (const kernels::AlgorithmChoice* stored = selector->find(key)) {
    if (stored->algorithm.size() == 1 && stored->algorithm[0] < candidates.size() &&
        candidates[stored->algorithm[0]]) {
      return take(stored->algorithm[0]);
    }
    selector->rejected(key);
    return take(fallback);
  }
  kernels::TuningBench* bench = selector->bench();
  size_t available = 0;
  for (const auto& c : candidates) available += c ? 1 : 0;
  if (bench == nullptr || available < 2) return take(fallback);

  size_t best = candidates.size();
  float best_ms = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!candidates[i]) continue;
    try {
      const float ms = time_kernel(ctx, *candidates[i], *bench);
      if (best == candidates.size() || ms < best_ms) {
        best = i;
        best_ms = ms;
      }
    } catch (const Error&) {
      // A candidate that cannot run on the bench's buffers is no candidate.
    }
  }
  if (best == candidates.size()) return take(fallback);
  selector->tuned(key, kernels::AlgorithmChoice{{static_cast<uint8_t>(best)}, best_ms,
                                                static_cast<uint32_t>(available)});
  return take(best);
}

}  // namespace rill::ops
