// rill.Engine's native half: build, load, save, inspect, host shape inference and the CPU
// reference run on NumPy arrays. Long calls release the GIL.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "bindings.h"
#include "dtypes.h"
#include "rill/engine.h"
#include "rill/error.h"

namespace rill::python {

namespace {

using Shape = std::vector<int64_t>;

Precision precision_from_name(const std::string& name) {
  if (name == "fp32") return Precision::kFloat32;
  if (name == "fp16") return Precision::kFloat16;
  if (name == "bf16") return Precision::kBFloat16;
  throw_input_error("unknown precision (fp32, fp16 or bf16)", {{"precision", name}});
}

py::tuple info_tuple(const TensorInfo& info) {
  return py::make_tuple(info.name, std::string(dtype_name(info.dtype)), py::tuple(py::cast(info.shape)),
                        py::tuple(py::cast(info.range.min)), py::tuple(py::cast(info.range.opt)),
                        py::tuple(py::cast(info.range.max)));
}

py::list info_list(const std::vector<TensorInfo>& infos) {
  py::list list;
  for (const TensorInfo& info : infos) list.append(info_tuple(info));
  return list;
}

std::shared_ptr<Engine> build(const std::string& path, const std::string& precision,
                              bool allow_tf32, const std::map<std::string, std::tuple<Shape, Shape, Shape>>& shapes,
                              bool optimize, bool nvtx_layers, const py::object& progress) {
  BuildOptions options;
  options.precision = precision_from_name(precision);
  options.allow_tf32 = allow_tf32;
  options.optimize = optimize;
  options.nvtx_layers = nvtx_layers;
  for (const auto& [name, range] : shapes) {
    options.shapes[name] = {std::get<0>(range), std::get<1>(range), std::get<2>(range)};
  }
  BuildProgress report;
  if (!progress.is_none()) {
    report = [&progress](const std::string& stage, double fraction) {
      py::gil_scoped_acquire gil;
      progress(stage, fraction);
    };
  }
  py::gil_scoped_release release;
  return Engine::build_from_onnx(path, options, report);
}

py::dict summary(const Engine& engine) {
  const EngineSummary& s = engine.summary();
  py::dict d;
  d["nodes_imported"] = s.nodes_imported;
  d["nodes_optimized"] = s.nodes_optimized;
  d["fused_nodes"] = s.fused_nodes;
  d["weight_bytes"] = s.weight_bytes;
  d["op_counts"] = s.op_counts;
  d["half_nodes"] = s.half_nodes;
  d["float_nodes"] = s.float_nodes;
  d["precision_casts"] = s.precision_casts;
  d["precision"] = precision_name(engine.options().precision);
  return d;
}

// Inputs are NumPy arrays keyed by name (the Python layer has checked names and made arrays
// contiguous), read through the buffer protocol; dtype and shape are checked here and by the
// engine. Outputs are new NumPy arrays.
py::dict run_on_cpu(const Engine& engine, const py::dict& inputs) {
  std::map<std::string, Engine::HostTensor> host;
  for (const auto& [key, value] : inputs) {
    const auto name = key.cast<std::string>();
    Py_buffer view{};
    if (PyObject_GetBuffer(value.ptr(), &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) {
      PyErr_Clear();
      throw_input_error("array is not a C-contiguous buffer", {{"input", name}});
    }
    const std::unique_ptr<Py_buffer, void (*)(Py_buffer*)> release(&view, PyBuffer_Release);
    Engine::HostTensor t;
    t.dtype = dtype_from_buffer_format(view.format != nullptr ? view.format : "B",
                                       static_cast<size_t>(view.itemsize), name);
    t.shape.assign(view.shape, view.shape + view.ndim);
    const auto* bytes = static_cast<const std::byte*>(view.buf);
    t.data.assign(bytes, bytes + view.len);
    host.emplace(name, std::move(t));
  }
  std::map<std::string, Engine::HostTensor> outputs;
  {
    py::gil_scoped_release release;
    outputs = engine.run_on_cpu(host);
  }
  py::dict result;
  for (auto& [name, t] : outputs) {
    py::object array = new_numpy_array(t.dtype, t.shape);
    const py::buffer_info info = py::reinterpret_borrow<py::buffer>(array).request(/*writable=*/true);
    std::memcpy(info.ptr, t.data.data(), t.data.size());
    result[py::str(name)] = array;
  }
  return result;
}

}  // namespace

void bind_engine(py::module_& m) {
  py::class_<Engine, std::shared_ptr<Engine>>(m, "NativeEngine")
      .def_static("build", &build, py::arg("path"), py::arg("precision"), py::arg("allow_tf32"),
                  py::arg("shapes"), py::arg("optimize"), py::arg("nvtx_layers"), py::arg("progress"))
      .def_static("load", [](const std::string& path) {
        py::gil_scoped_release release;
        return Engine::load(path);
      })
      .def("save", [](const Engine& e, const std::string& path) {
        py::gil_scoped_release release;
        e.save(path);
      })
      .def_property_readonly("inputs", [](const Engine& e) { return info_list(e.inputs()); })
      .def_property_readonly("outputs", [](const Engine& e) { return info_list(e.outputs()); })
      .def("summary", &summary)
      .def("describe", [](const Engine& e, bool with_gpu_plan) {
        py::gil_scoped_release release;
        return e.describe(with_gpu_plan);
      })
      .def("output_shapes", [](const Engine& e, const std::vector<Shape>& input_shapes) {
        py::gil_scoped_release release;
        return e.output_shapes(input_shapes);
      })
      .def("run_on_cpu", &run_on_cpu);
}

}  // namespace rill::python
