// SPDX-License-Identifier: Apache-2.0
//
// Shadow topic grammar (spec section 1, rules T1 to T7) and MQTT 3.1.1 topic
// filter matching (T10). Everything here is a linear scan over the input with
// no regex and no allocation, except for the strings a caller gets back (the
// built topic, the parsed names, or an error message).

#include "shadowsync/topic.h"

#include <cstddef>
#include <string>
#include <string_view>

#include "shadowsync/json.h"

namespace shadowsync {
namespace {

constexpr std::string_view kPrefix = "$aws/things/";  // T1
constexpr std::string_view kRoot = "shadow";          // T1
constexpr std::string_view kNamedKeyword = "name";    // T1, T7

constexpr std::string_view kThingAllowed = "a-z A-Z 0-9 : _ -";
constexpr std::string_view kShadowAllowed = "$ a-z A-Z 0-9 : _ -";

// Longest piece of user input echoed back in an error message. Names are at
// most 128 characters, so anything longer is garbage and is cut.
constexpr std::size_t kMaxEcho = 64;

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// T3: [a-zA-Z0-9:_-]
bool IsThingNameChar(char c) { return IsAsciiAlnum(c) || c == ':' || c == '_' || c == '-'; }

// T4: [$a-zA-Z0-9:_-]
bool IsShadowNameChar(char c) { return IsThingNameChar(c) || c == '$'; }

constexpr char kHexDigits[] = "0123456789ABCDEF";

// Appends one byte so that a message stays printable ASCII: printable bytes
// as they are, everything else (controls, DEL, UTF-8 bytes) as \xNN.
void AppendEscapedByte(std::string& out, char c) {
  const auto b = static_cast<unsigned char>(c);
  if (b >= 0x20 && b < 0x7F) {
    out.push_back(c);
  } else {
    out += "\\x";
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0x0F]);
  }
}

// 'text' quoted for an error message, escaped and cut to kMaxEcho bytes.
std::string Quote(std::string_view text) {
  std::string out = "'";
  const std::size_t n = text.size() < kMaxEcho ? text.size() : kMaxEcho;
  for (std::size_t i = 0; i < n; ++i) AppendEscapedByte(out, text[i]);
  out += "'";
  if (n < text.size()) {
    out += "... (";
    out += std::to_string(text.size());
    out += " bytes)";
  }
  return out;
}

// Describes a byte that a name may not contain: "character '.'" for printable
// ASCII, "byte 0xC3" otherwise (non-ASCII UTF-8, controls), so the message
// never carries raw bytes.
std::string DescribeByte(char c) {
  const auto b = static_cast<unsigned char>(c);
  std::string out;
  if (b >= 0x20 && b < 0x7F) {
    out = "character '";
    out.push_back(c);
    out += "'";
  } else {
    out = "byte 0x";
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0x0F]);
    out += b >= 0x80 ? " (non-ASCII)" : " (control character)";
  }
  return out;
}

// Shared body of the two name checks. `what` is "thing name" or
// "shadow name". Characters are checked before the length so that a long
// name with a bad character reports the character (the more useful fix).
template <typename IsAllowed>
Status ValidateName(std::string_view name, std::string_view what, std::size_t max_length,
                    std::string_view allowed, IsAllowed is_allowed) {
  if (name.empty()) {
    return InvalidArgumentError(std::string(what) + ": empty (must be 1 to " +
                                std::to_string(max_length) + " characters)");
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_allowed(name[i])) {
      return InvalidArgumentError(std::string(what) + ": " + DescribeByte(name[i]) +
                                  " at position " + std::to_string(i) +
                                  " is not allowed (allowed: " + std::string(allowed) + ")");
    }
  }
  if (name.size() > max_length) {
    return InvalidArgumentError(std::string(what) + ": length " + std::to_string(name.size()) +
                                " exceeds the maximum of " + std::to_string(max_length) +
                                " characters");
  }
  return Status::Ok();
}

// Walks a topic level by level. Levels are the pieces between '/'; "a/" has
// the two levels "a" and "".
class LevelReader {
 public:
  explicit LevelReader(std::string_view text) : text_(text) {}

