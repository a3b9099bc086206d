// placeholder: replaced by the family's sources
#include "ops/families.h"
namespace rill::ops { std::vector<OpDef> movement_ops() { return {}; } }
