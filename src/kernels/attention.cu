// Fused attention kernels (see attention.cuh, Note [Attention kernels]).
#include <algorithm>
#include <cmath>

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "cuda/check.h"
#include "kernels/attention.cuh"

namespace rill::kernels {

namespace {

// Kernel arguments: dims as int32 (checked by make_attention_plan), strides as int64.
struct Params {
  int32_t seq_q, seq_k, head_dim, value_dim;
  float scale;
  AttentionStrides q, k, v, out;
  AttentionMaskStrides mask;
};

template <class T>
__device__ __forceinline__ float to_float(T x);
template <>
__device__ __forceinline__ float to_float<float>(float x) {
  return x;
}
template <>
__device__ __forceinline__ float to_float<__half>(__half x) {
  return __half2float(x);
}
template <>
__device__ __forceinline__ float to_float<__nv_bfloat16>(__nv_bfloat16 x) {
  return __bfloat162float(x);
}

template <class T>
__device__ __forceinline__ T from_float(float x);
template <>
__device__ __forceinline__ float from_float<float>(float x) {
  return x;
}
template <>
__device__ __forceinline__ __half from_float<__half>(float x) {
  return __float2half_rn(x);
}
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) {
  return __float2bfloat16_rn(x);
}

// ---------------------------------------------------------------------------------------------
// Rows kernel (float32, and the fallback for every other case): a CTA of 4 warps owns 16 query
// rows of one (batch, head), 4 per warp. Keys go through shared memory in chunks of 32, loaded
// once per CTA (coalesced); each lane scores one key for its warp's 4 rows, then lanes split the
// value dims for P V.

constexpr int kRowWarps = 4;
constexpr int kRowsPerWarp = 4;
constexpr int kRowsPerCta = kRowWarps * kRowsPerWarp;
constexpr int kKeyChunk = 32;

__device__ __forceinline__ float warp_max(float x) {
  for (int offset = 16; offset > 0; offset /= 2) {
    x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, offset));
  }
  return x;
}
__device__ __forceinline__ float warp_sum(float x) {
  for (int offset = 16; offset > 0; offset /= 2) x += __shfl_xor_sync(0xffffffffu, x, offset);
  return x;
}

// kRegs * 32 >= head_dim and value_dim.
template <class T, int kRegs>
__global__ void __launch_bounds__(kRowWarps * 32)
    attention_rows_kernel(Params p, const T* __restrict__ q, const T* __restrict__ k,
                          const T* __restrict__ v, const T* __restrict__ mask,
                          T* __restrict__ out) {
  constexpr int kMaxD = kRegs * 32;
  constexpr int kThreads = kRowWarps * 32;
  __shared__ float q_s[kRowsPerCta][kMaxD];
  __shared__ float k_s[kKeyChunk][kMaxD + 1];  // +1: lanes read different keys' rows
  __shared__ float v_s[kKeyChunk][kMaxD];
  const int warp = static_cast<int>(threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x) % 32;
  const int64_t b = blockIdx.z;
  const int64_t h = blockIdx.y;
  const int row_base = static_cast<int>(blockIdx.x) * kRowsPerCta;
  const int first = warp * kRowsPerWarp;  // this warp's first row in the CTA

  const T* qb = q + b * p.q.batch + h * p.q.head;
  const T* kb = k + b * p.k.batch + h * p.k.head;
  const T* vb = v + b * p.v.batch + h * p.v.head;
  const T* mb = mask == nullptr ? nullptr : mask + b * p.mask.batch + h * p.mask.head;
  for (int idx = static_cast<int>(threadIdx.x); idx < kRowsPerCta * kMaxD; idx += kThreads) {
    const int r = idx / kMaxD;
    const int d = idx % kMaxD;
    const int row = row_base + r;
    q_s[r][d] = row < p.seq_q && d < p.head_dim ? to_float(qb[row * p.q.seq + d]) : 0.f;
  }

  float o[kRowsPerWarp][kRegs];
  float m[kRowsPerWarp];
  float l[kRowsPerWarp];
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    m[r] = -INFINITY;
    l[r] = 0.f;
#pragma unroll
    for (int c = 0; c < kRegs; ++c) o[r][c] = 0.f;
  }
  for (int j0 = 0; j0 < p.seq_k; j0 += kKeyChunk) {
    __syncthreads();  // q_s is written; the previous chunk is no longer read
    for (int idx = static_cast<int>(threadIdx.x); idx < kKeyChunk * kMaxD; idx += kThreads) {
      const int jj = idx / kMaxD;
      const int d = idx % kMaxD;
      const int j = j0 + jj;
      k_s[jj][d] = j < p.seq_k && d < p.head_dim ? to_float(kb[j * p.k.seq + d]) : 0.f;
      v_s[jj][d] = j < p.seq_k && d < p.value_dim ? to_float(vb[j * p.v.seq + d]) : 0.f;
    }
    __syncthreads();

    // Lane = key: the warp's rows against key j0 + lane.
    float s[kRowsPerWarp];
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) s[r] = 0.f;
    for (int d = 0; d < p.head_dim; ++d) {
      const float kd = k_s[lane][d];
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) s[r] = fmaf(q_s[first + r][d], kd, s[r]);
    }
    const int j = j0 + lane;
    float prob[kRowsPerWarp];
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const int row = row_base + first + r;
      float x = s[r] * p.scale;
      if (j >= p.seq_k) {
        x = -INFINITY;
      } else if (mb != nullptr && row < p.seq_q) {
        x += to_float(mb[row * p.mask.row + j * p.mask.col]);
      }
      const float m_new = fmaxf(m[r], warp_max(x));
      const float m_use = m_new == -INFINITY ? 0.f : m_new;
      const float alpha = expf(m[r] - m_use);
      prob[r] = expf(x - m_use);
      l[r] = l[r] * alpha + warp_sum(prob[r]);
      m[r] = m_new;
