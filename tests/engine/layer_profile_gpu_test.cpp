// ExecutionContext::profile_layers on the GPU: one time per layer in execution order, the layers'
// sum within the whole enqueue's time, a heavy layer ranked far above a light one, the run's
// outputs still correct, and bad arguments refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../onnx/model_builder.h"
#include "cuda/check.h"
#include "cuda/device_buffer.h"
#include "cuda/stream.h"
#include "gpu_test.h"
#include "io/npy.h"
#include "op_test_driver.h"
#include "rill/engine.h"
#include "test_paths.h"

namespace rill {
namespace {

namespace mb = onnx::testing;

// a [2048,2048] x b [2048,2048] -> MatMul "heavy" (17 GFLOP); s [4] -> Relu "light".
std::string heavy_and_light_model() {
  ::onnx::ModelProto model = mb::empty_model();
  auto* graph = model.mutable_graph();
  *graph->add_input() = mb::tensor_value("a", {int64_t{2048}, int64_t{2048}});
  *graph->add_input() = mb::tensor_value("b", {int64_t{2048}, int64_t{2048}});
  *graph->add_input() = mb::tensor_value("s", {int64_t{4}});
  *graph->add_output() = mb::tensor_value("c", {int64_t{2048}, int64_t{2048}});
  *graph->add_output() = mb::tensor_value("t", {int64_t{4}});
  *graph->add_node() = mb::make_node("MatMul", {"a", "b"}, {"c"}, "heavy");
  *graph->add_node() = mb::make_node("Relu", {"s"}, {"t"}, "light");
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("rill_layer_profile_" + std::to_string(::getpid()) + ".onnx");
  std::ofstream(path, std::ios::binary) << mb::serialize(model);
  return path.string();
}

class LayerProfileGpu : public ::testing::Test {
 protected:
  void SetUp() override {
    RILL_REQUIRE_GPU();
    stream_ = cuda::Stream::create();
  }
  cuda::Stream stream_;
};

TEST_F(LayerProfileGpu, TimesEveryLayerAndLeavesCorrectOutputs) {
  const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"));
  auto context = engine->create_context();
  const ir::HostTensor input = io::read_npy(testing::model_path("tiny_cnn_reference/input.npy"));
  cuda::DeviceAllocation in(input.bytes());
  RILL_CUDA_CHECK(cudaMemcpy(in.data(), input.raw(), input.bytes(), cudaMemcpyHostToDevice));
  context->set_input_shape(engine->inputs()[0].name, input.shape());
  context->set_tensor_address(engine->inputs()[0].name, in.data());
  std::vector<cuda::DeviceAllocation> out;
  for (const TensorInfo& info : engine->outputs()) {
    const auto shape = context->output_shape(info.name);
    out.emplace_back(static_cast<size_t>(ir::element_count(shape)) * dtype_size(info.dtype));
    RILL_CUDA_CHECK(cudaMemset(out.back().data(), 0xFF, out.back().size()));
    context->set_tensor_address(info.name, out.back().data());
  }

  const LayerProfile profile = context->profile_layers(stream_.get(), 20);

  EXPECT_EQ(profile.iterations, 20);
  ASSERT_FALSE(profile.layers.empty());
  // One entry per launched step, in the order the plan describes them.
  const std::string plan = engine->describe(/*with_gpu_plan=*/true);
  size_t position = 0;
  float sum = 0;
  for (const LayerTime& layer : profile.layers) {
    EXPECT_FALSE(layer.name.empty());
    EXPECT_FALSE(layer.op.empty());
    EXPECT_FALSE(layer.kernel.empty()) << layer.name;
    EXPECT_GT(layer.min_ms, 0.0f) << layer.name;
    EXPECT_LE(layer.min_ms, layer.median_ms) << layer.name;
    position = plan.find(layer.name + " (" + layer.op + ")", position);
    EXPECT_NE(position, std::string::npos) << layer.name << " out of order in\n" << plan;
    sum += layer.median_ms;
  }
  // Layers are disjoint intervals inside the whole enqueue (medians of different iterations may
  // exceed it by a little).
  EXPECT_GT(profile.total_median_ms, 0.0f);
  EXPECT_LE(sum, profile.total_median_ms * 1.25f);

  // The profiled enqueues ran the model on the bound buffers.
  const ir::HostTensor logits = io::read_npy(testing::model_path("tiny_cnn_reference/logits.npy"));
  ir::HostTensor got(logits.dtype(), logits.shape());
  RILL_CUDA_CHECK(cudaMemcpy(got.raw(), out[0].data(), got.bytes(), cudaMemcpyDeviceToHost));
  EXPECT_TRUE(testing::tensors_close(got, logits, 1e-5));
}

TEST_F(LayerProfileGpu, RanksAHeavyLayerAboveALightOne) {
  const std::string path = heavy_and_light_model();
  const auto engine = Engine::build_from_onnx(path);
  std::filesystem::remove(path);
  auto context = engine->create_context();
  std::vector<cuda::DeviceAllocation> buffers;
  for (const auto* infos : {&engine->inputs(), &engine->outputs()}) {
    for (const TensorInfo& info : *infos) {
      const size_t count = info.name == "s" || info.name == "t" ? 4 : 2048 * 2048;
      buffers.emplace_back(count * sizeof(float));
      RILL_CUDA_CHECK(cudaMemset(buffers.back().data(), 0, buffers.back().size()));
      context->set_tensor_address(info.name, buffers.back().data());
    }
  }
  const LayerProfile profile = context->profile_layers(stream_.get(), 5);
  const LayerTime* heavy = nullptr;
  const LayerTime* light = nullptr;
  for (const LayerTime& layer : profile.layers) {
    if (layer.name == "heavy") heavy = &layer;
    if (layer.name == "light") light = &layer;
  }
  ASSERT_NE(heavy, nullptr);
  ASSERT_NE(light, nullptr);
  // 17 GFLOP in float32 takes a third of a millisecond or more on any current GPU; a 4-element
  // ReLU takes microseconds.
  EXPECT_GT(heavy->median_ms, 0.1f);
  EXPECT_GT(heavy->median_ms, 20.0f * light->median_ms)
      << "heavy " << heavy->median_ms << " ms, light " << light->median_ms << " ms";
}

TEST_F(LayerProfileGpu, RefusesDefaultStreamsAndNoIterations) {
  const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"));
  auto context = engine->create_context();
  cuda::DeviceAllocation in(4 * 3 * 32 * 32 * sizeof(float)), a(4096), b(4096);
  context->set_input_shape(engine->inputs()[0].name, {1, 3, 32, 32});
  context->set_tensor_address(engine->inputs()[0].name, in.data());
  context->set_tensor_address(engine->outputs()[0].name, a.data());
  context->set_tensor_address(engine->outputs()[1].name, b.data());
  for (cudaStream_t bad : {cudaStream_t{nullptr}, cudaStreamLegacy, cudaStreamPerThread}) {
    try {
      context->profile_layers(bad, 5);
      ADD_FAILURE() << "a default stream was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    }
  }
  EXPECT_THROW(context->profile_layers(stream_.get(), 0), Error);
  // Still usable.
  EXPECT_FALSE(context->profile_layers(stream_.get(), 1).layers.empty());
}

}  // namespace
}  // namespace rill
