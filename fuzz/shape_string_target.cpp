#include <string>

#include "cli/arguments.h"
#include "fuzz/fuzz_guard.h"
#include "fuzz/targets.h"

namespace rill::fuzz {

void shape_string(Bytes data) {
  const std::string text(reinterpret_cast<const char*>(data.data()), data.size());
  expect_clean_outcome([&] { (void)cli::parse_shape(text); });
  expect_clean_outcome([&] { (void)cli::parse_named_path(text); });
  // As `rill build --min TEXT --max TEXT`: the range is filled in from what is given.
  expect_clean_outcome([&] {
    cli::ShapeOptions shapes;
    shapes.min = {text};
    shapes.max = {text};
    (void)cli::build_options(shapes, {});
  });
}

}  // namespace rill::fuzz
