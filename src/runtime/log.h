// rill's log: one line per message on stderr, filtered by RILL_LOG (error, warning (default),
// info, off). The runtime logs rarely: a redirected default stream, a failed capture.
#pragma once

#include <mutex>
#include <string>

namespace rill::runtime {

enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2 };

void log(LogLevel level, const std::string& message);

//! Logs `message` the first time `flag` is seen, never again: for conditions that repeat on every
//! call (like TensorRT's default-stream warning) but are worth one line.
void log_once(std::once_flag& flag, LogLevel level, const std::string& message);

}  // namespace rill::runtime
