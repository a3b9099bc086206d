#include "op_test_driver.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>

#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/graph.h"
#include "cuda/stream_pool.h"
#include "cuda/sync_counter.h"
#include "gpu_test.h"

namespace rill::testing {

using ir::HostTensor;
using ir::TensorDesc;

const ops::OpDef* find_def(std::span<const ops::OpDef> family, std::string_view op_type) {
  for (const ops::OpDef& def : family) {
    if (def.op_type == op_type) return &def;
  }
  ADD_FAILURE() << "op " << op_type << " is not in this family's table";
  return nullptr;
}

ir::Node make_node(const std::string& op_type, int inputs, int outputs,
                   std::map<std::string, ir::AttributeValue> attributes) {
  ir::Node node;
  node.name = op_type + "_under_test";
  node.op_type = op_type;
  for (int i = 0; i < inputs; ++i) node.inputs.push_back("in" + std::to_string(i));
  for (int i = 0; i < outputs; ++i) node.outputs.push_back("out" + std::to_string(i));
  node.attributes = std::move(attributes);
  return node;
}

HostTensor random_tensor(DType dtype, ir::Shape shape, uint64_t seed, double lo, double hi) {
  HostTensor t(dtype, std::move(shape));
  std::mt19937_64 rng(seed);
  const auto n = static_cast<size_t>(t.elements());
  std::uniform_real_distribution<double> real(lo, hi);
  auto integer = [&] {
    const auto a = static_cast<int64_t>(std::floor(lo));
    const auto b = std::max<int64_t>(a + 1, static_cast<int64_t>(std::ceil(hi)));
    return std::uniform_int_distribution<int64_t>(a, b - 1)(rng);
  };
  for (size_t i = 0; i < n; ++i) {
    switch (dtype) {
      case DType::kFloat32:
        t.data<float>()[i] = static_cast<float>(real(rng));
        break;
      case DType::kFloat64:
        t.data<double>()[i] = real(rng);
        break;
      case DType::kInt64:
        t.data<int64_t>()[i] = integer();
        break;
      case DType::kInt32:
        t.data<int32_t>()[i] = static_cast<int32_t>(integer());
        break;
      case DType::kInt8:
        t.data<int8_t>()[i] = static_cast<int8_t>(integer());
        break;
      case DType::kUInt8:
        t.data<uint8_t>()[i] = static_cast<uint8_t>(integer());
        break;
      case DType::kBool:
        t.data<bool>()[i] = (rng() & 1) != 0;
        break;
      case DType::kFloat16:
        t.data<ir::Half>()[i] = ir::Half(static_cast<float>(real(rng)));
        break;
      case DType::kBFloat16:
        t.data<ir::BFloat16>()[i] = ir::BFloat16(static_cast<float>(real(rng)));
        break;
      default:
        throw Error(ErrorKind::kUnsupported, "random_tensor: dtype");
    }
  }
  return t;
}

namespace {

const ops::OpDef& op_def(const OpCase& c) {
  if (c.def == nullptr) {
    throw Error(ErrorKind::kInternal, "OpCase.def is not set", c.node.context());
  }
  return *c.def;
}

std::vector<const HostTensor*> constant_pointers(const OpCase& c, const ops::OpDef& def) {
  std::vector<const HostTensor*> constants(c.inputs.size(), nullptr);
  const std::vector<int>& which =
      c.use_def_constant_inputs ? def.constant_inputs : c.constant_inputs;
  for (int i : which) {
    if (i < static_cast<int>(c.inputs.size()) && c.node.has_input(i)) constants[i] = &c.inputs[i];
  }
  return constants;
}

std::vector<TensorDesc> input_descs(const OpCase& c) {
  std::vector<TensorDesc> descs;
  for (const HostTensor& t : c.inputs) descs.push_back(t.desc());
  return descs;
}

}  // namespace

std::vector<TensorDesc> infer(const OpCase& c) {
  const ops::OpDef& def = op_def(c);
  const std::vector<TensorDesc> descs = input_descs(c);
  const std::vector<const HostTensor*> constants = constant_pointers(c, def);
  return def.infer(ops::InferContext{c.node, descs, constants});
}

std::unique_ptr<ops::GpuKernel> prepare_on_host(const OpCase& c) {
  const ops::OpDef& def = op_def(c);
  const std::vector<TensorDesc> descs = input_descs(c);
  const std::vector<const HostTensor*> constants = constant_pointers(c, def);
  const std::vector<TensorDesc> outputs = def.infer(ops::InferContext{c.node, descs, constants});
  const ops::LibraryHandles no_libraries;
  return def.prepare_gpu(ops::GpuPrepareContext{c.node, descs, constants, outputs, no_libraries});
}

std::vector<HostTensor> run_cpu(const OpCase& c) {
  const ops::OpDef& def = op_def(c);
  const std::vector<TensorDesc> inferred = infer(c);
  std::vector<HostTensor> outputs = def.run_cpu(c.node, c.inputs);
  EXPECT_EQ(outputs.size(), inferred.size()) << c.node.op_type;
  for (size_t i = 0; i < std::min(outputs.size(), inferred.size()); ++i) {
    EXPECT_EQ(ir::desc_string(outputs[i].desc()), ir::desc_string(inferred[i]))
        << c.node.op_type << " output " << i << ": CPU result differs from inferred type";
  }
  return outputs;
}

double relative_l2(const HostTensor& actual, const HostTensor& expected) {
  if (actual.desc() != expected.desc()) return std::numeric_limits<double>::infinity();
  const std::vector<double> a = actual.as_doubles();
  const std::vector<double> e = expected.as_doubles();
  if (!is_floating(expected.dtype())) {
    return a == e ? 0.0 : std::numeric_limits<double>::infinity();
  }
  double diff = 0.0;
  double norm = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const bool an = std::isnan(a[i]);
    const bool en = std::isnan(e[i]);
    if (an || en) {
      if (an != en) return std::numeric_limits<double>::infinity();
      continue;
    }
    if (std::isinf(a[i]) || std::isinf(e[i])) {
      if (a[i] != e[i]) return std::numeric_limits<double>::infinity();
      continue;
    }
    diff += (a[i] - e[i]) * (a[i] - e[i]);
    norm += e[i] * e[i];
  }
  if (norm == 0.0) return diff == 0.0 ? 0.0 : std::sqrt(diff);
  return std::sqrt(diff / norm);
}

