// How a library plan (cuBLASLt matmul, cuDNN convolution) gets its algorithm when it is not the
// heuristic's first pick.
//
// Note [Build-time tuning]
// ~~~~~~~~~~~~~~~~~~~~~~~~
// cuBLASLt's and cuDNN's heuristics rank their algorithms by a model of the GPU, and the first
// pick is often not the fastest for a given shape (TensorRT's builder times its tactics for the
// same reason). So a build on a GPU times the candidates of every distinct library problem at the
// optimization profile's opt shapes and keeps the fastest:
//  - a plan function (CublasLtMatmul::plan, CudnnGraphConv::plan, CudnnConvForward::plan,
//    CudnnConvBackwardData::plan) is given an AlgorithmSelector. It names its problem by a key (tuning_key(): the library call, shapes,
//    dtypes, layout, epilogue and math mode, everything the choice depends on), asks the selector
//    for a stored choice, and restores it only after the library accepts it for this problem on
//    this GPU (cublasLtMatmulAlgoCheck; for cuDNN the algorithm, or the graph API's engine
//    configuration, must be among those its heuristics offer and rill's rules accept). A choice the library rejects is reported and the heuristic
//    decides, so a plan file moved to another GPU or library still runs.
//  - when there is no stored choice and the selector has a TuningBench (a build), the plan times
//    up to TuningBench::max_candidates() candidates on scratch buffers (warm-up, then the median
//    of a few CUDA-event timings) and hands the fastest to the selector.
//  - the engine's selectors (engine/algorithm_tuner.h) keep choices in the engine definition (so
//    a .rill plan carries them) and in the timing cache file (engine/timing_cache.h). Identical
//    layers share one key, so a network of repeated blocks times each distinct problem once.
// A choice is an opaque byte string to everyone but the plan that made it: for cuBLASLt the
// cublasLtMatmulAlgo_t itself (documented as trivially serializable for one cuBLAS version), for
// cuDNN's legacy API the algorithm enum and math type, for its graph API the engine
// configuration's position in the heuristics' list and the engine's global index.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rill::kernels {

class TuningBench;

//! One tuned algorithm: library-specific bytes, and what it measured when it was chosen.
struct AlgorithmChoice {
  std::vector<uint8_t> algorithm;
  float milliseconds = 0.0f;  //!< median time of one launch at tuning
  uint32_t candidates = 0;    //!< how many candidates were timed
  friend bool operator==(const AlgorithmChoice&, const AlgorithmChoice&) = default;
};

//! What a tuned choice is only valid for: the GPU it was timed on and the libraries' versions.
struct TuningEnvironment {
  std::string gpu_name;
  int compute_major = 0, compute_minor = 0;
  uint64_t cublaslt_version = 0;  //!< cublasLtGetVersion()
  uint64_t cudnn_version = 0;     //!< cudnnGetVersion()
  friend bool operator==(const TuningEnvironment&, const TuningEnvironment&) = default;
  //! "NVIDIA H200 (sm_90), cuBLASLt 130100, cuDNN 91000".
  std::string to_string() const;
};

//! The environment of the current CUDA device and the loaded libraries (needs a GPU).
TuningEnvironment current_tuning_environment();

//! Consulted by the library plan functions (Note [Build-time tuning]). Not thread-safe: one plan
//! at a time (the engine plans under a lock).
class AlgorithmSelector {
 public:
  virtual ~AlgorithmSelector() = default;
  //! The stored choice for `key`, or null.
  virtual const AlgorithmChoice* find(const std::string& key) = 0;
  //! The library rejected the stored choice for `key` on this GPU; the plan falls back.
  virtual void rejected(const std::string& key) = 0;
  //! Where to time candidates, or null when this selector only looks choices up.
  virtual TuningBench* bench() = 0;
  //! The plan timed the candidates for `key` and runs `choice`.
  virtual void tuned(const std::string& key, AlgorithmChoice choice) = 0;
};

}  // namespace rill::kernels
