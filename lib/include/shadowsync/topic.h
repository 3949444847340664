// SPDX-License-Identifier: Apache-2.0
//
// Shadow topics (spec section 1): build and parse the eleven topics of a
// classic or named shadow, validate thing and shadow names, and match MQTT
// topic filters the way a broker does (including T10: `#` and `+` at the
// start of a filter never match topics that begin with `$`).
//
// Thread safety: free functions and values; safe for concurrent use.

#ifndef SHADOWSYNC_TOPIC_H_
#define SHADOWSYNC_TOPIC_H_

#include <optional>
#include <string>
#include <string_view>

#include "shadowsync/status.h"

namespace shadowsync {

/// The three shadow operations (T2).
enum class Operation { kGet, kUpdate, kDelete };

/// What follows the operation: nothing for a request, else the response kind.
/// kDelta and kDocuments exist only under kUpdate (T2).
enum class Suffix { kNone, kAccepted, kRejected, kDelta, kDocuments };

/// "get", "update", "delete".
const char* OperationName(Operation op);
/// "" for kNone, else "accepted", "rejected", "delta", "documents".
const char* SuffixName(Suffix suffix);

/// Limits from T3, T4 and L4.
inline constexpr std::size_t kMaxThingNameLength = 128;
inline constexpr std::size_t kMaxShadowNameLength = 64;

/// Identifies one shadow: a thing plus, for a named shadow, its name.
/// `shadow == std::nullopt` is the classic (unnamed) shadow; an empty string
/// is an invalid shadow name, not the classic shadow.
struct ShadowId {
  std::string thing;
  std::optional<std::string> shadow;

  bool is_classic() const { return !shadow.has_value(); }
  /// The name AWS uses in 404 messages: the shadow name for a named shadow,
  /// the thing name for the classic one (spec E2).
  const std::string& display_name() const { return shadow ? *shadow : thing; }

  friend bool operator==(const ShadowId& a, const ShadowId& b) {
    return a.thing == b.thing && a.shadow == b.shadow;
  }
  friend bool operator!=(const ShadowId& a, const ShadowId& b) { return !(a == b); }
  friend bool operator<(const ShadowId& a, const ShadowId& b) {
    if (a.thing != b.thing) return a.thing < b.thing;
    return a.shadow < b.shadow;
  }
};

/// A parsed shadow topic.
struct ShadowTopic {
  ShadowId id;
  Operation operation = Operation::kGet;
  Suffix suffix = Suffix::kNone;

  /// True for the three request topics a client publishes to.
  bool is_request() const { return suffix == Suffix::kNone; }

  friend bool operator==(const ShadowTopic& a, const ShadowTopic& b) {
    return a.id == b.id && a.operation == b.operation && a.suffix == b.suffix;
  }
};

/// Checks a thing name against T3: 1 to 128 characters of [a-zA-Z0-9:_-].
/// kInvalidArgument names the offending character and its position, or the
/// length.
Status ValidateThingName(std::string_view thing);

/// Checks a shadow name against T4: 1 to 64 characters of [$a-zA-Z0-9:_-].
Status ValidateShadowName(std::string_view shadow);

/// The topic prefix: "$aws/things/T/shadow" or "$aws/things/T/shadow/name/S".
/// Names are validated; kInvalidArgument when either is invalid.
Result<std::string> ShadowTopicPrefix(const ShadowId& id);

/// Builds one of the eleven topics (T1, T2). kInvalidArgument for invalid
/// names or for delta/documents under get or delete.
Result<std::string> BuildTopic(const ShadowId& id, Operation op, Suffix suffix = Suffix::kNone);
Result<std::string> BuildTopic(const ShadowTopic& topic);

/// Parses a topic with the strict grammar of T1 to T7 and the name patterns
/// of T3/T4. kInvalidArgument says why: which level and, for names, which
/// character, e.g. "thing name: character '.' at position 2 is not allowed".
Result<ShadowTopic> ParseTopic(std::string_view topic);

/// MQTT 3.1.1 topic filter matching (4.7): `+` matches one level, a final
/// `#` matches the rest (including the parent level); filters starting with
/// a wildcard never match topics starting with `$` (T10). Invalid filters
/// (`a/#/b`, `a+`) and invalid topics (empty, containing wildcards) match
/// nothing.
bool TopicMatchesFilter(std::string_view filter, std::string_view topic);

/// Checks a topic name a client publishes to (MQTT 3.1.1 4.7 and 1.5.3):
/// non-empty, at most 65535 bytes, UTF-8 without U+0000, and no wildcard.
/// kInvalidArgument says which rule failed, quoting the topic (its first
/// 200 bytes) when it is printable. The one check every publisher uses:
/// PahoTransport, LoopbackBroker and the gateway's POST /topics.
Status ValidateTopicName(std::string_view topic);

/// Checks a topic filter a client subscribes with: the rules of a topic
/// name, except that `+` may be a whole level and `#` the whole last level.
Status ValidateTopicFilter(std::string_view filter);

/// ValidateTopicFilter(filter).ok().
bool IsValidTopicFilter(std::string_view filter);

}  // namespace shadowsync

#endif  // SHADOWSYNC_TOPIC_H_
