// SPDX-License-Identifier: Apache-2.0

#include "src/schema_check.h"

#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/did_you_mean.h"
#include "sensors/config_reader.h"
#include "src/config.h"

namespace shadowsync::agent::internal {
namespace {

// A schema compiled from the embedded text; for a definition the root "$ref"
// is pointed at it (RapidJSON 1.1 always starts at the root, see
// docs/schemas.md). `source` must outlive `schema`, which points into it.
struct CompiledSchema {
  JsonDocument source;
  std::unique_ptr<rapidjson::SchemaDocument> schema;
};

const char* DefinitionRef(SchemaPart part) {
  switch (part) {
    case SchemaPart::kRoot:
      return nullptr;
    case SchemaPart::kInterval:
      return "#/definitions/interval";
    case SchemaPart::kThreshold:
      return "#/definitions/threshold";
    case SchemaPart::kThresholdKey:
      return "#/definitions/thresholdKey";
    case SchemaPart::kLogLevel:
      return "#/definitions/logLevel";
    case SchemaPart::kDataLoggerAwsIot:
      return "#/definitions/dataLoggerAwsIot";
  }
  return nullptr;
}

std::unique_ptr<CompiledSchema> Compile(SchemaPart part) {
  auto compiled = std::make_unique<CompiledSchema>();
  const std::string_view text = AgentConfigSchemaText();
  compiled->source.Parse(text.data(), text.size());
  // The embedded schema is checked by the tests; a broken one is a bug.
  assert(!compiled->source.HasParseError() && compiled->source.IsObject());
  if (const char* ref = DefinitionRef(part)) {
    auto& alloc = compiled->source.GetAllocator();
    compiled->source.RemoveMember("$ref");
    compiled->source.AddMember("$ref", JsonValue(rapidjson::StringRef(ref)), alloc);
  }
  compiled->schema = std::make_unique<rapidjson::SchemaDocument>(compiled->source);
  return compiled;
}

const CompiledSchema& Schema(SchemaPart part) {
  // Built once; function-local statics are initialised thread-safely and the
  // SchemaDocuments are only read afterwards.
  static const std::array<std::unique_ptr<CompiledSchema>, 6> kSchemas = {
      Compile(SchemaPart::kRoot),      Compile(SchemaPart::kInterval),
      Compile(SchemaPart::kThreshold), Compile(SchemaPart::kThresholdKey),
      Compile(SchemaPart::kLogLevel),  Compile(SchemaPart::kDataLoggerAwsIot)};
  return *kSchemas[static_cast<std::size_t>(part)];
}

std::string PointerText(const rapidjson::Pointer& pointer) {
  rapidjson::StringBuffer buffer;
  pointer.Stringify(buffer);
  return buffer.GetString();
}

std::string Quote(std::string_view s) {
  JsonValue v(rapidjson::StringRef(s.data(), s.size()));
  return ToCompactJson(v);
}

const char* TypePhrase(std::string_view type) {
  if (type == "number") return "a number";
  if (type == "integer") return "an integer";
  if (type == "string") return "a string";
  if (type == "boolean") return "a boolean";
  if (type == "object") return "an object";
  if (type == "array") return "an array";
  if (type == "null") return "null";
  return "a value";
}

const JsonValue* Member(const JsonValue& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

bool IsTrue(const JsonValue* v) { return v != nullptr && v->IsBool() && v->GetBool(); }

// " from 1 to 65535", " >= 0.1", " > 0", "".
std::string NumberBounds(const JsonValue& node) {
  const JsonValue* min = Member(node, "minimum");
  const JsonValue* max = Member(node, "maximum");
  const bool min_excl = IsTrue(Member(node, "exclusiveMinimum"));
  const bool max_excl = IsTrue(Member(node, "exclusiveMaximum"));
  if (min != nullptr && max != nullptr && !min_excl && !max_excl) {
    return " from " + ToCompactJson(*min) + " to " + ToCompactJson(*max);
  }
  std::string out;
  if (min != nullptr) out += (min_excl ? " > " : " >= ") + ToCompactJson(*min);
  if (max != nullptr) {
    if (!out.empty()) out += " and";
    out += (max_excl ? " < " : " <= ") + ToCompactJson(*max);
  }
  return out;
}

std::string StringBounds(const JsonValue& node) {
  const JsonValue* min = Member(node, "minLength");
  const JsonValue* max = Member(node, "maxLength");
  std::string out;
  if (min != nullptr && max != nullptr) {
    out = " of " + ToCompactJson(*min) + " to " + ToCompactJson(*max) + " characters";
  } else if (max != nullptr) {
    out = " of at most " + ToCompactJson(*max) + " characters";
  } else if (min != nullptr && !(min->IsInt() && min->GetInt() == 1)) {
    out = " of at least " + ToCompactJson(*min) + " characters";
  }
  if (const JsonValue* pattern = Member(node, "pattern"); pattern != nullptr) {
    out += " matching " + std::string(pattern->GetString(), pattern->GetStringLength());
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

// The object's members and patterns, for an unknown-member message:
// "one of \"a\", \"b\" or a comment (key starting with _)".
// The names of the node's fixed members ("properties"), for "did you mean".
std::vector<std::string> MemberNames(const JsonValue& node) {
  std::vector<std::string> names;
  if (const JsonValue* properties = Member(node, "properties"); properties != nullptr) {
    for (const auto& m : properties->GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (name != "$schema") names.emplace_back(name);
    }
  }
  return names;
}

std::string KnownMembers(const JsonValue& node) {
  std::vector<std::string> alternatives;
  if (const JsonValue* properties = Member(node, "properties"); properties != nullptr) {
    std::vector<std::string> names;
    for (const auto& m : properties->GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (name != "$schema") names.push_back(Quote(name));
    }
    if (!names.empty()) alternatives.push_back("one of " + Join(names, ", "));
  }
  if (const JsonValue* patterns = Member(node, "patternProperties"); patterns != nullptr) {
    for (const auto& m : patterns->GetObject()) {
      std::string title;
      const JsonValue* t = Member(m.value, "title");
      if (t == nullptr) {
        // A pattern that only refers to a definition: use the definition's
        // title (the comment convention).
        if (const JsonValue* ref = Member(m.value, "$ref"); ref != nullptr && ref->IsString()) {
          const std::string ref_text = ref->GetString();
          if (ref_text == "#/definitions/comment") title = "a comment (key starting with _)";
        }
      } else {
        title = t->GetString();
      }
      if (title.empty()) title = "a key matching " + std::string(m.name.GetString());
      alternatives.push_back(title);
    }
  }
  if (alternatives.empty()) return "no members";
  return Join(alternatives, " or ");
}

}  // namespace

std::string DescribeExpected(const JsonValue& node) {
  if (const JsonValue* values = Member(node, "enum"); values != nullptr && values->IsArray()) {
    std::vector<std::string> parts;
    for (const auto& v : values->GetArray()) parts.push_back(ToCompactJson(v));
    if (parts.size() == 1) return parts[0];
    return "one of " + Join(parts, ", ");
  }
  std::vector<std::string> types;
  if (const JsonValue* type = Member(node, "type"); type != nullptr) {
    if (type->IsString()) {
      types.emplace_back(type->GetString());
    } else if (type->IsArray()) {
      for (const auto& t : type->GetArray()) {
        if (t.IsString()) types.emplace_back(t.GetString());
      }
    }
  }
  if (types.empty()) {
    if (const JsonValue* title = Member(node, "title"); title != nullptr && title->IsString()) {
      return title->GetString();
    }
    return "a valid value";
  }
  std::vector<std::string> parts;
  for (const std::string& type : types) {
    std::string phrase = TypePhrase(type);
    if (type == "number" || type == "integer") {
      phrase += NumberBounds(node);
    } else if (type == "string") {
      const JsonValue* min = Member(node, "minLength");
      const std::string bounds = StringBounds(node);
      if (min != nullptr && min->IsInt() && min->GetInt() == 1 &&
          Member(node, "maxLength") == nullptr) {
        phrase = "a non-empty string";
      }
      phrase += bounds;
    }
    parts.push_back(std::move(phrase));
  }
  return Join(parts, " or ");
}

std::string DescribeFound(const JsonValue& value, std::string_view pointer) {
  const std::size_t slash = pointer.rfind('/');
  const std::string_view last =
      slash == std::string_view::npos ? pointer : pointer.substr(slash + 1);
  if (last == "Client Key" || last == "Password") {
    return std::string(JsonTypeName(value)) + " (not shown)";
  }
  constexpr std::size_t kMax = 60;
  std::string text = ToCompactJson(value);
  if (text.size() > kMax) {
    std::size_t cut = kMax;
    // Do not cut a UTF-8 sequence in half.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut) + "...";
  }
  return text;
}

Status ValidateWithSchema(const JsonValue& value, SchemaPart part, std::string_view base_pointer) {
  const CompiledSchema& compiled = Schema(part);
  rapidjson::SchemaValidator validator(*compiled.schema);
  if (value.Accept(validator) && validator.IsValid()) return Status::Ok();

  const std::string keyword = validator.GetInvalidSchemaKeyword();
  const rapidjson::Pointer doc_pointer = validator.GetInvalidDocumentPointer();
  const std::string doc_pointer_text = PointerText(doc_pointer);
  const JsonValue* schema_node = validator.GetInvalidSchemaPointer().Get(compiled.source);
  const JsonValue* found = doc_pointer.Get(value);
  const std::string where = std::string(base_pointer) + doc_pointer_text;
  if (schema_node == nullptr || found == nullptr) {
    // Not expected with this schema; still say where and which rule.
    return InvalidArgumentError(where + ": does not satisfy the schema rule \"" + keyword + "\"");
  }

  if (keyword == "required") {
    std::string missing;
    if (const JsonValue* required = Member(*schema_node, "required"); required != nullptr) {
      for (const auto& name : required->GetArray()) {
        if (found->IsObject() && !found->HasMember(name)) {
          missing = Quote(std::string_view(name.GetString(), name.GetStringLength()));
          break;
        }
      }
    }
    return InvalidArgumentError(where + ": expected an object with the member " + missing +
                                ", found " + DescribeFound(*found, where));
  }
  if (keyword == "additionalProperties") {
    // The document pointer already ends with the unknown key (RapidJSON
    // appends the key's token before checking it).
    const std::size_t slash = doc_pointer_text.rfind('/');
    const std::string key = doc_pointer_text.substr(slash + 1);
    // Un-escape the RFC 6901 token for display.
    std::string display;
    for (std::size_t i = 0; i < key.size(); ++i) {
      if (key[i] == '~' && i + 1 < key.size()) {
        display += key[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        display += key[i];
      }
    }
    const std::string closest = cli::ClosestName(display, MemberNames(*schema_node));
    return InvalidArgumentError(where + ": expected " + KnownMembers(*schema_node) +
                                ", found the unknown member " + Quote(display) +
                                (closest.empty() ? "" : "; did you mean " + Quote(closest) + "?"));
  }
  return InvalidArgumentError(where + ": expected " + DescribeExpected(*schema_node) + ", found " +
                              DescribeFound(*found, where));
}

}  // namespace shadowsync::agent::internal
