// SPDX-License-Identifier: Apache-2.0
//
// The rule-file loader: the JSON of `aws iot create-topic-rule
// --topic-rule-payload`, checked member by member with errors that name the
// JSON pointer, the SQL and every template parsed once.

#include "shadowsync/topic_rule.h"

#include <string>
#include <utility>

#include "json_checks.h"

namespace shadowsync {
namespace {

using json_checks::At;
using json_checks::CheckMembers;
using json_checks::ExpectType;
using json_checks::View;

constexpr std::string_view kSupportedActions = "republish, dynamoDBv2, dynamoDB";

// Reads a required or optional string member; `*found` tells which.
Status GetString(const JsonValue& object, std::string_view member, const std::string& pointer,
                 bool required, std::string* out, bool* found = nullptr) {
  const std::string at = JsonPointerAppend(pointer, member);
  const auto it = object.FindMember(JsonValue(
      rapidjson::StringRef(member.data(), static_cast<rapidjson::SizeType>(member.size()))));
  if (found != nullptr) *found = it != object.MemberEnd();
  if (it == object.MemberEnd()) {
    return required ? At(at, "required member is missing") : Status::Ok();
  }
  if (Status s = ExpectType(it->value, it->value.IsString(), "a string", at); !s.ok()) return s;
  *out = std::string(View(it->value));
  return Status::Ok();
}

// A template member: its own parse errors are prefixed with its pointer.
Result<SubstitutionTemplate> GetTemplate(const JsonValue& object, std::string_view member,
                                         const std::string& pointer, bool required,
                                         std::string_view default_text, bool* found = nullptr) {
  std::string text(default_text);
  if (Status s = GetString(object, member, pointer, required, &text, found); !s.ok()) return s;
  if (required && text.empty()) {
    return At(JsonPointerAppend(pointer, member), "must not be empty");
  }
  Result<SubstitutionTemplate> parsed = SubstitutionTemplate::Parse(text);
  if (!parsed.ok()) return At(JsonPointerAppend(pointer, member), parsed.status().message());
  return parsed;
}

Result<RepublishAction> ParseRepublish(const JsonValue& v, const std::string& pointer) {
  if (v.IsObject() && v.HasMember("headers")) {
    return At(JsonPointerAppend(pointer, "headers"),
              "MQTT 5 headers of republish are not supported");
  }
  if (Status s = CheckMembers(v, {"topic", "qos", "roleArn"}, pointer, "republish"); !s.ok()) {
    return s;
  }
  Result<SubstitutionTemplate> topic = GetTemplate(v, "topic", pointer, true, "");
  if (!topic.ok()) return topic.status();
  int qos = 0;
  if (const auto it = v.FindMember("qos"); it != v.MemberEnd()) {
    const std::string at = JsonPointerAppend(pointer, "qos");
    if (!it->value.IsInt() || (it->value.GetInt() != 0 && it->value.GetInt() != 1)) {
      return At(at, "must be 0 or 1");
    }
    qos = it->value.GetInt();
  }
  return RepublishAction{std::move(*topic), qos};
}

Result<DynamoDbV2Action> ParseDynamoDbV2(const JsonValue& v, const std::string& pointer) {
  if (Status s = CheckMembers(v, {"putItem", "roleArn"}, pointer, "dynamoDBv2"); !s.ok()) return s;
  const std::string put_pointer = JsonPointerAppend(pointer, "putItem");
  const auto put = v.FindMember("putItem");
  if (put == v.MemberEnd()) return At(put_pointer, "required member is missing");
  if (Status s = ExpectType(put->value, put->value.IsObject(), "an object", put_pointer); !s.ok()) {
    return s;
  }
  if (Status s = CheckMembers(put->value, {"tableName"}, put_pointer, "putItem"); !s.ok()) {
    return s;
  }
  Result<SubstitutionTemplate> table = GetTemplate(put->value, "tableName", put_pointer, true, "");
  if (!table.ok()) return table.status();
  return DynamoDbV2Action{std::move(*table)};
}

Status GetKeyType(const JsonValue& v, std::string_view member, const std::string& pointer,
                  DynamoDbAction::KeyType* type) {
  std::string text;
  bool found = false;
  if (Status s = GetString(v, member, pointer, false, &text, &found); !s.ok()) return s;
  if (!found || text == "STRING") {
    *type = DynamoDbAction::KeyType::kString;
  } else if (text == "NUMBER") {
    *type = DynamoDbAction::KeyType::kNumber;
  } else {
    return At(JsonPointerAppend(pointer, member), "must be STRING or NUMBER");
  }
  return Status::Ok();
}

Result<DynamoDbAction> ParseDynamoDb(const JsonValue& v, const std::string& pointer) {
  if (Status s = CheckMembers(
          v,
          {"tableName", "roleArn", "operation", "hashKeyField", "hashKeyValue", "hashKeyType",
           "rangeKeyField", "rangeKeyValue", "rangeKeyType", "payloadField"},
          pointer, "dynamoDB");
      !s.ok()) {
    return s;
  }
  Result<SubstitutionTemplate> table = GetTemplate(v, "tableName", pointer, true, "");
  if (!table.ok()) return table.status();
  Result<SubstitutionTemplate> hash_field = GetTemplate(v, "hashKeyField", pointer, true, "");
  if (!hash_field.ok()) return hash_field.status();
  Result<SubstitutionTemplate> hash_value = GetTemplate(v, "hashKeyValue", pointer, true, "");
  if (!hash_value.ok()) return hash_value.status();
  bool has_range_field = false;
  bool has_range_value = false;
  Result<SubstitutionTemplate> range_field =
      GetTemplate(v, "rangeKeyField", pointer, false, "", &has_range_field);
  if (!range_field.ok()) return range_field.status();
  Result<SubstitutionTemplate> range_value =
      GetTemplate(v, "rangeKeyValue", pointer, false, "", &has_range_value);
  if (!range_value.ok()) return range_value.status();
  if (has_range_field != has_range_value) {
    return At(JsonPointerAppend(pointer, has_range_field ? "rangeKeyValue" : "rangeKeyField"),
              "rangeKeyField and rangeKeyValue go together");
  }
  Result<SubstitutionTemplate> payload_field =
      GetTemplate(v, "payloadField", pointer, false, "payload");
  if (!payload_field.ok()) return payload_field.status();
  bool has_operation = false;
  Result<SubstitutionTemplate> operation =
      GetTemplate(v, "operation", pointer, false, "INSERT", &has_operation);
  if (!operation.ok()) return operation.status();
  const std::string& op = operation->text();
  if (!operation->has_expressions() && op != "INSERT" && op != "UPDATE" && op != "DELETE") {
    return At(JsonPointerAppend(pointer, "operation"),
              "must be INSERT, UPDATE or DELETE (or a ${...} template)");
  }
  DynamoDbAction action{std::move(*table),
                        std::move(*hash_field),
                        std::move(*hash_value),
                        DynamoDbAction::KeyType::kString,
                        std::nullopt,
                        std::nullopt,
                        DynamoDbAction::KeyType::kString,
                        std::move(*payload_field),
                        std::move(*operation)};
  if (Status s = GetKeyType(v, "hashKeyType", pointer, &action.hash_key_type); !s.ok()) return s;
  if (Status s = GetKeyType(v, "rangeKeyType", pointer, &action.range_key_type); !s.ok()) return s;
  if (has_range_field) {
    action.range_key_field = std::move(*range_field);
    action.range_key_value = std::move(*range_value);
  }
  return action;
}

// One element of `actions` (or errorAction): an object with exactly one
// member naming the kind.
Result<TopicRuleAction> ParseAction(const JsonValue& v, const std::string& pointer) {
  if (Status s = ExpectType(v, v.IsObject(), "an object such as {\"republish\": {...}}", pointer);
      !s.ok()) {
    return s;
  }
  if (v.MemberCount() != 1) {
    return At(pointer, "an action has exactly one member naming its kind (" +
                           std::string(kSupportedActions) + "), found " +
                           std::to_string(v.MemberCount()));
  }
  const auto& member = *v.MemberBegin();
  const std::string kind(View(member.name));
  const std::string at = JsonPointerAppend(pointer, kind);
  if (kind != "republish" && kind != "dynamoDBv2" && kind != "dynamoDB") {
    return At(at, "action " + kind +
                      " is not supported (supported: " + std::string(kSupportedActions) + ")");
  }
  if (Status s = ExpectType(member.value, member.value.IsObject(), "an object", at); !s.ok()) {
    return s;
  }
  if (kind == "republish") {
    Result<RepublishAction> a = ParseRepublish(member.value, at);
    if (!a.ok()) return a.status();
    return TopicRuleAction{pointer, std::move(*a)};
  }
  if (kind == "dynamoDBv2") {
    Result<DynamoDbV2Action> a = ParseDynamoDbV2(member.value, at);
    if (!a.ok()) return a.status();
    return TopicRuleAction{pointer, std::move(*a)};
  }
  Result<DynamoDbAction> a = ParseDynamoDb(member.value, at);
  if (!a.ok()) return a.status();
  return TopicRuleAction{pointer, std::move(*a)};
}

Result<TopicRule> ParseRule(const JsonValue& doc, std::string_view name) {
  if (!doc.IsObject()) {
    return At("", std::string("a rule is an object {\"sql\": \"SELECT ...\", \"actions\": "
                              "[...]}, found ") +
                      JsonTypeName(doc));
  }
  if (Status s = CheckMembers(
          doc, {"sql", "description", "ruleDisabled", "awsIotSqlVersion", "actions", "errorAction"},
          "", "a rule");
      !s.ok()) {
    return s;
  }
  std::string sql_text;
  if (Status s = GetString(doc, "sql", "", true, &sql_text); !s.ok()) return s;
  Result<SqlStatement> sql = SqlStatement::Parse(sql_text);
  if (!sql.ok()) return At("/sql", sql.status().message());

  std::string description;
  if (Status s = GetString(doc, "description", "", false, &description); !s.ok()) return s;
  bool disabled = false;
  if (const auto it = doc.FindMember("ruleDisabled"); it != doc.MemberEnd()) {
    if (Status s = ExpectType(it->value, it->value.IsBool(), "true or false", "/ruleDisabled");
        !s.ok()) {
      return s;
    }
    disabled = it->value.GetBool();
  }
  std::string version = "2015-10-08";
  if (Status s = GetString(doc, "awsIotSqlVersion", "", false, &version); !s.ok()) return s;
  if (version != "2015-10-08" && version != "2016-03-23") {
    return At("/awsIotSqlVersion", "must be 2015-10-08 or 2016-03-23 (beta is not supported)");
  }

  TopicRule rule{std::string(name), std::move(*sql),    std::move(description),
                 disabled,          std::move(version), {},
                 std::nullopt};
  const auto actions = doc.FindMember("actions");
  if (actions == doc.MemberEnd()) return At("/actions", "required member is missing");
  if (Status s = ExpectType(actions->value, actions->value.IsArray(), "an array", "/actions");
      !s.ok()) {
    return s;
  }
  if (actions->value.Empty()) return At("/actions", "a rule needs at least one action");
  for (rapidjson::SizeType i = 0; i < actions->value.Size(); ++i) {
    Result<TopicRuleAction> action =
        ParseAction(actions->value[i], "/actions/" + std::to_string(i));
    if (!action.ok()) return action.status();
    rule.actions.push_back(std::move(*action));
  }
  if (const auto it = doc.FindMember("errorAction"); it != doc.MemberEnd()) {
    Result<TopicRuleAction> action = ParseAction(it->value, "/errorAction");
    if (!action.ok()) return action.status();
    rule.error_action = std::move(*action);
  }
  return rule;
}

}  // namespace

Result<TopicRule> ParseTopicRule(std::string_view text, std::string_view name) {
  const std::string prefix = std::string(name) + ": ";
  Result<JsonDocument> parsed = ParseJson(text);
  if (!parsed.ok()) {
    return InvalidArgumentError(prefix + WithLineAndColumn(text, parsed.status().message()));
  }
  Result<TopicRule> rule = ParseRule(*parsed, name);
  if (!rule.ok()) return InvalidArgumentError(prefix + rule.status().message());
  return rule;
}

}  // namespace shadowsync