#pragma unroll
      for (int c = 0; c < kRegs; ++c) o[r][c] *= alpha;
    }

    // Lanes = value dims: O += P V over the chunk's keys (zero rows past the end add nothing).
    const int n = min(kKeyChunk, p.seq_k - j0);
    for (int jj = 0; jj < n; ++jj) {
      float pj[kRowsPerWarp];
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) pj[r] = __shfl_sync(0xffffffffu, prob[r], jj);
#pragma unroll
      for (int c = 0; c < kRegs; ++c) {
        const float vd = v_s[jj][lane + 32 * c];
#pragma unroll
        for (int r = 0; r < kRowsPerWarp; ++r) o[r][c] = fmaf(pj[r], vd, o[r][c]);
      }
    }
  }

#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    const int row = row_base + first + r;
    if (row >= p.seq_q) continue;
    const float inv = 1.f / l[r];  // l == 0 only when every key is -inf: NaN, as in the reference
    T* orow = out + b * p.out.batch + h * p.out.head + row * p.out.seq;
#pragma unroll
    for (int c = 0; c < kRegs; ++c) {
      const int d = lane + 32 * c;
      if (d < p.value_dim) orow[d] = from_float<T>(o[r][c] * inv);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tensor-core kernel (float16 / bfloat16).

constexpr int kBlockN = 64;  // keys per tile

template <class T>
__device__ __forceinline__ uint32_t pack2(float lo, float hi);
template <>
__device__ __forceinline__ uint32_t pack2<__half>(float lo, float hi) {
  const __half2 h = __floats2half2_rn(lo, hi);  // lo in the low 16 bits (.x)
  return *reinterpret_cast<const uint32_t*>(&h);
}
template <>
__device__ __forceinline__ uint32_t pack2<__nv_bfloat16>(float lo, float hi) {
  const __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const uint32_t*>(&h);
}

// D (16x8, float) += A (16x16, row-major) * B (16x8, column-major), PTX mma.m16n8k16.
template <class T>
__device__ __forceinline__ void mma_16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0,
                                          uint32_t b1);
