#include "engine/timing_cache.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "engine/binary_io.h"
#include "engine/file_frame.h"
#include "engine/plan_file.h"

namespace rill::engine {

namespace {

constexpr FileFrame kCacheFrame{"RILLTIME", kTimingCacheFormatVersion, "timing cache"};

}  // namespace

void put_environment(BinaryWriter& w, const kernels::TuningEnvironment& env) {
  w.put_string(env.gpu_name);
  w.put<int32_t>(env.compute_major);
  w.put<int32_t>(env.compute_minor);
  w.put<uint64_t>(env.cublaslt_version);
  w.put<uint64_t>(env.cudnn_version);
}

kernels::TuningEnvironment get_environment(BinaryReader& r) {
  kernels::TuningEnvironment env;
  env.gpu_name = r.get_string();
  env.compute_major = r.get<int32_t>();
  env.compute_minor = r.get<int32_t>();
  env.cublaslt_version = r.get<uint64_t>();
  env.cudnn_version = r.get<uint64_t>();
  return env;
}

void put_choices(BinaryWriter& w, const std::map<std::string, kernels::AlgorithmChoice>& choices) {
  w.put<uint64_t>(choices.size());
  for (const auto& [key, choice] : choices) {
    w.put_string(key);
    w.put_vector<uint8_t>(choice.algorithm);
    w.put<float>(choice.milliseconds);
    w.put<uint32_t>(choice.candidates);
  }
}

std::map<std::string, kernels::AlgorithmChoice> get_choices(BinaryReader& r) {
  std::map<std::string, kernels::AlgorithmChoice> choices;
  // Each entry holds at least two length fields, a float and a count.
  for (uint64_t i = 0, n = r.get_count(24); i < n; ++i) {
    std::string key = r.get_string();
    kernels::AlgorithmChoice choice;
    choice.algorithm = r.get_vector<uint8_t>();
    choice.milliseconds = r.get<float>();
    choice.candidates = r.get<uint32_t>();
    if (!choices.emplace(std::move(key), std::move(choice)).second) r.fail("duplicate key");
  }
  return choices;
}

const kernels::AlgorithmChoice* TimingCache::find(const std::string& key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

void TimingCache::put(const std::string& key, kernels::AlgorithmChoice choice) {
  entries_[key] = std::move(choice);
}

std::vector<std::byte> TimingCache::serialize() const {
  BinaryWriter w;
  put_environment(w, environment_);
  put_choices(w, entries_);
  return frame(kCacheFrame, w.bytes());
}

TimingCache TimingCache::deserialize(std::span<const std::byte> bytes, const std::string& origin) {
  const auto payload = unframe(kCacheFrame, bytes, origin);
  BinaryReader r(payload, origin, "timing cache");
  TimingCache cache(get_environment(r));
  cache.entries_ = get_choices(r);
  if (r.remaining() != 0) r.fail("trailing bytes after the entries");
  return cache;
}

void TimingCache::save(const std::string& path) const {
  const std::vector<std::byte> bytes = serialize();
  // Beside the target, so that the rename stays on one file system and is atomic; the pid keeps
  // two concurrent builds from writing one temporary file.
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw Error(ErrorKind::kIo, "cannot open timing cache for writing", {{"file", temporary}});
    }
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      out.close();
      std::remove(temporary.c_str());
      throw Error(ErrorKind::kIo, "failed to write timing cache", {{"file", temporary}});
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(temporary.c_str());
    throw Error(ErrorKind::kIo, "cannot rename timing cache into place",
                {{"file", path}, {"error", why}});
  }
}

LoadedTimingCache TimingCache::load(const std::string& path,
                                    const kernels::TuningEnvironment& environment) {
  std::error_code ignored;
  if (!std::filesystem::exists(path, ignored)) return {TimingCache(environment), std::nullopt};
  const auto rejected = [&](const std::string& why) {
    return LoadedTimingCache{TimingCache(environment), "timing cache " + path + " ignored (" + why +
                                                           "); it will be rewritten"};
  };
  if (!std::filesystem::is_regular_file(path, ignored)) return rejected("not a regular file");
  std::vector<char> raw;
  try {
    std::ifstream in(path, std::ios::binary);
    if (!in) return rejected("cannot open it");
    raw.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::exception& e) {
    return rejected(std::string("cannot read it: ") + e.what());
  }
  try {
    TimingCache cache = deserialize(std::as_bytes(std::span(raw.data(), raw.size())), path);
    if (!(cache.environment() == environment)) {
      return rejected("made for " + cache.environment().to_string() + ", this build runs on " +
                      environment.to_string());
    }
    return {std::move(cache), std::nullopt};
  } catch (const Error& e) {
    return rejected(e.message());
  }
}

}  // namespace rill::engine
