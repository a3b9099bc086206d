// What every rill fuzz target counts as a correct outcome: the input is accepted, or rejected
// with a rill::Error that says what is wrong with it.
//
// Note [Fuzzing outcomes]
// ~~~~~~~~~~~~~~~~~~~~~~~
// rill lives inside other processes, so a malformed file or argument must come back as a typed
// rill::Error and nothing else. Anything else a target sees is a finding, reported by libFuzzer
// with the input that caused it:
//   - a crash, an AddressSanitizer or UndefinedBehaviorSanitizer report, a leak (detect_leaks=1),
//     a hang past -timeout, or memory past -rss_limit_mb / -malloc_limit_mb;
//   - any exception other than rill::Error (std::out_of_range from std::stoll, std::bad_alloc
//     from a size taken on trust, ...): it escapes the target and libFuzzer reports the abort;
//   - a rill::Error of kind kInternal, which rill reserves for its own broken invariants.
// The targets' bodies (targets.h) are plain C++, built twice: into the libFuzzer binaries by
// scripts/fuzz.sh (clang, sanitizers), and into the ordinary g++ test suite, which replays every
// checked-in input (fuzz/corpus/, and each finding's input in fuzz/regressions/) through the same
// code (tests/fuzz/replay_test.cpp).
#pragma once

#include "rill/error.h"

namespace rill::fuzz {

//! Runs `fn`; a rill::Error other than kInternal is a correct rejection and is swallowed,
//! everything else propagates to the caller (libFuzzer, or the replay test).
template <class Fn>
void expect_clean_outcome(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInternal) throw;
  }
}

}  // namespace rill::fuzz
