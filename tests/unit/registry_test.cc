// SPDX-License-Identifier: Apache-2.0
//
// Tests for lib/src/policy/registry.cc: the registry file (parse errors
// with JSON pointers, certificates by fingerprint and CN, the Thing.*
// variables' AWS rule), Authorize() with and without region and account,
// and the example registry (examples/registry/registry.json), which must
// hold the seeds' three policies verbatim and behave as issue 9 says.

#include "shadowsync/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "shadowsync/json.h"
#include "unit/seed_policies.h"

namespace shadowsync {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kSha = std::string(64, 'a');
const std::string kOtherSha = std::string(63, 'b') + "c";

Registry MustParse(const std::string& text) {
  Result<Registry> r = Registry::Parse(text, "registry.json");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return Registry::Parse(R"({"certificates":[],"policies":{}})", "x").value();
  return std::move(*r);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Principal Cert(std::string client_id, std::string cn, std::string sha = "") {
  return Principal{std::move(client_id), std::move(cn), std::move(sha), {}};
}

// A registry with the seed policies and the given region/account members.
std::string SeedRegistry(const std::string& location) {
  return "{" + location + R"(
    "things": {"lamp": {"thingTypeName": "light", "attributes": {"room": "kitchen"}},
               "esp32": {}, "heater": {}},
    "certificates": [
      {"commonName": "lamp", "thing": "lamp", "policies": ["lamp-policy"]},
      {"commonName": "esp32", "thing": "esp32", "policies": ["esp32-policy"]},
      {"commonName": "logger", "policies": ["datalogger-policy"]},
      {"sha256": ")" +
         kSha + R"(", "commonName": "heater", "thing": "heater",
       "policies": ["lamp-policy"]}],
    "policies": {"lamp-policy": )" +
         seed_policies::kThingShadow + R"(, "esp32-policy": )" + seed_policies::kEsp32 +
         R"(, "datalogger-policy": )" + seed_policies::kDataLogger + "}}";
}

struct Ask {
  Principal who;
  std::string action;
  std::string resource;
  bool allowed;
};

void ExpectAsks(const Registry& registry, const std::vector<Ask>& asks) {
  for (const Ask& a : asks) {
    const AuthorizationDecision d = registry.Authorize(a.who, a.action, a.resource);
    EXPECT_EQ(d.allowed, a.allowed) << a.who.client_id << "/" << a.who.certificate_common_name
                                    << " " << a.action << " " << a.resource << ": " << d.reason;
    EXPECT_EQ(registry.IsAllowed(a.who, a.action, a.resource), a.allowed)
        << "IsAllowed disagrees: " << a.action << " " << a.resource;
  }
}

TEST(RegistryTest, SeedPoliciesThroughAuthorize) {
  for (const std::string& location :
       {std::string(R"("region": "us-east-1", "account": "123456789012",)"), std::string()}) {
    SCOPED_TRACE(location.empty() ? "any region and account" : location);
    const Registry r = MustParse(SeedRegistry(location));
    const Principal lamp = Cert("lamp", "lamp");
    const Principal esp32 = Cert("esp32", "esp32");
    ExpectAsks(
        r,
        {
            {lamp, "iot:Connect", "client/lamp", true},
            {lamp, "iot:Publish", "topic/$aws/things/lamp/shadow/update", true},
            {lamp, "iot:Publish", "topic/$aws/things/lamp/shadow/name/cfg/get", true},
            {lamp, "iot:Subscribe", "topicfilter/$aws/things/lamp/shadow/name/cfg/update/delta",
             true},
            {lamp, "iot:Receive", "topic/$aws/things/lamp/shadow/get/accepted", true},
            {lamp, "iot:Publish", "topic/$aws/things/heater/shadow/update", false},
            {lamp, "iot:Receive", "topic/$aws/things/heater/shadow/get/accepted", false},
            // the lamp's certificate under another client id
            {Cert("heater", "lamp"), "iot:Connect", "client/heater", false},
            {Cert("heater", "lamp"), "iot:Publish", "topic/$aws/things/heater/shadow/update",
             false},
            {esp32, "iot:Connect", "client/esp32", true},
            {Cert("lamp", "esp32"), "iot:Connect", "client/lamp", false},
            {esp32, "iot:Publish", "topic/esp32/pub", true},
            {esp32, "iot:Subscribe", "topicfilter/esp32/sub", true},
            {esp32, "iot:Receive", "topic/esp32/sub", true},
            {esp32, "iot:Publish", "topic/$aws/things/esp32/shadow/update", false},
            {esp32, "iot:Subscribe", "topicfilter/$aws/things/esp32/shadow/get/accepted", false},
            {Cert("any-id", "logger"), "iot:Connect", "client/any-id", true},
            {Cert("any-id", "logger"), "iot:Publish", "topic/$aws/things/lamp/shadow/update", true},
            {Cert("any-id", "logger"), "iot:Subscribe", "topicfilter/#", true},
        });
  }
}

TEST(RegistryTest, RegionAndAccountOfTheRegistryMustMatchThePolicy) {
  const Registry r = MustParse(SeedRegistry(R"("region": "eu-west-1",)"));
  ASSERT_TRUE(r.region().has_value());
  EXPECT_EQ(*r.region(), "eu-west-1");
  EXPECT_FALSE(r.account().has_value());
  // The policies name us-east-1: nothing of theirs applies in eu-west-1,
  // except the DataLogger's "*".
  ExpectAsks(r, {{Cert("lamp", "lamp"), "iot:Connect", "client/lamp", false},
                 {Cert("x", "logger"), "iot:Connect", "client/x", true}});
  const Registry other = MustParse(SeedRegistry(R"("account": "210987654321",)"));
  ExpectAsks(other, {{Cert("esp32", "esp32"), "iot:Publish", "topic/esp32/pub", false}});
}

TEST(RegistryTest, CertificatesByFingerprintThenCommonName) {
  const Registry r = MustParse(SeedRegistry(""));
  const RegistryCertificate* heater = r.FindCertificate(Cert("heater", "whatever", kSha));
  ASSERT_NE(heater, nullptr);
  EXPECT_EQ(heater->pointer, "/certificates/3");
  ASSERT_NE(heater->thing, nullptr);
  EXPECT_EQ(heater->thing->name, "heater");
  // A pinned entry matches only its fingerprint, not its CN.
  EXPECT_EQ(r.FindCertificate(Cert("heater", "heater")), nullptr);
  EXPECT_EQ(r.FindCertificate(Cert("heater", "heater", kOtherSha)), nullptr);
  // A CN-only entry matches any fingerprint with that CN.
  const RegistryCertificate* lamp = r.FindCertificate(Cert("lamp", "lamp", kOtherSha));
  ASSERT_NE(lamp, nullptr);
  EXPECT_EQ(lamp->pointer, "/certificates/0");
  EXPECT_EQ(r.FindCertificate(Cert("x", "")), nullptr);
  EXPECT_EQ(heater->Describe(), "CN heater, SHA-256 " + kSha);
  EXPECT_EQ(lamp->Describe(), "CN lamp");
  // The heater's certificate carries the per-thing policy: its own shadow.
  ExpectAsks(
      r,
      {{Cert("heater", "", kSha), "iot:Publish", "topic/$aws/things/heater/shadow/update", true},
       {Cert("heater", "", kSha), "iot:Publish", "topic/$aws/things/lamp/shadow/update", false}});
}

TEST(RegistryTest, UnknownCertificateIsDeniedNamingIt) {
  const Registry r = MustParse(SeedRegistry(""));
  const AuthorizationDecision d =
      r.Authorize(Cert("x", "stranger", kOtherSha), "iot:Connect", "client/x");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "unknown certificate (CN stranger, SHA-256 " + kOtherSha + ")");
  EXPECT_EQ(r.Authorize(Cert("x", "", ""), "iot:Connect", "client/x").reason,
            "unknown certificate (CN unknown, SHA-256 unknown)");
  EXPECT_FALSE(r.IsAllowed(Cert("x", "stranger"), "iot:Connect", "client/x"));
}

TEST(RegistryTest, ReasonsNameThePolicyAndStatement) {
  const Registry r = MustParse(SeedRegistry(""));
  EXPECT_EQ(
      r.Authorize(Cert("lamp", "lamp"), "iot:Publish", "topic/$aws/things/lamp/shadow/get").reason,
      "allowed by policy lamp-policy statement 2");
  EXPECT_EQ(r.Authorize(Cert("lamp", "lamp"), "iot:Publish", "topic/x").reason,
            "no statement allows iot:Publish on topic/x (default deny)");
}

TEST(RegistryTest, ThingVariablesFollowTheAwsRule) {
  const Registry r = MustParse(SeedRegistry(""));
  const RegistryCertificate* lamp = r.FindCertificate(Cert("lamp", "lamp"));
  ASSERT_NE(lamp, nullptr);
  const PolicyVariables own = r.VariablesFor(*lamp, "lamp");
  ASSERT_TRUE(own.thing_name.has_value());
  EXPECT_EQ(*own.thing_name, "lamp");
  EXPECT_TRUE(own.is_attached);
  ASSERT_TRUE(own.thing_type_name.has_value());
  EXPECT_EQ(*own.thing_type_name, "light");
  ASSERT_NE(own.thing_attributes, nullptr);
  EXPECT_EQ(own.thing_attributes->at("room"), "kitchen");
  EXPECT_EQ(own.certificate_common_name, "lamp");
  const PolicyVariables other = r.VariablesFor(*lamp, "lamp-cli");
  EXPECT_FALSE(other.thing_name.has_value());
  EXPECT_FALSE(other.is_attached);
  EXPECT_FALSE(other.thing_type_name.has_value());
  EXPECT_EQ(other.thing_attributes, nullptr);
  EXPECT_EQ(other.client_id, "lamp-cli");
}

TEST(RegistryTest, CertificatesOfThing) {
  const Registry r = MustParse(SeedRegistry(""));
  const std::vector<const RegistryCertificate*> lamp = r.CertificatesOfThing("lamp");
  ASSERT_EQ(lamp.size(), 1u);
  EXPECT_EQ(lamp[0]->common_name, "lamp");
  EXPECT_TRUE(r.CertificatesOfThing("nobody").empty());
  EXPECT_NE(r.FindThing("esp32"), nullptr);
  EXPECT_EQ(r.FindThing("x"), nullptr);
  EXPECT_NE(r.FindPolicy("esp32-policy"), nullptr);
  EXPECT_EQ(r.FindPolicy("x"), nullptr);
  EXPECT_EQ(r.certificates().size(), 4u);
}

TEST(RegistryTest, MovedRegistryKeepsItsPointers) {
  Registry r = MustParse(SeedRegistry(""));
  Registry moved = std::move(r);
  ExpectAsks(moved, {{Cert("lamp", "lamp"), "iot:Connect", "client/lamp", true}});
}

TEST(RegistryTest, FingerprintsAreNormalised) {
  std::string colons;
  for (int i = 0; i < 32; ++i) colons += std::string(i ? ":" : "") + "AB";
  const Registry r =
      MustParse(R"({"certificates":[{"sha256":")" + colons +
                R"(","policies":["all"]}],"policies":{"all":)" + seed_policies::kDataLogger + "}}");
  std::string lower;
  for (int i = 0; i < 32; ++i) lower += "ab";
  EXPECT_TRUE(r.IsAllowed(Cert("c", "", lower), "iot:Connect", "client/c"));
}

