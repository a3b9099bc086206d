// The engine on the GPU: correctness against the float64 reference and the CPU executor, an
// enqueue that makes zero host syncs and zero default-stream ops, CUDA-graph capture, dynamic
// batch, plan files.
#include <gtest/gtest.h>

#include <cmath>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/device_buffer.h"
#include "cuda/graph.h"
#include "cuda/stream_pool.h"
#include "cuda/sync_counter.h"
#include "gpu_test.h"
#include "io/npy.h"
#include "op_test_driver.h"
#include "rill/engine.h"
#include "test_paths.h"

namespace rill {
namespace {

// Inputs and outputs of one context in device memory.
class Bound {
 public:
  Bound(const Engine& engine, ExecutionContext& context, const std::vector<ir::HostTensor>& inputs) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      const std::string& name = engine.inputs()[i].name;
      context.set_input_shape(name, inputs[i].shape());
      in_.emplace_back(inputs[i].bytes());
      context.set_tensor_address(name, in_.back().data());
    }
    upload(inputs);
    for (const TensorInfo& info : engine.outputs()) {
      out_types_.push_back({info.dtype, context.output_shape(info.name)});
      out_.emplace_back(out_types_.back().bytes());
      context.set_tensor_address(info.name, out_.back().data());
    }
  }
  void upload(const std::vector<ir::HostTensor>& inputs) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      RILL_CUDA_CHECK(cudaMemcpy(in_[i].data(), inputs[i].raw(), inputs[i].bytes(),
                                 cudaMemcpyHostToDevice));
    }
  }
  void poison() {
    for (auto& o : out_) RILL_CUDA_CHECK(cudaMemset(o.data(), 0xFF, o.size()));
  }
  std::vector<ir::HostTensor> download() {
    std::vector<ir::HostTensor> result;
    for (size_t i = 0; i < out_.size(); ++i) {
      result.emplace_back(out_types_[i].dtype, out_types_[i].shape);
      RILL_CUDA_CHECK(cudaMemcpy(result.back().raw(), out_[i].data(), result.back().bytes(),
                                 cudaMemcpyDeviceToHost));
    }
    return result;
  }

 private:
  std::vector<cuda::DeviceAllocation> in_;
  std::vector<cuda::DeviceAllocation> out_;
  std::vector<ir::TensorDesc> out_types_;
};

std::vector<ir::HostTensor> cpu_outputs(const Engine& engine, const std::vector<ir::HostTensor>& inputs) {
  std::map<std::string, Engine::HostTensor> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    in[engine.inputs()[i].name] = {inputs[i].dtype(), inputs[i].shape(),
                                   std::vector<std::byte>(inputs[i].raw(), inputs[i].raw() + inputs[i].bytes())};
  }
  const auto out = engine.run_on_cpu(in);
  std::vector<ir::HostTensor> result;
  for (const TensorInfo& info : engine.outputs()) {
    const auto& t = out.at(info.name);
    result.emplace_back(t.dtype, t.shape, t.data);
  }
  return result;
}

class EngineGpu : public ::testing::Test {
 protected:
  void SetUp() override {
    RILL_REQUIRE_GPU();
    pool_.emplace(cuda::current_device());
    stream_ = pool_->acquire();
  }
  cudaStream_t stream() const { return stream_.get(); }
  void sync() { RILL_CUDA_CHECK(cudaStreamSynchronize(stream())); }

  std::optional<cuda::StreamPool> pool_;
  cuda::StreamPool::Lease stream_;
};

TEST_F(EngineGpu, BundledModelMatchesFloat64Reference) {
  const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"));
  auto context = engine->create_context();
  const ir::HostTensor input = io::read_npy(testing::model_path("tiny_cnn_reference/input.npy"));
  Bound bound(*engine, *context, {input});
  bound.poison();
  context->enqueue(stream());
  sync();
  const auto outputs = bound.download();
  EXPECT_TRUE(testing::tensors_close(outputs[0], io::read_npy(testing::model_path("tiny_cnn_reference/logits.npy")), 1e-5));
  EXPECT_TRUE(testing::tensors_close(outputs[1], io::read_npy(testing::model_path("tiny_cnn_reference/probs.npy")), 1e-5));
  EXPECT_LE(context->arena_bytes(), context->naive_activation_bytes());
}

TEST_F(EngineGpu, EnqueueMakesNoHostSyncNoDefaultStreamWork) {
  const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"));
  auto context = engine->create_context();
  const ir::HostTensor input = testing::random_tensor(DType::kFloat32, {4, 3, 32, 32}, 11);
  Bound bound(*engine, *context, {input});
  context->enqueue(stream());  // first enqueue of a shape plans it: setup, not steady state
  sync();
  cuda::SyncCounter counter;
  for (int i = 0; i < 20; ++i) context->enqueue(stream());
  EXPECT_EQ(counter.host_syncs(), 0u) << counter.summary();
  EXPECT_EQ(counter.default_stream_ops(), 0u) << counter.summary();
  sync();
  const auto expected = cpu_outputs(*engine, {input});
  const auto outputs = bound.download();
  EXPECT_TRUE(testing::tensors_close(outputs[0], expected[0], 1e-5));
}

