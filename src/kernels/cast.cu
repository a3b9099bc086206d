// Cast kernels between float32, float64, int64, int32, int8, uint8 and bool; conversion
// semantics from kernels::cast_value (Note [Elementwise semantics]).
#include "kernels/elementwise_impl.cuh"

namespace rill::kernels {

namespace {

template <class To, class From>
struct CastFn {
  EwScalars s;
  __device__ __forceinline__ To operator()(From v) const { return cast_value<To, From>(v); }
};

template <class From>
EwLauncher cast_from(DType to) {
  using detail::TypeOf;
  switch (to) {
#define RILL_CAST_CASE(D)                                                                       \
  case D:                                                                                       \
    return &detail::launch_ew<CastFn<typename TypeOf<D>::type, From>, typename TypeOf<D>::type, \
                              From>;
    RILL_CAST_CASE(DType::kFloat32)
    RILL_CAST_CASE(DType::kFloat64)
    RILL_CAST_CASE(DType::kInt64)
    RILL_CAST_CASE(DType::kInt32)
    RILL_CAST_CASE(DType::kInt8)
    RILL_CAST_CASE(DType::kUInt8)
    RILL_CAST_CASE(DType::kBool)
#undef RILL_CAST_CASE
    default:
      return nullptr;
  }
}

}  // namespace

EwLauncher find_cast_launcher(DType from, DType to) {
  switch (from) {
    case DType::kFloat32:
      return cast_from<float>(to);
    case DType::kFloat64:
      return cast_from<double>(to);
    case DType::kInt64:
      return cast_from<int64_t>(to);
    case DType::kInt32:
      return cast_from<int32_t>(to);
    case DType::kInt8:
      return cast_from<int8_t>(to);
    case DType::kUInt8:
      return cast_from<uint8_t>(to);
    case DType::kBool:
      return cast_from<bool>(to);
    default:
      return nullptr;
  }
}

}  // namespace rill::kernels
