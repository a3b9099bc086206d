// Helpers shared by the elementwise family's tests.
#pragma once

#include <cmath>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "op_test_driver.h"
#include "ops/families.h"

namespace rill::testing::ew {

using ir::HostTensor;
using ir::Shape;

inline std::span<const ops::OpDef> family() {
  static const std::vector<ops::OpDef> kOps = [] {
    std::vector<ops::OpDef> all = ops::elementwise_ops();
    const std::vector<ops::OpDef> reductions = ops::reduction_ops();
    all.insert(all.end(), reductions.begin(), reductions.end());
    return all;
  }();
  return kOps;
}

//! A case for `op_type` with the given inputs (an empty HostTensor is an absent input).
inline OpCase make_case(const std::string& op_type, std::vector<HostTensor> inputs,
                        std::map<std::string, ir::AttributeValue> attributes = {},
                        int outputs = 1) {
  OpCase c;
  c.def = find_def(family(), op_type);
  c.node = make_node(op_type, static_cast<int>(inputs.size()), outputs, std::move(attributes));
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].desc().shape.empty() && inputs[i].bytes() == 0) c.node.inputs[i].clear();
  }
  c.inputs = std::move(inputs);
  return c;
}

inline HostTensor floats(Shape shape, std::vector<float> values) {
  return HostTensor::from<float>(std::move(shape), values);
}

//! Checks dtype, shape and values (floats within `tol` relative, NaN matching NaN).
template <class T>
void expect_values(const HostTensor& t, const Shape& shape, const std::vector<T>& values,
                   double tol = 1e-6) {
  ASSERT_EQ(t.dtype(), ir::dtype_of<T>()) << dtype_name(t.dtype());
  ASSERT_EQ(ir::shape_string(t.shape()), ir::shape_string(shape));
  ASSERT_EQ(static_cast<size_t>(t.elements()), values.size());
  const T* got = t.data<T>();
  for (size_t i = 0; i < values.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(values[i])) {
        EXPECT_TRUE(std::isnan(got[i])) << "index " << i << " got " << got[i];
      } else if (std::isinf(values[i])) {
        EXPECT_EQ(got[i], values[i]) << "index " << i;
      } else {
        EXPECT_NEAR(got[i], values[i], tol * (1.0 + std::abs(values[i]))) << "index " << i;
      }
    } else {
      EXPECT_EQ(got[i], values[i]) << "index " << i;
    }
  }
}

//! The single output of the CPU reference.
inline HostTensor cpu1(const OpCase& c) {
  std::vector<HostTensor> outs = run_cpu(c);
  if (outs.size() != 1) ADD_FAILURE() << "expected one output, got " << outs.size();
  return outs.empty() ? HostTensor() : outs[0];
}

//! Runs infer() and returns the Error it throws (fails the test when it does not throw).
inline Error infer_error(const OpCase& c) {
  std::vector<ir::TensorDesc> descs;
  std::vector<const HostTensor*> constants;
  for (const HostTensor& t : c.inputs) {
    descs.push_back(t.desc());
    constants.push_back(&t);
  }
  try {
    (void)c.def->infer(ops::InferContext{c.node, descs, constants});
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << c.node.op_type << ": infer did not throw";
  return Error(ErrorKind::kInternal, "no error");
}

}  // namespace rill::testing::ew
