// rill's version.
#pragma once

namespace rill {
inline constexpr const char* kVersion = "0.1.0";
}  // namespace rill
