// SPDX-License-Identifier: Apache-2.0
//
// Tests for lib/src/rules/topic_rule.cc: rule files in the format of
// `aws iot create-topic-rule --topic-rule-payload` (AWS IoT API reference,
// TopicRulePayload; republish-rule-action.md, dynamodb-v2-rule-action.md,
// dynamodb-rule-action.md), their errors with file name and JSON pointer,
// and the examples in examples/rules/.

#include "shadowsync/topic_rule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace shadowsync {
namespace {

using ::testing::HasSubstr;

std::string ReadExample(const std::string& name) {
  std::ifstream in(std::string(SHADOWSYNC_SOURCE_DIR) + "/examples/rules/" + name,
                   std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// `topic` is borrowed: pass a literal or a string that outlives the message.
SqlMessage Message(std::string_view topic, const JsonValue* json) {
  SqlMessage m;
  m.topic = topic;
  m.payload_json = json;
  m.client_id = "gh-1";
  m.timestamp_ms = 1700000000000;
  return m;
}

TEST(TopicRuleTest, ParsesEveryMemberAndAction) {
  Result<TopicRule> rule = ParseTopicRule(R"({
      "sql": "SELECT * FROM 'a/+'",
      "description": "all of it",
      "ruleDisabled": true,
      "awsIotSqlVersion": "2016-03-23",
      "actions": [
        {"republish": {"roleArn": "arn:aws:iam::1:role/r", "topic": "$$aws/things/${topic(2)}/shadow/update", "qos": 1}},
        {"dynamoDBv2": {"roleArn": "arn:aws:iam::1:role/r", "putItem": {"tableName": "t2"}}},
        {"dynamoDB": {"tableName": "t1", "hashKeyField": "k", "hashKeyValue": "${topic()}",
                      "hashKeyType": "NUMBER"}}
      ],
      "errorAction": {"republish": {"topic": "errors"}}
    })",
                                          "rules/all.json");
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  EXPECT_EQ(rule->name, "rules/all.json");
  EXPECT_EQ(rule->sql.topic_filter(), "a/+");
  EXPECT_EQ(rule->description, "all of it");
  EXPECT_TRUE(rule->disabled);
  EXPECT_EQ(rule->sql_version, "2016-03-23");
  ASSERT_EQ(rule->actions.size(), 3u);
  EXPECT_EQ(rule->actions[1].pointer, "/actions/1");

  const Result<JsonDocument> payload = ParseJson("{}");
  const SqlMessage message = Message("a/lamp", &*payload);
  const auto& republish = std::get<RepublishAction>(rule->actions[0].action);
  EXPECT_EQ(republish.qos, 1);
  EXPECT_EQ(*republish.topic.Render(message), "$aws/things/lamp/shadow/update");
  EXPECT_EQ(std::get<DynamoDbV2Action>(rule->actions[1].action).table_name.text(), "t2");
  const auto& v1 = std::get<DynamoDbAction>(rule->actions[2].action);
  EXPECT_EQ(v1.table_name.text(), "t1");
  EXPECT_EQ(*v1.hash_key_value.Render(message), "a/lamp");
  EXPECT_EQ(v1.hash_key_type, DynamoDbAction::KeyType::kNumber);
  EXPECT_FALSE(v1.range_key_field.has_value());
  EXPECT_EQ(v1.payload_field.text(), "payload");  // AWS's default
  EXPECT_EQ(v1.operation.text(), "INSERT");       // AWS's default
  ASSERT_TRUE(rule->error_action.has_value());
  EXPECT_EQ(rule->error_action->pointer, "/errorAction");
  EXPECT_EQ(std::get<RepublishAction>(rule->error_action->action).qos, 0);
}

TEST(TopicRuleTest, DefaultsAsAws) {
  Result<TopicRule> rule = ParseTopicRule(
      R"({"sql": "SELECT a FROM 'x'", "actions": [{"republish": {"topic": "y"}}]})", "r.json");
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  EXPECT_FALSE(rule->disabled);
  EXPECT_EQ(rule->sql_version, "2015-10-08");
  EXPECT_EQ(rule->description, "");
  EXPECT_FALSE(rule->error_action.has_value());
}

struct Bad {
  std::string json;
  std::string message;  // after "rules/temp.json: "
};

TEST(TopicRuleTest, ErrorsNameTheFileAndTheJsonPointer) {
  const std::string ok_actions = R"("actions": [{"republish": {"topic": "y"}}])";
  const std::vector<Bad> cases = {
      {"[]", R"(/: a rule is an object {"sql": "SELECT ...", "actions": [...]}, found array)"},
      {"{" + ok_actions + "}", "/sql: required member is missing"},
      {R"({"sql": 1,)" + ok_actions + "}", "/sql: expected a string, found number"},
      {R"({"sql": "SELECT (SELECT a FROM 'x') AS b FROM 'x'",)" + ok_actions + "}",
       "/sql: SQL position 9: nested SELECT is not supported"},
      {R"({"sql": "SELECT a FROM 'x'", "Sql": "", )" + ok_actions + "}",
       "/Sql: unknown member (a rule has sql, description, ruleDisabled, awsIotSqlVersion, "
       "actions, errorAction)"},
      {R"({"sql": "SELECT a FROM 'x'", "ruleDisabled": "no", )" + ok_actions + "}",
       "/ruleDisabled: expected true or false, found string"},
      {R"({"sql": "SELECT a FROM 'x'", "awsIotSqlVersion": "beta", )" + ok_actions + "}",
       "/awsIotSqlVersion: must be 2015-10-08 or 2016-03-23 (beta is not supported)"},
      {R"({"sql": "SELECT a FROM 'x'"})", "/actions: required member is missing"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": []})",
       "/actions: a rule needs at least one action"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"republish": {"topic": "y", "qos": 2}}]})",
       "/actions/0/republish/qos: must be 0 or 1"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"republish": {"topic": "y", "qos": "1"}}]})",
       "/actions/0/republish/qos: must be 0 or 1"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"republish": {"qos": 1}}]})",
       "/actions/0/republish/topic: required member is missing"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"republish": {"topic": "a/${topic(1"}}]})",
       "/actions/0/republish/topic: template position 3: unclosed ${"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"republish": {"topic": "y",
          "headers": {"contentType": "json"}}}]})",
       "/actions/0/republish/headers: MQTT 5 headers of republish are not supported"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"lambda": {"functionArn": "f"}}]})",
       "/actions/0/lambda: action lambda is not supported (supported: republish, dynamoDBv2, "
       "dynamoDB)"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"republish": {"topic": "y"}, "s3": {}}]})",
       "/actions/0: an action has exactly one member naming its kind (republish, dynamoDBv2, "
       "dynamoDB), found 2"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": ["republish"]})",
       R"(/actions/0: expected an object such as {"republish": {...}}, found string)"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"dynamoDBv2": {"putItem": {}}}]})",
       "/actions/0/dynamoDBv2/putItem/tableName: required member is missing"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"dynamoDBv2": {"tableName": "t"}}]})",
       "/actions/0/dynamoDBv2/tableName: unknown member (dynamoDBv2 has putItem, roleArn)"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"dynamoDB": {"tableName": "t",
          "hashKeyField": "k"}}]})",
       "/actions/0/dynamoDB/hashKeyValue: required member is missing"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"dynamoDB": {"tableName": "t",
          "hashKeyField": "k", "hashKeyValue": "v", "hashKeyType": "BINARY"}}]})",
       "/actions/0/dynamoDB/hashKeyType: must be STRING or NUMBER"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"dynamoDB": {"tableName": "t",
          "hashKeyField": "k", "hashKeyValue": "v", "rangeKeyField": "r"}}]})",
       "/actions/0/dynamoDB/rangeKeyValue: rangeKeyField and rangeKeyValue go together"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"dynamoDB": {"tableName": "t",
          "hashKeyField": "k", "hashKeyValue": "v", "operation": "UPSERT"}}]})",
       "/actions/0/dynamoDB/operation: must be INSERT, UPDATE or DELETE (or a ${...} template)"},
      {R"({"sql": "SELECT a FROM 'x'", "actions": [{"dynamoDB": {"tableName": "",
          "hashKeyField": "k", "hashKeyValue": "v"}}]})",
       "/actions/0/dynamoDB/tableName: must not be empty"},
      {R"({"sql": "SELECT a FROM 'x'", )" + ok_actions + R"(, "errorAction": {"sns": {}}})",
       "/errorAction/sns: action sns is not supported (supported: republish, dynamoDBv2, "
       "dynamoDB)"},
  };
  for (const Bad& bad : cases) {
    Result<TopicRule> rule = ParseTopicRule(bad.json, "rules/temp.json");
    ASSERT_FALSE(rule.ok()) << bad.json;
    EXPECT_EQ(rule.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(rule.status().message(), "rules/temp.json: " + bad.message) << bad.json;
  }
}

