#include "ir/memory_planner.h"

#include <algorithm>

#include "rill/error.h"

namespace rill::ir {

namespace {

Error buffer_error(std::string message, const BufferRequest& buffer, size_t index) {
  return Error(ErrorKind::kInvalidArgument, "memory planner: " + std::move(message),
               {{"buffer", buffer.name.empty() ? "#" + std::to_string(index) : buffer.name}});
}

size_t align_up(size_t bytes, const BufferRequest& buffer, size_t index) {
  if (bytes > std::numeric_limits<size_t>::max() - (kArenaAlignment - 1)) {
    throw buffer_error("buffer size overflows alignment", buffer, index);
  }
  return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

// Follows alias_of to the owning buffer; a chain longer than the buffer count is a cycle.
size_t find_owner(std::span<const BufferRequest> buffers, size_t index) {
  size_t current = index;
  for (size_t hops = 0; buffers[current].alias_of; ++hops) {
    const size_t next = *buffers[current].alias_of;
    if (next >= buffers.size() || next == current) {
      Error error = buffer_error("alias_of names no other buffer", buffers[current], current);
      error.add_context("alias_of", std::to_string(next));
      throw error;
    }
    if (hops > buffers.size()) throw buffer_error("aliases form a cycle", buffers[index], index);
    current = next;
  }
  return current;
}

struct Interval {
  int64_t first = 0;
  int64_t last = 0;
  bool overlaps(const Interval& other) const { return first <= other.last && other.first <= last; }
};

struct Placed {
  size_t offset = 0;
  size_t size = 0;
  Interval live;
};

// Best fit among the gaps left by `placed` buffers live at the same time as `live`.
size_t choose_offset(const std::vector<Placed>& placed, const Interval& live, size_t size) {
  std::vector<std::pair<size_t, size_t>> busy;  // [begin, end) of conflicting buffers
  for (const Placed& p : placed) {
    if (p.size > 0 && p.live.overlaps(live)) busy.emplace_back(p.offset, p.offset + p.size);
  }
  std::sort(busy.begin(), busy.end());
  size_t cursor = 0;
  std::optional<size_t> best_offset;
  size_t best_gap = 0;
  for (const auto& [begin, end] : busy) {
    if (begin > cursor) {
      const size_t gap = begin - cursor;
      if (gap >= size && (!best_offset || gap < best_gap)) {
        best_offset = cursor;
        best_gap = gap;
      }
    }
    cursor = std::max(cursor, end);
  }
  return best_offset.value_or(cursor);
}

}  // namespace

MemoryPlan plan_memory(std::span<const BufferRequest> buffers) {
  const size_t count = buffers.size();
  MemoryPlan plan;
  plan.offsets.assign(count, MemoryPlan::kNotPlanned);
  plan.owners.resize(count);

  std::vector<Interval> live(count);
  for (size_t i = 0; i < count; ++i) {
    const BufferRequest& buffer = buffers[i];
    if (buffer.first_use > buffer.last_use) {
      Error error = buffer_error("first use after last use", buffer, i);
      error.add_context("first_use", std::to_string(buffer.first_use));
      error.add_context("last_use", std::to_string(buffer.last_use));
      throw error;
    }
    plan.owners[i] = find_owner(buffers, i);
    live[i] = {buffer.first_use, buffer.last_use};
  }
  // A view keeps its owner alive: the owner's lifetime covers every view's.
  for (size_t i = 0; i < count; ++i) {
    const size_t owner = plan.owners[i];
    if (owner == i) continue;
    const BufferRequest& view = buffers[i];
    if (view.alias_offset > buffers[owner].bytes ||
        view.bytes > buffers[owner].bytes - view.alias_offset) {
      Error error = buffer_error("view overruns the buffer it aliases", view, i);
      error.add_context("owner", buffers[owner].name);
      throw error;
    }
    live[owner].first = std::min(live[owner].first, live[i].first);
    live[owner].last = std::max(live[owner].last, live[i].last);
  }

  std::vector<size_t> order;
  std::vector<size_t> aligned(count, 0);
  for (size_t i = 0; i < count; ++i) {
    if (plan.owners[i] != i || buffers[i].pinned) continue;
    aligned[i] = align_up(buffers[i].bytes, buffers[i], i);
    plan.naive_bytes += aligned[i];
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (aligned[a] != aligned[b]) return aligned[a] > aligned[b];
    return live[a].first < live[b].first;
  });

  std::vector<Placed> placed;
  placed.reserve(order.size());
  for (size_t i : order) {
    const size_t offset = choose_offset(placed, live[i], aligned[i]);
    placed.push_back({offset, aligned[i], live[i]});
    plan.offsets[i] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + aligned[i]);
  }
  for (size_t i = 0; i < count; ++i) {
    const size_t owner = plan.owners[i];
    if (owner != i && plan.offsets[owner] != MemoryPlan::kNotPlanned) {
      plan.offsets[i] = plan.offsets[owner] + buffers[i].alias_offset;
    }
  }
  return plan;
}

}  // namespace rill::ir
