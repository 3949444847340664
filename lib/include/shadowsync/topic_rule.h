// SPDX-License-Identifier: Apache-2.0
//
// AWS IoT topic rules as files: one JSON document per rule, in the format of
// `aws iot create-topic-rule --topic-rule-payload` (sql, description,
// ruleDisabled, awsIotSqlVersion, actions, errorAction), so the same file
// works with the AWS CLI (schemas/topic-rule.schema.json, docs/rules.md).
//
// Loading parses the SQL and every substitution template once; running the
// actions (a table, a republish) is the host's business.

#ifndef SHADOWSYNC_TOPIC_RULE_H_
#define SHADOWSYNC_TOPIC_RULE_H_

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "shadowsync/sql.h"
#include "shadowsync/status.h"
#include "shadowsync/substitution_template.h"

namespace shadowsync {

/// `republish`: publish the SELECT result to a topic.
struct RepublishAction {
  SubstitutionTemplate topic;  ///< e.g. "alerts/${topic(3)}"; "$$aws/..." for a reserved topic
  int qos = 0;                 ///< 0 or 1
};

/// `dynamoDBv2`: each top-level key of the SELECT result becomes an
/// attribute of one item of `putItem.tableName`.
struct DynamoDbV2Action {
  SubstitutionTemplate table_name;
};

/// `dynamoDB` (v1): the SELECT result as one attribute (`payloadField`)
/// next to a hash key and an optional range key.
struct DynamoDbAction {
  enum class KeyType { kString, kNumber };
  SubstitutionTemplate table_name;
  SubstitutionTemplate hash_key_field;
  SubstitutionTemplate hash_key_value;
  KeyType hash_key_type = KeyType::kString;
  std::optional<SubstitutionTemplate> range_key_field;  ///< set together with range_key_value
  std::optional<SubstitutionTemplate> range_key_value;
  KeyType range_key_type = KeyType::kString;
  /// The attribute holding the result; AWS's default is "payload".
  SubstitutionTemplate payload_field;
  /// INSERT, UPDATE or DELETE (AWS's default INSERT); may be a template.
  SubstitutionTemplate operation;
};

/// One action of a rule, and where it sits in the file for messages
/// ("/actions/0"). The action structs above are immutable values like it.
///
/// Thread safety: immutable after ParseTopicRule; const access (Render
/// included) may run concurrently.
struct TopicRuleAction {
  std::string pointer;
  std::variant<RepublishAction, DynamoDbV2Action, DynamoDbAction> action;
};

/// One rule file, parsed and checked.
///
/// Thread safety: immutable after ParseTopicRule; const access may run
/// concurrently (SqlStatement::Evaluate included).
struct TopicRule {
  std::string name;  ///< the name given to ParseTopicRule, e.g. the file's stem
  SqlStatement sql;
  std::string description;
  bool disabled = false;  ///< ruleDisabled
  /// "2015-10-08" (AWS's default when absent) or "2016-03-23". Both are
  /// evaluated alike: the subset holds nothing where they differ.
  std::string sql_version = "2015-10-08";
  std::vector<TopicRuleAction> actions;
  std::optional<TopicRuleAction> error_action;
};

/// Parses the text of one rule file. `name` prefixes every message and is
/// the rule's name (AWS takes the name from the command line, not the
/// payload). kInvalidArgument, "<name>: <JSON pointer>: <what is wrong>",
/// e.g. "rules/temp.json: /actions/0/republish/qos: must be 0 or 1", or
/// "<name>: /sql: SQL position 8: nested SELECT is not supported", or
/// "<name>: JSON parse error at offset N: ... (line L, column C)".
/// Unknown members, unknown action kinds and action parameters outside
/// the supported set are refused by name.
Result<TopicRule> ParseTopicRule(std::string_view text, std::string_view name);

}  // namespace shadowsync

#endif  // SHADOWSYNC_TOPIC_RULE_H_
