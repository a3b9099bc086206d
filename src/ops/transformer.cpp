// The transformer family's table (Note [Op anatomy] in op.h): fused ops that the passes make out
// of transformer exports.
#include "ops/attention.h"
#include "ops/families.h"

namespace rill::ops {

std::vector<OpDef> transformer_ops() {
  using namespace transformer;
  OpDef attention;
  attention.op_type = "rill.Attention";
  attention.infer = &infer_attention;
  attention.run_cpu = &run_attention_cpu;
  attention.prepare_gpu = &prepare_attention_gpu;
  attention.gpu_dtypes = kFloatDTypes;
  return {attention};
}

}  // namespace rill::ops
