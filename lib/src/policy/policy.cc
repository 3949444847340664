// SPDX-License-Identifier: Apache-2.0
//
// AWS IoT policy documents: the parser (JSON to statements of pre-split
// patterns, every error naming its JSON pointer) and the evaluator (IAM's
// deny-overrides over the statements, without allocation). The rules are
// in shared/notes/platform.md section 5 and docs/policies.md.

#include "shadowsync/policy.h"

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "policy/glob.h"

namespace shadowsync {

using policy_internal::EqualsIgnoreCase;
using policy_internal::GlobMatch;
using policy_internal::GlobPiece;

namespace {

// The policy variables and condition keys we resolve.
enum class Var : std::uint8_t {
  kClientId,
  kThingName,
  kIsAttached,
  kThingTypeName,
  kAttribute,
  kCommonName,
};

constexpr std::string_view kAttributesPrefix = "iot:Connection.Thing.Attributes[";

struct NamedVar {
  std::string_view name;
  Var var;
};
constexpr std::array<NamedVar, 5> kVariables = {{
    {"iot:ClientId", Var::kClientId},
    {"iot:Connection.Thing.ThingName", Var::kThingName},
    {"iot:Connection.Thing.IsAttached", Var::kIsAttached},
    {"iot:Connection.Thing.ThingTypeName", Var::kThingTypeName},
    {"iot:Certificate.Subject.CommonName", Var::kCommonName},
}};
constexpr std::string_view kSupportedVariables =
    "${iot:ClientId}, ${iot:Connection.Thing.ThingName}, ${iot:Connection.Thing.IsAttached}, "
    "${iot:Connection.Thing.ThingTypeName}, ${iot:Connection.Thing.Attributes[name]}, "
    "${iot:Certificate.Subject.CommonName}";

// Looks a variable or condition key up. IAM condition keys are
// case-insensitive; variable names are matched the same way here.
// Returns false when unknown.
bool LookUpVar(std::string_view name, Var* var, std::string* attribute) {
  for (const NamedVar& v : kVariables) {
    if (EqualsIgnoreCase(name, v.name)) {
      *var = v.var;
      return true;
    }
  }
  if (name.size() > kAttributesPrefix.size() + 1 &&
      EqualsIgnoreCase(name.substr(0, kAttributesPrefix.size()), kAttributesPrefix) &&
      name.back() == ']') {
    *var = Var::kAttribute;
    *attribute = std::string(
        name.substr(kAttributesPrefix.size(), name.size() - kAttributesPrefix.size() - 1));
    return true;
  }
  return false;
}

std::optional<std::string_view> Resolve(Var var, std::string_view attribute,
                                        const PolicyVariables& vars) {
  switch (var) {
    case Var::kClientId:
      return vars.client_id;
    case Var::kThingName:
      return vars.thing_name;
    case Var::kIsAttached:
      return vars.is_attached ? std::string_view("true") : std::string_view("false");
    case Var::kThingTypeName:
      return vars.thing_name ? vars.thing_type_name : std::nullopt;
    case Var::kAttribute: {
      if (!vars.thing_name || vars.thing_attributes == nullptr) return std::nullopt;
      auto it = vars.thing_attributes->find(attribute);
      if (it == vars.thing_attributes->end()) return std::nullopt;
      return std::string_view(it->second);
    }
    case Var::kCommonName:
      return vars.certificate_common_name;
  }
  return std::nullopt;
}

// One piece of a pattern as written: a literal run, '*', '?' or a variable.
struct Token {
  GlobPiece::Kind kind = GlobPiece::kLiteral;
  bool is_variable = false;
  Var var = Var::kClientId;
  std::string text;  // the literal run, or the attribute name of kAttribute
};

// A pattern parsed once. Matching resolves the variables into pieces on the
// stack (or, past kInlinePieces, in a vector: only for odd policies).
struct Pattern {
  std::vector<Token> tokens;
  bool has_variables = false;
  bool match_all = false;  // exactly "*"
};

constexpr std::size_t kInlinePieces = 16;

// Matches `subject`; false when a variable is unresolved (IAM: the entry
// then matches nothing).
bool PatternMatches(const Pattern& pattern, std::string_view subject, const PolicyVariables& vars,
                    bool ignore_case) {
  if (pattern.match_all) return true;
  std::array<GlobPiece, kInlinePieces> inline_pieces;
  std::vector<GlobPiece> heap_pieces;
  GlobPiece* pieces = inline_pieces.data();
  if (pattern.tokens.size() > kInlinePieces) {
    heap_pieces.resize(pattern.tokens.size());
    pieces = heap_pieces.data();
  }
  for (std::size_t i = 0; i < pattern.tokens.size(); ++i) {
    const Token& token = pattern.tokens[i];
    pieces[i].kind = token.kind;
    if (token.is_variable) {
      std::optional<std::string_view> value = Resolve(token.var, token.text, vars);
      if (!value) return false;
      pieces[i].text = *value;
    } else {
      pieces[i].text = token.text;
    }
  }
  return GlobMatch(pieces, pattern.tokens.size(), subject, ignore_case);
}

// Parses `text` into tokens. `wildcards`: '*' and '?' are wildcards (else
// literal, as in StringEquals). `variables`: ${...} is substituted (policy
// version 2012-10-17 only). An unknown variable is an error; "${" without a
// closing '}' is literal text.
Result<Pattern> ParsePattern(std::string_view text, bool wildcards, bool variables) {
  Pattern pattern;
  pattern.match_all = wildcards && text == "*";
  auto literal = [&pattern](std::string_view run) {
    if (run.empty()) return;
    if (pattern.tokens.empty() || pattern.tokens.back().kind != GlobPiece::kLiteral ||
        pattern.tokens.back().is_variable) {
      pattern.tokens.push_back(Token{});
    }
    pattern.tokens.back().text.append(run);
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (wildcards && (c == '*' || c == '?')) {
      Token token;
      token.kind = c == '*' ? GlobPiece::kStar : GlobPiece::kQuestion;
      pattern.tokens.push_back(std::move(token));
      ++i;
      continue;
    }
    if (variables && c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      const std::size_t close = text.find('}', i + 2);
      if (close != std::string_view::npos) {
        const std::string_view name = text.substr(i + 2, close - i - 2);
        if (name == "*" || name == "?" || name == "$") {  // IAM's escapes
          literal(name);
          i = close + 1;
          continue;
        }
        Token token;
        token.is_variable = true;
        if (!LookUpVar(name, &token.var, &token.text)) {
          return InvalidArgumentError("unsupported policy variable ${" + std::string(name) +
                                      "} (supported: " + std::string(kSupportedVariables) + ")");
        }
        pattern.tokens.push_back(std::move(token));
        pattern.has_variables = true;
        i = close + 1;
        continue;
      }
    }
    literal(text.substr(i, 1));
    ++i;
  }
  return pattern;
}

// A Resource or NotResource entry: "*" or an ARN matched part by part.
struct ResourcePattern {
  bool match_all = false;
  Pattern partition, service, region, account, resource;
};

// Splits at the first five colons outside ${...}; false if there are fewer.
bool SplitArn(std::string_view text, std::array<std::string_view, 6>* parts) {
  std::size_t start = 0;
  std::size_t part = 0;
  std::size_t i = 0;
  while (i < text.size() && part < 5) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      const std::size_t close = text.find('}', i + 2);
      if (close != std::string_view::npos) {
        i = close + 1;
        continue;
      }
    }
    if (text[i] == ':') {
      (*parts)[part++] = text.substr(start, i - start);
      start = i + 1;
    }
    ++i;
  }
  if (part < 5) return false;
  (*parts)[5] = text.substr(start);
  return true;
}