TEST(RegistryTest, IamUsersAreFoundByAccessKeyAndEvaluatedWithTheirPolicies) {
  const Registry r = MustParse(R"({
    "certificates": [],
    "iamUsers": {
      "alice": {"accessKeyIds": ["AKIDALICE1", "AKIDALICE2"], "policies": ["own"]},
      "idle": {"accessKeyIds": [], "policies": []}
    },
    "policies": {"own": {"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:*:*:client/${iot:ClientId}"},
      {"Effect": "Allow", "Action": "iot:Publish",
       "Resource": "arn:aws:iot:*:*:topic/$aws/things/alice-thing/shadow/*"}]}}
  })");
  ASSERT_NE(r.FindIamUser("AKIDALICE2"), nullptr);
  EXPECT_EQ(r.FindIamUser("AKIDALICE2")->name, "alice");
  EXPECT_EQ(r.FindIamUser("AKIDNOBODY"), nullptr);
  Principal alice;
  alice.client_id = "app-1";
  alice.access_key_id = "AKIDALICE1";
  EXPECT_TRUE(r.IsAllowed(alice, "iot:Connect", "client/app-1"));
  EXPECT_TRUE(r.IsAllowed(alice, "iot:Publish", "topic/$aws/things/alice-thing/shadow/update"));
  EXPECT_FALSE(r.IsAllowed(alice, "iot:Publish", "topic/$aws/things/bob/shadow/update"));
  EXPECT_THAT(r.Authorize(alice, "iot:Publish", "topic/x").reason, HasSubstr("default deny"));
  Principal stranger = alice;
  stranger.access_key_id = "AKIDNOBODY";
  EXPECT_FALSE(r.IsAllowed(stranger, "iot:Connect", "client/app-1"));
  EXPECT_EQ(r.Authorize(stranger, "iot:Connect", "client/app-1").reason,
            "unknown access key AKIDNOBODY (not in /iamUsers)");
}

