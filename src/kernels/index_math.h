// Index arithmetic shared by the movement kernels and their host-side preparation: a fast
// unsigned division by a divisor fixed at plan time, and the rank limit. Plain C++ (no CUDA
// headers needed) so that src/ops can fill the parameter structs.
#pragma once

#include <cstdint>

// Host-and-device inline functions of the movement kernels (a family-local name, so it cannot
// collide with another family's macro).
#ifdef __CUDACC__
#define RILL_MOVEMENT_HD __host__ __device__ __forceinline__
#else
#define RILL_MOVEMENT_HD inline
#endif

namespace rill::kernels {

//! Highest tensor rank the movement kernels handle.
inline constexpr int kMaxRank = 8;

//! Division of n < 2^31 by a divisor fixed at plan time, as one multiply-high and a shift
//! (Granlund & Montgomery; the same scheme as PyTorch's IntDivider). Kernels index with 32 bits,
//! so every tensor a movement kernel touches has fewer than 2^31 elements (prepare checks).
struct FastDivmod {
  uint32_t divisor = 1;
  uint32_t multiplier = 0;
  uint32_t shift = 0;

  FastDivmod() = default;
  explicit FastDivmod(uint32_t d) : divisor(d) {
    while (shift < 32 && (uint64_t{1} << shift) < d) ++shift;
    const uint64_t magic = ((uint64_t{1} << 32) * ((uint64_t{1} << shift) - d)) / d + 1;
    multiplier = static_cast<uint32_t>(magic);
  }

  RILL_MOVEMENT_HD uint32_t div(uint32_t n) const {
#ifdef __CUDA_ARCH__
    const uint32_t high = __umulhi(n, multiplier);
#else
    const auto high = static_cast<uint32_t>((static_cast<uint64_t>(n) * multiplier) >> 32);
#endif
    return (high + n) >> shift;
  }
  //! Quotient, and remainder into `rem`.
  RILL_MOVEMENT_HD uint32_t divmod(uint32_t n, uint32_t& rem) const {
    const uint32_t q = div(n);
    rem = n - q * divisor;
    return q;
  }
};

//! The largest element count a movement kernel indexes (32-bit, see FastDivmod).
inline constexpr int64_t kMaxKernelElements = (int64_t{1} << 31) - 1;

}  // namespace rill::kernels