TEST(TopicRuleTest, JsonSyntaxErrorsNameLineAndColumn) {
  Result<TopicRule> rule = ParseTopicRule("{\n  \"sql\": ,\n}", "rules/temp.json");
  ASSERT_FALSE(rule.ok());
  EXPECT_THAT(rule.status().message(), HasSubstr("rules/temp.json: JSON parse error at offset"));
  EXPECT_THAT(rule.status().message(), HasSubstr("(line 2, column 10)"));
}

TEST(ExampleRulesTest, Esp32ReadingsLoadsAndSelectsEveryReading) {
  Result<TopicRule> rule = ParseTopicRule(ReadExample("esp32_readings.json"), "esp32_readings");
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  ASSERT_EQ(rule->actions.size(), 1u);
  EXPECT_EQ(std::get<DynamoDbV2Action>(rule->actions[0].action).table_name.text(),
            "esp32_readings");
  const Result<JsonDocument> payload = ParseJson(R"({"temperature":21.5,"humidity":40})");
  Result<SqlOutcome> outcome = rule->sql.Evaluate(Message("esp32/pub", &*payload));
  ASSERT_TRUE(outcome.ok());
  ASSERT_TRUE(outcome->matched);
  EXPECT_EQ(ToCompactJson(outcome->result),
            R"({"temperature":21.5,"humidity":40,"topic":"esp32/pub","ts":1700000000000})");
}

