// The activations the fusion pass folds into nn ops ("rill_activation").
#pragma once

namespace rill::kernels {

//! kGeluTanh is the tanh approximation of GELU, what cuBLASLt's GELU epilogue computes (Note
//! [GELU epilogue] in ir/passes/gelu_epilogue_fusion.h).
enum class Activation { kNone, kRelu, kSigmoid, kTanh, kLeakyRelu, kGeluTanh };

}  // namespace rill::kernels
