// SPDX-License-Identifier: Apache-2.0
//
// Tests for lib/src/policy/policy.cc (its wildcard matcher: glob_test.cc):
// the AWS IoT policy language (shared/notes/platform.md section 5) with the
// AWS documentation's examples (pub-sub-policy.md, thing-policy-variables.md,
// connect-policy.md) as tables of cases, the parse errors, and the three
// seed policies verbatim (seed_policies.h).
//
// Every case is checked through Evaluate() and IsAllowed(), which must agree.

#include "shadowsync/policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "unit/seed_policies.h"

namespace shadowsync {
namespace {

using ::testing::HasSubstr;

constexpr char kArn[] = "arn:aws:iot:us-east-1:123456789012:";

Policy MustParse(std::string_view json, std::string_view name = "p") {
  Result<Policy> policy = Policy::Parse(json, name);
  EXPECT_TRUE(policy.ok()) << policy.status().ToString() << "\n" << json;
  if (!policy.ok()) return Policy::Parse(seed_policies::kDataLogger, "parse-failed").value();
  return std::move(*policy);
}

// One statement list, AWS's account and region.
std::string Doc(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}

// Owns what PolicyVariables points to.
struct Who {
  std::string client_id;
  std::optional<std::string> thing;  // resolved thing name (attached, client id = name)
  std::optional<std::string> type;
  ThingAttributes attributes;
  std::optional<std::string> cn;

