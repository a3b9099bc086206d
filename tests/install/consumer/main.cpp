// Runs the bundled model on the CPU reference through an installed rill and compares the logits
// with the model's independent float64 reference.
//   rill_consumer MODEL.onnx REFERENCE_DIR
#include <rill/engine.h>
#include <rill/error.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

// A minimal .npy reader (version 1 or 2 header, little-endian, C order): the header is skipped,
// the caller knows dtype and shape.
std::vector<char> npy_payload(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) {
    throw std::runtime_error("not a .npy file: " + path);
  }
  const bool v1 = bytes[6] == 1;
  const size_t header = v1 ? (static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8)
                           : (static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8 |
                              static_cast<uint8_t>(bytes[10]) << 16 | static_cast<uint8_t>(bytes[11]) << 24);
  const size_t start = (v1 ? 10 : 12) + header;
  return {bytes.begin() + static_cast<std::ptrdiff_t>(start), bytes.end()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: rill_consumer MODEL.onnx REFERENCE_DIR\n");
    return 2;
  }
  try {
    const auto engine = rill::Engine::build_from_onnx(argv[1]);
    const std::string dir = argv[2];
    rill::Engine::HostTensor input{rill::DType::kFloat32, {2, 3, 32, 32}, {}};
    for (char c : npy_payload(dir + "/input.npy")) input.data.push_back(static_cast<std::byte>(c));
    const auto outputs = engine->run_on_cpu({{"input", input}});
    const auto& logits = outputs.at("logits");
    std::vector<char> expected_bytes = npy_payload(dir + "/logits.npy");
    const size_t count = logits.data.size() / sizeof(float);
    const bool float64 = expected_bytes.size() == count * sizeof(double);
    double error = 0, norm = 0;
    for (size_t i = 0; i < count; ++i) {
      float got;
      std::memcpy(&got, logits.data.data() + i * sizeof(float), sizeof(float));
      double want;
      if (float64) {
        std::memcpy(&want, expected_bytes.data() + i * sizeof(double), sizeof(double));
      } else {
        float w;
        std::memcpy(&w, expected_bytes.data() + i * sizeof(float), sizeof(float));
        want = w;
      }
      error += (got - want) * (got - want);
      norm += want * want;
    }
    const double relative = std::sqrt(error / norm);
    std::printf("rill consumer: %zu logits, relative L2 error %.3g against the reference\n", count,
                relative);
    return count == 20 && relative < 1e-4 ? 0 : 1;
  } catch (const rill::Error& e) {
    std::fprintf(stderr, "rill consumer: %s\n", e.what());
    return 1;
  }
}