template <>
__device__ __forceinline__ void mma_16816<__half>(float (&d)[4], const uint32_t (&a)[4],
                                                  uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
      "{%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
template <>
__device__ __forceinline__ void mma_16816<__nv_bfloat16>(float (&d)[4], const uint32_t (&a)[4],
                                                         uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
      "{%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ uint32_t load_u32(const uint16_t* p) {
  return *reinterpret_cast<const uint32_t*>(p);
}

// Fragment layouts (PTX ISA, mma.m16n8k16 with 16-bit inputs), g = lane / 4, t = lane % 4:
//   A regs 0..3: (row g, cols 2t..2t+1), (row g+8, cols 2t..), (row g, cols 2t+8..),
//                (row g+8, cols 2t+8..)
//   B regs 0..1: (k 2t..2t+1, n g), (k 2t+8..2t+9, n g)
//   C/D 0..3:    (row g, col 2t), (row g, col 2t+1), (row g+8, col 2t), (row g+8, col 2t+1)
// The C layout of two adjacent 8-key tiles of S is the A layout of a 16-key chunk of P, so P
// never leaves registers.
template <class T, int kD, int kWarps>
__global__ void __launch_bounds__(kWarps * 32)
    attention_mma_kernel(Params p, const T* __restrict__ q, const T* __restrict__ k,
                         const T* __restrict__ v, const T* __restrict__ mask, T* __restrict__ out) {
  constexpr int kThreads = kWarps * 32;
  constexpr int kPitchK = kD + 8;       // K tile [key][dim], padded against bank conflicts
  constexpr int kPitchV = kBlockN + 8;  // V tile transposed: [dim][key]
  constexpr int kChunks = kD / 8;       // 16-byte chunks per row
  constexpr int kLoadIters = kBlockN * kChunks / kThreads;  // per thread and tile, of K and V
  constexpr int kLoadBatch = kLoadIters < 4 ? kLoadIters : 4;
  static_assert(kLoadIters * kThreads == kBlockN * kChunks && kLoadIters % kLoadBatch == 0);
  __shared__ __align__(16) uint16_t k_tile[kBlockN * kPitchK];
  __shared__ __align__(16) uint16_t v_tile[kD * kPitchV];

  const int warp = static_cast<int>(threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x) % 32;
  const int g = lane / 4;
  const int t = lane % 4;
  const int64_t b = blockIdx.z;
  const int64_t h = blockIdx.y;
  const int row0 = static_cast<int>(blockIdx.x) * kWarps * 16 + warp * 16 + g;
  const int row1 = row0 + 8;

  const uint16_t* qb = reinterpret_cast<const uint16_t*>(q + b * p.q.batch + h * p.q.head);
  const uint16_t* kb = reinterpret_cast<const uint16_t*>(k + b * p.k.batch + h * p.k.head);
  const uint16_t* vb = reinterpret_cast<const uint16_t*>(v + b * p.v.batch + h * p.v.head);
  const T* mb = mask == nullptr ? nullptr : mask + b * p.mask.batch + h * p.mask.head;

  // Q fragments, straight from global memory (each is read once per CTA).
  uint32_t qf[kD / 16][4];
#pragma unroll
  for (int kc = 0; kc < kD / 16; ++kc) {
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const int row = (r & 1) != 0 ? row1 : row0;
      const int col = kc * 16 + 2 * t + (r >= 2 ? 8 : 0);
      qf[kc][r] = row < p.seq_q && col < p.head_dim ? load_u32(qb + row * p.q.seq + col) : 0u;
    }
  }

  float o[kD / 8][4];
#pragma unroll
  for (int n = 0; n < kD / 8; ++n) {
#pragma unroll
    for (int c = 0; c < 4; ++c) o[n][c] = 0.f;
  }
  float m[2] = {-INFINITY, -INFINITY};  // running max of rows row0, row1
  float l[2] = {0.f, 0.f};              // this thread's part of the running sums

  for (int n0 = 0; n0 < p.seq_k; n0 += kBlockN) {
    __syncthreads();  // the previous tile is no longer read
    // K tile row-major (consecutive threads along a row: coalesced) and V tile transposed
    // (consecutive threads along keys, so that the 16-bit stores of a warp hit distinct banks).
    // Loads are issued in batches into registers before any store, so that several are in
    // flight per thread: at batch 1 a CTA's whole time is a few round trips to L2.
#pragma unroll 1
    for (int it0 = 0; it0 < kLoadIters; it0 += kLoadBatch) {
      uint4 k_val[kLoadBatch];
      uint4 v_val[kLoadBatch];
#pragma unroll
      for (int u = 0; u < kLoadBatch; ++u) {
        const int idx = (it0 + u) * kThreads + static_cast<int>(threadIdx.x);
        const int k_key = idx / kChunks;
        const int k_chunk = idx % kChunks;
        k_val[u] = make_uint4(0u, 0u, 0u, 0u);
        if (n0 + k_key < p.seq_k && k_chunk * 8 < p.head_dim) {
          k_val[u] = *reinterpret_cast<const uint4*>(kb + (n0 + k_key) * p.k.seq + k_chunk * 8);
        }
        const int v_key = idx % kBlockN;
        const int v_chunk = idx / kBlockN;
        v_val[u] = make_uint4(0u, 0u, 0u, 0u);
        if (n0 + v_key < p.seq_k && v_chunk * 8 < p.value_dim) {
          v_val[u] = *reinterpret_cast<const uint4*>(vb + (n0 + v_key) * p.v.seq + v_chunk * 8);
        }
      }
#pragma unroll
      for (int u = 0; u < kLoadBatch; ++u) {
        const int idx = (it0 + u) * kThreads + static_cast<int>(threadIdx.x);
        const int k_key = idx / kChunks;
        const int k_chunk = idx % kChunks;
        *reinterpret_cast<uint4*>(&k_tile[k_key * kPitchK + k_chunk * 8]) = k_val[u];
        const int v_key = idx % kBlockN;
        const int v_chunk = idx / kBlockN;
        const uint32_t words[4] = {v_val[u].x, v_val[u].y, v_val[u].z, v_val[u].w};
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          v_tile[(v_chunk * 8 + 2 * e) * kPitchV + v_key] =
              static_cast<uint16_t>(words[e] & 0xFFFFu);
          v_tile[(v_chunk * 8 + 2 * e + 1) * kPitchV + v_key] =
              static_cast<uint16_t>(words[e] >> 16);
        }
      }
    }
    __syncthreads();

    // S = Q K^T for this warp's 16 rows and the tile's 64 keys.
    float s[kBlockN / 8][4];
#pragma unroll
    for (int nt = 0; nt < kBlockN / 8; ++nt) {
#pragma unroll
      for (int c = 0; c < 4; ++c) s[nt][c] = 0.f;
#pragma unroll
      for (int kc = 0; kc < kD / 16; ++kc) {
        const uint16_t* kp = &k_tile[(nt * 8 + g) * kPitchK + kc * 16 + 2 * t];
        mma_16816<T>(s[nt], qf[kc], load_u32(kp), load_u32(kp + 8));
      }
    }

    // Scale, mask, bounds; the rows' maxima over the quad that shares them.
    float tile_max[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int nt = 0; nt < kBlockN / 8; ++nt) {
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const int half = c / 2;
        const int row = half == 0 ? row0 : row1;
        const int col = n0 + nt * 8 + 2 * t + (c & 1);
        float x = s[nt][c] * p.scale;
        if (col >= p.seq_k) {
          x = -INFINITY;
        } else if (mb != nullptr && row < p.seq_q) {
          x += to_float(mb[row * p.mask.row + col * p.mask.col]);
        }
        s[nt][c] = x;
        tile_max[half] = fmaxf(tile_max[half], x);
      }
    }
    float alpha[2];
    float m_use[2];
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      float x = tile_max[half];
      x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
      x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
      const float m_new = fmaxf(m[half], x);
      m_use[half] = m_new == -INFINITY ? 0.f : m_new;
      alpha[half] = __expf(m[half] - m_use[half]);
      m[half] = m_new;
      l[half] *= alpha[half];
    }
