#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "cli/commands.h"
#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/device_buffer.h"
#include "cuda/stream_pool.h"
#include "io/npy.h"

namespace rill::cli {

namespace {

ir::HostTensor random_input(const TensorInfo& info, const ir::Shape& shape, uint64_t seed) {
  ir::HostTensor t(info.dtype, shape);
  std::mt19937_64 rng(seed);
  const auto n = static_cast<size_t>(t.elements());
  switch (info.dtype) {
    case DType::kFloat32: {
      std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
      for (size_t i = 0; i < n; ++i) t.data<float>()[i] = dist(rng);
      break;
    }
    case DType::kInt64: {  // token ids and indices: small non-negative integers
      std::uniform_int_distribution<int64_t> dist(0, 99);
      for (size_t i = 0; i < n; ++i) t.data<int64_t>()[i] = dist(rng);
      break;
    }
    case DType::kInt32: {
      std::uniform_int_distribution<int32_t> dist(0, 99);
      for (size_t i = 0; i < n; ++i) t.data<int32_t>()[i] = dist(rng);
      break;
    }
    default:
      throw Error(ErrorKind::kUnsupported, "no random inputs of this dtype; pass --input",
                  {{"input", info.name}, {"dtype", std::string(dtype_name(info.dtype))}});
  }
  return t;
}

std::map<std::string, ir::HostTensor> gather_inputs(const Engine& engine, const RunCommand& cmd) {
  std::map<std::string, std::string> files;
  for (const std::string& spec : cmd.inputs) {
    auto [name, path] = parse_named_path(spec);
    files[name] = path;
  }
  std::map<std::string, ir::HostTensor> inputs;
  uint64_t seed = 2026;
  for (const TensorInfo& info : engine.inputs()) {
    if (const auto it = files.find(info.name); it != files.end()) {
      ir::HostTensor t = io::read_npy(it->second);
      if (t.dtype() != info.dtype) {
        throw Error(ErrorKind::kInvalidArgument, "input file has the wrong dtype",
                    {{"input", info.name},
                     {"file", it->second},
                     {"dtype", std::string(dtype_name(t.dtype()))},
                     {"expected", std::string(dtype_name(info.dtype))}});
      }
      inputs[info.name] = std::move(t);
      files.erase(it);
      continue;
    }
    ir::Shape shape = info.range.opt;
    if (cmd.batch > 0 && !shape.empty() && info.shape[0] < 0) shape[0] = cmd.batch;
    inputs[info.name] = random_input(info, shape, seed++);
  }
  if (!files.empty()) {
    throw Error(ErrorKind::kInvalidArgument, "the model has no input with this name",
                {{"input", files.begin()->first}});
  }
  return inputs;
}

std::map<std::string, ir::HostTensor> run_on_gpu(const Engine& engine,
                                                 const std::map<std::string, ir::HostTensor>& inputs) {
  auto context = engine.create_context();
  cuda::StreamPool streams(cuda::current_device());
  const auto stream = streams.acquire();
  std::vector<cuda::DeviceAllocation> memory;
  for (const TensorInfo& info : engine.inputs()) {
    const ir::HostTensor& t = inputs.at(info.name);
    context->set_input_shape(info.name, t.shape());
    memory.emplace_back(t.bytes());
    RILL_CUDA_CHECK(cudaMemcpy(memory.back().data(), t.raw(), t.bytes(), cudaMemcpyHostToDevice));
    context->set_tensor_address(info.name, memory.back().data());
  }
  std::map<std::string, ir::HostTensor> outputs;
  std::vector<std::pair<ir::HostTensor*, void*>> downloads;
  for (const TensorInfo& info : engine.outputs()) {
    ir::HostTensor& out = outputs[info.name] = ir::HostTensor(info.dtype, context->output_shape(info.name));
    memory.emplace_back(std::max<size_t>(out.bytes(), 1));
    context->set_tensor_address(info.name, memory.back().data());
    downloads.emplace_back(&out, memory.back().data());
  }
  context->enqueue(stream.get());
  for (auto& [host, device] : downloads) {
    RILL_CUDA_CHECK(cudaMemcpyAsync(host->raw(), device, host->bytes(), cudaMemcpyDeviceToHost,
                                    stream.get()));
  }
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
  return outputs;
}

std::map<std::string, ir::HostTensor> run_on_host(const Engine& engine,
                                                  const std::map<std::string, ir::HostTensor>& inputs) {
  std::map<std::string, Engine::HostTensor> in;
  for (const auto& [name, t] : inputs) {
    in[name] = {t.dtype(), t.shape(), std::vector<std::byte>(t.raw(), t.raw() + t.bytes())};
  }
  std::map<std::string, ir::HostTensor> outputs;
  for (auto& [name, t] : engine.run_on_cpu(in)) outputs[name] = ir::HostTensor(t.dtype, t.shape, t.data);
  return outputs;
}

double relative_l2(const ir::HostTensor& actual, const ir::HostTensor& expected) {
  const auto a = actual.as_doubles();
  const auto e = expected.as_doubles();
  double diff = 0;
  double norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(e[i])) return INFINITY;
    diff += (a[i] - e[i]) * (a[i] - e[i]);
    norm += e[i] * e[i];
  }
  return norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

std::string file_name_for(const std::string& tensor) {
  std::string name = tensor;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  return name + ".npy";
}

}  // namespace

