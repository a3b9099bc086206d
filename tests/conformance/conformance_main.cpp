// ONNX backend conformance: runs ONNX's own node tests (Debian's libonnx-testdata) through rill
// and compares with their expected outputs, on the CPU reference or on the GPU.
//
//   rill_conformance --backend cpu|gpu [--precision fp32|fp16|bf16] [--data DIR]
//                    [--filter SUBSTRING] [--verbose]
//
// A test runs when every op of its model is registered in rill. It is skipped (and listed with
// the reason) when rill rejects something about it as unsupported: an attribute value, a dtype, an
// opset outside 13..17. Any other error or a wrong result is a failure. The tolerance is the one
// ONNX's backend test runner uses: |actual - expected| <= atol + rtol * |expected| with
// rtol 1e-3, atol 1e-7, and NaN equal to NaN.
//
// --precision fp16|bf16 (GPU only) builds each test's engine as `rill build --fp16|--bf16` does
// (Note [Reduced-precision engines]): float32 tensors inside the engine become half, the model's
// inputs and outputs keep their dtypes. The tolerance then follows the dtype's precision:
// rtol 1e-2, atol 1e-3 (float16) and rtol 4e-2, atol 1e-2 (bfloat16), on floating outputs;
// integer and boolean outputs must still match exactly. Some node tests pick inputs that half
// precision cannot tell apart (softmax over 10000, 10001, 10002, 10003: float16 rounds them to
// 10000, 10000, 10000, 10008), where ONNX's expected output is out of any half engine's reach.
// A test whose outputs miss ONNX's expectation is then checked against the CPU reference run on
// the inputs rounded to the engine's dtype (the values the engine computes with), and counted
// apart, by name, as "passed on rounded inputs"; it fails if it misses that too.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/stream_pool.h"
#include "engine/cpu_executor.h"
#include "engine/engine_state.h"
#include "engine/builder.h"
#include "onnx/importer.h"
#include "ops/op.h"
#include "rill/engine.h"

namespace fs = std::filesystem;
using rill::Error;
using rill::ErrorKind;
using rill::ir::HostTensor;

namespace {

struct Options {
  std::string backend = "cpu";
  std::string data = "/usr/share/libonnx-testdata/data/node";
  std::string filter;
  rill::Precision precision = rill::Precision::kFloat32;
  bool verbose = false;
};

struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-7;
};

Tolerance tolerance_for(rill::Precision precision) {
  switch (precision) {
    case rill::Precision::kFloat16:
      return {1e-2, 1e-3};
    case rill::Precision::kBFloat16:
      return {4e-2, 1e-2};
    default:
      return {};
  }
}

enum class Outcome { kPassed, kPassedOnRoundedInputs, kFailed, kSkipped, kNotApplicable };

struct Result {
  Outcome outcome;
  std::string detail;
};

std::vector<HostTensor> load_numbered(const fs::path& dir, const std::string& prefix) {
  std::vector<HostTensor> tensors;
  for (int i = 0;; ++i) {
    const fs::path file = dir / (prefix + "_" + std::to_string(i) + ".pb");
    if (!fs::exists(file)) break;
    tensors.push_back(rill::onnx::load_tensor_proto_file(file.string()));
  }
  return tensors;
}

std::string compare(const HostTensor& actual, const HostTensor& expected, Tolerance tol) {
  if (!rill::is_floating(expected.dtype())) tol = {0, 0};
  if (actual.dtype() != expected.dtype()) {
    return "dtype " + std::string(rill::dtype_name(actual.dtype())) + " != expected " +
           std::string(rill::dtype_name(expected.dtype()));
  }
  if (actual.shape() != expected.shape()) {
    return "shape " + rill::ir::shape_string(actual.shape()) + " != expected " +
           rill::ir::shape_string(expected.shape());
  }
  const std::vector<double> a = actual.as_doubles();
  const std::vector<double> e = expected.as_doubles();
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(e[i])) continue;
    if (a[i] == e[i]) continue;  // also equal infinities
    if (!(std::abs(a[i] - e[i]) <= tol.atol + tol.rtol * std::abs(e[i]))) {
      char text[160];
      std::snprintf(text, sizeof(text), "element %zu: got %.9g, expected %.9g", i, a[i], e[i]);
      return text;
    }
  }
  return {};
}