#pragma unroll
    for (int nt = 0; nt < kBlockN / 8; ++nt) {
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const float prob = __expf(s[nt][c] - m_use[c / 2]);
        s[nt][c] = prob;
        l[c / 2] += prob;
      }
    }
#pragma unroll
    for (int n = 0; n < kD / 8; ++n) {
      o[n][0] *= alpha[0];
      o[n][1] *= alpha[0];
      o[n][2] *= alpha[1];
      o[n][3] *= alpha[1];
    }

    // O += P V, P rounded to T in the A layout.
#pragma unroll
    for (int kc = 0; kc < kBlockN / 16; ++kc) {
      const uint32_t a[4] = {pack2<T>(s[2 * kc][0], s[2 * kc][1]),
                             pack2<T>(s[2 * kc][2], s[2 * kc][3]),
                             pack2<T>(s[2 * kc + 1][0], s[2 * kc + 1][1]),
                             pack2<T>(s[2 * kc + 1][2], s[2 * kc + 1][3])};
#pragma unroll
      for (int n = 0; n < kD / 8; ++n) {
        const uint16_t* vp = &v_tile[(n * 8 + g) * kPitchV + kc * 16 + 2 * t];
        mma_16816<T>(o[n], a, load_u32(vp), load_u32(vp + 8));
      }
    }
  }

  // Normalize and store; each thread writes pairs of adjacent output columns.
  float inv[2];
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    float sum = l[half];
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    sum += __shfl_xor_sync(0xffffffffu, sum, 2);
    inv[half] = 1.f / sum;  // 0 only when every key is -inf: NaN, as in the reference
  }
  T* ob = out + b * p.out.batch + h * p.out.head;
