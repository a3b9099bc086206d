// The attention block model through the engine on the GPU: float32 against the CPU executor, and
// float16/bfloat16 engines (rill.Attention on tensor cores) against the float32 CPU result.
#include <gtest/gtest.h>

#include "attention_engine_util.h"
#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/device_buffer.h"
#include "cuda/stream_pool.h"
#include "gpu_test.h"

namespace rill::testing::transformer {
namespace {

std::vector<ir::HostTensor> run_on_gpu(const Engine& engine,
                                       const std::vector<ir::HostTensor>& inputs) {
  auto context = engine.create_context();
  std::vector<cuda::DeviceAllocation> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string& name = engine.inputs()[i].name;
    context->set_input_shape(name, inputs[i].shape());
    in.emplace_back(inputs[i].bytes());
    RILL_CUDA_CHECK(
        cudaMemcpy(in.back().data(), inputs[i].raw(), inputs[i].bytes(), cudaMemcpyHostToDevice));
    context->set_tensor_address(name, in.back().data());
  }
  std::vector<cuda::DeviceAllocation> out;
  std::vector<ir::TensorDesc> types;
  for (const TensorInfo& info : engine.outputs()) {
    types.push_back({info.dtype, context->output_shape(info.name)});
    out.emplace_back(types.back().bytes());
    RILL_CUDA_CHECK(cudaMemset(out.back().data(), 0xFF, out.back().size()));
    context->set_tensor_address(info.name, out.back().data());
  }
  cuda::StreamPool pool(cuda::current_device());
  const auto stream = pool.acquire();
  context->enqueue(stream.get());
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
  std::vector<ir::HostTensor> result;
  for (size_t i = 0; i < out.size(); ++i) {
    result.emplace_back(types[i].dtype, types[i].shape);
    RILL_CUDA_CHECK(cudaMemcpy(result.back().raw(), out[i].data(), result.back().bytes(),
                               cudaMemcpyDeviceToHost));
  }
  return result;
}

void check(Precision precision, double tolerance) {
  RILL_REQUIRE_GPU();
  BuildOptions options;
  options.precision = precision;
  const auto engine = Engine::build_from_onnx(attention_block_path(), options);
  ASSERT_EQ(engine->summary().op_counts.count("rill.Attention"), 1u);
  const auto reference = Engine::build_from_onnx(attention_block_path());
  for (int64_t batch : {1, 3}) {
    const auto inputs = attention_block_inputs(batch, 60 + static_cast<uint64_t>(batch));
    const auto want = run_engine_on_cpu(*reference, inputs);
    const auto got = run_on_gpu(*engine, inputs);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(tensors_close(got[0], want[0], tolerance)) << "batch " << batch;
  }
}

TEST(AttentionEngineGpu, Float32) {
  check(Precision::kFloat32, 1e-5);
}

// These need the other ops of the block (Reshape, rill.FusedMatMul, Cast) to run in half too.
TEST(AttentionEngineGpu, Float16) {
  check(Precision::kFloat16, 5e-3);
}
TEST(AttentionEngineGpu, BFloat16) {
  check(Precision::kBFloat16, 3e-2);
}

}  // namespace
}  // namespace rill::testing::transformer