int run_run(const RunCommand& cmd) {
  // The CPU reference executor runs no library algorithm: nothing to tune for it.
  TuningOptions tuning;
  tuning.no_tuning = cmd.cpu;
  const std::shared_ptr<Engine> engine =
      open_model(cmd.model, build_options(cmd.shapes, cmd.precision, tuning));
  const std::map<std::string, ir::HostTensor> inputs = gather_inputs(*engine, cmd);
  const bool gpu = !cmd.cpu && cuda::device_count() > 0;
  if (gpu) {
    std::printf("rill run: %s on %s\n", cmd.model.c_str(),
                cuda::describe_device(cuda::current_device()).c_str());
  } else {
    std::printf("rill run: %s on the CPU reference executor (%s)\n", cmd.model.c_str(),
                cmd.cpu ? "--cpu" : "no CUDA device on this machine");
  }
  for (const auto& [name, t] : inputs) {
    std::printf("  input  %-20s %s\n", name.c_str(), ir::desc_string(t.desc()).c_str());
  }
  const auto outputs = gpu ? run_on_gpu(*engine, inputs) : run_on_host(*engine, inputs);

  std::map<std::string, std::string> expects;
  for (const std::string& spec : cmd.expects) {
    auto [name, path] = parse_named_path(spec);
    if (outputs.count(name) == 0) {
      throw Error(ErrorKind::kInvalidArgument, "the model has no output with this name",
                  {{"output", name}});
    }
    expects[name] = path;
  }
  if (!cmd.output_dir.empty()) std::filesystem::create_directories(cmd.output_dir);
  int status = 0;
  for (const auto& [name, t] : outputs) {
    double sum = 0;
    for (double v : t.as_doubles()) sum += v;
    std::printf("  output %-20s %s  sum %.6g\n", name.c_str(), ir::desc_string(t.desc()).c_str(), sum);
    if (!cmd.output_dir.empty()) {
      const std::string path = (std::filesystem::path(cmd.output_dir) / file_name_for(name)).string();
      io::write_npy(t, path);
      std::printf("         written to %s\n", path.c_str());
    }
    if (const auto it = expects.find(name); it != expects.end()) {
      const ir::HostTensor expected = io::read_npy(it->second);
      const bool same_type = expected.desc() == t.desc();
      const double err = same_type ? relative_l2(t, expected) : INFINITY;
      const bool ok = same_type && err <= cmd.tolerance;
      std::printf("         vs %s: relative L2 error %.3g (%s, tolerance %.1g)\n", it->second.c_str(),
                  err, ok ? "ok" : "MISMATCH", cmd.tolerance);
      if (!ok) status = 1;
    }
  }
  return status;
}

}  // namespace rill::cli
