#include "trace/call_sites.h"

#include <algorithm>
#include <functional>
#include <map>
#include <tuple>

namespace rill::trace {

std::string display_api_name(std::string_view name) {
  // cuMemcpyHtoDAsync_v2_ptsz -> cuMemcpyHtoDAsync_ptsz; cudaMemcpyAsync_ptsz_v7000 ->
  // cudaMemcpyAsync_ptsz.
  std::string_view per_thread;
  for (std::string_view suffix : {"_ptsz", "_ptds"}) {
    if (name.ends_with(suffix)) {
      per_thread = suffix;
      name.remove_suffix(suffix.size());
    }
  }
  const size_t v = name.rfind("_v");
  if (v != std::string_view::npos && v + 2 < name.size() &&
      std::all_of(name.begin() + v + 2, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    name = name.substr(0, v);
  }
  return std::string(name) + std::string(per_thread);
}

namespace {

size_t mix(size_t seed, size_t value) {
  // boost::hash_combine's mixing step.
  return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

}  // namespace

bool CallSiteTable::Key::operator==(const Key& other) const {
  return kind == other.kind && api == other.api && size == other.size &&
         std::equal(frames.begin(), frames.begin() + size, other.frames.begin());
}

size_t CallSiteTable::KeyHash::operator()(const Key& key) const {
  size_t h = mix(std::hash<const void*>{}(key.api), static_cast<size_t>(key.kind));
  for (size_t i = 0; i < key.size; ++i) {
    h = mix(h, key.frames[i].address);
    h = mix(h, static_cast<size_t>(static_cast<uint32_t>(key.frames[i].line)));
  }
  return h;
}

size_t CallSiteTable::ApiKeyHash::operator()(const ApiKey& key) const {
  return mix(std::hash<const void*>{}(key.api), static_cast<size_t>(key.kind));
}

CallSiteTable::CallSiteTable(size_t max_sites) : max_sites_(max_sites) {}

void CallSiteTable::record(SyncEventKind kind, const char* api, std::span<const RawFrame> frames) {
  Key key{kind, api, 0, {}};
  key.size = static_cast<uint8_t>(std::min(frames.size(), kMaxFrames));
  std::copy_n(frames.begin(), key.size, key.frames.begin());

  std::lock_guard lock(mutex_);
  if (auto it = sites_.find(key); it != sites_.end()) {
    ++it->second;
  } else if (sites_.size() < max_sites_) {
    sites_.emplace(key, 1);
  } else {
    ++unsited_[ApiKey{kind, api}];
    ++dropped_;
  }
}

std::vector<ApiSites> CallSiteTable::summarize(size_t top_n) const {
  // Merge by (kind, display name): cuMemAlloc and cuMemAlloc_v2 are one API to a reader.
  std::map<std::pair<SyncEventKind, std::string>, ApiSites> by_api;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, count] : sites_) {
      ApiSites& api = by_api[{key.kind, display_api_name(key.api)}];
      api.count += count;
      api.top_sites.push_back(
          {std::vector<RawFrame>(key.frames.begin(), key.frames.begin() + key.size), count});
    }
    for (const auto& [key, count] : unsited_) {
      by_api[{key.kind, display_api_name(key.api)}].count += count;
    }
  }

  std::vector<ApiSites> result;
  result.reserve(by_api.size());
  for (auto& [name, api] : by_api) {
    api.api = name.second;
    api.kind = name.first;
    // Sites with the same count keep a deterministic order: by their frames.
    std::sort(api.top_sites.begin(), api.top_sites.end(),
              [](const CallSiteCount& a, const CallSiteCount& b) {
                if (a.count != b.count) return a.count > b.count;
                return std::lexicographical_compare(
                    a.frames.begin(), a.frames.end(), b.frames.begin(), b.frames.end(),
                    [](const RawFrame& x, const RawFrame& y) {
                      return std::tie(x.address, x.line) < std::tie(y.address, y.line);
                    });
              });
    api.distinct_sites = api.top_sites.size();
    if (api.top_sites.size() > top_n) api.top_sites.resize(top_n);
    result.push_back(std::move(api));
  }
  std::stable_sort(result.begin(), result.end(), [](const ApiSites& a, const ApiSites& b) {
    return a.count > b.count;  // by_api's order (kind, name) breaks ties
  });
  return result;
}

uint64_t CallSiteTable::total(SyncEventKind kind) const {
  std::lock_guard lock(mutex_);
  uint64_t n = 0;
  for (const auto& [key, count] : sites_) {
    if (key.kind == kind) n += count;
  }
  for (const auto& [key, count] : unsited_) {
    if (key.kind == kind) n += count;
  }
  return n;
}

uint64_t CallSiteTable::dropped_sites() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace rill::trace