::testing::AssertionResult tensors_close(const HostTensor& actual, const HostTensor& expected,
                                         double tolerance) {
  if (actual.desc() != expected.desc()) {
    return ::testing::AssertionFailure() << "type " << ir::desc_string(actual.desc())
                                         << " != expected " << ir::desc_string(expected.desc());
  }
  const double err = relative_l2(actual, expected);
  if (err <= tolerance) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  failure << "relative L2 error " << err << " > " << tolerance << " for "
          << ir::desc_string(expected.desc());
  const std::vector<double> a = actual.as_doubles();
  const std::vector<double> e = expected.as_doubles();
  int shown = 0;
  for (size_t i = 0; i < a.size() && shown < 5; ++i) {
    const bool same = (std::isnan(a[i]) && std::isnan(e[i])) || a[i] == e[i];
    if (!same && std::abs(a[i] - e[i]) > tolerance * (1.0 + std::abs(e[i]))) {
      failure << "\n  [" << i << "] got " << a[i] << ", expected " << e[i];
      ++shown;
    }
  }
  return failure;
}

namespace {

// Process-wide library handles for GPU op tests (the engine owns one set per context).
struct TestLibraries {
  TestLibraries() {
    if (cublasLtCreate(&cublaslt) != CUBLAS_STATUS_SUCCESS) {
      throw Error(ErrorKind::kCublas, "cublasLtCreate failed");
    }
    if (cudnnCreate(&cudnn) != CUDNN_STATUS_SUCCESS) {
      throw Error(ErrorKind::kCudnn, "cudnnCreate failed");
    }
    handles.cublaslt = cublaslt;
    handles.cudnn = cudnn;
  }
  cublasLtHandle_t cublaslt = nullptr;
  cudnnHandle_t cudnn = nullptr;
  ops::LibraryHandles handles;
};

const ops::LibraryHandles& test_libraries() {
  static TestLibraries libraries;  // lives until exit: handles outlive every test
  return libraries.handles;
}

struct DeviceMemory {
  explicit DeviceMemory(size_t bytes) {
    if (bytes > 0) RILL_CUDA_CHECK(cudaMalloc(&ptr, bytes));
  }
  ~DeviceMemory() {
    if (ptr != nullptr) (void)cudaFree(ptr);
  }
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;
  void* ptr = nullptr;
};

constexpr unsigned char kPoison = 0xFF;  // NaN for floats, -1 for signed ints, 255 for bools

}  // namespace