Result<ResourcePattern> ParseResource(std::string_view text, bool variables) {
  ResourcePattern out;
  if (text == "*") {
    out.match_all = true;
    return out;
  }
  std::array<std::string_view, 6> parts;
  if (!SplitArn(text, &parts) || parts[0] != "arn") {
    return InvalidArgumentError("resource \"" + std::string(text) +
                                "\" is neither \"*\" nor an ARN "
                                "arn:aws:iot:<region>:<account>:<resource>");
  }
  Pattern* targets[] = {&out.partition, &out.service, &out.region, &out.account, &out.resource};
  for (std::size_t i = 0; i < 5; ++i) {
    Result<Pattern> p = ParsePattern(parts[i + 1], true, variables);
    if (!p.ok()) return p.status();
    *targets[i] = std::move(*p);
  }
  return out;
}

bool ResourceMatches(const ResourcePattern& pattern, const ResourceArn* arn,
                     const PolicyVariables& vars) {
  if (pattern.match_all) return true;
  if (arn == nullptr) return false;  // not an ARN: only "*" matches it
  return PatternMatches(pattern.partition, arn->partition, vars, false) &&
         PatternMatches(pattern.service, arn->service, vars, false) &&
         (!arn->region || PatternMatches(pattern.region, *arn->region, vars, false)) &&
         (!arn->account || PatternMatches(pattern.account, *arn->account, vars, false)) &&
         PatternMatches(pattern.resource, arn->resource, vars, false);
}

