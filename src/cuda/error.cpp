#include "rill/error.h"

namespace rill {

std::string_view error_kind_name(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kCuda: return "cuda";
    case ErrorKind::kCublas: return "cublas";
    case ErrorKind::kCudnn: return "cudnn";
    case ErrorKind::kCupti: return "cupti";
    case ErrorKind::kNoDevice: return "no-device";
    case ErrorKind::kInvalidArgument: return "invalid-argument";
    case ErrorKind::kInvalidModel: return "invalid-model";
    case ErrorKind::kUnsupported: return "unsupported";
    case ErrorKind::kPlanFile: return "plan-file";
    case ErrorKind::kIo: return "io";
    case ErrorKind::kInternal: return "internal";
  }
  return "unknown";
}

Error::Error(ErrorKind kind, std::string message, Context context)
    : std::runtime_error(message), kind_(kind), message_(std::move(message)),
      context_(std::move(context)) {
  format();
}

std::string Error::context_value(std::string_view key) const {
  for (const auto& [k, v] : context_) {
    if (k == key) return v;
  }
  return {};
}

Error& Error::add_context(std::string key, std::string value) {
  context_.emplace_back(std::move(key), std::move(value));
  format();
  return *this;
}

void Error::format() {
  formatted_ = "[";
  formatted_ += error_kind_name(kind_);
  formatted_ += "] ";
  formatted_ += message_;
  if (context_.empty()) return;
  formatted_ += " (";
  for (size_t i = 0; i < context_.size(); ++i) {
    if (i > 0) formatted_ += ", ";
    formatted_ += context_[i].first;
    formatted_ += '=';
    formatted_ += context_[i].second;
  }
  formatted_ += ')';
}

}  // namespace rill