TEST(RegistryParseTest, IamUserErrorsNameThePointer) {
  const std::string policies = R"("policies":{"p":{"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"*","Resource":"*"}]}})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"certificates":[],"iamUsers":{"a":{"policies":["p"]}},)" + policies + "}",
       "/iamUsers/a: missing \"accessKeyIds\""},
      {R"({"certificates":[],"iamUsers":{"a":{"accessKeyIds":["K"],"policies":["q"]}},)" +
           policies + "}",
       "/iamUsers/a/policies/0: policy \"q\" is not defined in /policies"},
      {R"({"certificates":[],"iamUsers":{"a":{"accessKeyIds":["K"],"policies":[]},)"
       R"("b":{"accessKeyIds":["K"],"policies":[]}},)" +
           policies + "}",
       "/iamUsers/b/accessKeyIds/0: the access key id is also listed by /iamUsers/a"},
      {R"({"certificates":[],"iamUsers":{"a":{"accessKeyIds":[""],"policies":[]}},)" + policies +
           "}",
       "/iamUsers/a/accessKeyIds/0"},
      {R"({"certificates":[],"iamUsers":{"a":{"accessKeyIds":[],"policies":[],"secret":"x"}},)" +
           policies + "}",
       "/iamUsers/a"},
  };
  for (const auto& [text, message] : cases) {
    Result<Registry> r = Registry::Parse(text, "registry.json");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_THAT(r.status().message(), HasSubstr(message)) << text;
  }
}