enum class Op : std::uint8_t {
  kBool,
  kStringEquals,
  kStringNotEquals,
  kStringEqualsIgnoreCase,
  kStringNotEqualsIgnoreCase,
  kStringLike,
  kStringNotLike,
};

struct NamedOp {
  std::string_view name;
  Op op;
};
constexpr std::array<NamedOp, 7> kOperators = {{
    {"Bool", Op::kBool},
    {"StringEquals", Op::kStringEquals},
    {"StringNotEquals", Op::kStringNotEquals},
    {"StringEqualsIgnoreCase", Op::kStringEqualsIgnoreCase},
    {"StringNotEqualsIgnoreCase", Op::kStringNotEqualsIgnoreCase},
    {"StringLike", Op::kStringLike},
    {"StringNotLike", Op::kStringNotLike},
}};

bool IsNegated(Op op) {
  return op == Op::kStringNotEquals || op == Op::kStringNotEqualsIgnoreCase ||
         op == Op::kStringNotLike;
}

struct Condition {
  Op op = Op::kBool;
  bool if_exists = false;
  Var key = Var::kClientId;
  std::string attribute;        // for Var::kAttribute
  std::vector<Pattern> values;  // any of them
};

// IAM: values of one key are ORed (for a negated operator: none may
// match); a missing key makes a positive operator false and a negated one
// true; ...IfExists makes it true.
bool ConditionHolds(const Condition& c, const PolicyVariables& vars) {
  const std::optional<std::string_view> actual = Resolve(c.key, c.attribute, vars);
  if (!actual) return c.if_exists || IsNegated(c.op);
  bool any = false;
  for (const Pattern& value : c.values) {
    switch (c.op) {
      case Op::kBool:
      case Op::kStringEqualsIgnoreCase:
      case Op::kStringNotEqualsIgnoreCase:
        any = PatternMatches(value, *actual, vars, true);
        break;
      case Op::kStringEquals:
      case Op::kStringNotEquals:
      case Op::kStringLike:
      case Op::kStringNotLike:
        any = PatternMatches(value, *actual, vars, false);
        break;
    }
    if (any) break;
  }
  return IsNegated(c.op) ? !any : any;
}

struct Statement {
  bool allow = false;
  std::string sid;
  bool not_action = false;
  std::vector<Pattern> actions;
  bool not_resource = false;
  std::vector<ResourcePattern> resources;
  std::vector<Condition> conditions;

  bool Matches(const PolicyVariables& vars, std::string_view action, const ResourceArn* arn) const {
    bool action_hit = false;
    for (const Pattern& a : actions) {
      if (PatternMatches(a, action, vars, true)) {
        action_hit = true;
        break;
      }
    }
    if (action_hit == not_action) return false;
    bool resource_hit = false;
    for (const ResourcePattern& r : resources) {
      if (ResourceMatches(r, arn, vars)) {
        resource_hit = true;
        break;
      }
    }
    if (resource_hit == not_resource) return false;
    for (const Condition& c : conditions) {
      if (!ConditionHolds(c, vars)) return false;
    }
    return true;
  }
};

}  // namespace