  /// False once the last level has been consumed.
  bool has_next() const { return !done_; }

  /// The next level; only when has_next().
  std::string_view Next() {
    const std::size_t slash = text_.find('/', pos_);
    std::string_view level;
    if (slash == std::string_view::npos) {
      level = text_.substr(pos_);
      done_ = true;
    } else {
      level = text_.substr(pos_, slash - pos_);
      pos_ = slash + 1;
    }
    return level;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  bool done_ = false;
};

bool ParseOperation(std::string_view level, Operation* op) {
  if (level == "get") {
    *op = Operation::kGet;
  } else if (level == "update") {
    *op = Operation::kUpdate;
  } else if (level == "delete") {
    *op = Operation::kDelete;
  } else {
    return false;
  }
  return true;
}

bool ParseSuffix(std::string_view level, Suffix* suffix) {
  if (level == "accepted") {
    *suffix = Suffix::kAccepted;
  } else if (level == "rejected") {
    *suffix = Suffix::kRejected;
  } else if (level == "delta") {
    *suffix = Suffix::kDelta;
  } else if (level == "documents") {
    *suffix = Suffix::kDocuments;
  } else {
    return false;
  }
  return true;
}

bool IsValidOperation(Operation op) {
  return op == Operation::kGet || op == Operation::kUpdate || op == Operation::kDelete;
}

bool IsValidSuffix(Suffix s) {
  return s == Suffix::kNone || s == Suffix::kAccepted || s == Suffix::kRejected ||
         s == Suffix::kDelta || s == Suffix::kDocuments;
}

// T2: delta and documents exist only under update.
bool SuffixAllowed(Operation op, Suffix suffix) {
  if (suffix == Suffix::kDelta || suffix == Suffix::kDocuments) return op == Operation::kUpdate;
  return true;
}

const char* AllowedSuffixes(Operation op) {
  return op == Operation::kUpdate ? "accepted, rejected, delta, documents" : "accepted, rejected";
}

Status SuffixNotDefined(std::string_view suffix, Operation op) {
  return InvalidArgumentError("suffix " + Quote(suffix) + " is not defined for '" +
                              OperationName(op) + "' (allowed: " + AllowedSuffixes(op) + ")");
}

// Checks the parts of a ShadowTopic that BuildTopic needs; names included.
Status ValidateParts(const ShadowId& id, Operation op, Suffix suffix) {
  if (Status s = ValidateThingName(id.thing); !s.ok()) return s;
  if (id.shadow) {
    if (Status s = ValidateShadowName(*id.shadow); !s.ok()) return s;
  }
  if (!IsValidOperation(op)) {
    return InvalidArgumentError("operation: unknown enum value " +
                                std::to_string(static_cast<int>(op)));
  }
  if (!IsValidSuffix(suffix)) {
    return InvalidArgumentError("suffix: unknown enum value " +
                                std::to_string(static_cast<int>(suffix)));
  }
  if (!SuffixAllowed(op, suffix)) return SuffixNotDefined(SuffixName(suffix), op);
  return Status::Ok();
}

std::size_t PrefixLength(const ShadowId& id) {
  // "$aws/things/" T "/shadow" ["/name/" S]
  std::size_t n = kPrefix.size() + id.thing.size() + 1 + kRoot.size();
  if (id.shadow) n += 1 + kNamedKeyword.size() + 1 + id.shadow->size();
  return n;
}

void AppendPrefix(const ShadowId& id, std::string& out) {
  out += kPrefix;
  out += id.thing;
  out += '/';
  out += kRoot;
  if (id.shadow) {
    out += '/';
    out += kNamedKeyword;
    out += '/';
    out += *id.shadow;
  }
}

// The first 200 bytes of a topic, for an error message.
std::string Quoted(std::string_view topic) {
  return "\"" + std::string(topic.substr(0, 200)) + (topic.size() > 200 ? "...\"" : "\"");
}

// What topic names and filters share (MQTT 3.1.1 1.5.3, 4.7.3): `field` is
// "topic" or "filter".
Status CheckTopicString(std::string_view topic, const char* field) {
  if (topic.empty()) return InvalidArgumentError(std::string(field) + " is empty");
  if (topic.size() > 65535) {
    return InvalidArgumentError(std::string(field) + " is longer than 65535 bytes");
  }
  if (topic.find('\0') != std::string_view::npos) {
    return InvalidArgumentError(std::string(field) + " contains a NUL character");
  }
  if (!IsValidUtf8(topic)) {
    return InvalidArgumentError(std::string(field) + " is not valid UTF-8");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateTopicName(std::string_view topic) {
  if (Status s = CheckTopicString(topic, "topic"); !s.ok()) return s;
  if (topic.find_first_of("+#") != std::string_view::npos) {
    return InvalidArgumentError("topic " + Quoted(topic) + " contains a wildcard (+ or #)");
  }
  return Status::Ok();
}

Status ValidateTopicFilter(std::string_view filter) {
  if (Status s = CheckTopicString(filter, "filter"); !s.ok()) return s;
  std::size_t start = 0;
  while (true) {
    std::size_t end = filter.find('/', start);
    const bool last = end == std::string_view::npos;
    if (last) end = filter.size();
    const std::string_view level = filter.substr(start, end - start);
    if (level.find_first_of("+#") != std::string_view::npos && level.size() != 1) {
      return InvalidArgumentError("filter " + Quoted(filter) +
                                  ": a wildcard must be a whole level");
    }
    if (level == "#" && !last) {
      return InvalidArgumentError("filter " + Quoted(filter) + ": '#' must be the last level");
    }
    if (last) return Status::Ok();
    start = end + 1;
  }
}

const char* OperationName(Operation op) {
  switch (op) {
    case Operation::kGet:
      return "get";
    case Operation::kUpdate:
      return "update";
    case Operation::kDelete:
      return "delete";
  }
  return "?";
}

const char* SuffixName(Suffix suffix) {
  switch (suffix) {
    case Suffix::kNone:
      return "";
    case Suffix::kAccepted:
      return "accepted";
    case Suffix::kRejected:
      return "rejected";
    case Suffix::kDelta:
      return "delta";
    case Suffix::kDocuments:
      return "documents";
  }
  return "?";
}

Status ValidateThingName(std::string_view thing) {
  return ValidateName(thing, "thing name", kMaxThingNameLength, kThingAllowed, IsThingNameChar);
}

Status ValidateShadowName(std::string_view shadow) {
  return ValidateName(shadow, "shadow name", kMaxShadowNameLength, kShadowAllowed,
                      IsShadowNameChar);
}

Result<std::string> ShadowTopicPrefix(const ShadowId& id) {
  if (Status s = ValidateThingName(id.thing); !s.ok()) return s;
  if (id.shadow) {
    if (Status s = ValidateShadowName(*id.shadow); !s.ok()) return s;
  }
  std::string out;
  out.reserve(PrefixLength(id));
  AppendPrefix(id, out);
  return out;
}

Result<std::string> BuildTopic(const ShadowId& id, Operation op, Suffix suffix) {
  if (Status s = ValidateParts(id, op, suffix); !s.ok()) return s;
  const std::string_view op_name = OperationName(op);
  const std::string_view suffix_name = SuffixName(suffix);
  std::string out;
  out.reserve(PrefixLength(id) + 1 + op_name.size() +
              (suffix_name.empty() ? 0 : 1 + suffix_name.size()));
  AppendPrefix(id, out);
  out += '/';
  out += op_name;
  if (!suffix_name.empty()) {
    out += '/';
    out += suffix_name;
  }
  return out;
}

Result<std::string> BuildTopic(const ShadowTopic& topic) {
  return BuildTopic(topic.id, topic.operation, topic.suffix);
}

// Grammar (T1, T2, T7):
//   "$aws/things/" thing "/shadow" [ "/name/" shadow ] "/" op [ "/" suffix ]
// read left to right, so the first error found is the leftmost one. No
// separate length check for L6 (256 bytes, 7 slashes) is needed: the name
// limits already cap a valid topic at 234 bytes and 7 slashes (T5), and any
// longer input fails on a name length or an extra level, which says more.
Result<ShadowTopic> ParseTopic(std::string_view topic) {
  if (topic.substr(0, kPrefix.size()) != kPrefix) {
    return InvalidArgumentError("prefix: topic " + Quote(topic) + " does not start with '" +
                                std::string(kPrefix) + "'");
  }
  LevelReader levels(topic.substr(kPrefix.size()));

  // Thing name (T3). LevelReader always yields at least one level.
  const std::string_view thing = levels.Next();
  if (Status s = ValidateThingName(thing); !s.ok()) return s;

  // Root "shadow".
  if (!levels.has_next()) {
    return InvalidArgumentError("root: missing '/shadow' after the thing name");
  }
  const std::string_view root = levels.Next();
  if (root != kRoot) {
    return InvalidArgumentError("root: expected 'shadow' after the thing name, found " +
                                (root.empty() ? std::string("an empty level") : Quote(root)));
  }

  ShadowTopic result;
  result.id.thing.assign(thing);

  // Named form (T7: a level "name" right after "shadow" always starts it).
  if (!levels.has_next()) {
    return InvalidArgumentError("operation: missing operation after '/shadow'");
  }
  std::string_view level = levels.Next();
  // Where the operation level sits, for error messages; built only on error.
  const auto after = [&result]() -> std::string {
    if (result.id.is_classic()) return "'/shadow'";
    return "'/shadow/name/" + *result.id.shadow + "'";
  };
  if (level == kNamedKeyword) {
    if (!levels.has_next()) {
      return InvalidArgumentError("shadow name: missing shadow name after '/shadow/name'");
    }
    const std::string_view shadow = levels.Next();
    if (Status s = ValidateShadowName(shadow); !s.ok()) return s;
    result.id.shadow.emplace(shadow);
    if (!levels.has_next()) {
      return InvalidArgumentError("operation: missing operation after " + after());
    }
    level = levels.Next();
  }

  // Operation (T2).
  if (level.empty()) {
    return InvalidArgumentError("operation: missing operation after " + after() +
                                " (empty level; expected get, update or delete)");
  }
  if (!ParseOperation(level, &result.operation)) {
    return InvalidArgumentError("operation: unknown operation " + Quote(level) + " after " +
                                after() + " (expected get, update or delete)");
  }

  // Optional suffix (T2).
  if (!levels.has_next()) return result;
  const std::string_view suffix = levels.Next();
  if (!ParseSuffix(suffix, &result.suffix) || !SuffixAllowed(result.operation, result.suffix)) {
    Status s = SuffixNotDefined(suffix, result.operation);
    if (suffix.empty()) {
      return InvalidArgumentError(s.message() + "; empty level (trailing '/'?)");
    }
    return s;
  }

  // Nothing may follow the suffix (T6).
  if (levels.has_next()) {
    const std::string_view extra = levels.Next();
    return InvalidArgumentError("extra level " + Quote(extra) + " after suffix '" +
                                SuffixName(result.suffix) + "'" +
                                (extra.empty() ? " (trailing '/'?)" : ""));
  }
  return result;
}

// MQTT 3.1.1 section 4.7, level by level. '+' matches exactly one level,
// including an empty one; a final '#' matches the remaining levels, and also
// none at all ("a/#" matches "a"). T10 / section 4.7.2: a filter starting with
// a wildcard does not match a topic starting with '$'.
bool IsValidTopicFilter(std::string_view filter) { return ValidateTopicFilter(filter).ok(); }

bool TopicMatchesFilter(std::string_view filter, std::string_view topic) {
  if (!IsValidTopicFilter(filter) || !ValidateTopicName(topic).ok()) return false;
  if ((filter[0] == '+' || filter[0] == '#') && topic[0] == '$') return false;

  LevelReader f(filter);
  LevelReader t(topic);
  while (f.has_next()) {
    const std::string_view fl = f.Next();
    if (fl == "#") return true;  // the filter check made sure it is the last level.
    if (!t.has_next()) return false;
    const std::string_view tl = t.Next();
    if (fl != "+" && fl != tl) return false;
  }
  return !t.has_next();
}

}  // namespace shadowsync