struct ErrorCase {
  std::string text;
  std::string message;  // after "registry.json: "; a prefix when it ends with "..."
};

TEST(RegistryParseTest, ErrorsNameFileAndPointer) {
  const std::string policies = R"("policies":{"p":{"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"*","Resource":"*"}]}})";
  const std::vector<ErrorCase> cases = {
      {"[]", "/: a registry is an object ..."},
      {R"({"certificates":[]})", "/: missing \"policies\""},
      {R"({"policies":{}})", "/: missing \"certificates\""},
      {R"({"certificates":[],"policies":{},"thingz":{}})",
       "/thingz: unknown member (a registry has $schema, region, account, things, "
       "certificates, iamUsers, policies)"},
      {R"({"region":"US East","certificates":[],"policies":{}})",
       "/region: expected a region such as \"us-east-1\""},
      {R"({"account":123456789012,"certificates":[],"policies":{}})", "/account: expected ..."},
      {R"({"account":"12345","certificates":[],"policies":{}})", "/account: expected ..."},
      {R"({"certificates":[{"commonName":"a","policies":["p","x"]}],)" + policies + "}",
       "/certificates/0/policies/1: policy \"x\" is not defined in /policies"},
      {R"({"certificates":[{"commonName":"a","thing":"t","policies":[]}],)" + policies + "}",
       "/certificates/0/thing: thing \"t\" is not defined in /things"},
      {R"({"certificates":[{"policies":["p"]}],)" + policies + "}",
       "/certificates/0: a certificate needs \"commonName\" or \"sha256\" (or both)"},
      {R"({"certificates":[{"commonName":"a"}],)" + policies + "}",
       "/certificates/0: missing \"policies\" ..."},
      {R"({"certificates":[{"commonName":"a","policies":["p"],"polices":[]}],)" + policies + "}",
       "/certificates/0/polices: unknown member (a certificate has commonName, sha256, thing, "
       "policies)"},
      {R"({"certificates":[{"sha256":"abc","policies":["p"]}],)" + policies + "}",
       "/certificates/0/sha256: expected the certificate's SHA-256 fingerprint: ..."},
      {R"({"certificates":[{"commonName":"a","policies":["p"]},{"commonName":"a","policies":[]}],)" +
           policies + "}",
       "/certificates/1/commonName: the same common name as /certificates/0 ..."},
      {R"({"certificates":[{"sha256":")" + kSha + R"(","policies":[]},{"sha256":")" + kSha +
           R"(","policies":[]}],)" + policies + "}",
       "/certificates/1/sha256: the same fingerprint as /certificates/0"},
      {R"({"things":{"bad name":{}},"certificates":[],)" + policies + "}", "/things/bad name: ..."},
      {R"({"things":{"t":{"attributes":{"n":1}}},"certificates":[],)" + policies + "}",
       "/things/t/attributes/n: expected a string, found number"},
      {R"({"things":{"t":{"type":"x"}},"certificates":[],)" + policies + "}",
       "/things/t/type: unknown member (a thing has attributes, thingTypeName)"},
      {R"({"certificates":[],"policies":{"bad/name":{}}})",
       "/policies/bad~1name: a policy name ..."},
      {R"({"certificates":[],"policies":{"p":{"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Action":"iot:Connect","Resource":"*",
           "Condition":{"NumericEquals":{"iot:ClientId":"1"}}}]}}})",
       "/policies/p/Statement/0/Condition/NumericEquals: unsupported condition operator ..."},
      {"{\n  \"certificates\": [,]\n}", "JSON parse error at offset 21: ..."},
  };
  for (const ErrorCase& c : cases) {
    Result<Registry> r = Registry::Parse(c.text, "registry.json");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    const std::string m = r.status().message();
    const std::string expected = "registry.json: " + c.message;
    if (expected.size() > 3 && expected.substr(expected.size() - 3) == "...") {
      EXPECT_THAT(m, StartsWith(expected.substr(0, expected.size() - 3))) << c.text;
    } else {
      EXPECT_EQ(m, expected) << c.text;
    }
  }
  Result<Registry> r = Registry::Parse("{\n  \"certificates\": [,]\n}", "registry.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("(line 2, column 20)"));
}

