#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "io/npy.h"
#include "test_paths.h"

namespace rill::io {
namespace {

std::string temp(const std::string& name) { return ::testing::TempDir() + "/" + name; }

TEST(Npy, ReadsNumpyWrittenFiles) {
  const ir::HostTensor t = read_npy(testing::model_path("tiny_cnn_reference/input.npy"));
  EXPECT_EQ(t.dtype(), DType::kFloat32);
  EXPECT_EQ(t.shape(), (ir::Shape{2, 3, 32, 32}));
}

TEST(Npy, RoundTripsEveryDtypeAndRank) {
  const std::vector<ir::HostTensor> tensors = {
      ir::HostTensor::from<float>({2, 3}, {1, 2, 3, 4, 5, 6}),
      ir::HostTensor::from<int64_t>({3}, {-1, 0, 1}),
      ir::HostTensor::from<int32_t>({}, {42}),
      ir::HostTensor::from<bool>({2}, {true, false}),
      ir::HostTensor::from<double>({1, 1, 1}, {0.5}),
      ir::HostTensor::from<uint8_t>({0}, {}),
  };
  for (size_t i = 0; i < tensors.size(); ++i) {
    const std::string path = temp("t" + std::to_string(i) + ".npy");
    write_npy(tensors[i], path);
    const ir::HostTensor back = read_npy(path);
    EXPECT_EQ(back.desc(), tensors[i].desc()) << i;
    EXPECT_EQ(std::vector<std::byte>(back.raw(), back.raw() + back.bytes()),
              std::vector<std::byte>(tensors[i].raw(), tensors[i].raw() + tensors[i].bytes()));
    std::remove(path.c_str());
  }
}

TEST(Npy, BadFilesAreClearErrors) {
  EXPECT_THROW((void)read_npy("/nonexistent.npy"), Error);
  const std::string path = temp("bad.npy");
  {
    std::ofstream(path) << "not numpy";
  }
  try {
    (void)read_npy(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.context_value("file"), path);
    EXPECT_NE(std::string(e.what()).find("magic"), std::string::npos);
  }
  // A valid header whose data is too short for its shape.
  write_npy(ir::HostTensor::from<float>({4}, {1, 2, 3, 4}), path);
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 4));
  }
  EXPECT_THROW((void)read_npy(path), Error);
  std::remove(path.c_str());
}

// A .npy 1.0 file with `header` (padded as numpy pads it) and no data.
std::string npy_with_header(std::string header) {
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xFF);
  bytes += static_cast<char>(header.size() >> 8);
  return bytes + header;
}

// Found by the npy_reader fuzz target (fuzz/regressions/npy_reader/crash-fa4403f9...): std::stoll
// threw std::out_of_range, not a rill::Error, for a dim past int64.
TEST(Npy, DimensionPastInt64IsAClearError) {
  const std::string bytes =
      npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }");
  try {
    (void)read_npy_bytes(bytes, "big.npy");
    FAIL() << "accepted a dim past int64";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(e.context_value("file"), "big.npy");
    EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
  }
}

// Found by a hand-written input while writing the npy_reader target (fuzz/regressions/npy_reader/
// size_wraps_to_zero.npy): 2^61 float64 elements are 2^64 bytes, which wrapped to 0 and matched
// the empty data, so the file was accepted as a tensor of 2^61 elements with no storage.
TEST(Npy, SizeThatWrapsIsRejected) {
  const std::string bytes = npy_with_header(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }");
  EXPECT_THROW((void)read_npy_bytes(bytes, "wrap.npy"), Error);
  EXPECT_THROW(ir::HostTensor(DType::kFloat64, {int64_t{1} << 61}, {}), Error);
}

}  // namespace
}  // namespace rill::io