struct Policy::Impl {
  std::string name;
  std::vector<Statement> statements;
};

struct PolicyAccess {
  static const std::vector<Statement>& Statements(const Policy& p) { return p.impl_->statements; }
};

namespace {

Status At(const std::string& pointer, const std::string& what) {
  return InvalidArgumentError((pointer.empty() ? std::string("/") : pointer) + ": " + what);
}

// A string or a non-empty array of strings (IAM's "string or array").
Result<std::vector<std::string_view>> StringOrArray(const JsonValue& value,
                                                    const std::string& pointer) {
  std::vector<std::string_view> out;
  if (value.IsString()) {
    out.emplace_back(value.GetString(), value.GetStringLength());
    return out;
  }
  if (!value.IsArray()) {
    return At(pointer, std::string("expected a string or an array of strings, found ") +
                           JsonTypeName(value));
  }
  if (value.Empty()) return At(pointer, "an empty array matches nothing; give at least one entry");
  for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
    if (!value[i].IsString()) {
      return At(JsonPointerAppend(pointer, std::to_string(i)),
                std::string("expected a string, found ") + JsonTypeName(value[i]));
    }
    out.emplace_back(value[i].GetString(), value[i].GetStringLength());
  }
  return out;
}

std::string Entry(const std::string& pointer, const JsonValue& value, std::size_t i) {
  return value.IsArray() ? JsonPointerAppend(pointer, std::to_string(i)) : pointer;
}

Result<std::vector<Pattern>> ParseActions(const JsonValue& value, const std::string& pointer) {
  Result<std::vector<std::string_view>> texts = StringOrArray(value, pointer);
  if (!texts.ok()) return texts.status();
  std::vector<Pattern> out;
  for (std::size_t i = 0; i < texts->size(); ++i) {
    const std::string_view text = (*texts)[i];
    if (text != "*" && (text.find(':') == std::string_view::npos || text.front() == ':')) {
      return At(Entry(pointer, value, i), "action \"" + std::string(text) +
                                              "\" is neither \"*\" nor service:action, "
                                              "e.g. \"iot:Publish\"");
    }
    Result<Pattern> p = ParsePattern(text, true, false);  // IAM: no variables in actions
    if (!p.ok()) return At(Entry(pointer, value, i), p.status().message());
    out.push_back(std::move(*p));
  }
  return out;
}

Result<std::vector<ResourcePattern>> ParseResources(const JsonValue& value,
                                                    const std::string& pointer, bool variables) {
  Result<std::vector<std::string_view>> texts = StringOrArray(value, pointer);
  if (!texts.ok()) return texts.status();
  std::vector<ResourcePattern> out;
  for (std::size_t i = 0; i < texts->size(); ++i) {
    Result<ResourcePattern> r = ParseResource((*texts)[i], variables);
    if (!r.ok()) return At(Entry(pointer, value, i), r.status().message());
    out.push_back(std::move(*r));
  }
  return out;
}

