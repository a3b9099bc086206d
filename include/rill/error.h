// Typed errors for every failure rill reports.
//
// rill never exits, aborts or asserts on bad input: every failure becomes a rill::Error that
// carries a kind (what went wrong, for programs) and an ordered list of context entries (where it
// went wrong, for people: op, node, shapes, file, CUDA error name). Layers add context as an error
// travels up, so a cuDNN failure deep in a kernel reaches the caller as, for example,
//   [cudnn] CUDNN_STATUS_BAD_PARAM (node=conv1, op=Conv, input=[1,3,224,224], at conv.cpp:88)
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rill {

//! What kind of failure an Error reports.
enum class ErrorKind {
  kCuda,             //!< a CUDA runtime call failed
  kCublas,           //!< a cuBLAS / cuBLASLt call failed
  kCudnn,            //!< a cuDNN call failed
  kCupti,            //!< a CUPTI call failed (sync counter, tracer)
  kNoDevice,         //!< no usable CUDA device (no driver, or no GPU)
  kInvalidArgument,  //!< the caller passed something wrong (null pointer, bad shape, bad dtype)
  kInvalidModel,     //!< a model file is malformed or inconsistent
  kUnsupported,      //!< valid input that rill does not implement (op, attribute, dtype)
  kPlanFile,         //!< a .rill plan file is corrupt, truncated or of another version
  kIo,               //!< a file could not be read or written
  kInternal,         //!< a broken invariant inside rill: a bug
};

//! Short lowercase name of a kind, as printed in messages ("cuda", "invalid-model", ...).
std::string_view error_kind_name(ErrorKind kind) noexcept;

//! The one exception type rill throws.
class Error : public std::runtime_error {
 public:
  using Context = std::vector<std::pair<std::string, std::string>>;

  Error(ErrorKind kind, std::string message, Context context = {});

  ErrorKind kind() const noexcept { return kind_; }
  //! The message without kind and context.
  const std::string& message() const noexcept { return message_; }
  //! Context entries, innermost first.
  const Context& context() const noexcept { return context_; }
  //! Value of the first context entry named `key`, or empty.
  std::string context_value(std::string_view key) const;

  //! Adds a context entry (keeps the error's kind and message) and returns *this, so a layer can
  //! `catch (Error& e) { e.add_context("node", name); throw; }`.
  Error& add_context(std::string key, std::string value);

  const char* what() const noexcept override { return formatted_.c_str(); }

 private:
  void format();

  ErrorKind kind_;
  std::string message_;
  Context context_;
  std::string formatted_;
};

}  // namespace rill