TEST(RegistryLoadTest, MissingAndUnreadableFiles) {
  Result<Registry> missing = Registry::Load("/nonexistent/registry.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/registry.json"));
  Result<Registry> directory = Registry::Load("/");
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(directory.status().message(), StartsWith("/: "));
}

// ---------------------------------------------------------------------------
// examples/registry/registry.json.

std::string ExamplePath() {
  return std::string(SHADOWSYNC_SOURCE_DIR) + "/examples/registry/registry.json";
}

TEST(ExampleRegistryTest, HoldsTheSeedPoliciesVerbatim) {
  Result<JsonDocument> example = ParseJson(ReadFile(ExamplePath()));
  ASSERT_TRUE(example.ok()) << example.status().ToString();
  const JsonValue& policies = (*example)["policies"];
  const std::pair<const char*, const char*> seeds[] = {
      {"esp32-policy", seed_policies::kEsp32},
      {"datalogger-policy", seed_policies::kDataLogger},
      {"lamp-policy", seed_policies::kThingShadow}};
  for (const auto& [name, text] : seeds) {
    ASSERT_TRUE(policies.HasMember(name)) << name;
    Result<JsonDocument> seed = ParseJson(text);
    ASSERT_TRUE(seed.ok());
    EXPECT_TRUE(JsonEquals(policies[name], *seed)) << name;
  }
}

TEST(ExampleRegistryTest, LoadsAndBehavesAsTheIssueSays) {
  Result<Registry> loaded = Registry::Load(ExamplePath());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Registry& r = *loaded;
  // No region or account: the policies' us-east-1 / 123456789012 match any.
  EXPECT_FALSE(r.region().has_value());
  ExpectAsks(
      r, {
             {Cert("lamp", "lamp"), "iot:Connect", "client/lamp", true},
             {Cert("lamp", "lamp"), "iot:Publish", "topic/$aws/things/lamp/shadow/name/cfg/update",
              true},
             {Cert("lamp", "lamp"), "iot:Publish", "topic/$aws/things/esp32/shadow/update", false},
             {Cert("esp32", "esp32"), "iot:Connect", "client/esp32", true},
             {Cert("lamp", "esp32"), "iot:Connect", "client/lamp", false},
             {Cert("esp32", "esp32"), "iot:Publish", "topic/$aws/things/esp32/shadow/get", false},
             {Cert("datalogger", "datalogger"), "iot:Publish",
              "topic/$aws/things/lamp/shadow/update", true},
             {Cert("x", "nobody"), "iot:Connect", "client/x", false},
         });
}

}  // namespace
}  // namespace shadowsync
