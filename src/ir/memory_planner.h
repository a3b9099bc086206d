// Activation memory planning: one arena per execution context, with buffers whose lifetimes do
// not overlap sharing memory.
//
// Note [Memory planning]
// ~~~~~~~~~~~~~~~~~~~~~~
// Steps are the positions of nodes in execution order. A buffer is live from first_use (the step
// that writes it) through last_use (the last step that reads it), inclusive, so a node's output
// never shares memory with its own inputs. A view (Reshape, Flatten...) is an alias: it has no
// memory of its own and keeps its owner alive until the view's last use; views of views resolve
// to the owning buffer. Pinned buffers (graph inputs and outputs, which live in caller memory) are
// not planned, and neither are views of them.
//
// Placement is greedy by size, largest first, each buffer into the smallest free gap that holds
// it among the buffers already placed whose lifetimes overlap its own (best fit), else on top of
// them. Offsets and sizes are rounded up to kArenaAlignment, enough for any kernel's vector loads
// and cuBLASLt / cuDNN pointer alignment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rill::ir {

inline constexpr size_t kArenaAlignment = 256;

struct BufferRequest {
  std::string name;  //!< for error messages (the value name)
  size_t bytes = 0;
  int64_t first_use = 0;           //!< step that writes it
  int64_t last_use = 0;            //!< last step that reads it (>= first_use)
  bool pinned = false;             //!< caller memory (graph input/output): not planned
  std::optional<size_t> alias_of;  //!< index of the buffer this one is a view of
  size_t alias_offset = 0;         //!< byte offset of the view inside that buffer
};

struct MemoryPlan {
  static constexpr size_t kNotPlanned = std::numeric_limits<size_t>::max();

  //! Per request: byte offset into the arena, or
  //! kNotPlanned for pinned buffers and views of them.
  std::vector<size_t> offsets;
  //! Per request: the index of the buffer owning its memory (itself unless it is a view).
  std::vector<size_t> owners;
  size_t arena_bytes = 0;  //!< planned peak: the arena size
  size_t naive_bytes = 0;  //!< one buffer each, no reuse (aligned sizes of all planned owners)
};

//! Plans `buffers`. Inconsistent requests (first_use > last_use, an alias index out of range or
//! in a cycle, a view that overruns its owner, sizes that overflow alignment) are kInvalidArgument
//! errors naming the buffer.
MemoryPlan plan_memory(std::span<const BufferRequest> buffers);

}  // namespace rill::ir
