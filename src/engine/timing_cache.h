// The timing cache file (`rill build --timing-cache FILE`, BuildOptions::timing_cache): the
// algorithms build-time tuning chose, by problem, so that a rebuild on the same GPU and
// libraries takes them instead of timing again (Note [Build-time tuning] in
// kernels/algorithm_selector.h).
//
// Layout (little-endian), after the .rill plan file's:
//   offset 0   8 bytes  magic "RILLTIME"
//   offset 8   u32      format version (kTimingCacheFormatVersion)
//   offset 12  u32      reserved, 0
//   offset 16  u64      payload size in bytes
//   offset 24  u64      FNV-1a 64 checksum of the payload
//   offset 32  payload: environment (GPU name, compute capability, cuBLASLt and cuDNN
//              versions), then the entries in key order: key (the op kind, shapes, dtypes,
//              layout and attributes, e.g. "cudnn_conv_fwd N=1 C=64 ..."), the algorithm bytes,
//              the median milliseconds and the number of candidates timed
// The file is written to a temporary name beside it and renamed, so a reader never sees half a
// cache. load() turns a missing file into an empty cache, and a corrupt one, or one made in
// another environment, into an empty cache and a warning: a cache only saves time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernels/algorithm_selector.h"

namespace rill::engine {

class BinaryReader;
class BinaryWriter;

inline constexpr uint32_t kTimingCacheFormatVersion = 1;

struct LoadedTimingCache;

//! The environment and the choices as the timing cache stores them; the .rill plan file stores
//! an engine's tuned algorithms the same way.
void put_environment(BinaryWriter& w, const kernels::TuningEnvironment& environment);
kernels::TuningEnvironment get_environment(BinaryReader& r);
void put_choices(BinaryWriter& w, const std::map<std::string, kernels::AlgorithmChoice>& choices);
std::map<std::string, kernels::AlgorithmChoice> get_choices(BinaryReader& r);

class TimingCache {
 public:
  explicit TimingCache(kernels::TuningEnvironment environment)
      : environment_(std::move(environment)) {}

  const kernels::TuningEnvironment& environment() const noexcept { return environment_; }
  const std::map<std::string, kernels::AlgorithmChoice>& entries() const noexcept {
    return entries_;
  }
  //! The entry for `key`, or null.
  const kernels::AlgorithmChoice* find(const std::string& key) const;
  void put(const std::string& key, kernels::AlgorithmChoice choice);
  void erase(const std::string& key) { entries_.erase(key); }

  std::vector<std::byte> serialize() const;
  //! Throws kPlanFile naming what is wrong (magic, version, size, checksum, a field).
  static TimingCache deserialize(std::span<const std::byte> bytes, const std::string& origin);

  //! Writes `path` atomically (a temporary file beside it, then rename); throws kIo.
  void save(const std::string& path) const;

  //! The cache at `path` for `environment`: the file's entries when it is a valid cache made in
  //! this environment; an empty cache when the file does not exist; an empty cache and a
  //! warning when it is unreadable, corrupt, of another format version or another environment.
  static LoadedTimingCache load(const std::string& path,
                                const kernels::TuningEnvironment& environment);

 private:
  kernels::TuningEnvironment environment_;
  std::map<std::string, kernels::AlgorithmChoice> entries_;
};

struct LoadedTimingCache {
  TimingCache cache;
  std::optional<std::string> warning;  //!< why the file's entries were not taken
};

}  // namespace rill::engine
