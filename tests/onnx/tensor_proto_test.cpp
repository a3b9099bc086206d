// TensorProto conversion: every storage form ONNX files use, and the malformed ones.
#include "onnx/tensor_proto.h"

#include <cstring>
#include <gtest/gtest.h>
#include <vector>

namespace rill::onnx {
namespace {

namespace pb = ::onnx;

pb::TensorProto proto(const std::string& name, int32_t type, std::vector<int64_t> dims) {
  pb::TensorProto t;
  t.set_name(name);
  t.set_data_type(type);
  for (int64_t d : dims) t.add_dims(d);
  return t;
}

const Error::Context kContext = {{"file", "t.onnx"}};

TEST(TensorProto, TypedFields) {
  pb::TensorProto f = proto("f", pb::TensorProto::FLOAT, {2, 2});
  for (float v : {1.f, -2.f, 3.5f, 4.f}) f.add_float_data(v);
  const ir::HostTensor tf = tensor_from_proto(f, kContext);
  EXPECT_EQ(tf.shape(), (ir::Shape{2, 2}));
  EXPECT_EQ(std::vector<float>(tf.values<float>().begin(), tf.values<float>().end()),
            (std::vector<float>{1.f, -2.f, 3.5f, 4.f}));

  pb::TensorProto d = proto("d", pb::TensorProto::DOUBLE, {2});
  d.add_double_data(0.25);
  d.add_double_data(-1e300);
  EXPECT_EQ(tensor_from_proto(d, kContext).values<double>()[1], -1e300);

  pb::TensorProto i64 = proto("i64", pb::TensorProto::INT64, {3});
  for (int64_t v : {int64_t{1} << 40, int64_t{-1}, int64_t{7}}) i64.add_int64_data(v);
  EXPECT_EQ(tensor_from_proto(i64, kContext).as_int64s(),
            (std::vector<int64_t>{int64_t{1} << 40, -1, 7}));

  pb::TensorProto i32 = proto("i32", pb::TensorProto::INT32, {2});
  i32.add_int32_data(-5);
  i32.add_int32_data(9);
  EXPECT_EQ(tensor_from_proto(i32, kContext).as_int64s(), (std::vector<int64_t>{-5, 9}));

  pb::TensorProto i8 = proto("i8", pb::TensorProto::INT8, {2});
  i8.add_int32_data(-128);
  i8.add_int32_data(127);
  const ir::HostTensor t8 = tensor_from_proto(i8, kContext);
  EXPECT_EQ(t8.dtype(), DType::kInt8);
  EXPECT_EQ(t8.as_int64s(), (std::vector<int64_t>{-128, 127}));

  pb::TensorProto u8 = proto("u8", pb::TensorProto::UINT8, {1});
  u8.add_int32_data(255);
  EXPECT_EQ(tensor_from_proto(u8, kContext).as_int64s(), (std::vector<int64_t>{255}));

  pb::TensorProto b = proto("b", pb::TensorProto::BOOL, {3});
  for (int v : {1, 0, 1}) b.add_int32_data(v);
  const ir::HostTensor tb = tensor_from_proto(b, kContext);
  EXPECT_EQ(tb.dtype(), DType::kBool);
  EXPECT_EQ(tb.as_int64s(), (std::vector<int64_t>{1, 0, 1}));

  pb::TensorProto h = proto("h", pb::TensorProto::FLOAT16, {1});
  h.add_int32_data(0x3c00);  // 1.0 in IEEE half
  const ir::HostTensor th = tensor_from_proto(h, kContext);
  EXPECT_EQ(th.dtype(), DType::kFloat16);
  uint16_t bits = 0;
  std::memcpy(&bits, th.raw(), 2);
  EXPECT_EQ(bits, 0x3c00);
}

TEST(TensorProto, RawData) {
  pb::TensorProto t = proto("raw", pb::TensorProto::FLOAT, {3});
  const std::vector<float> values = {1.f, 2.f, -3.f};
  t.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), 12));
  const ir::HostTensor ht = tensor_from_proto(t, kContext);
  EXPECT_EQ(ht.values<float>()[2], -3.f);

  pb::TensorProto bf = proto("bf", pb::TensorProto::BFLOAT16, {2});
  bf.set_raw_data(std::string("\x80\x3f\x00\x40", 4));  // 1.0, 2.0
  EXPECT_EQ(tensor_from_proto(bf, kContext).bytes(), 4u);

  pb::TensorProto scalar = proto("s", pb::TensorProto::INT64, {});
  const int64_t v = 42;
  scalar.set_raw_data(std::string(reinterpret_cast<const char*>(&v), 8));
  const ir::HostTensor hs = tensor_from_proto(scalar, kContext);
  EXPECT_TRUE(hs.shape().empty());
  EXPECT_EQ(hs.as_int64s(), std::vector<int64_t>{42});

  pb::TensorProto empty = proto("e", pb::TensorProto::FLOAT, {0, 3});
  EXPECT_EQ(tensor_from_proto(empty, kContext).elements(), 0);
}

void expect_error(const pb::TensorProto& t, ErrorKind kind) {
  try {
    tensor_from_proto(t, kContext);
    ADD_FAILURE() << "expected an error for " << t.name();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_EQ(e.context_value("tensor"), t.name());
    EXPECT_EQ(e.context_value("file"), "t.onnx");
  }
}

TEST(TensorProto, Malformed) {
  pb::TensorProto short_data = proto("short", pb::TensorProto::FLOAT, {4});
  short_data.add_float_data(1.f);
  expect_error(short_data, ErrorKind::kInvalidModel);

  pb::TensorProto ragged_raw = proto("ragged", pb::TensorProto::FLOAT, {1});
  ragged_raw.set_raw_data("abc");
  expect_error(ragged_raw, ErrorKind::kInvalidModel);

  pb::TensorProto wrong_field = proto("wrong_field", pb::TensorProto::FLOAT, {1});
  wrong_field.add_int64_data(1);
  expect_error(wrong_field, ErrorKind::kInvalidModel);

  pb::TensorProto negative = proto("negative", pb::TensorProto::FLOAT, {-1});
  expect_error(negative, ErrorKind::kInvalidModel);

  // Dims whose product overflows must not allocate or crash.
  pb::TensorProto huge =
      proto("huge", pb::TensorProto::FLOAT, {int64_t{1} << 40, int64_t{1} << 40});
  expect_error(huge, ErrorKind::kInvalidModel);
  pb::TensorProto big = proto("big", pb::TensorProto::FLOAT, {int64_t{1} << 40});
  expect_error(big, ErrorKind::kInvalidModel);

  pb::TensorProto text = proto("text", pb::TensorProto::STRING, {1});
  text.add_string_data("hi");
  expect_error(text, ErrorKind::kUnsupported);

  pb::TensorProto external = proto("external", pb::TensorProto::FLOAT, {1});
  external.set_data_location(pb::TensorProto::EXTERNAL);
  expect_error(external, ErrorKind::kUnsupported);
}

}  // namespace
}  // namespace rill::onnx
