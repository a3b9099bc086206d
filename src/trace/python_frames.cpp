#include "trace/python_frames.h"

#include <algorithm>
#include <dlfcn.h>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rill::trace {

namespace {

// The slice of the CPython C API used here (3.9 and later), as opaque pointers.
struct PythonApi {
  int (*is_initialized)();
  int (*is_finalizing)();
  void* (*gil_this_thread_state)();
  int (*gil_check)();
  int (*gil_ensure)();
  void (*gil_release)(int);
  void* (*thread_frame)(void*);
  void* (*frame_back)(void*);
  void* (*frame_code)(void*);
  int (*frame_line)(void*);
  void* (*get_attr)(void*, const char*);
  const char* (*as_utf8)(void*);
  void (*inc_ref)(void*);
  void (*dec_ref)(void*);
  void (*err_fetch)(void**, void**, void**);
  void (*err_restore)(void*, void*, void*);
  void (*err_clear)();
};

template <typename F>
bool resolve(F*& f, const char* name) {
  f = reinterpret_cast<F*>(dlsym(RTLD_DEFAULT, name));
  return f != nullptr;
}

// Null when this process has no (recent enough) Python. Looked up once, at the first event: the
// injection starts at cuInit, long after the interpreter.
const PythonApi* python_api() {
  static const PythonApi* api = []() -> const PythonApi* {
    static PythonApi a{};
    bool ok =
        resolve(a.is_initialized, "Py_IsInitialized") &&
        resolve(a.gil_this_thread_state, "PyGILState_GetThisThreadState") &&
        resolve(a.gil_check, "PyGILState_Check") && resolve(a.gil_ensure, "PyGILState_Ensure") &&
        resolve(a.gil_release, "PyGILState_Release") &&
        resolve(a.thread_frame, "PyThreadState_GetFrame") &&
        resolve(a.frame_back, "PyFrame_GetBack") && resolve(a.frame_code, "PyFrame_GetCode") &&
        resolve(a.frame_line, "PyFrame_GetLineNumber") &&
        resolve(a.get_attr, "PyObject_GetAttrString") && resolve(a.as_utf8, "PyUnicode_AsUTF8") &&
        resolve(a.inc_ref, "Py_IncRef") && resolve(a.dec_ref, "Py_DecRef") &&
        resolve(a.err_fetch, "PyErr_Fetch") && resolve(a.err_restore, "PyErr_Restore") &&
        resolve(a.err_clear, "PyErr_Clear");
    // Py_IsFinalizing is public from 3.13; before, the same function is _Py_IsFinalizing.
    ok = ok && (resolve(a.is_finalizing, "Py_IsFinalizing") ||
                resolve(a.is_finalizing, "_Py_IsFinalizing"));
    return ok ? &a : nullptr;
  }();
  return api;
}

// Names of the code objects seen so far. Each code object is kept alive (one reference) so that
// its address, the frame's identity in a call site, is never reused for another.
struct CodeNames {
  std::string function;
  std::string file;
};
std::mutex g_names_mutex;
std::unordered_map<uintptr_t, CodeNames>& code_names() {
  static auto* names = new std::unordered_map<uintptr_t, CodeNames>;  // read at exit: never freed
  return *names;
}

std::string string_attr(const PythonApi& py, void* object, const char* name) {
  void* value = py.get_attr(object, name);
  if (value == nullptr) {
    py.err_clear();  // co_qualname is missing before 3.11
    return {};
  }
  const char* text = py.as_utf8(value);
  std::string result = text != nullptr ? text : "";
  py.dec_ref(value);
  return result;
}

// Under the GIL.
void remember(const PythonApi& py, void* code) {
  const auto key = reinterpret_cast<uintptr_t>(code);
  std::lock_guard lock(g_names_mutex);
  if (code_names().contains(key)) return;
  CodeNames names;
  names.function = string_attr(py, code, "co_qualname");  // 3.11+
  if (names.function.empty()) names.function = string_attr(py, code, "co_name");
  names.file = string_attr(py, code, "co_filename");
  py.inc_ref(code);
  code_names().emplace(key, std::move(names));
}

bool is_allocation(std::string_view api) {
  for (std::string_view word : {"Malloc", "Free", "Alloc"}) {
    if (api.find(word) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

PythonFrames parse_python_frames(std::string_view text) {
  if (text == "off" || text == "0") return PythonFrames::kOff;
  if (text == "held") return PythonFrames::kHeld;
  return PythonFrames::kAuto;
}

size_t capture_python_frames(RawFrame* out, size_t max, PythonFrames mode, std::string_view api) {
  if (mode == PythonFrames::kOff || max == 0) return 0;
  const PythonApi* py = python_api();
  if (py == nullptr || !py->is_initialized() || py->is_finalizing()) return 0;
  void* thread = py->gil_this_thread_state();
  if (thread == nullptr) return 0;  // a thread Python never saw: no Python frames
  if (!py->gil_check() && (mode == PythonFrames::kHeld || is_allocation(api))) return 0;

  // Note [Python frames and the GIL]
  const int gil = py->gil_ensure();
  void *type = nullptr, *value = nullptr, *traceback = nullptr;
  py->err_fetch(&type, &value, &traceback);  // attribute look-ups must not see a pending error
  size_t n = 0;
  void* frame = py->thread_frame(thread);
  while (frame != nullptr && n < max) {
    void* code = py->frame_code(frame);
    if (code != nullptr) {
      remember(*py, code);
      // Line 0 when unknown: a negative line would read as a native frame.
      out[n++] = RawFrame{reinterpret_cast<uintptr_t>(code), std::max(0, py->frame_line(frame))};
      py->dec_ref(code);
    }
    void* back = py->frame_back(frame);
    py->dec_ref(frame);
    frame = back;
  }
  if (frame != nullptr) py->dec_ref(frame);
  py->err_restore(type, value, traceback);
  py->gil_release(gil);
  return n;
}

SymbolizedFrame describe_python_frame(const RawFrame& frame) {
  SymbolizedFrame words;
  words.python = true;
  words.line = frame.line;
  std::lock_guard lock(g_names_mutex);
  if (auto it = code_names().find(frame.address); it != code_names().end()) {
    words.function = it->second.function;
    words.file = it->second.file;
  } else {
    words.function = "??";
  }
  return words;
}

}  // namespace rill::trace