  PolicyVariables Vars() const {
    PolicyVariables v;
    v.client_id = client_id;
    if (thing) v.thing_name = *thing;
    v.is_attached = thing.has_value();
    if (type) v.thing_type_name = *type;
    if (thing) v.thing_attributes = &attributes;
    if (cn) v.certificate_common_name = *cn;
    return v;
  }
};

Who Client(std::string id) { return Who{std::move(id), std::nullopt, std::nullopt, {}, {}}; }
Who Thing(std::string name) {
  Who w{name, name, std::nullopt, {}, name};
  return w;
}

struct Case {
  std::string action;
  std::string resource;  // after the account, e.g. "topic/a/b"
  bool allowed;
};

// Checks every case with both entry points; `who` is the principal.
void ExpectCases(const std::vector<const Policy*>& policies, const Who& who,
                 const std::vector<Case>& cases) {
  const PolicyVariables vars = who.Vars();
  for (const Case& c : cases) {
    const std::string arn = kArn + c.resource;
    const AuthorizationDecision d = Evaluate(policies, vars, c.action, arn);
    EXPECT_EQ(d.allowed, c.allowed)
        << who.client_id << " " << c.action << " " << c.resource << ": " << d.reason;
    const std::optional<ResourceArn> parsed = ResourceArn::Parse(arn);
    ASSERT_TRUE(parsed.has_value()) << arn;
    EXPECT_EQ(IsAllowed(policies, vars, c.action, *parsed), c.allowed)
        << "IsAllowed disagrees: " << c.action << " " << c.resource;
  }
}

void ExpectCases(const Policy& policy, const Who& who, const std::vector<Case>& cases) {
  ExpectCases(std::vector<const Policy*>{&policy}, who, cases);
}

// ---------------------------------------------------------------------------
// pub-sub-policy.md examples.

TEST(PolicyTest, WildcardCrossesLevels) {
  const Policy p = MustParse(Doc(R"({"Effect":"Allow","Action":"iot:Publish",
      "Resource":"arn:aws:iot:us-east-1:123456789012:topic/some/*"})"));
  ExpectCases(p, Client("c"),
              {{"iot:Publish", "topic/some/topic", true},
               {"iot:Publish", "topic/some/a/b/c", true},
               {"iot:Publish", "topic/some", false},
               {"iot:Publish", "topic/other/topic", false},
               {"iot:Receive", "topic/some/topic", false},
               {"iot:Subscribe", "topicfilter/some/topic", false}});
}

TEST(PolicyTest, PlusAndHashAreLiteralInTopicFilters) {
  // "topicfilter/some/+/topic" lets a client subscribe to exactly that
  // filter, not to some/a/topic (a filter too) and not to some/#.
  const Policy p = MustParse(Doc(R"({"Effect":"Allow","Action":"iot:Subscribe","Resource":[
      "arn:aws:iot:us-east-1:123456789012:topicfilter/some/+/topic",
      "arn:aws:iot:us-east-1:123456789012:topicfilter/other/#"]})"));
  ExpectCases(p, Client("c"),
              {{"iot:Subscribe", "topicfilter/some/+/topic", true},
               {"iot:Subscribe", "topicfilter/some/a/topic", false},
               {"iot:Subscribe", "topicfilter/some/#", false},
               {"iot:Subscribe", "topicfilter/other/#", true},
               {"iot:Subscribe", "topicfilter/other/a", false},
               {"iot:Subscribe", "topicfilter/other/+", false}});
}

TEST(PolicyTest, DenyOnTopicFilterDoesNotStopAWildcardSubscription) {
  // The documented trap: Allow topicfilter/a/* with Deny
  // topicfilter/a/restricted/* still lets a/# subscribe (and so receive
  // restricted topics when Receive is allowed broadly).
  const Policy p = MustParse(Doc(R"(
      {"Effect":"Allow","Action":"iot:Subscribe",
       "Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/a/*"},
      {"Effect":"Deny","Action":"iot:Subscribe",
       "Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/a/restricted/*"},
      {"Effect":"Allow","Action":"iot:Receive",
       "Resource":"arn:aws:iot:us-east-1:123456789012:topic/a/*"})"));
  ExpectCases(p, Client("c"),
              {{"iot:Subscribe", "topicfilter/a/#", true},
               {"iot:Subscribe", "topicfilter/a/+", true},
               {"iot:Subscribe", "topicfilter/a/restricted/#", false},
               {"iot:Subscribe", "topicfilter/a/restricted/x", false},
               {"iot:Receive", "topic/a/restricted/secret", true}});  // the trap
}

TEST(PolicyTest, NotResourceReceiveClosesTheTrap) {
  // The documented fix: Receive on everything but a/restricted/*.
  const Policy p = MustParse(Doc(R"(
      {"Effect":"Allow","Action":"iot:Subscribe",
       "Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/a/*"},
      {"Effect":"Allow","Action":"iot:Receive",
       "NotResource":"arn:aws:iot:us-east-1:123456789012:topic/a/restricted/*"})"));
  ExpectCases(p, Client("c"),
              {{"iot:Subscribe", "topicfilter/a/#", true},
               {"iot:Receive", "topic/a/b", true},
               {"iot:Receive", "topic/a/restricted/secret", false},
               {"iot:Receive", "topic/a/restricted/", false},
               {"iot:Publish", "topic/a/b", false}});
}

TEST(PolicyTest, ClientIdVariableAndTheClientIdPlusGotcha) {
  const Policy p = MustParse(Doc(R"(
      {"Effect":"Allow","Action":"iot:Connect",
       "Resource":"arn:aws:iot:us-east-1:123456789012:client/${iot:ClientId}"},
      {"Effect":"Allow","Action":"iot:Subscribe",
       "Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/my/${iot:ClientId}/topic"})"));
  ExpectCases(p, Client("dev1"),
              {{"iot:Connect", "client/dev1", true},
               {"iot:Connect", "client/dev2", false},
               {"iot:Subscribe", "topicfilter/my/dev1/topic", true},
               {"iot:Subscribe", "topicfilter/my/+/topic", false}});
  // A client id of "+" subscribes to the wildcard filter: why AWS says to
  // restrict iot:Connect too.
  ExpectCases(p, Client("+"), {{"iot:Subscribe", "topicfilter/my/+/topic", true}});
}

TEST(PolicyTest, VariableValuesAreLiteralNotWildcards) {
  const Policy p = MustParse(Doc(R"({"Effect":"Allow","Action":"iot:Publish",
      "Resource":"arn:aws:iot:us-east-1:123456789012:topic/${iot:ClientId}/data"})"));
  ExpectCases(p, Client("*"),
              {{"iot:Publish", "topic/*/data", true}, {"iot:Publish", "topic/x/data", false}});
  ExpectCases(p, Client("?"),
              {{"iot:Publish", "topic/?/data", true}, {"iot:Publish", "topic/x/data", false}});
}

TEST(PolicyTest, IsAttachedBoolCondition) {
  // connect-policy.md: without IsAttached, client/${iot:ClientId} lets any
  // certificate use any client id.
  const Policy p = MustParse(Doc(R"({"Effect":"Allow","Action":"iot:Connect",
      "Resource":"arn:aws:iot:us-east-1:123456789012:client/${iot:ClientId}",
      "Condition":{"Bool":{"iot:Connection.Thing.IsAttached":"true"}}})"));
  ExpectCases(p, Thing("lamp"), {{"iot:Connect", "client/lamp", true}});
  ExpectCases(p, Client("lamp"), {{"iot:Connect", "client/lamp", false}});
  // JSON true works like "true"; "false" selects the unattached.
  const Policy q = MustParse(Doc(R"({"Effect":"Allow","Action":"iot:Connect","Resource":"*",
      "Condition":{"Bool":{"iot:Connection.Thing.IsAttached":[false]}}})"));
  ExpectCases(q, Client("x"), {{"iot:Connect", "client/x", true}});
  ExpectCases(q, Thing("lamp"), {{"iot:Connect", "client/lamp", false}});
}

TEST(PolicyTest, ThingNameTypeAndAttributeVariables) {
  const Policy p = MustParse(Doc(R"(
      {"Effect":"Allow","Action":"iot:Publish",
       "Resource":"arn:aws:iot:us-east-1:123456789012:topic/${iot:Connection.Thing.Attributes[room]}/${iot:Connection.Thing.ThingName}"},
      {"Effect":"Allow","Action":"iot:Subscribe",
       "Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/types/${iot:Connection.Thing.ThingTypeName}/*"},
      {"Effect":"Allow","Action":"iot:Receive",
       "Resource":"arn:aws:iot:us-east-1:123456789012:topic/cn/${iot:Certificate.Subject.CommonName}"})"));
  Who lamp = Thing("lamp");
  lamp.type = "light";
  lamp.attributes = {{"room", "kitchen"}};
  lamp.cn = "lamp-cert";
  ExpectCases(p, lamp,
              {{"iot:Publish", "topic/kitchen/lamp", true},
               {"iot:Publish", "topic/hall/lamp", false},
               {"iot:Subscribe", "topicfilter/types/light/#", true},
               {"iot:Subscribe", "topicfilter/types/heater/#", false},
               {"iot:Receive", "topic/cn/lamp-cert", true},
               {"iot:Receive", "topic/cn/lamp", false}});
  // No such attribute, no type: those entries match nothing.
  Who bare = Thing("lamp");
  ExpectCases(p, bare,
              {{"iot:Publish", "topic//lamp", false},
               {"iot:Publish", "topic/kitchen/lamp", false},
               {"iot:Subscribe", "topicfilter/types//#", false}});
}

TEST(PolicyTest, UnresolvedVariableMatchesNothing) {
  const Policy p = MustParse(Doc(R"({"Effect":"Allow","Action":"iot:Connect",
      "Resource":"arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"})"));
  ExpectCases(p, Thing("lamp"), {{"iot:Connect", "client/lamp", true}});
  // Not attached, or a client id other than the thing name: no ThingName.
  ExpectCases(p, Client("lamp"),
              {{"iot:Connect", "client/lamp", false}, {"iot:Connect", "client/", false}});
  // In a NotResource, an unresolved entry excludes nothing (IAM).
  const Policy q = MustParse(Doc(R"({"Effect":"Allow","Action":"iot:Publish",
      "NotResource":"arn:aws:iot:us-east-1:123456789012:topic/${iot:Connection.Thing.ThingName}/secret"})"));
  ExpectCases(q, Thing("lamp"),
              {{"iot:Publish", "topic/lamp/secret", false}, {"iot:Publish", "topic/lamp/x", true}});
  ExpectCases(q, Client("lamp"), {{"iot:Publish", "topic/lamp/secret", true}});
}

TEST(PolicyTest, DenyWinsOverAnyAllowInAnyPolicy) {
  const Policy allow_all = MustParse(seed_policies::kDataLogger, "datalogger");
  const Policy deny = MustParse(Doc(R"({"Sid":"NoSecrets","Effect":"Deny","Action":"iot:Publish",
      "Resource":"arn:aws:iot:us-east-1:123456789012:topic/secret/*"})"),
                                "deny-secrets");
  const std::vector<const Policy*> both = {&allow_all, &deny};
  ExpectCases(both, Client("c"),
              {{"iot:Publish", "topic/secret/x", false},
               {"iot:Receive", "topic/secret/x", true},
               {"iot:Publish", "topic/public", true}});
  const PolicyVariables vars = Client("c").Vars();
  const AuthorizationDecision d =
      Evaluate(both, vars, "iot:Publish", std::string(kArn) + "topic/secret/x");
  EXPECT_EQ(d.reason, "denied by policy deny-secrets statement 1 (Sid NoSecrets)");
  const AuthorizationDecision a =
      Evaluate(both, vars, "iot:Publish", std::string(kArn) + "topic/ok");
  EXPECT_EQ(a.reason, "allowed by policy datalogger statement 1");
}

TEST(PolicyTest, NotActionAndCaseInsensitiveActions) {
  const Policy p = MustParse(Doc(R"({"Effect":"Allow","NotAction":["iot:Connect","iot:Receive"],
      "Resource":"*"},{"Effect":"Allow","Action":"IOT:connect","Resource":"*"})"));
  ExpectCases(p, Client("c"),
              {{"iot:Publish", "topic/x", true},
               {"iot:Subscribe", "topicfilter/x", true},
               {"iot:Receive", "topic/x", false},
               {"iot:Connect", "client/c", true}});  // by the second statement
  const Policy q = MustParse(Doc(R"({"Effect":"Allow","Action":"iot:*Publish","Resource":"*"})"));
  ExpectCases(q, Client("c"),
              {{"iot:Publish", "topic/x", true},
               {"iot:RetainPublish", "topic/x", true},
               {"iot:Receive", "topic/x", false}});
}

TEST(PolicyTest, QuestionMarkMatchesOneCharacter) {
  const Policy p = MustParse(Doc(R"({"Effect":"Allow","Action":"iot:Publish",
      "Resource":"arn:aws:iot:us-east-1:123456789012:topic/room?/temp"})"));
  ExpectCases(p, Client("c"),
              {{"iot:Publish", "topic/room1/temp", true},
               {"iot:Publish", "topic/room12/temp", false},
               {"iot:Publish", "topic/room/temp", false}});
}

TEST(PolicyTest, StringConditions) {
  const Policy p = MustParse(Doc(R"(
      {"Sid":"Eq","Effect":"Allow","Action":"iot:Publish","Resource":"*",
       "Condition":{"StringEquals":{"iot:ClientId":["a","b"]}}},
      {"Sid":"Like","Effect":"Allow","Action":"iot:Subscribe","Resource":"*",
       "Condition":{"StringLike":{"iot:ClientId":"sensor-*"}}},
      {"Sid":"NotEq","Effect":"Allow","Action":"iot:Receive","Resource":"*",
       "Condition":{"StringNotEquals":{"iot:Connection.Thing.ThingTypeName":"banned"}}},
      {"Sid":"Ic","Effect":"Allow","Action":"iot:Connect","Resource":"*",
       "Condition":{"StringEqualsIgnoreCase":{"iot:Connection.Thing.Attributes[Site]":"LAB"},
                    "StringNotLike":{"iot:ClientId":"*-test"}}})"));
  ExpectCases(p, Client("a"), {{"iot:Publish", "topic/x", true}});
  ExpectCases(p, Client("c"), {{"iot:Publish", "topic/x", false}});
  ExpectCases(p, Client("A"), {{"iot:Publish", "topic/x", false}});  // StringEquals is exact
  ExpectCases(p, Client("sensor-7"), {{"iot:Subscribe", "topicfilter/x", true}});
  ExpectCases(p, Client("actuator-7"), {{"iot:Subscribe", "topicfilter/x", false}});
  // A missing key makes a negated operator true (IAM).
  ExpectCases(p, Client("c"), {{"iot:Receive", "topic/x", true}});
  Who banned = Thing("t");
  banned.type = "banned";
  ExpectCases(p, banned, {{"iot:Receive", "topic/x", false}});
  Who lab = Thing("probe");
  lab.attributes = {{"Site", "lab"}};
  ExpectCases(p, lab, {{"iot:Connect", "client/probe", true}});
  Who lab_test = Thing("probe-test");
  lab_test.attributes = {{"Site", "Lab"}};
  ExpectCases(p, lab_test, {{"iot:Connect", "client/probe-test", false}});    // both must hold
  ExpectCases(p, Client("probe"), {{"iot:Connect", "client/probe", false}});  // no attribute
}

TEST(PolicyTest, IfExistsAndVariablesInConditionValues) {
  const Policy p = MustParse(Doc(R"(
      {"Effect":"Allow","Action":"iot:Publish","Resource":"*",
       "Condition":{"StringEqualsIfExists":{"iot:Connection.Thing.ThingTypeName":"light"}}},
      {"Effect":"Allow","Action":"iot:Connect","Resource":"*",
       "Condition":{"StringEquals":{"iot:Certificate.Subject.CommonName":"${iot:ClientId}"}}})"));
  Who light = Thing("lamp");
  light.type = "light";
  Who heater = Thing("heater");
  heater.type = "heater";
  ExpectCases(p, light, {{"iot:Publish", "topic/x", true}, {"iot:Connect", "client/lamp", true}});
  ExpectCases(p, heater, {{"iot:Publish", "topic/x", false}});
  ExpectCases(p, Client("x"), {{"iot:Publish", "topic/x", true}});  // no type: IfExists holds
  Who other = Client("other");
  other.cn = "lamp";
  ExpectCases(p, other, {{"iot:Connect", "client/other", false}});
}

TEST(PolicyTest, RegionAndAccountMustMatchUnlessLeftOpen) {
  const Policy p = MustParse(seed_policies::kDataLogger);
  const Policy narrow = MustParse(Doc(R"({"Effect":"Allow","Action":"iot:Publish",
      "Resource":"arn:aws:iot:us-east-1:123456789012:topic/x"})"));
  const std::vector<const Policy*> policies = {&narrow};
  const PolicyVariables vars = Client("c").Vars();
  EXPECT_TRUE(Evaluate(policies, vars, "iot:Publish", "arn:aws:iot:us-east-1:123456789012:topic/x")
                  .allowed);
  EXPECT_FALSE(Evaluate(policies, vars, "iot:Publish", "arn:aws:iot:eu-west-1:123456789012:topic/x")
                   .allowed);
  EXPECT_FALSE(Evaluate(policies, vars, "iot:Publish", "arn:aws:iot:us-east-1:999999999999:topic/x")
                   .allowed);
  ResourceArn open;
  open.resource = "topic/x";
  EXPECT_TRUE(Evaluate(policies, vars, "iot:Publish", open).allowed);
  EXPECT_TRUE(IsAllowed(policies, vars, "iot:Publish", open));
  open.region = "eu-west-1";
  EXPECT_FALSE(IsAllowed(policies, vars, "iot:Publish", open));
  // Not an ARN: only "*" matches it.
  EXPECT_FALSE(Evaluate(policies, vars, "iot:Publish", "topic/x").allowed);
  EXPECT_TRUE(Evaluate({&p}, vars, "iot:Publish", "topic/x").allowed);
}

TEST(PolicyTest, ResourceArnParse) {
  const std::optional<ResourceArn> arn =
      ResourceArn::Parse("arn:aws:iot:us-east-1:123456789012:topic/a:b/c");
  ASSERT_TRUE(arn.has_value());
  EXPECT_EQ(arn->partition, "aws");
  EXPECT_EQ(arn->service, "iot");
  EXPECT_EQ(arn->region, "us-east-1");
  EXPECT_EQ(arn->account, "123456789012");
  EXPECT_EQ(arn->resource, "topic/a:b/c");
  EXPECT_FALSE(ResourceArn::Parse("arn:aws:iot:us-east-1").has_value());
  EXPECT_FALSE(ResourceArn::Parse("urn:aws:iot:r:a:topic/x").has_value());
}

TEST(PolicyTest, DefaultDenyReasonNamesActionAndResource) {
  const Policy p = MustParse(Doc(R"({"Effect":"Allow","Action":"iot:Connect","Resource":"*"})"));
  const AuthorizationDecision d =
      Evaluate({&p}, Client("c").Vars(), "iot:Publish", std::string(kArn) + "topic/x");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "no statement allows iot:Publish on topic/x (default deny)");
  const AuthorizationDecision none = Evaluate({}, Client("c").Vars(), "iot:Connect", "client/c");
  EXPECT_FALSE(none.allowed);
}

TEST(PolicyTest, OldVersionTreatsVariablesAsText) {
  const char* statement = R"({"Effect":"Allow","Action":"iot:Publish",
      "Resource":"arn:aws:iot:us-east-1:123456789012:topic/${iot:ClientId}"})";
  const Policy old =
      MustParse(std::string(R"({"Version":"2008-10-17","Statement":)") + statement + "}");
  ExpectCases(old, Client("c"),
              {{"iot:Publish", "topic/${iot:ClientId}", true}, {"iot:Publish", "topic/c", false}});
  const Policy none = MustParse(std::string(R"({"Statement":)") + statement + "}");
  ExpectCases(none, Client("c"), {{"iot:Publish", "topic/c", false}});
  // IAM's escapes in 2012-10-17.
  const Policy escaped = MustParse(Doc(R"({"Effect":"Allow","Action":"iot:Publish",
      "Resource":"arn:aws:iot:us-east-1:123456789012:topic/a${*}b${$}{x}"})"));
  ExpectCases(escaped, Client("c"),
              {{"iot:Publish", "topic/a*b${x}", true}, {"iot:Publish", "topic/aXb${x}", false}});
}

TEST(PolicyTest, NameAndStatementCount) {
  const Policy p = MustParse(seed_policies::kThingShadow, "lamp-policy");
  EXPECT_EQ(p.name(), "lamp-policy");
  EXPECT_EQ(p.statement_count(), 4u);
  const Policy single = MustParse(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})");
  EXPECT_EQ(single.statement_count(), 1u);
  ExpectCases(single, Client("c"), {{"iot:Connect", "client/c", true}});
}

// ---------------------------------------------------------------------------
// Parse errors name the JSON pointer.

struct ErrorCase {
  std::string json;
  std::string message;  // exact, or a prefix when it ends with "..."
};

TEST(PolicyParseTest, ErrorsNameThePointer) {
  const std::string ok = R"("Effect":"Allow","Action":"iot:Connect","Resource":"*")";
  const std::vector<ErrorCase> cases = {
      {"[]",
       "/: a policy document is an object {\"Version\": \"2012-10-17\", \"Statement\": "
       "[...]}, found array"},
      {R"({"Version":"2012-10-17"})", "/: missing Statement"},
      {R"({"Version":"2012-10-17","Statement":[]})",
       "/Statement: no statements: this policy allows nothing"},
      {R"({"Version":"2013","Statement":[{)" + ok + "}]}", "/Version: Version is ..."},
      {R"({"Version":"2012-10-17","Statment":[]})", "/Statment: unknown member ..."},
      {Doc(R"({"Effect":"allow","Action":"iot:Connect","Resource":"*"})"),
       "/Statement/0/Effect: Effect is \"Allow\" or \"Deny\", found \"allow\""},
      {Doc("{" + ok + R"(},{"Action":"iot:Connect","Resource":"*"})"),
       "/Statement/1: missing Effect (\"Allow\" or \"Deny\")"},
      {Doc(R"({"Effect":"Allow","Resource":"*"})"), "/Statement/0: missing Action (or NotAction)"},
      {Doc(R"({"Effect":"Allow","Action":"iot:Connect"})"),
       "/Statement/0: missing Resource (or NotResource)"},
      {Doc(R"({"Effect":"Allow","Action":"iot:Connect","NotAction":"iot:Publish","Resource":"*"})"),
       "/Statement/0/NotAction: a statement has either Action or NotAction, not both"},
      {Doc(R"({"Effect":"Allow","Action":["iot:Connect",3],"Resource":"*"})"),
       "/Statement/0/Action/1: expected a string, found number"},
      {Doc(R"({"Effect":"Allow","Action":"Publish","Resource":"*"})"),
       "/Statement/0/Action: action \"Publish\" is neither ..."},
      {Doc(R"({"Effect":"Allow","Action":"iot:Connect","Resource":["*","topic/x"]})"),
       "/Statement/0/Resource/1: resource \"topic/x\" is neither \"*\" nor an ARN ..."},
      {Doc(R"({"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:r:1:client/${iot:Foo}"})"),
       "/Statement/0/Resource: unsupported policy variable ${iot:Foo} ..."},
      {Doc(R"({"Effect":"Allow","Action":"iot:Connect","Resource":"*","Principal":"*"})"),
       "/Statement/0/Principal: AWS IoT policies have no Principal: ..."},
      {Doc(R"({"Effect":"Allow","Action":"iot:Connect","Resource":"*",
          "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}})"),
       "/Statement/0/Condition/IpAddress: unsupported condition operator \"IpAddress\" ..."},
      {Doc(R"({"Effect":"Allow","Action":"iot:Connect","Resource":"*",
          "Condition":{"ForAnyValue:StringEquals":{"iot:ClientId":"x"}}})"),
       "/Statement/0/Condition/ForAnyValue:StringEquals: unsupported condition operator ..."},
      {Doc(R"({"Effect":"Allow","Action":"iot:Connect","Resource":"*",
          "Condition":{"StringEquals":{"aws:SourceIp":"x"}}})"),
       "/Statement/0/Condition/StringEquals/aws:SourceIp: unsupported condition key ..."},
      {Doc(R"({"Effect":"Allow","Action":"iot:Connect","Resource":"*",
          "Condition":{"Bool":{"iot:Connection.Thing.IsAttached":"yes"}}})"),
       "/Statement/0/Condition/Bool/iot:Connection.Thing.IsAttached: Bool compares with "
       "\"true\" or \"false\", not \"yes\""},
      {Doc(R"({"Effect":"Allow","Action":"iot:Connect","Resource":"*",
          "Condition":{"StringEquals":{"iot:ClientId":["a",1]}}})"),
       "/Statement/0/Condition/StringEquals/iot:ClientId/1: expected a string, found number"},
      {Doc(R"({"Effect":"Allow","Action":"iot:Connect","Resource":"*",
          "Condition":{"StringLike":{"iot:ClientId":"${iot:Certificate.Subject.Organization}"}}})"),
       "/Statement/0/Condition/StringLike/iot:ClientId: unsupported policy variable ..."},
      {R"({"Version":"2012-10-17","Statement":[{"a":1,}]})", "JSON parse error at offset ..."},
  };
  for (const ErrorCase& c : cases) {
    Result<Policy> p = Policy::Parse(c.json, "p");
    ASSERT_FALSE(p.ok()) << c.json;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    const std::string m = p.status().message();
    if (c.message.size() > 3 && c.message.substr(c.message.size() - 3) == "...") {
      EXPECT_EQ(m.substr(0, c.message.size() - 3), c.message.substr(0, c.message.size() - 3))
          << c.json;
    } else {
      EXPECT_EQ(m, c.message) << c.json;
    }
  }
}