TEST(ExampleRulesTest, GreenhouseTemperatureKeysByThingAndTime) {
  Result<TopicRule> rule =
      ParseTopicRule(ReadExample("greenhouse_temperature.json"), "greenhouse_temperature");
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  ASSERT_EQ(rule->actions.size(), 2u);
  const std::string topic = "$aws/things/gh-1/shadow/update/accepted";
  const Result<JsonDocument> payload =
      ParseJson(R"({"state":{"reported":{"greenhouse":{"temperature_c":18.5}}}})");
  const SqlMessage message = Message(topic, &*payload);
  Result<SqlOutcome> outcome = rule->sql.Evaluate(message);
  ASSERT_TRUE(outcome.ok());
  ASSERT_TRUE(outcome->matched);
  EXPECT_EQ(ToCompactJson(outcome->result), R"({"t":18.5,"thing":"gh-1","ts":1700000000000})");
  const auto& table = std::get<DynamoDbAction>(rule->actions[0].action);
  EXPECT_EQ(*table.hash_key_value.Render(message), "gh-1");
  ASSERT_TRUE(table.range_key_value.has_value());
  EXPECT_EQ(*table.range_key_value->Render(message), "1700000000000");
  EXPECT_EQ(table.range_key_type, DynamoDbAction::KeyType::kNumber);
  EXPECT_EQ(table.payload_field.text(), "reading");
  const auto& republish = std::get<RepublishAction>(rule->actions[1].action);
  EXPECT_EQ(*republish.topic.Render(message), "greenhouse/gh-1/temperature");
}

}  // namespace
}  // namespace shadowsync
