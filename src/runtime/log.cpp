#include "runtime/log.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace rill::runtime {

namespace {

int threshold() {
  static const int level = [] {
    const char* value = std::getenv("RILL_LOG");
    if (value == nullptr) return static_cast<int>(LogLevel::kWarning);
    if (std::strcmp(value, "off") == 0) return -1;
    if (std::strcmp(value, "error") == 0) return static_cast<int>(LogLevel::kError);
    if (std::strcmp(value, "info") == 0) return static_cast<int>(LogLevel::kInfo);
    return static_cast<int>(LogLevel::kWarning);
  }();
  return level;
}

const char* name(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kInfo: return "info";
  }
  return "?";
}

}  // namespace

void log(LogLevel level, const std::string& message) {
  if (static_cast<int>(level) > threshold()) return;
  std::fprintf(stderr, "rill %s: %s\n", name(level), message.c_str());
}

void log_once(std::once_flag& flag, LogLevel level, const std::string& message) {
  std::call_once(flag, [&] { log(level, message); });
}

}  // namespace rill::runtime