TEST(PolicyParseTest, FromJsonPrefixesThePointer) {
  Result<JsonDocument> doc = ParseJson(R"({"Version":"2012-10-17","Statement":[{"Effect":"Maybe",
      "Action":"*","Resource":"*"}]})");
  ASSERT_TRUE(doc.ok());
  Result<Policy> p = Policy::FromJson(*doc, "x", "/policies/x");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), ::testing::StartsWith("/policies/x/Statement/0/Effect: "));
}

// ---------------------------------------------------------------------------
// The seeds' policies, verbatim.

TEST(SeedPolicyTest, Esp32TutorialPolicy) {
  const Policy p = MustParse(seed_policies::kEsp32, "esp32-policy");
  ExpectCases(p, Thing("esp32"),
              {{"iot:Connect", "client/esp32", true},
               {"iot:Connect", "client/other", false},
               {"iot:Publish", "topic/esp32/pub", true},
               {"iot:Publish", "topic/esp32/sub", false},
               {"iot:Subscribe", "topicfilter/esp32/sub", true},
               {"iot:Subscribe", "topicfilter/esp32/#", false},
               {"iot:Receive", "topic/esp32/sub", true},
               {"iot:Receive", "topic/esp32/pub", false},
               // no shadow at all, not even its own
               {"iot:Publish", "topic/$aws/things/esp32/shadow/update", false},
               {"iot:Publish", "topic/$aws/things/esp32/shadow/get", false},
               {"iot:Subscribe", "topicfilter/$aws/things/esp32/shadow/update/delta", false},
               {"iot:Receive", "topic/$aws/things/esp32/shadow/get/accepted", false},
               {"iot:RetainPublish", "topic/esp32/pub", false}});
  // Under another client id ThingName does not resolve: no connect at all.
  ExpectCases(p, Client("other"), {{"iot:Connect", "client/other", false}});
}

