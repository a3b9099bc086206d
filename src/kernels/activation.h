// The activations the fusion pass folds into nn ops ("rill_activation").
#pragma once

namespace rill::kernels {

enum class Activation { kNone, kRelu, kSigmoid, kTanh, kLeakyRelu };

}  // namespace rill::kernels
