// The elementwise family's table: unary ops, binary ops (with Min/Max and Where), Cast and
// rill.FusedElementwise. Each file of the family contributes its own OpDefs.
#include "ops/elementwise_common.h"
#include "ops/families.h"

namespace rill::ops {

std::vector<OpDef> elementwise_ops() {
  std::vector<OpDef> all;
  for (auto&& part :
       {ew::unary_op_defs(), ew::binary_op_defs(), ew::cast_op_defs(), ew::fused_op_defs()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

}  // namespace rill::ops
