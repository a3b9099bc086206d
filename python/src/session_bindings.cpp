// rill.Session's native half: the C++ Session over device arrays. Each run imports the arrays
// (no copies), releases the GIL while the C++ Session enqueues, and returns without waiting for
// the GPU. Inputs arrive in engine order; the Python layer has matched names.
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "bindings.h"
#include "cuda/device.h"
#include "device_array.h"
#include "device_tensor.h"
#include "rill/session.h"

namespace rill::python {

namespace {

StreamPolicy stream_policy_from_name(const std::string& name) {
  if (name == "caller") return StreamPolicy::kCallerStream;
  if (name == "dedicated") return StreamPolicy::kAlwaysDedicated;
  throw_input_error("unknown stream_policy (\"caller\" or \"dedicated\")", {{"stream_policy", name}});
}

GraphRebinding rebinding_from_name(const std::string& name) {
  if (name == "staging") return GraphRebinding::kStagingCopies;
  if (name == "update") return GraphRebinding::kCaptureAndUpdate;
  throw_input_error("unknown graph_rebinding (\"staging\" or \"update\")", {{"graph_rebinding", name}});
}

class NativeSession {
 public:
  NativeSession(std::shared_ptr<const Engine> engine, SessionOptions options)
      : engine_(engine),
        device_(cuda::current_device()),
        events_(std::make_shared<cuda::EventPool>(device_)),
        session_(std::move(engine), options) {}

  //! `outputs` None: rill allocates them (DeviceArrays, stream-ordered on `stream`).
  py::object run(const py::list& inputs, const py::object& outputs, uintptr_t stream_handle) {
    const auto stream = reinterpret_cast<cudaStream_t>(stream_handle);
    ImportedArrays keep;
    std::vector<Tensor> in = import_all(inputs, engine_->inputs(), stream, keep);
    if (outputs.is_none()) {
      std::vector<OwnedTensor> owned;
      {
        py::gil_scoped_release release;
        owned = session_.run(in, stream);
      }
      py::list result;
      for (OwnedTensor& t : owned) {
        result.append(py::cast(std::make_unique<DeviceArray>(std::move(t), stream, device_, events_)));
      }
      return result;
    }
    std::vector<Tensor> out = import_all(outputs.cast<py::list>(), engine_->outputs(), stream, keep);
    {
      py::gil_scoped_release release;
      session_.run(in, out, stream);
    }
    return py::none();
  }

  py::dict stats() const {
    const SessionStats s = session_.stats();
    py::dict d;
    d["runs"] = s.runs;
    d["redirected_runs"] = s.redirected_runs;
    d["graph_captures"] = s.graph_captures;
    d["graph_replays"] = s.graph_replays;
    d["staged_replays"] = s.staged_replays;
    d["graph_updates"] = s.graph_updates;
    d["graph_evictions"] = s.graph_evictions;
    d["capture_fallbacks"] = s.capture_fallbacks;
    d["plain_enqueues"] = s.plain_enqueues;
    d["contexts"] = s.contexts;
    d["caller_captures"] = s.caller_captures;
    return d;
  }

  int device() const { return device_; }

 private:
  std::vector<Tensor> import_all(const py::list& arrays, const std::vector<TensorInfo>& infos,
                                 cudaStream_t stream, ImportedArrays& keep) {
    std::vector<Tensor> tensors;
    tensors.reserve(arrays.size());
    for (size_t i = 0; i < arrays.size(); ++i) {
      const std::string name = i < infos.size() ? infos[i].name : "#" + std::to_string(i);
      tensors.push_back(import_device_array(arrays[i], name, device_, stream, *events_, keep));
    }
    return tensors;
  }

  std::shared_ptr<const Engine> engine_;
  int device_;
  std::shared_ptr<cuda::EventPool> events_;
  Session session_;
};

}  // namespace

void bind_session(py::module_& m) {
  py::class_<NativeSession>(m, "NativeSession")
      .def(py::init([](std::shared_ptr<Engine> engine, int device, bool cuda_graphs, size_t initial_contexts,
                       size_t max_contexts, const std::string& stream_policy,
                       const std::string& graph_rebinding, size_t graphs_per_context) {
             SessionOptions options;
             options.cuda_graphs = cuda_graphs;
             options.initial_contexts = initial_contexts;
             options.max_contexts = max_contexts;
             options.stream_policy = stream_policy_from_name(stream_policy);
             options.graph_rebinding = rebinding_from_name(graph_rebinding);
             options.graphs_per_context = graphs_per_context;
             py::gil_scoped_release release;
             cuda::DeviceGuard guard(device);  // the session's device is the current one
             return std::make_unique<NativeSession>(std::move(engine), options);
           }),
           py::arg("engine"), py::arg("device"), py::arg("cuda_graphs"), py::arg("initial_contexts"),
           py::arg("max_contexts"), py::arg("stream_policy"), py::arg("graph_rebinding"),
           py::arg("graphs_per_context"))
      .def("run", &NativeSession::run, py::arg("inputs"), py::arg("outputs"), py::arg("stream"))
      .def("stats", &NativeSession::stats)
      .def_property_readonly("device", &NativeSession::device);
}

}  // namespace rill::python
