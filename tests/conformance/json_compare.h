// SPDX-License-Identifier: Apache-2.0
//
// Compares an expected JSON document from a conformance vector with the one
// the library produced, by the rules of spec section 13: objects without
// regard to key order, numbers by value, the "<ts>" placeholder bound to one
// integer per vector, an extra `timestamp` ignored in error documents, and
// the `match` relaxations. Every difference is reported with its JSON
// pointer, so a failure reads as a diff rather than a yes/no.

#ifndef SHADOWSYNC_TESTS_CONFORMANCE_JSON_COMPARE_H_
#define SHADOWSYNC_TESTS_CONFORMANCE_JSON_COMPARE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync::conformance {

/// The string that stands for the timestamp the request creates (spec 13).
inline constexpr std::string_view kTimestampPlaceholder = "<ts>";

/// One relaxation of a vector's `match` object (spec 13).
enum class MatchRule {
  /// No relaxation: compare exactly.
  kExact,
  /// "prefix": where the expected document has the key, the actual value is
  /// a string that starts with the expected string.
  kPrefix,
  /// "any": where the expected document has the key, the actual document
  /// must have it too, with any value. An actual key the expected document
  /// lacks is accepted.
  kAny,
  /// "ignore": the key may be absent or hold anything, on either side.
  kIgnore,
  /// "optional": the actual key may be absent; when present it must match
  /// the expected value (and the expected document must give one).
  kOptional,
};

/// "prefix", "any", "ignore" or "optional" ("exact" for kExact).
const char* MatchRuleName(MatchRule rule);

/// Relaxations keyed by dotted path from the root of a response message,
/// e.g. "metadata.delta". Array elements are addressed by decimal index
/// ("state.list.0").
///
/// Thread safety: const methods may run concurrently; others need external
/// synchronization.
class MatchRules {
 public:
  /// Reads a vector's `match` object. kInvalidArgument when `match` is not an
  /// object or a value is not one of the four rule names.
  static Result<MatchRules> Parse(const JsonValue& match);

  void Add(std::string dotted_path, MatchRule rule) { rules_[std::move(dotted_path)] = rule; }
  /// The rule for `dotted_path`; kExact when there is none.
  MatchRule Find(const std::string& dotted_path) const;
  bool empty() const { return rules_.empty(); }

 private:
  std::map<std::string, MatchRule> rules_;
};

/// One difference between expected and actual.
struct Mismatch {
  std::string pointer;      ///< JSON pointer (RFC 6901); "" is the root
  std::string description;  ///< e.g. `expected 3, got 2`

  /// "<pointer>: <description>", with "(root)" for the empty pointer.
  std::string ToString() const;
};

/// Compact JSON of `value`, cut to about `max_chars` characters with "..."
/// appended when longer. For diagnostics.
std::string RenderJson(const JsonValue& value, std::size_t max_chars = 200);

/// Compares the documents of one vector. Keep one comparator per vector: the
/// first "<ts>" it meets binds the placeholder to the actual integer found
/// there, and every later "<ts>" (in any message of the vector, and in
/// `state_after`) must be that same integer.
///
/// Thread safety: not thread-safe; confine to one thread.
class JsonComparator {
 public:
  struct Options {
    /// Relaxations (borrowed, must outlive the call); nullptr for none.
    const MatchRules* rules = nullptr;
    /// An error document (E1): an actual top-level `timestamp` that the
    /// expected document lacks is ignored.
    bool error_document = false;
  };

  /// Deeper structures are reported as a mismatch instead of compared, so a
  /// hostile vector cannot exhaust the stack.
  static constexpr int kMaxDepth = 256;

  /// Returns every difference (empty when `actual` matches `expected`).
  std::vector<Mismatch> Compare(const JsonValue& expected, const JsonValue& actual,
                                const Options& options);
  std::vector<Mismatch> Compare(const JsonValue& expected, const JsonValue& actual) {
    return Compare(expected, actual, Options());
  }

  /// The integer "<ts>" is bound to, once one has been seen.
  const std::optional<std::int64_t>& timestamp() const { return timestamp_; }

 private:
  struct Path {
    std::string pointer;
    std::string dotted;
    int depth = 0;
  };

  void CompareValue(const JsonValue& expected, const JsonValue& actual, const Path& path,
                    const Options& options, std::vector<Mismatch>* out);
  void CompareObject(const JsonValue& expected, const JsonValue& actual, const Path& path,
                     const Options& options, std::vector<Mismatch>* out);
  void CompareTimestamp(const JsonValue& actual, const Path& path, std::vector<Mismatch>* out);

  std::optional<std::int64_t> timestamp_;
};

}  // namespace shadowsync::conformance

#endif  // SHADOWSYNC_TESTS_CONFORMANCE_JSON_COMPARE_H_
