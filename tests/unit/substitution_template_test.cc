// SPDX-License-Identifier: Apache-2.0
//
// Tests for lib/src/rules/substitution_template.cc: `${expression}` in rule
// action parameters (AWS developer guide, iot-substitution-templates.md,
// and republish-rule-action.md for `$$` in reserved topics).

#include "shadowsync/substitution_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace shadowsync {
namespace {

std::string Render(const std::string& text, const std::string& topic, const std::string& payload) {
  Result<SubstitutionTemplate> parsed = SubstitutionTemplate::Parse(text);
  if (!parsed.ok()) return "parse error: " + parsed.status().message();
  Result<JsonDocument> json = ParseJson(payload);
  SqlMessage message;
  message.topic = topic;
  message.payload = payload;
  message.payload_json = json.ok() ? &*json : nullptr;
  message.client_id = "lamp";
  message.timestamp_ms = 1234;
  Result<std::string> rendered = parsed->Render(message);
  if (!rendered.ok()) return "error: " + rendered.status().message();
  return *rendered;
}

TEST(SubstitutionTemplateTest, RendersExpressionsOnTheIncomingMessage) {
  const std::string topic = "$aws/things/lamp-1/shadow/update/accepted";
  const std::string payload = R"({"state":{"reported":{"on":true,"level":3}},"name":"x y"})";
  // republish-rule-action.md: a reserved topic is written with `$$`.
  EXPECT_EQ(Render("$$aws/things/${topic(3)}/shadow/update", topic, payload),
            "$aws/things/lamp-1/shadow/update");
  EXPECT_EQ(Render("alerts/${clientid()}/${timestamp()}", topic, payload), "alerts/lamp/1234");
  // Strings unquoted, other values as compact JSON, Undefined as "".
  EXPECT_EQ(Render("${name}|${state.reported}|${state.reported.level * 2}|${missing}|"
                   "${upper(name)}",
                   topic, payload),
            R"(x y|{"on":true,"level":3}|6||X Y)");
  EXPECT_EQ(Render("no expressions, a lone $ and }", topic, payload),
            "no expressions, a lone $ and }");
  EXPECT_EQ(Render("${concat('a}', 'b')}", topic, payload), "a}b");
}

TEST(SubstitutionTemplateTest, KnowsWhetherItHasExpressions) {
  Result<SubstitutionTemplate> plain = SubstitutionTemplate::Parse("table");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->has_expressions());
  EXPECT_EQ(plain->text(), "table");
  Result<SubstitutionTemplate> with = SubstitutionTemplate::Parse("t-${topic(1)}");
  ASSERT_TRUE(with.ok());
  EXPECT_TRUE(with->has_expressions());
}

TEST(SubstitutionTemplateTest, ErrorsNameTheirPositionInTheTemplate) {
  EXPECT_EQ(Render("a/${topic(3)", "a", "{}"), "parse error: template position 3: unclosed ${");
  EXPECT_EQ(Render("a/${}", "a", "{}"), "parse error: template position 5: empty expression");
  EXPECT_EQ(Render("a/${abs(1)}", "a", "{}"),
            "parse error: template position 5: function abs() is not supported (supported: "
            "topic(), topic(n), timestamp(), clientid(), principal(), newuuid(), upper(s), "
            "lower(s), concat(a, b, ...), isUndefined(x))");
  EXPECT_EQ(Render("x${a != 1}", "a", "{}"),
            "parse error: template position 6: != is not an AWS IoT SQL operator; use <>");
  EXPECT_EQ(Render("${newuuid()}", "a", "{}"),
            "error: newuuid(): no uuid source was given to "
            "the evaluator");
}

}  // namespace
}  // namespace shadowsync