TEST(SeedPolicyTest, DataLoggerPolicyAllowsEverything) {
  const Policy p = MustParse(seed_policies::kDataLogger, "datalogger-policy");
  ExpectCases(p, Client("anything"),
              {{"iot:Connect", "client/anything", true},
               {"iot:Publish", "topic/$aws/things/lamp/shadow/update", true},
               {"iot:RetainPublish", "topic/x", true},
               {"iot:Subscribe", "topicfilter/#", true},
               {"iot:Receive", "topic/$aws/things/other/shadow/name/n/get/accepted", true},
               {"iot:UpdateThingShadow", "thing/lamp", true}});
}

TEST(SeedPolicyTest, ThingShadowPolicyOwnShadowsOnly) {
  const Policy p = MustParse(seed_policies::kThingShadow, "lamp-policy");
  std::vector<Case> cases = {{"iot:Connect", "client/lamp", true},
                             {"iot:Connect", "client/heater", false}};
  for (const char* prefix : {"$aws/things/lamp/shadow", "$aws/things/lamp/shadow/name/cfg"}) {
    const std::string own = prefix;
    const std::string other = std::string(prefix).replace(12, 4, "heater");
    for (const char* op : {"get", "update", "delete"}) {
      cases.push_back({"iot:Publish", "topic/" + own + "/" + op, true});
      cases.push_back({"iot:Publish", "topic/" + other + "/" + op, false});
      for (const char* suffix : {"accepted", "rejected"}) {
        const std::string tail = std::string("/") + op + "/" + suffix;
        cases.push_back({"iot:Subscribe", "topicfilter/" + own + tail, true});
        cases.push_back({"iot:Receive", "topic/" + own + tail, true});
        cases.push_back({"iot:Subscribe", "topicfilter/" + other + tail, false});
        cases.push_back({"iot:Receive", "topic/" + other + tail, false});
        cases.push_back({"iot:Publish", "topic/" + own + tail, false});  // only the service
      }
    }
    cases.push_back({"iot:Subscribe", "topicfilter/" + own + "/update/delta", true});
    cases.push_back({"iot:Receive", "topic/" + own + "/update/delta", true});
    cases.push_back({"iot:Subscribe", "topicfilter/" + other + "/update/delta", false});
    // documents is not in the documented policy
    cases.push_back({"iot:Subscribe", "topicfilter/" + own + "/update/documents", false});
    // AWS advises against wildcard shadow subscriptions; the policy has none
    cases.push_back({"iot:Subscribe", "topicfilter/" + own + "/#", false});
  }
  cases.push_back({"iot:Subscribe", "topicfilter/$aws/things/+/shadow/update/delta", false});
  cases.push_back({"iot:Publish", "topic/lamp/anything", false});
  ExpectCases(p, Thing("lamp"), cases);
  // The same certificate under another client id gets nothing.
  ExpectCases(p, Client("heater"),
              {{"iot:Connect", "client/heater", false},
               {"iot:Publish", "topic/$aws/things/heater/shadow/update", false}});
}

}  // namespace
}  // namespace shadowsync