// Float16 and bfloat16 engines of the bundled model (every layer that has a half kernel in half,
// float32 I/O) against the float64 reference, with per-layer NVTX ranges on, and with zero host
// syncs and zero default-stream work in steady state.
TEST_F(EngineGpu, ReducedPrecisionEnginesMatchFloat64Reference) {
  const ir::HostTensor input = io::read_npy(testing::model_path("tiny_cnn_reference/input.npy"));
  const ir::HostTensor logits = io::read_npy(testing::model_path("tiny_cnn_reference/logits.npy"));
  for (Precision precision : {Precision::kFloat16, Precision::kBFloat16}) {
    BuildOptions options;
    options.precision = precision;
    options.nvtx_layers = precision == Precision::kFloat16;
    const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"), options);
    EXPECT_GT(engine->summary().half_nodes, 0u);
    auto context = engine->create_context();
    Bound bound(*engine, *context, {input});
    bound.poison();
    context->enqueue(stream());
    sync();
    cuda::SyncCounter counter;
    for (int i = 0; i < 5; ++i) context->enqueue(stream());
    EXPECT_EQ(counter.host_syncs(), 0u) << counter.summary();
    EXPECT_EQ(counter.default_stream_ops(), 0u) << counter.summary();
    sync();
    const auto outputs = bound.download();
    ASSERT_EQ(outputs[0].dtype(), DType::kFloat32);
    EXPECT_TRUE(testing::tensors_close(outputs[0], logits,
                                       precision == Precision::kFloat16 ? 1e-2 : 2e-2))
        << precision_name(precision);
  }
}

TEST_F(EngineGpu, CapturedIntoACudaGraphAndReplayed) {
  const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"));
  auto context = engine->create_context();
  const ir::HostTensor first = testing::random_tensor(DType::kFloat32, {2, 3, 32, 32}, 21);
  const ir::HostTensor second = testing::random_tensor(DType::kFloat32, {2, 3, 32, 32}, 22);
  Bound bound(*engine, *context, {first});
  context->enqueue(stream());  // plan outside the capture
  sync();
  cudaGraph_t raw = nullptr;
  {
    cuda::CaptureModeGuard mode(cudaStreamCaptureModeThreadLocal);
    RILL_CUDA_CHECK(cudaStreamBeginCapture(stream(), cudaStreamCaptureModeThreadLocal));
    context->enqueue(stream());
    RILL_CUDA_CHECK(cudaStreamEndCapture(stream(), &raw));
  }
  cuda::Graph graph = cuda::Graph::from_native_handle(raw);
  cuda::GraphExec exec = cuda::GraphExec::instantiate(graph);
  for (const ir::HostTensor* input : {&first, &second}) {
    bound.upload({*input});
    bound.poison();
    exec.launch(stream());
    sync();
    const auto expected = cpu_outputs(*engine, {*input});
    const auto outputs = bound.download();
    EXPECT_TRUE(testing::tensors_close(outputs[0], expected[0], 1e-5));
    EXPECT_TRUE(testing::tensors_close(outputs[1], expected[1], 1e-5));
  }
}

TEST_F(EngineGpu, DynamicBatchAndHostComputedShapes) {
  for (const char* model : {"tiny_cnn.onnx", "matmul_relu"}) {
    const std::string path = std::string(model) == "matmul_relu" ? testing::data_path("matmul_relu.onnx")
                                                                : testing::model_path(model);
    const auto engine = Engine::build_from_onnx(path);
    auto context = engine->create_context();
    for (int64_t batch : {1, 3, 8}) {
      ir::Shape shape = engine->inputs()[0].range.opt;
      shape[0] = batch;
      const ir::HostTensor input = testing::random_tensor(DType::kFloat32, shape, 100 + batch);
      Bound bound(*engine, *context, {input});
      bound.poison();
      context->enqueue(stream());
      sync();
      const auto expected = cpu_outputs(*engine, {input});
      const auto outputs = bound.download();
      for (size_t i = 0; i < outputs.size(); ++i) {
        EXPECT_TRUE(testing::tensors_close(outputs[i], expected[i], 1e-5)) << model << " batch " << batch;
      }
    }
  }
}

TEST_F(EngineGpu, PlanFileRunsIdentically) {
  const auto built = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"));
  const std::string path = ::testing::TempDir() + "/gpu_tiny_cnn.rill";
  built->save(path);
  const auto loaded = Engine::load(path);
  const ir::HostTensor input = testing::random_tensor(DType::kFloat32, {2, 3, 32, 32}, 5);
  std::vector<std::vector<ir::HostTensor>> results;
  for (const auto& engine : {built, loaded}) {
    auto context = engine->create_context();
    Bound bound(*engine, *context, {input});
    context->enqueue(stream());
    sync();
    results.push_back(bound.download());
  }
  ASSERT_EQ(results[0][0].bytes(), results[1][0].bytes());
  EXPECT_EQ(std::memcmp(results[0][0].raw(), results[1][0].raw(), results[0][0].bytes()), 0);
}

TEST_F(EngineGpu, BadCallsAreClearErrorsAndTheContextStaysUsable) {
  const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"));
  auto context = engine->create_context();
  EXPECT_THROW(context->set_input_shape("nope", {1, 3, 32, 32}), Error);
  EXPECT_THROW(context->set_input_shape("input", {1, 3, 31, 32}), Error);
  EXPECT_THROW(context->set_input_shape("input", {100, 3, 32, 32}), Error);
  EXPECT_THROW(context->set_tensor_address("input", nullptr), Error);
  context->set_input_shape("input", {1, 3, 32, 32});
  EXPECT_THROW(context->enqueue(stream()), Error) << "no addresses bound";
  const ir::HostTensor input = testing::random_tensor(DType::kFloat32, {1, 3, 32, 32}, 9);
  Bound bound(*engine, *context, {input});
  context->enqueue(stream());
  sync();
  EXPECT_TRUE(testing::tensors_close(bound.download()[0], cpu_outputs(*engine, {input})[0], 1e-5));
}

}  // namespace
}  // namespace rill