// rill reads some op inputs at plan time (Reshape's shape, ReduceSum's axes, Resize's scales):
// real models hold them in initializers, while ONNX's node tests often pass them as graph inputs.
// The test's values for those inputs are known, so they become initializers here.
void promote_plan_time_inputs(rill::ir::Graph& graph, std::vector<HostTensor>& inputs) {
  std::set<std::string> promote;
  for (const auto& node : graph.nodes) {
    const rill::ops::OpDef* def = rill::ops::find_op(node.op_type);
    if (def == nullptr) continue;
    for (int i : def->constant_inputs) {
      if (node.has_input(static_cast<size_t>(i))) promote.insert(node.input(static_cast<size_t>(i)));
    }
  }
  for (size_t i = graph.inputs.size(); i-- > 0;) {
    if (promote.count(graph.inputs[i].name) == 0 || i >= inputs.size()) continue;
    graph.initializers[graph.inputs[i].name] = inputs[i];
    graph.inputs.erase(graph.inputs.begin() + static_cast<std::ptrdiff_t>(i));
    inputs.erase(inputs.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

std::vector<HostTensor> cpu_outputs(const rill::ir::Graph& graph,
                                    const std::vector<HostTensor>& inputs) {
  std::map<std::string, HostTensor> named;
  for (size_t i = 0; i < graph.inputs.size() && i < inputs.size(); ++i) {
    named[graph.inputs[i].name] = inputs[i];
  }
  const auto outputs = rill::engine::run_graph_on_cpu(graph, named);
  std::vector<HostTensor> ordered;
  for (const auto& out : graph.outputs) ordered.push_back(outputs.at(out.name));
  return ordered;
}

// float32 inputs as a reduced-precision engine sees them: rounded to its dtype.
std::vector<HostTensor> rounded_inputs(std::vector<HostTensor> inputs, rill::Precision precision) {
  const rill::DType half =
      precision == rill::Precision::kFloat16 ? rill::DType::kFloat16 : rill::DType::kBFloat16;
  for (HostTensor& t : inputs) {
    if (t.dtype() == rill::DType::kFloat32) {
      t = rill::ir::convert_floating(rill::ir::convert_floating(t, half), rill::DType::kFloat32);
    }
  }
  return inputs;
}

// "" when every expected output is matched, else the first mismatch with the output's name.
std::string first_mismatch(const rill::ir::Graph& graph, const std::vector<HostTensor>& actual,
                           const std::vector<HostTensor>& expected, Tolerance tol) {
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::string why = compare(actual[i], expected[i], tol); !why.empty()) {
      return graph.outputs[i].name + ": " + why;
    }
  }
  return {};
}

std::vector<HostTensor> run_on_gpu(rill::ir::Graph graph, std::vector<HostTensor> inputs,
                                   const std::string& origin, rill::Precision precision) {
  promote_plan_time_inputs(graph, inputs);
  rill::BuildOptions options;
  options.optimize = false;  // test the ops themselves, as the model states them
  options.precision = precision;
  for (size_t i = 0; i < graph.inputs.size() && i < inputs.size(); ++i) {
    const auto& shape = inputs[i].shape();
    options.shapes[graph.inputs[i].name] = {shape, shape, shape};
  }
  auto engine =
      rill::engine::EngineAccess::make(rill::engine::build_definition(graph, options, origin));
  auto context = engine->create_context();
  rill::cuda::StreamPool streams(rill::cuda::current_device());
  const auto stream = streams.acquire();

  std::vector<void*> buffers;
  auto allocate = [&](size_t bytes) {
    void* p = nullptr;
    RILL_CUDA_CHECK(cudaMalloc(&p, std::max<size_t>(bytes, 1)));
    buffers.push_back(p);
    return p;
  };
  std::vector<HostTensor> outputs;
  try {
    for (size_t i = 0; i < engine->inputs().size(); ++i) {
      const auto& info = engine->inputs()[i];
      context->set_input_shape(info.name, inputs[i].shape());
      void* p = allocate(inputs[i].bytes());
      RILL_CUDA_CHECK(cudaMemcpy(p, inputs[i].raw(), inputs[i].bytes(), cudaMemcpyHostToDevice));
      context->set_tensor_address(info.name, p);
    }
    std::vector<void*> out_ptrs;
    for (const auto& info : engine->outputs()) {
      outputs.emplace_back(info.dtype, context->output_shape(info.name));
      void* p = allocate(outputs.back().bytes());
      RILL_CUDA_CHECK(cudaMemset(p, 0xFF, std::max<size_t>(outputs.back().bytes(), 1)));  // poison
      context->set_tensor_address(info.name, p);
      out_ptrs.push_back(p);
    }
    context->enqueue(stream.get());
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
    for (size_t i = 0; i < outputs.size(); ++i) {
      RILL_CUDA_CHECK(cudaMemcpy(outputs[i].raw(), out_ptrs[i], outputs[i].bytes(),
                                 cudaMemcpyDeviceToHost));
    }
  } catch (...) {
    for (void* p : buffers) (void)cudaFree(p);
    throw;
  }
  for (void* p : buffers) (void)cudaFree(p);
  return outputs;
}

Result run_test(const fs::path& dir, const Options& options) {
  const std::string model = (dir / "model.onnx").string();
  // A model that uses an op rill does not have is not a test of rill's ops.
  try {
    for (const std::string& op : rill::onnx::model_op_types(model)) {
      if (rill::ops::find_op(op) == nullptr) return {Outcome::kNotApplicable, op};
    }
  } catch (const Error& e) {
    return {Outcome::kFailed, e.what()};
  }
  rill::ir::Graph graph;
  try {
    graph = rill::onnx::import_onnx_file(model);
  } catch (const Error& e) {
    return {e.kind() == ErrorKind::kUnsupported ? Outcome::kSkipped : Outcome::kFailed, e.what()};
  }

  int sets = 0;
  bool rounded = false;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_directory() || entry.path().filename().string().rfind("test_data_set_", 0) != 0) {
      continue;
    }
    ++sets;
    try {
      const std::vector<HostTensor> inputs = load_numbered(entry.path(), "input");
      const std::vector<HostTensor> expected = load_numbered(entry.path(), "output");
      std::vector<HostTensor> actual;
      if (options.backend == "gpu") {
        actual = run_on_gpu(graph, inputs, dir.string(), options.precision);
      } else {
        actual = cpu_outputs(graph, inputs);
      }
      if (actual.size() < expected.size()) return {Outcome::kFailed, "too few outputs"};
      const Tolerance tol = tolerance_for(options.precision);
      std::string why = first_mismatch(graph, actual, expected, tol);
      if (!why.empty() && options.precision != rill::Precision::kFloat32) {
        const std::vector<HostTensor> reference =
            cpu_outputs(graph, rounded_inputs(inputs, options.precision));
        if (first_mismatch(graph, actual, reference, tol).empty()) {
          rounded = true;
          continue;
        }
        why += " (and against the CPU reference on rounded inputs)";
      }
      if (!why.empty()) return {Outcome::kFailed, why};
    } catch (const Error& e) {
      return {e.kind() == ErrorKind::kUnsupported ? Outcome::kSkipped : Outcome::kFailed, e.what()};
    } catch (const std::exception& e) {
      return {Outcome::kFailed, std::string("exception: ") + e.what()};
    }
  }
  if (sets == 0) return {Outcome::kFailed, "no test data"};
  return {rounded ? Outcome::kPassedOnRoundedInputs : Outcome::kPassed, {}};
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--backend" && i + 1 < argc) {
      options.backend = argv[++i];
    } else if (arg == "--data" && i + 1 < argc) {
      options.data = argv[++i];
    } else if (arg == "--precision" && i + 1 < argc) {
      const std::string value = argv[++i];
      if (value == "fp16") {
        options.precision = rill::Precision::kFloat16;
      } else if (value == "bf16") {
        options.precision = rill::Precision::kBFloat16;
      } else if (value != "fp32") {
        std::fprintf(stderr, "rill_conformance: --precision is fp32, fp16 or bf16\n");
        return 2;
      }
    } else if (arg == "--filter" && i + 1 < argc) {
      options.filter = argv[++i];
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else {
      std::fprintf(stderr,
                   "usage: rill_conformance [--backend cpu|gpu] [--precision fp32|fp16|bf16] "
                   "[--data DIR] [--filter TEXT] [--verbose]\n");
      return 2;
    }
  }
  if (options.backend != "cpu" && options.backend != "gpu") {
    std::fprintf(stderr, "rill_conformance: --backend is cpu or gpu\n");
    return 2;
  }
  if (options.precision != rill::Precision::kFloat32 && options.backend != "gpu") {
    std::fprintf(stderr, "rill_conformance: --precision fp16/bf16 builds GPU engines: use "
                         "--backend gpu\n");
    return 2;
  }
  if (options.backend == "gpu" && rill::cuda::device_count() == 0) {
    std::printf("rill_conformance: no CUDA device; the gpu backend cannot run here\n");
    const char* expect = std::getenv("RILL_EXPECT_GPU");
    return expect != nullptr && std::string(expect) == "1" ? 1 : 77;  // 77: ctest "skipped"
  }
  if (!fs::is_directory(options.data)) {
    std::fprintf(stderr, "rill_conformance: no test data at %s (install libonnx-testdata)\n",
                 options.data.c_str());
    return 2;
  }
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(options.data)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.find(options.filter) != std::string::npos) {
      dirs.push_back(entry.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());

  int passed = 0;
  int failed = 0;
  std::vector<std::string> passed_rounded;
  std::vector<std::pair<std::string, std::string>> skipped;
  std::map<std::string, int> not_applicable;
  for (const fs::path& dir : dirs) {
    const std::string name = dir.filename().string();
    const Result r = run_test(dir, options);
    switch (r.outcome) {
      case Outcome::kPassed:
        ++passed;
        if (options.verbose) std::printf("PASS %s\n", name.c_str());
        break;
      case Outcome::kPassedOnRoundedInputs:
        ++passed;
        passed_rounded.push_back(name);
        if (options.verbose) std::printf("PASS %s (on rounded inputs)\n", name.c_str());
        break;
      case Outcome::kFailed:
        ++failed;
        std::printf("FAIL %s: %s\n", name.c_str(), r.detail.c_str());
        break;
      case Outcome::kSkipped: skipped.emplace_back(name, r.detail); break;
      case Outcome::kNotApplicable: ++not_applicable[r.detail]; break;
    }
  }
  std::printf("\nskipped (unsupported by rill, with the reason):\n");
  for (const auto& [name, why] : skipped) std::printf("  SKIP %s: %s\n", name.c_str(), why.c_str());
  int other = 0;
  for (const auto& [op, count] : not_applicable) other += count;
  std::printf("%d tests use ops rill does not implement and were not run (%zu ops)\n", other,
              not_applicable.size());
  if (!passed_rounded.empty()) {
    std::printf("passed on inputs rounded to %s only (ONNX's inputs are finer than the dtype):\n",
                rill::precision_name(options.precision));
    for (const std::string& name : passed_rounded) std::printf("  ROUNDED %s\n", name.c_str());
  }
  std::printf("backend: %s, precision %s\n", options.backend.c_str(),
              rill::precision_name(options.precision));
  std::printf("conformance: %d passed (%zu of them on rounded inputs), %d failed, %zu skipped\n",
              passed, passed_rounded.size(), failed, skipped.size());
  return failed == 0 ? 0 : 1;
}
