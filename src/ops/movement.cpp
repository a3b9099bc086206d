#include "ops/movement.h"

#include "ops/families.h"

namespace rill::ops {

std::vector<OpDef> movement_ops() {
  std::vector<OpDef> all;
  for (auto&& group : {movement::alias_ops(), movement::shape_value_ops(),
                       movement::transpose_ops(), movement::concat_ops(), movement::split_ops(),
                       movement::slice_ops(), movement::expand_ops(), movement::gather_ops(),
                       movement::pad_ops(), movement::resize_ops(), movement::to_nhwc_ops()}) {
    all.insert(all.end(), group.begin(), group.end());
  }
  return all;
}

}  // namespace rill::ops
