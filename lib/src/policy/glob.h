// SPDX-License-Identifier: Apache-2.0
//
// The IAM wildcard matcher behind AWS IoT policies: `*` matches any run of
// characters (across `/` and `:`), `?` exactly one character (one UTF-8
// code point), everything else itself. `+` and `#` have no MQTT meaning
// here. Private to lib/src/policy.
//
// The pattern is a sequence of pieces (a literal run, `*` or `?`), so that
// a policy variable's value can be spliced in as a literal run without
// building a string. Greedy with backtracking to the last `*`: O(n*m) at
// worst, no recursion, no allocation.
//
// Thread safety: pure functions; safe for concurrent use.

#ifndef SHADOWSYNC_POLICY_GLOB_H_
#define SHADOWSYNC_POLICY_GLOB_H_

#include <cstddef>
#include <string_view>

#include "ascii.h"

namespace shadowsync::policy_internal {

struct GlobPiece {
  enum Kind : unsigned char { kLiteral, kStar, kQuestion };
  Kind kind = kLiteral;
  std::string_view text;  ///< kLiteral only; may be empty
};

/// True when `subject` matches the pieces. `ignore_case` folds ASCII
/// letters (IAM compares action names case-insensitively).
bool GlobMatch(const GlobPiece* pieces, std::size_t count, std::string_view subject,
               bool ignore_case);

/// True when `a` and `b` are equal, ASCII letters folded.
using ascii::EqualsIgnoreCase;

}  // namespace shadowsync::policy_internal

#endif  // SHADOWSYNC_POLICY_GLOB_H_
