// rill.Engine's native half: build, load, save, inspect, host shape inference and the CPU
// reference run on NumPy arrays. Long calls release the GIL.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>
#include <map>
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

// Inputs are C-contiguous NumPy arrays, keyed by name (the Python layer has checked names and
// made arrays contiguous); dtype and shape are checked here and by the engine.
py::dict run_on_cpu(const Engine& engine, const py::dict& inputs) {
  std::map<std::string, Engine::HostTensor> host;
  for (const auto& [key, value] : inputs) {
    const auto name = key.cast<std::string>();
    const auto array = py::reinterpret_borrow<py::array>(value);
    if (!(array.flags() & py::array::c_style)) throw_input_error("array is not C-contiguous", {{"input", name}});
    Engine::HostTensor t;
    t.dtype = dtype_from_numpy(array.dtype(), name);
    t.shape.assign(array.shape(), array.shape() + array.ndim());
    const auto* bytes = static_cast<const std::byte*>(array.data());
    t.data.assign(bytes, bytes + array.nbytes());
    host.emplace(name, std::move(t));
  }
  std::map<std::string, Engine::HostTensor> outputs;
  {
    py::gil_scoped_release release;
    outputs = engine.run_on_cpu(host);
  }
  py::dict result;
  for (auto& [name, t] : outputs) {
    py::array array(numpy_dtype(t.dtype), t.shape);
    std::memcpy(array.mutable_data(), t.data.data(), t.data.size());
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