#pragma unroll
  for (int n = 0; n < kD / 8; ++n) {
    const int col = n * 8 + 2 * t;
    if (col >= p.value_dim) continue;
    if (row0 < p.seq_q) {
      *reinterpret_cast<uint32_t*>(ob + row0 * p.out.seq + col) =
          pack2<T>(o[n][0] * inv[0], o[n][1] * inv[0]);
    }
    if (row1 < p.seq_q) {
      *reinterpret_cast<uint32_t*>(ob + row1 * p.out.seq + col) =
          pack2<T>(o[n][2] * inv[1], o[n][3] * inv[1]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Launch.

Params params_of(const AttentionProblem& pr) {
  Params p{};
  p.seq_q = static_cast<int32_t>(pr.seq_q);
  p.seq_k = static_cast<int32_t>(pr.seq_k);
  p.head_dim = static_cast<int32_t>(pr.head_dim);
  p.value_dim = static_cast<int32_t>(pr.value_dim);
  p.scale = pr.scale;
  p.q = pr.q;
  p.k = pr.k;
  p.v = pr.v;
  p.out = pr.out;
  p.mask = pr.mask;
  return p;
}

template <class T>
void launch_rows(const AttentionPlan& plan, const void* q, const void* k, const void* v,
                 const void* mask, void* out, cudaStream_t stream) {
  const AttentionProblem& pr = plan.problem;
  const dim3 grid(static_cast<unsigned>((pr.seq_q + kRowsPerCta - 1) / kRowsPerCta),
                  static_cast<unsigned>(pr.heads), static_cast<unsigned>(pr.batch));
  const Params p = params_of(pr);
  const auto* qt = static_cast<const T*>(q);
  const auto* kt = static_cast<const T*>(k);
  const auto* vt = static_cast<const T*>(v);
  const auto* mt = static_cast<const T*>(mask);
  auto* ot = static_cast<T*>(out);
  const int64_t dims = std::max(pr.head_dim, pr.value_dim);
  if (dims <= 32) {
    attention_rows_kernel<T, 1><<<grid, kRowWarps * 32, 0, stream>>>(p, qt, kt, vt, mt, ot);
  } else if (dims <= 64) {
    attention_rows_kernel<T, 2><<<grid, kRowWarps * 32, 0, stream>>>(p, qt, kt, vt, mt, ot);
  } else {
    attention_rows_kernel<T, 4><<<grid, kRowWarps * 32, 0, stream>>>(p, qt, kt, vt, mt, ot);
  }
  RILL_CUDA_CHECK_LAUNCH();
}

template <class T, int kD, int kWarps>
void launch_mma_with(const AttentionPlan& plan, const void* q, const void* k, const void* v,
                     const void* mask, void* out, cudaStream_t stream) {
  const AttentionProblem& pr = plan.problem;
  constexpr int kRows = kWarps * 16;
  const dim3 grid(static_cast<unsigned>((pr.seq_q + kRows - 1) / kRows),
                  static_cast<unsigned>(pr.heads), static_cast<unsigned>(pr.batch));
  attention_mma_kernel<T, kD, kWarps><<<grid, kWarps * 32, 0, stream>>>(
      params_of(pr), static_cast<const T*>(q), static_cast<const T*>(k), static_cast<const T*>(v),
      static_cast<const T*>(mask), static_cast<T*>(out));
  RILL_CUDA_CHECK_LAUNCH();
}

template <class T, int kD>
void launch_mma_dim(const AttentionPlan& plan, const void* q, const void* k, const void* v,
                    const void* mask, void* out, cudaStream_t stream) {
  switch (plan.warps) {
    case 1:
      return launch_mma_with<T, kD, 1>(plan, q, k, v, mask, out, stream);
    case 2:
      return launch_mma_with<T, kD, 2>(plan, q, k, v, mask, out, stream);
    default:
      return launch_mma_with<T, kD, 4>(plan, q, k, v, mask, out, stream);
  }
}

template <class T>
void launch_mma(const AttentionPlan& plan, const void* q, const void* k, const void* v,
                const void* mask, void* out, cudaStream_t stream) {
  switch (plan.padded_dim) {
    case 32:
      return launch_mma_dim<T, 32>(plan, q, k, v, mask, out, stream);
    case 64:
      return launch_mma_dim<T, 64>(plan, q, k, v, mask, out, stream);
    default:
      return launch_mma_dim<T, 128>(plan, q, k, v, mask, out, stream);
  }
}

bool aligned16(const void* ptr) {
  return reinterpret_cast<uintptr_t>(ptr) % 16 == 0;
}

}  // namespace

bool make_attention_plan(const AttentionProblem& problem, AttentionPlan* plan, std::string* why) {
  const AttentionProblem& pr = problem;
  if (pr.head_dim > 128 || pr.value_dim > 128 || pr.head_dim < 1 || pr.value_dim < 1) {
    *why = "head dims must be between 1 and 128";
    return false;
  }
  if (pr.batch > 65535 || pr.heads > 65535) {
    *why = "at most 65535 batches and 65535 heads";
    return false;
  }
  if (pr.seq_q >= (int64_t{1} << 31) || pr.seq_k >= (int64_t{1} << 31)) {
    *why = "sequences must be shorter than 2^31";
    return false;
  }
  *plan = AttentionPlan{};
  plan->problem = problem;
  const auto multiple_of_8 = [](int64_t x) { return x % 8 == 0; };
  const bool strides_ok = [&] {
    for (const AttentionStrides& s : {pr.q, pr.k, pr.v, pr.out}) {
      if (!multiple_of_8(s.batch) || !multiple_of_8(s.seq) || !multiple_of_8(s.head)) {
        return false;
      }
    }
    return true;
  }();
  const int64_t dims = std::max(pr.head_dim, pr.value_dim);
  plan->tensor_cores = pr.dtype != AttentionDType::kFloat32 && dims <= 128 &&
                       multiple_of_8(pr.head_dim) && multiple_of_8(pr.value_dim) && strides_ok;
  plan->padded_dim = dims <= 32 ? 32 : dims <= 64 ? 64 : 128;
  // Four warps (64 query rows) per CTA share each K/V tile, fewer only for short queries. More,
  // smaller CTAs would fill more SMs at batch 1 but each would load every tile with fewer
  // threads, and there a CTA's latency (its round trips to L2) is the whole kernel's.
  plan->warps = pr.seq_q <= 16 ? 1 : pr.seq_q <= 32 ? 2 : 4;
  return true;
}

void launch_attention(const AttentionPlan& plan, const void* q, const void* k, const void* v,
                      const void* mask, void* out, cudaStream_t stream) {
  const AttentionProblem& pr = plan.problem;
  if (pr.batch == 0 || pr.heads == 0 || pr.seq_q == 0) return;
  if (!pr.has_mask) mask = nullptr;
  // The tensor-core kernel moves 16-byte chunks; a misaligned operand takes the rows kernel.
  const bool aligned = aligned16(q) && aligned16(k) && aligned16(v) && aligned16(out);
  switch (pr.dtype) {
    case AttentionDType::kFloat32:
      return launch_rows<float>(plan, q, k, v, mask, out, stream);
    case AttentionDType::kFloat16:
      if (plan.tensor_cores && aligned) return launch_mma<__half>(plan, q, k, v, mask, out, stream);
      return launch_rows<__half>(plan, q, k, v, mask, out, stream);
    case AttentionDType::kBFloat16:
      if (plan.tensor_cores && aligned) {
        return launch_mma<__nv_bfloat16>(plan, q, k, v, mask, out, stream);
      }
      return launch_rows<__nv_bfloat16>(plan, q, k, v, mask, out, stream);
  }
}

std::string describe_attention_plan(const AttentionPlan& plan) {
  const char* dtype = plan.problem.dtype == AttentionDType::kFloat32   ? "float32"
                      : plan.problem.dtype == AttentionDType::kFloat16 ? "float16"
                                                                       : "bfloat16";
  if (plan.tensor_cores) {
    return std::string("attention tensor cores (") + dtype + ", d" +
           std::to_string(plan.padded_dim) + ", " + std::to_string(plan.warps) + " warps/CTA)";
  }
  return std::string("attention rows (") + dtype + ")";
}

}  // namespace rill::kernels