void expect_gpu_matches_cpu(const OpCase& c, double tolerance, bool allow_tf32) {
  const std::string no_gpu = gpu_unavailable_reason();
  if (!no_gpu.empty()) {
    if (gpu_expected()) FAIL() << "RILL_EXPECT_GPU=1 but " << no_gpu;
    GTEST_SKIP() << "GPU check skipped: " << no_gpu;
  }
  const ops::OpDef& def = op_def(c);
  const std::vector<HostTensor> expected = run_cpu(c);
  if (def.output_kind == ops::OutputKind::kAliasOfInput0) {
    ASSERT_EQ(expected.size(), 1u);
    EXPECT_EQ(std::memcmp(expected[0].raw(), c.inputs[0].raw(), c.inputs[0].bytes()), 0)
        << c.node.op_type << " is an alias but its CPU output changed the data";
    return;
  }
  ASSERT_NE(def.prepare_gpu, nullptr) << c.node.op_type << " has no GPU kernel";

  const std::vector<TensorDesc> in_descs = input_descs(c);
  const std::vector<const HostTensor*> constants = constant_pointers(c, def);
  std::vector<TensorDesc> out_descs;
  for (const HostTensor& t : expected) out_descs.push_back(t.desc());
  const ops::GpuPrepareContext prepare{c.node,     in_descs,         constants, out_descs,
                                       test_libraries(), allow_tf32, c.algorithms};
  std::unique_ptr<ops::GpuKernel> kernel = def.prepare_gpu(prepare);
  ASSERT_NE(kernel, nullptr);
  if (!c.kernel_must_contain.empty()) {
    EXPECT_NE(kernel->describe().find(c.kernel_must_contain), std::string::npos)
        << c.node.op_type << " runs " << kernel->describe() << ", not " << c.kernel_must_contain;
  }

  // Device copies of the inputs, poisoned outputs, workspace.
  std::vector<std::unique_ptr<DeviceMemory>> in_mem;
  std::vector<const void*> in_ptrs;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (!c.node.has_input(i) || c.inputs[i].bytes() == 0) {
      in_ptrs.push_back(nullptr);
      in_mem.push_back(nullptr);
      continue;
    }
    in_mem.push_back(std::make_unique<DeviceMemory>(c.inputs[i].bytes()));
    RILL_CUDA_CHECK(cudaMemcpy(in_mem.back()->ptr, c.inputs[i].raw(), c.inputs[i].bytes(),
                               cudaMemcpyHostToDevice));
    in_ptrs.push_back(in_mem.back()->ptr);
  }
  std::vector<std::unique_ptr<DeviceMemory>> out_mem;
  std::vector<void*> out_ptrs;
  for (const HostTensor& t : expected) {
    out_mem.push_back(std::make_unique<DeviceMemory>(std::max<size_t>(t.bytes(), 1)));
    out_ptrs.push_back(out_mem.back()->ptr);
  }
  DeviceMemory workspace(kernel->workspace_bytes());

  cuda::StreamPool pool(cuda::current_device());
  const auto stream = pool.acquire();
  const ops::GpuLaunch launch{in_ptrs, out_ptrs, workspace.ptr, stream.get(), &test_libraries()};

  auto poison_outputs = [&] {
    for (size_t i = 0; i < expected.size(); ++i) {
      RILL_CUDA_CHECK(cudaMemsetAsync(out_ptrs[i], kPoison, expected[i].bytes(), stream.get()));
    }
  };
  auto check_outputs = [&](const char* how) {
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
    for (size_t i = 0; i < expected.size(); ++i) {
      HostTensor actual(expected[i].dtype(), expected[i].shape());
      RILL_CUDA_CHECK(
          cudaMemcpy(actual.raw(), out_ptrs[i], actual.bytes(), cudaMemcpyDeviceToHost));
      EXPECT_TRUE(tensors_close(actual, expected[i], tolerance))
          << c.node.op_type << " output " << i << " (" << how << ", " << kernel->describe() << ")";
    }
  };

  // Plain launch, counted: an enqueue must not sync the host or touch a default stream.
  poison_outputs();
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
  {
    cuda::SyncCounter counter;
    kernel->enqueue(launch);
    EXPECT_EQ(counter.host_syncs(), 0u) << c.node.op_type << ": " << counter.summary();
    EXPECT_EQ(counter.default_stream_ops(), 0u) << c.node.op_type << ": " << counter.summary();
  }
  check_outputs("plain launch");

  // Captured into a CUDA graph and replayed.
  poison_outputs();
  cudaGraph_t raw = nullptr;
  {
    cuda::CaptureModeGuard mode(cudaStreamCaptureModeThreadLocal);
    RILL_CUDA_CHECK(cudaStreamBeginCapture(stream.get(), cudaStreamCaptureModeThreadLocal));
    try {
      kernel->enqueue(launch);
    } catch (...) {
      cudaGraph_t broken = nullptr;
      (void)cudaStreamEndCapture(stream.get(), &broken);
      if (broken != nullptr) (void)cudaGraphDestroy(broken);
      throw;
    }
    RILL_CUDA_CHECK(cudaStreamEndCapture(stream.get(), &raw));
  }
  cuda::Graph graph = cuda::Graph::from_native_handle(raw);
  cuda::GraphExec exec = cuda::GraphExec::instantiate(graph);
  exec.launch(stream.get());
  check_outputs("CUDA graph replay");
}

OpCase converted_case(const OpCase& c, DType dtype) {
  OpCase converted = c;
  for (HostTensor& t : converted.inputs) {
    if (t.dtype() == DType::kFloat32 && t.bytes() > 0) t = ir::convert_floating(t, dtype);
  }
  return converted;
}

void expect_gpu_matches_cpu_in(const OpCase& c, DType dtype, double tolerance) {
  SCOPED_TRACE(std::string("computed in ") + std::string(dtype_name(dtype)));
  expect_gpu_matches_cpu(converted_case(c, dtype), tolerance);
}

double half_tolerance(DType dtype) {
  switch (dtype) {
    case DType::kFloat16:
      return 1e-3;
    case DType::kBFloat16:
      return 8e-3;
    default:
      return 1e-5;
  }
}

}  // namespace rill::testing