Result<std::vector<Condition>> ParseConditions(const JsonValue& block, const std::string& pointer,
                                               bool variables) {
  if (!block.IsObject()) {
    return At(pointer,
              std::string("expected an object {\"<operator>\": {\"<key>\": ...}}, found ") +
                  JsonTypeName(block));
  }
  std::vector<Condition> out;
  for (const auto& op_member : block.GetObject()) {
    const std::string_view op_name(op_member.name.GetString(), op_member.name.GetStringLength());
    const std::string op_pointer = JsonPointerAppend(pointer, op_name);
    std::string_view base = op_name;
    bool if_exists = false;
    constexpr std::string_view kIfExists = "IfExists";
    if (base.size() > kIfExists.size() &&
        base.substr(base.size() - kIfExists.size()) == kIfExists) {
      base.remove_suffix(kIfExists.size());
      if_exists = true;
    }
    const NamedOp* op = nullptr;
    for (const NamedOp& candidate : kOperators) {
      if (candidate.name == base) op = &candidate;
    }
    if (op == nullptr) {
      return At(op_pointer, "unsupported condition operator \"" + std::string(op_name) +
                                "\" (supported: Bool, StringEquals, StringNotEquals, "
                                "StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, "
                                "StringNotLike, each also with IfExists)");
    }
    if (!op_member.value.IsObject() || op_member.value.MemberCount() == 0) {
      return At(op_pointer, std::string("expected an object {\"<condition key>\": <value(s)>}, "
                                        "found ") +
                                (op_member.value.IsObject() ? "an empty object"
                                                            : JsonTypeName(op_member.value)));
    }
    for (const auto& key_member : op_member.value.GetObject()) {
      const std::string_view key(key_member.name.GetString(), key_member.name.GetStringLength());
      const std::string key_pointer = JsonPointerAppend(op_pointer, key);
      Condition c;
      c.op = op->op;
      c.if_exists = if_exists;
      if (!LookUpVar(key, &c.key, &c.attribute)) {
        return At(key_pointer,
                  "unsupported condition key \"" + std::string(key) +
                      "\" (supported: iot:ClientId, iot:Connection.Thing.ThingName, "
                      "iot:Connection.Thing.IsAttached, iot:Connection.Thing.ThingTypeName, "
                      "iot:Connection.Thing.Attributes[name], iot:Certificate.Subject.CommonName)");
      }
      const JsonValue& values = key_member.value;
      const bool is_array = values.IsArray();
      if (is_array && values.Empty()) return At(key_pointer, "an empty array matches nothing");
      const rapidjson::SizeType n = is_array ? values.Size() : 1;
      for (rapidjson::SizeType i = 0; i < n; ++i) {
        const JsonValue& v = is_array ? values[i] : values;
        const std::string value_pointer =
            is_array ? JsonPointerAppend(key_pointer, std::to_string(i)) : key_pointer;
        std::string text;
        if (v.IsString()) {
          text.assign(v.GetString(), v.GetStringLength());
        } else if (v.IsBool() && op->op == Op::kBool) {
          text = v.GetBool() ? "true" : "false";
        } else {
          return At(value_pointer, std::string("expected a string") +
                                       (op->op == Op::kBool ? " or a boolean" : "") +
                                       (is_array ? "" : " or an array of them") + ", found " +
                                       JsonTypeName(v));
        }
        if (op->op == Op::kBool && !EqualsIgnoreCase(text, "true") &&
            !EqualsIgnoreCase(text, "false")) {
          return At(value_pointer,
                    "Bool compares with \"true\" or \"false\", not \"" + text + "\"");
        }
        const bool like = op->op == Op::kStringLike || op->op == Op::kStringNotLike;
        Result<Pattern> p = ParsePattern(text, like, variables && op->op != Op::kBool);
        if (!p.ok()) return At(value_pointer, p.status().message());
        c.values.push_back(std::move(*p));
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

Result<Statement> ParseStatement(const JsonValue& value, const std::string& pointer,
                                 bool variables) {
  if (!value.IsObject()) {
    return At(pointer, std::string("a statement is an object, found ") + JsonTypeName(value));
  }
  Statement st;
  const JsonValue* action = nullptr;
  const JsonValue* resource = nullptr;
  bool have_effect = false;
  for (const auto& m : value.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    const std::string at = JsonPointerAppend(pointer, key);
    if (key == "Sid") {
      if (!m.value.IsString()) {
        return At(at, std::string("expected a string, found ") + JsonTypeName(m.value));
      }
      st.sid.assign(m.value.GetString(), m.value.GetStringLength());
    } else if (key == "Effect") {
      const bool allow = m.value.IsString() && std::string_view(m.value.GetString()) == "Allow";
      const bool deny = m.value.IsString() && std::string_view(m.value.GetString()) == "Deny";
      if (!allow && !deny) {
        return At(at, "Effect is \"Allow\" or \"Deny\", found " +
                          (m.value.IsString() ? "\"" + std::string(m.value.GetString()) + "\""
                                              : std::string(JsonTypeName(m.value))));
      }
      st.allow = allow;
      have_effect = true;
    } else if (key == "Action" || key == "NotAction") {
      if (action != nullptr) return At(at, "a statement has either Action or NotAction, not both");
      action = &m.value;
      st.not_action = key == "NotAction";
      Result<std::vector<Pattern>> actions = ParseActions(m.value, at);
      if (!actions.ok()) return actions.status();
      st.actions = std::move(*actions);
    } else if (key == "Resource" || key == "NotResource") {
      if (resource != nullptr) {
        return At(at, "a statement has either Resource or NotResource, not both");
      }
      resource = &m.value;
      st.not_resource = key == "NotResource";
      Result<std::vector<ResourcePattern>> resources = ParseResources(m.value, at, variables);
      if (!resources.ok()) return resources.status();
      st.resources = std::move(*resources);
    } else if (key == "Condition") {
      Result<std::vector<Condition>> conditions = ParseConditions(m.value, at, variables);
      if (!conditions.ok()) return conditions.status();
      st.conditions = std::move(*conditions);
    } else if (key == "Principal" || key == "NotPrincipal") {
      return At(at, "AWS IoT policies have no " + std::string(key) +
                        ": a policy applies to the certificates it is attached to");
    } else {
      return At(at,
                "unknown member (a statement has Sid, Effect, Action or NotAction, "
                "Resource or NotResource, and Condition)");
    }
  }
  if (!have_effect) return At(pointer, "missing Effect (\"Allow\" or \"Deny\")");
  if (action == nullptr) return At(pointer, "missing Action (or NotAction)");
  if (resource == nullptr) return At(pointer, "missing Resource (or NotResource)");
  return st;
}

}  // namespace

std::optional<ResourceArn> ResourceArn::Parse(std::string_view arn) {
  std::array<std::string_view, 6> parts;
  std::size_t start = 0;
  std::size_t part = 0;
  for (std::size_t i = 0; i < arn.size() && part < 5; ++i) {
    if (arn[i] == ':') {
      parts[part++] = arn.substr(start, i - start);
      start = i + 1;
    }
  }
  if (part < 5 || parts[0] != "arn") return std::nullopt;
  ResourceArn out;
  out.partition = parts[1];
  out.service = parts[2];
  out.region = parts[3];
  out.account = parts[4];
  out.resource = arn.substr(start);
  return out;
}

Policy::Policy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Policy::Policy(Policy&&) noexcept = default;
Policy& Policy::operator=(Policy&&) noexcept = default;
Policy::~Policy() = default;

const std::string& Policy::name() const { return impl_->name; }
std::size_t Policy::statement_count() const { return impl_->statements.size(); }

Result<Policy> Policy::Parse(std::string_view json, std::string_view name) {
  Result<JsonDocument> doc = ParseJson(json);
  if (!doc.ok()) return doc.status();
  return FromJson(*doc, name, "");
}

Result<Policy> Policy::FromJson(const JsonValue& document, std::string_view name,
                                const std::string& pointer) {
  if (!document.IsObject()) {
    return At(pointer, std::string("a policy document is an object {\"Version\": \"2012-10-17\", "
                                   "\"Statement\": [...]}, found ") +
                           JsonTypeName(document));
  }
  auto impl = std::make_unique<Impl>();
  impl->name = std::string(name);
  // IAM: without Version (or with 2008-10-17) "${...}" is plain text.
  bool variables = false;
  const JsonValue* statements = nullptr;
  for (const auto& m : document.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    const std::string at = JsonPointerAppend(pointer, key);
    if (key == "Version") {
      const std::string_view v =
          m.value.IsString() ? std::string_view(m.value.GetString(), m.value.GetStringLength())
                             : std::string_view();
      if (v != "2012-10-17" && v != "2008-10-17") {
        return At(at,
                  "Version is \"2012-10-17\" (or the old \"2008-10-17\", without policy "
                  "variables)");
      }
      variables = v == "2012-10-17";
    } else if (key == "Id") {
      if (!m.value.IsString()) {
        return At(at, std::string("expected a string, found ") + JsonTypeName(m.value));
      }
    } else if (key == "Statement") {
      statements = &m.value;
    } else {
      return At(at, "unknown member (a policy document has Version, Id and Statement)");
    }
  }
  if (statements == nullptr) return At(pointer, "missing Statement");
  const std::string statement_pointer = JsonPointerAppend(pointer, "Statement");
  if (statements->IsArray()) {
    if (statements->Empty())
      return At(statement_pointer, "no statements: this policy allows nothing");
    for (rapidjson::SizeType i = 0; i < statements->Size(); ++i) {
      Result<Statement> st = ParseStatement(
          (*statements)[i], JsonPointerAppend(statement_pointer, std::to_string(i)), variables);
      if (!st.ok()) return st.status();
      impl->statements.push_back(std::move(*st));
    }
  } else {
    Result<Statement> st = ParseStatement(*statements, statement_pointer, variables);
    if (!st.ok()) return st.status();
    impl->statements.push_back(std::move(*st));
  }
  return Policy(std::move(impl));
}

namespace {

// Where the decision came from: a policy and a statement index, or nothing.
struct Verdict {
  bool allowed = false;
  const Policy* policy = nullptr;
  std::size_t statement = 0;
};

// `arn` null: the resource is not an ARN; only "*" matches it. `shown` is
// the resource as the reason names it.
AuthorizationDecision EvaluateImpl(const std::vector<const Policy*>& policies,
                                   const PolicyVariables& vars, std::string_view action,
                                   const ResourceArn* arn, std::string_view shown) {
  Verdict allow;
  Verdict deny;
  for (const Policy* policy : policies) {
    const std::vector<Statement>& statements = PolicyAccess::Statements(*policy);
    for (std::size_t i = 0; i < statements.size() && deny.policy == nullptr; ++i) {
      const Statement& st = statements[i];
      if (st.allow && allow.policy != nullptr) continue;  // the first Allow is named
      if (!st.Matches(vars, action, arn)) continue;
      (st.allow ? allow : deny) = Verdict{st.allow, policy, i};
    }
    if (deny.policy != nullptr) break;
  }
  AuthorizationDecision decision;
  const Verdict& decisive = deny.policy != nullptr ? deny : allow;
  if (decisive.policy == nullptr) {
    decision.reason = "no statement allows " + std::string(action) + " on " + std::string(shown) +
                      " (default deny)";
    return decision;
  }
  decision.allowed = decisive.allowed;
  const Statement& st = PolicyAccess::Statements(*decisive.policy)[decisive.statement];
  decision.reason = std::string(decisive.allowed ? "allowed" : "denied") + " by policy " +
                    decisive.policy->name() + " statement " +
                    std::to_string(decisive.statement + 1);
  if (!st.sid.empty()) decision.reason += " (Sid " + st.sid + ")";
  return decision;
}

}  // namespace

bool IsAllowed(const std::vector<const Policy*>& policies, const PolicyVariables& vars,
               std::string_view action, const ResourceArn& resource) {
  bool allowed = false;
  for (const Policy* policy : policies) {
    for (const Statement& st : PolicyAccess::Statements(*policy)) {
      if (st.allow && allowed) continue;  // only a Deny can change the answer now
      if (!st.Matches(vars, action, &resource)) continue;
      if (!st.allow) return false;
      allowed = true;
    }
  }
  return allowed;
}

AuthorizationDecision Evaluate(const std::vector<const Policy*>& policies,
                               const PolicyVariables& vars, std::string_view action,
                               const ResourceArn& resource) {
  return EvaluateImpl(policies, vars, action, &resource, resource.resource);
}

AuthorizationDecision Evaluate(const std::vector<const Policy*>& policies,
                               const PolicyVariables& vars, std::string_view action,
                               std::string_view resource_arn) {
  const std::optional<ResourceArn> arn = ResourceArn::Parse(resource_arn);
  return EvaluateImpl(policies, vars, action, arn ? &*arn : nullptr,
                      arn ? arn->resource : resource_arn);
}

}  // namespace shadowsync
