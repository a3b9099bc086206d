// Cast kernels between float32, float16, bfloat16, float64, int64, int32, int8, uint8 and bool;
// conversion semantics from kernels::cast_value (Note [Elementwise semantics]). A half operand
// goes through float, as the CPU reference does: a half input widens exactly, the cast runs as
// from float, and a half result is the float result rounded once to nearest even.
#include "kernels/elementwise_impl.cuh"

namespace rill::kernels {

namespace {

template <class To, class From>
struct CastFn {
  EwScalars s;
  __device__ __forceinline__ To operator()(From v) const {
    if constexpr (detail::kIsHalf<To> || detail::kIsHalf<From>) {
      using F = detail::Compute<From>;
      using U = detail::Compute<To>;
      return detail::narrow<To>(cast_value<U, F>(detail::widen(v)));
    } else {
      return cast_value<To, From>(v);
    }
  }
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
    RILL_CAST_CASE(DType::kFloat16)
    RILL_CAST_CASE(DType::kBFloat16)
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
    case DType::kFloat16:
      return cast_from<__half>(to);
    case DType::kBFloat16:
      return cast_from<__nv_bfloat16>(to);
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
