// rill::Error -> Python. The classes live in rill/errors.py (one per ErrorKind); the translator
// builds an instance with the same formatted text, message and context and raises it.
#include <string>
#include <utility>
#include <vector>

#include "bindings.h"
#include "rill/error.h"

namespace rill::python {

namespace {

// Thrown by binding code that checks Python objects; translated like rill::Error but may pick
// the TypeError flavour of InvalidArgumentError.
struct InputError {
  Error error;
  bool type_error;
};

void raise(const Error& e, bool type_error) {
  const py::module_ errors = py::module_::import("rill.errors");
  const py::object cls = type_error ? errors.attr("InputTypeError")
                                    : errors.attr("class_for_kind")(std::string(error_kind_name(e.kind())));
  py::list context;
  for (const auto& [key, value] : e.context()) context.append(py::make_tuple(key, value));
  const py::object exc = cls(e.what(), py::arg("message") = e.message(), py::arg("context") = context);
  PyErr_SetObject(cls.ptr(), exc.ptr());
}

}  // namespace

void throw_input_error(const std::string& message,
                       std::vector<std::pair<std::string, std::string>> context, bool type_error) {
  throw InputError{Error(ErrorKind::kInvalidArgument, message, std::move(context)), type_error};
}

void bind_errors(py::module_&) {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      raise(e.error, e.type_error);
    } catch (const Error& e) {
      raise(e, false);
    }
  });
}

}  // namespace rill::python
