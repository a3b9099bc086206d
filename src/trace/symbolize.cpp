#include "trace/symbolize.h"

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <dlfcn.h>
#include <elf.h>
#include <fstream>
#include <link.h>
#include <map>
#include <string>
#include <unistd.h>

namespace rill::trace {

namespace {

std::string demangle(const char* name) {
  int status = 0;
  char* text = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || text == nullptr) return name;
  std::string result = text;
  std::free(text);
  return result;
}

std::string self_exe() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string();
}

// Where the main program's first segment is loaded: what dladdr reports as its dli_fbase.
int first_module_base(dl_phdr_info* info, size_t, void* data) {
  uintptr_t lowest = UINTPTR_MAX;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    if (info->dlpi_phdr[i].p_type == PT_LOAD) {
      lowest = std::min<uintptr_t>(lowest, info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
    }
  }
  *static_cast<uintptr_t*>(data) = lowest;
  return 1;  // the main program comes first
}

uintptr_t main_program_base() {
  uintptr_t base = 0;
  dl_iterate_phdr(&first_module_base, &base);
  return base;
}

// What addr2line needs to know about a module: whether it has line tables, and whether it is a
// fixed-address executable (whose addresses are absolute) rather than position independent.
struct ElfFacts {
  bool has_lines = false;
  bool fixed_address = false;
};

ElfFacts read_elf_facts(const std::string& path) {
  ElfFacts facts;
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr header{};
  if (!in.read(reinterpret_cast<char*>(&header), sizeof(header)) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_shentsize != sizeof(Elf64_Shdr) || header.e_shstrndx >= header.e_shnum) {
    return facts;
  }
  facts.fixed_address = header.e_type == ET_EXEC;
  std::vector<Elf64_Shdr> sections(header.e_shnum);
  in.seekg(static_cast<std::streamoff>(header.e_shoff));
  if (!in.read(reinterpret_cast<char*>(sections.data()),
               static_cast<std::streamsize>(sections.size() * sizeof(Elf64_Shdr)))) {
    return facts;
  }
  const Elf64_Shdr& names_section = sections[header.e_shstrndx];
  std::string names(names_section.sh_size, '\0');
  in.seekg(static_cast<std::streamoff>(names_section.sh_offset));
  if (!in.read(names.data(), static_cast<std::streamsize>(names.size()))) return facts;
  for (const Elf64_Shdr& s : sections) {
    if (s.sh_name < names.size() && std::strcmp(names.c_str() + s.sh_name, ".debug_line") == 0) {
      facts.has_lines = true;
    }
  }
  return facts;
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Runs `addr2line -C -f -e module addresses...` and fills function (when missing), file and line.
// `which`: (frame index, return address as addr2line reads it).
void add_lines(const std::string& module, const std::vector<std::pair<size_t, uintptr_t>>& which,
               std::vector<SymbolizedFrame>& words) {
  std::string command = "addr2line -C -f -e " + shell_quote(module);
  for (const auto& [i, at] : which) {
    // The frame holds a return address; the call is the instruction before it.
    char address[32];
    std::snprintf(address, sizeof(address), " 0x%" PRIxPTR, at - 1);
    command += address;
  }
  command += " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return;
  char function[4096];
  char location[4096];
  for (const auto& entry : which) {
    const size_t i = entry.first;
    if (std::fgets(function, sizeof(function), pipe) == nullptr ||
        std::fgets(location, sizeof(location), pipe) == nullptr) {
      break;
    }
    function[std::strcspn(function, "\n")] = '\0';
    location[std::strcspn(location, "\n")] = '\0';
    SymbolizedFrame& w = words[i];
    if ((w.function.empty() || w.function == "??") && std::strcmp(function, "??") != 0) {
      w.function = function;
    }
    // "file:line", "file:line (discriminator 2)" or "??:0" / "??:?".
    std::string text = location;
    if (const size_t space = text.find(' '); space != std::string::npos) text.resize(space);
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos || text.starts_with("??")) continue;
    const int line = std::atoi(text.c_str() + colon + 1);
    if (line <= 0) continue;
    w.file = text.substr(0, colon);
    w.line = line;
  }
  pclose(pipe);
}

}  // namespace

std::vector<SymbolizedFrame> symbolize_native(const std::vector<RawFrame>& frames,
                                              bool use_addr2line) {
  std::vector<SymbolizedFrame> words(frames.size());
  std::map<std::string, std::vector<std::pair<size_t, uintptr_t>>> by_module;
  std::map<std::string, ElfFacts> facts;
  const std::string exe = self_exe();
  const uintptr_t program_base = main_program_base();
  for (size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].is_python()) continue;
    SymbolizedFrame& w = words[i];
    const uintptr_t pc = frames[i].address;
    Dl_info info{};
    // pc - 1: a return address may already lie in the next function.
    if (dladdr(reinterpret_cast<void*>(pc - 1), &info) == 0) {
      w.function = "??";
      continue;
    }
    w.module = info.dli_fname != nullptr ? info.dli_fname : "";
    // The main executable shows up under argv[0], which may be relative (and the working
    // directory may have changed since): use its real path.
    if (w.module.empty() || reinterpret_cast<uintptr_t>(info.dli_fbase) == program_base) {
      w.module = exe;
    }
    const auto base = reinterpret_cast<uintptr_t>(info.dli_fbase);
    w.offset = pc - base;
    w.function = info.dli_sname != nullptr ? demangle(info.dli_sname) : "??";
    if (!use_addr2line || w.module.empty()) continue;
    auto [it, inserted] = facts.try_emplace(w.module);
    if (inserted) it->second = read_elf_facts(w.module);
    if (!it->second.has_lines) continue;
    // addr2line wants module offsets, except in a fixed-address executable: absolute addresses.
    by_module[w.module].push_back({i, it->second.fixed_address ? pc : w.offset});
  }
  for (const auto& [module, which] : by_module) add_lines(module, which, words);
  return words;
}

}  // namespace rill::trace
