#include "trace/native_stack.h"

#include <algorithm>
#include <atomic>
#include <execinfo.h>
#include <link.h>
#include <string_view>
#include <vector>

namespace rill::trace {

namespace {

struct Module {
  uintptr_t start;
  uintptr_t end;
  bool skip;
};

// An immutable snapshot of the loaded modules' address ranges, sorted by start.
struct ModuleMap {
  unsigned long long adds = 0;  // dl_phdr_info::dlpi_adds / dlpi_subs when it was taken
  unsigned long long subs = 0;
  std::vector<Module> modules;
};

// Replaced snapshots are leaked on purpose: another thread may still be reading one, and there is
// one per library loaded while tracing, a handful in a whole run.
std::atomic<const ModuleMap*> g_modules{nullptr};

bool is_tracer_module(std::string_view path) {
  const size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (std::string_view prefix : {"librill_trace", "libcupti", "libcudart", "libcuda.so"}) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

int add_module(dl_phdr_info* info, size_t, void* data) {
  auto* map = static_cast<ModuleMap*>(data);
  map->adds = info->dlpi_adds;
  map->subs = info->dlpi_subs;
  const bool skip = info->dlpi_name != nullptr && is_tracer_module(info->dlpi_name);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    map->modules.push_back({start, start + ph.p_memsz, skip});
  }
  return 0;
}

int read_counters(dl_phdr_info* info, size_t, void* data) {
  auto* map = static_cast<ModuleMap*>(data);
  map->adds = info->dlpi_adds;
  map->subs = info->dlpi_subs;
  return 1;  // the counters are the same in every entry: stop after the first
}

const Module* find(const ModuleMap* map, uintptr_t pc) {
  if (map == nullptr) return nullptr;
  auto it = std::upper_bound(map->modules.begin(), map->modules.end(), pc,
                             [](uintptr_t p, const Module& m) { return p < m.start; });
  if (it == map->modules.begin()) return nullptr;
  --it;
  return pc < it->end ? &*it : nullptr;
}

// The module holding `pc`, refreshing the snapshot when a library was loaded or unloaded since.
// No lock is held around dl_iterate_phdr (which takes the loader's lock), so a library constructor
// that calls CUDA while another thread refreshes cannot deadlock against us.
const Module* module_of(uintptr_t pc) {
  const ModuleMap* map = g_modules.load(std::memory_order_acquire);
  if (const Module* m = find(map, pc)) return m;
  ModuleMap counters;
  dl_iterate_phdr(&read_counters, &counters);
  if (map != nullptr && counters.adds == map->adds && counters.subs == map->subs) {
    return nullptr;  // not in any module (JIT code, say); nothing new to learn
  }
  auto* fresh = new ModuleMap;
  dl_iterate_phdr(&add_module, fresh);
  std::sort(fresh->modules.begin(), fresh->modules.end(),
            [](const Module& a, const Module& b) { return a.start < b.start; });
  g_modules.store(fresh, std::memory_order_release);
  return find(fresh, pc);
}

}  // namespace

size_t capture_native_frames(RawFrame* out, size_t max) {
  constexpr int kDepth = 64;  // tracer, CUPTI, driver and runtime frames come first: leave room
  void* stack[kDepth];
  const int depth = backtrace(stack, kDepth);
  int first = 1;  // stack[0] is this function
  while (first < depth) {
    const Module* m = module_of(reinterpret_cast<uintptr_t>(stack[first]));
    if (m == nullptr || !m->skip) break;
    ++first;
  }
  size_t n = 0;
  for (int i = first; i < depth && n < max; ++i) {
    out[n++] = RawFrame{reinterpret_cast<uintptr_t>(stack[i]), RawFrame::kNative};
  }
  return n;
}

void warm_up_native_frames() {
  void* stack[4];
  (void)backtrace(stack, 4);
  (void)module_of(reinterpret_cast<uintptr_t>(&warm_up_native_frames));
}

}  // namespace rill::trace
