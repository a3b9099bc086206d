// Call-site aggregation for rill trace: counts of (event kind, API, call site), with no CUPTI, no
// unwinding and no symbols, so that it can be tested on any machine.
//
// A call site is the stack that led to a counted CUDA call, as raw frames: native return
// addresses and (for Python programs) Python code objects with a line number. The injection
// library captures them on the calling thread and records them here; the report turns the
// busiest ones into names at exit (trace/report.h).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cuda/sync_counter.h"

namespace rill::trace {

using cuda::SyncEventKind;

//! One frame of a call site, innermost first. Native: `address` is a return address and `line`
//! is kNative. Python: `address` identifies a code object (kept alive by whoever captured it) and
//! `line` is the line being executed.
struct RawFrame {
  static constexpr int32_t kNative = -1;
  uintptr_t address = 0;
  int32_t line = kNative;

  bool is_python() const { return line != kNative; }
  friend bool operator==(const RawFrame&, const RawFrame&) = default;
};

//! At most this many frames of each kind identify a call site.
inline constexpr size_t kMaxNativeFrames = 8;
inline constexpr size_t kMaxPythonFrames = 8;
inline constexpr size_t kMaxFrames = kMaxNativeFrames + kMaxPythonFrames;

//! "cudaStreamSynchronize_v3020" -> "cudaStreamSynchronize"; keeps _ptsz, which says that the
//! per-thread default stream was meant.
std::string display_api_name(std::string_view cupti_name);

//! One call site and how often it was seen.
struct CallSiteCount {
  std::vector<RawFrame> frames;  //!< Python frames (innermost first), then native ones
  uint64_t count = 0;
};

//! Totals of one API for one kind of event, with its busiest call sites.
struct ApiSites {
  std::string api;  //!< display name
  SyncEventKind kind;
  uint64_t count = 0;
  size_t distinct_sites = 0;
  std::vector<CallSiteCount> top_sites;  //!< busiest first, at most top_n of them
};

//! Thread-safe counts by (kind, API, call site). record() is the hot path: one short lock, a hash
//! lookup and no allocation unless the site is new.
class CallSiteTable {
 public:
  //! At most `max_sites` distinct sites are kept; later new sites count in their API's total and
  //! in dropped_sites() only, so that a program with endless distinct stacks cannot exhaust memory.
  explicit CallSiteTable(size_t max_sites = 200000);

  //! Counts one event. `api` must stay valid for the table's life (CUPTI's names do). Frames
  //! beyond kMaxFrames are ignored.
  void record(SyncEventKind kind, const char* api, std::span<const RawFrame> frames);

  //! Totals per API (APIs whose display names match are merged), largest first, ties by name;
  //! each with its `top_n` busiest call sites.
  std::vector<ApiSites> summarize(size_t top_n) const;

  uint64_t total(SyncEventKind kind) const;
  uint64_t dropped_sites() const;

 private:
  struct Key {
    SyncEventKind kind;
    const char* api;
    uint8_t size;
    std::array<RawFrame, kMaxFrames> frames;
    bool operator==(const Key& other) const;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const;
  };
  struct ApiKey {
    SyncEventKind kind;
    const char* api;
    bool operator==(const ApiKey&) const = default;
  };
  struct ApiKeyHash {
    size_t operator()(const ApiKey& key) const;
  };

  size_t max_sites_;
  mutable std::mutex mutex_;
  std::unordered_map<Key, uint64_t, KeyHash> sites_;
  std::unordered_map<ApiKey, uint64_t, ApiKeyHash> unsited_;  // events whose site was dropped
  uint64_t dropped_ = 0;
};

}  // namespace rill::trace
