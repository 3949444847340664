// SPDX-License-Identifier: Apache-2.0

#include "conformance/json_compare.h"

#include <cstring>
#include <utility>

namespace shadowsync::conformance {
namespace {

std::string_view StringOf(const JsonValue& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

bool IsPlaceholder(const JsonValue& v) {
  return v.IsString() && StringOf(v) == kTimestampPlaceholder;
}

std::string PointerText(const std::string& pointer) { return pointer.empty() ? "(root)" : pointer; }

std::string JoinDotted(const std::string& base, std::string_view token) {
  if (base.empty()) return std::string(token);
  std::string out = base;
  out.push_back('.');
  out.append(token);
  return out;
}

// Renders the "<ts>" expectation: with its bound value once there is one.
std::string DescribePlaceholder(const std::optional<std::int64_t>& bound) {
  std::string out = "\"";
  out.append(kTimestampPlaceholder);
  out.push_back('"');
  if (bound) {
    out += "=" + std::to_string(*bound);
  } else {
    out += " (an integer)";
  }
  return out;
}

}  // namespace

const char* MatchRuleName(MatchRule rule) {
  switch (rule) {
    case MatchRule::kExact:
      return "exact";
    case MatchRule::kPrefix:
      return "prefix";
    case MatchRule::kAny:
      return "any";
    case MatchRule::kIgnore:
      return "ignore";
    case MatchRule::kOptional:
      return "optional";
  }
  return "?";
}

Result<MatchRules> MatchRules::Parse(const JsonValue& match) {
  if (!match.IsObject()) {
    return InvalidArgumentError(std::string("`match` must be an object, not ") +
                                JsonTypeName(match));
  }
  MatchRules rules;
  for (const auto& m : match.GetObject()) {
    std::string path(StringOf(m.name));
    if (!m.value.IsString()) {
      return InvalidArgumentError("`match` rule for \"" + path + "\" must be a string, not " +
                                  JsonTypeName(m.value));
    }
    const std::string_view name = StringOf(m.value);
    bool known = false;
    for (MatchRule rule :
         {MatchRule::kPrefix, MatchRule::kAny, MatchRule::kIgnore, MatchRule::kOptional}) {
      if (name == MatchRuleName(rule)) {
        rules.Add(path, rule);
        known = true;
      }
    }
    if (!known) {
      return InvalidArgumentError("`match` rule for \"" + path + "\" is \"" + std::string(name) +
                                  "\"; expected prefix, any, ignore or optional");
    }
  }
  return rules;
}

MatchRule MatchRules::Find(const std::string& dotted_path) const {
  auto it = rules_.find(dotted_path);
  return it == rules_.end() ? MatchRule::kExact : it->second;
}

std::string Mismatch::ToString() const { return PointerText(pointer) + ": " + description; }

std::string RenderJson(const JsonValue& value, std::size_t max_chars) {
  std::string text = ToCompactJson(value);
  if (text.size() > max_chars) {
    text.resize(max_chars);
    text += "...";
  }
  return text;
}

std::vector<Mismatch> JsonComparator::Compare(const JsonValue& expected, const JsonValue& actual,
                                              const Options& options) {
  std::vector<Mismatch> out;
  CompareValue(expected, actual, Path(), options, &out);
  return out;
}

void JsonComparator::CompareTimestamp(const JsonValue& actual, const Path& path,
                                      std::vector<Mismatch>* out) {
  // Timestamps are integer seconds (spec 4); a double such as 1.7e9 is wrong
  // even when it has an integral value.
  if (actual.IsInt64()) {
    if (!timestamp_) {
      timestamp_ = actual.GetInt64();  // bind on first sight
      return;
    }
    if (*timestamp_ == actual.GetInt64()) return;
  }
  out->push_back({path.pointer,
                  "expected " + DescribePlaceholder(timestamp_) + ", got " + RenderJson(actual)});
}

void JsonComparator::CompareValue(const JsonValue& expected, const JsonValue& actual,
                                  const Path& path, const Options& options,
                                  std::vector<Mismatch>* out) {
  if (path.depth > kMaxDepth) {
    out->push_back({path.pointer,
                    "nested deeper than " + std::to_string(kMaxDepth) + " levels; not compared"});
    return;
  }
  if (IsPlaceholder(expected)) {
    CompareTimestamp(actual, path, out);
    return;
  }
  if (expected.IsObject() && actual.IsObject()) {
    CompareObject(expected, actual, path, options, out);
    return;
  }
  if (expected.IsArray() && actual.IsArray()) {
    if (expected.Size() != actual.Size()) {
      out->push_back({path.pointer, "expected an array of " + std::to_string(expected.Size()) +
                                        " elements, got " + std::to_string(actual.Size()) +
                                        ": expected " + RenderJson(expected) + ", got " +
                                        RenderJson(actual)});
      return;
    }
    for (rapidjson::SizeType i = 0; i < expected.Size(); ++i) {
      const std::string index = std::to_string(i);
      Path child{JsonPointerAppend(path.pointer, index), JoinDotted(path.dotted, index),
                 path.depth + 1};
      CompareValue(expected[i], actual[i], child, options, out);
    }
    return;
  }
  // Scalars, or containers of different kinds. JsonEquals compares numbers
  // by value and never equates booleans with numbers (M14).
  if (!JsonEquals(expected, actual)) {
    out->push_back(
        {path.pointer, "expected " + RenderJson(expected) + ", got " + RenderJson(actual)});
  }
}

void JsonComparator::CompareObject(const JsonValue& expected, const JsonValue& actual,
                                   const Path& path, const Options& options,
                                   std::vector<Mismatch>* out) {
  const MatchRules* rules = options.rules;
  for (const auto& m : expected.GetObject()) {
    const std::string_view key = StringOf(m.name);
    Path child{JsonPointerAppend(path.pointer, key), JoinDotted(path.dotted, key), path.depth + 1};
    const MatchRule rule = rules ? rules->Find(child.dotted) : MatchRule::kExact;
    if (rule == MatchRule::kIgnore) continue;
    auto it = actual.FindMember(m.name);
    if (it == actual.MemberEnd()) {
      if (rule == MatchRule::kOptional) continue;
      out->push_back({child.pointer, "missing; expected " + RenderJson(m.value)});
      continue;
    }
    if (rule == MatchRule::kAny) continue;
    if (rule == MatchRule::kPrefix) {
      if (!m.value.IsString()) {
        out->push_back(
            {child.pointer, "bad vector: match rule \"prefix\" needs an expected string, got " +
                                RenderJson(m.value)});
      } else if (!it->value.IsString() ||
                 StringOf(it->value).substr(0, m.value.GetStringLength()) != StringOf(m.value)) {
        out->push_back({child.pointer, "expected a string starting with " + RenderJson(m.value) +
                                           ", got " + RenderJson(it->value)});
      }
      continue;
    }
    CompareValue(m.value, it->value, child, options, out);
  }
  for (const auto& m : actual.GetObject()) {
    if (expected.FindMember(m.name) != expected.MemberEnd()) continue;
    const std::string_view key = StringOf(m.name);
    if (options.error_document && path.depth == 0 && key == "timestamp") continue;  // E1
    const std::string dotted = JoinDotted(path.dotted, key);
    const MatchRule rule = rules ? rules->Find(dotted) : MatchRule::kExact;
    if (rule == MatchRule::kIgnore || rule == MatchRule::kAny) continue;
    out->push_back(
        {JsonPointerAppend(path.pointer, key), "unexpected key; got " + RenderJson(m.value)});
  }
}

}  // namespace shadowsync::conformance
