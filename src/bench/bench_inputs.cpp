#include "bench/bench_inputs.h"

#include <cstring>
#include <random>

#include "rill/error.h"

#include "ir/tensor.h"

namespace rill::bench {

std::vector<int64_t> bench_input_shape(const TensorInfo& info, const BenchConfig& config) {
  if (const auto it = config.input_shapes.find(info.name); it != config.input_shapes.end()) {
    return it->second;
  }
  std::vector<int64_t> shape = info.range.opt.empty() ? info.shape : info.range.opt;
  if (config.batch > 0 && !shape.empty() && !info.shape.empty() && info.shape[0] < 0) {
    shape[0] = config.batch;
  }
  for (int64_t d : shape) {
    if (d < 0) {
      throw Error(ErrorKind::kInvalidArgument,
                  "input has a dynamic dim and no shape; pass one (--opt name:dims)",
                  {{"input", info.name}, {"shape", ir::shape_string(shape)}});
    }
  }
  return shape;
}

void fill_random(std::span<std::byte> bytes, DType dtype, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const size_t n = bytes.size() / dtype_size(dtype);
  std::uniform_real_distribution<double> real(-1.0, 1.0);
  std::uniform_int_distribution<int64_t> token(0, 99);
  std::uniform_int_distribution<int> bit(0, 1);
  auto store = [&](size_t i, auto value) {
    std::memcpy(bytes.data() + i * sizeof(value), &value, sizeof(value));
  };
  for (size_t i = 0; i < n; ++i) {
    switch (dtype) {
      case DType::kFloat32:
        store(i, static_cast<float>(real(rng)));
        break;
      case DType::kFloat64:
        store(i, real(rng));
        break;
      case DType::kFloat16: {
        // Sign, exponent 11..14 (2^-4 .. 2^-1), random mantissa: |x| in [1/16, 1).
        const auto bits = static_cast<uint64_t>(rng());
        const auto sign = static_cast<uint16_t>((bits & 1) << 15);
        const auto exponent = static_cast<uint16_t>((11 + ((bits >> 1) & 3)) << 10);
        const auto mantissa = static_cast<uint16_t>((bits >> 3) & 0x3FF);
        store(i, static_cast<uint16_t>(sign | exponent | mantissa));
        break;
      }
      case DType::kBFloat16: {
        const auto value = static_cast<float>(real(rng));
        uint32_t bits = 0;
        std::memcpy(&bits, &value, sizeof(bits));
        store(i, static_cast<uint16_t>(bits >> 16));
        break;
      }
      case DType::kInt64:
        store(i, token(rng));
        break;
      case DType::kInt32:
        store(i, static_cast<int32_t>(token(rng)));
        break;
      case DType::kInt8:
      case DType::kUInt8:
      case DType::kBool:
        store(i, static_cast<uint8_t>(bit(rng)));
        break;
    }
  }
}

}  // namespace rill::bench
