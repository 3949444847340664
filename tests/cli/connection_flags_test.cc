// SPDX-License-Identifier: Apache-2.0
//
// cli/connection_flags.h: the connection flags every program takes, with
// one meaning each (--broker and its alias --endpoint, --alpn's forms, the
// TLS files, --thing/--shadow), and ToMqttOptions' errors in flag terms.

#include "cli/connection_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/command_line.h"
#include "support/shared_certificates.h"

namespace shadowsync::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Program {
  CommandLine line{"prog", "Connects.", "1"};
  ConnectionFlags flags;

  explicit Program(ConnectionFlagsSpec spec = {}) { AddConnectionFlags(line.app(), &flags, spec); }
  Status Parse(const std::vector<std::string>& args) {
    Result<ParseOutcome> outcome = line.Parse(args);
    return outcome.ok() ? Status::Ok() : outcome.status();
  }
};

TEST(ConnectionFlagsTest, NotGivenIsNullopt) {
  Program p;
  ASSERT_TRUE(p.Parse({}).ok());
  EXPECT_FALSE(p.flags.broker);
  EXPECT_FALSE(p.flags.ca_file);
  EXPECT_FALSE(p.flags.client_id);
  EXPECT_THAT(p.flags.alpn_protocols, IsEmpty());
}

TEST(ConnectionFlagsTest, EndpointIsAnotherNameForBroker) {
  Program p;
  ASSERT_TRUE(p.Parse({"--endpoint=ssl://h:8883"}).ok());
  EXPECT_EQ(p.flags.broker, "ssl://h:8883");
  Program q;
  ASSERT_TRUE(q.Parse({"--broker", "tcp://h"}).ok());
  EXPECT_EQ(q.flags.broker, "tcp://h");
}

TEST(ConnectionFlagsTest, AlpnAloneMeansAwsAndTakesLists) {
  Program alone;
  ASSERT_TRUE(alone.Parse({"--alpn", "--broker", "ssl://h:443"}).ok());
  EXPECT_THAT(alone.flags.alpn_protocols, ElementsAre(kAwsAlpn));
  EXPECT_EQ(alone.flags.broker, "ssl://h:443");

  Program list;
  ASSERT_TRUE(list.Parse({"--alpn=a,b", "--alpn", "c"}).ok());
  EXPECT_THAT(list.flags.alpn_protocols, ElementsAre("a", "b", "c"));

  Program last;
  ASSERT_TRUE(last.Parse({"--alpn"}).ok());
  EXPECT_THAT(last.flags.alpn_protocols, ElementsAre(kAwsAlpn));
}

TEST(ConnectionFlagsTest, AnEmptyAlpnProtocolIsRefusedByToMqttOptions) {
  auto certificates = testing_support::SharedCertificates({"test-client"});
  ASSERT_NE(certificates, nullptr);
  Program p;
  ASSERT_TRUE(
      p.Parse({"--broker", "ssl://localhost:8883", "--ca", certificates->ca_cert, "--alpn", ""})
          .ok());
  Result<MqttOptions> options = ToMqttOptions(p.flags, "", "prog-1");
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(), HasSubstr("--alpn"));
}

TEST(ConnectionFlagsTest, EmptyValuesAreRefused) {
  Program p;
  Status s = p.Parse({"--ca="});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "--ca: needs a value");
  Program q;
  s = q.Parse({"--client-id", ""});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("--client-id"));
  EXPECT_THAT(s.message(), HasSubstr("empty value"));
}

TEST(ConnectionFlagsTest, ThingAndShadowOnlyWhenAskedAndChecked) {
  Program without;
  Status s = without.Parse({"--thing", "lamp"});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("unknown flag '--thing'"));

  ConnectionFlagsSpec spec;
  spec.shadow_flags = true;
  Program with(spec);
  ASSERT_TRUE(with.Parse({"--thing", "lamp-1", "--shadow="}).ok());
  EXPECT_EQ(with.flags.thing, "lamp-1");
  EXPECT_EQ(with.flags.shadow, "");
  Program named(spec);
  ASSERT_TRUE(named.Parse({"--shadow", "config", "--thing=t"}).ok());
  EXPECT_EQ(named.flags.shadow, "config");

  Program bad(spec);
  s = bad.Parse({"--thing", "a/b"});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("--thing"));
  EXPECT_THAT(s.message(), HasSubstr("character '/'"));
}

TEST(ToMqttOptionsTest, DefaultsAndRequiredBroker) {
  ConnectionFlags flags;
  Result<MqttOptions> options = ToMqttOptions(flags, "", "prog-1");
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().message(), "--broker is required");

  options = ToMqttOptions(flags, "tcp://localhost:1883", "prog-1");
  ASSERT_TRUE(options.ok()) << options.status().message();
  EXPECT_EQ(options->server_uri, "tcp://localhost:1883");
  EXPECT_EQ(options->client_id, "prog-1");
}

TEST(ToMqttOptionsTest, ErrorsNameTheFlagNotTheField) {
  ConnectionFlags flags;
  flags.broker = "tcp://localhost:1883";
  flags.ca_file = "/nonexistent/ca.pem";
  Result<MqttOptions> options = ToMqttOptions(flags, "", "prog-1");
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(), HasSubstr("--ca"));
  EXPECT_THAT(options.status().message(), ::testing::Not(HasSubstr("ca_file")));
}

TEST(ToMqttOptionsTest, AcceptsMutualTlsAndNamesAMismatchedKey) {
  auto certificates = testing_support::SharedCertificates({"test-client"});
  ASSERT_NE(certificates, nullptr);
  ConnectionFlags flags;
  flags.broker = "ssl://localhost:8883";
  flags.ca_file = certificates->ca_cert;
  flags.cert_file = certificates->default_client().ec.cert;
  flags.key_file = certificates->default_client().ec.key;
  flags.alpn_protocols = {kAwsAlpn};
  Result<MqttOptions> options = ToMqttOptions(flags, "", "prog-1");
  ASSERT_TRUE(options.ok()) << options.status().message();
  EXPECT_EQ(options->key_file, certificates->default_client().ec.key);
  EXPECT_THAT(options->alpn_protocols, ElementsAre(kAwsAlpn));

  flags.key_file = certificates->client_mismatched_key.key;
  options = ToMqttOptions(flags, "", "prog-1");
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(), HasSubstr("--key"));
  EXPECT_THAT(options.status().message(), HasSubstr("--cert"));
}

// The --broker value alone, for a program that checks its TLS files later
// (shadowsync-emulator): the library's rules, ToMqttOptions' message.
TEST(CheckBrokerUriTest, TheLibrarysRulesInFlagTerms) {
  for (const char* good :
       {"tcp://h", "mqtt://h:1", "ssl://[::1]:8883", "MQTTS://h", "wss://h/mqtt", "ws://h:80/p"}) {
    EXPECT_TRUE(CheckBrokerUri(good).ok()) << good;
  }
  const Status bad = CheckBrokerUri("ftp://h");
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("--broker: \"ftp://h\": unsupported scheme \"ftp://\""));
  EXPECT_EQ(CheckBrokerUri("tcp://h:0").message(),
            "--broker: \"tcp://h:0\": port out of range; expected 1-65535");
  // The TLS files are not its business.
  EXPECT_TRUE(CheckBrokerUri("ssl://h:8883").ok());
}

TEST(CheckBrokerUriTest, TlsAndWebSocketSchemes) {
  EXPECT_TRUE(IsTlsUri("ssl://h"));
  EXPECT_TRUE(IsTlsUri("MQTTS://h"));
  EXPECT_TRUE(IsTlsUri("wss://h/mqtt"));
  EXPECT_FALSE(IsTlsUri("tcp://h"));
  EXPECT_FALSE(IsTlsUri("ws://h"));
  EXPECT_FALSE(IsTlsUri("h:8883"));
  EXPECT_TRUE(IsWebSocketUri("WS://h"));
  EXPECT_FALSE(IsWebSocketUri("ssl://h"));
  EXPECT_FALSE(IsWebSocketUri("wss"));
}

TEST(InFlagTermsTest, RenamesFieldsButNotTheUsersValues) {
  EXPECT_EQ(InFlagTerms("key_file does not match cert_file"), "--key does not match --cert");
  EXPECT_EQ(InFlagTerms("key_file: /tmp/key_file: No such file", {"/tmp/key_file"}),
            "--key: /tmp/key_file: No such file");
  EXPECT_EQ(InFlagTerms("my_key_file_x stays"), "my_key_file_x stays");
  // A short value elsewhere in the message does not stop the renaming.
  EXPECT_EQ(InFlagTerms("ca_file: /nonexist: No such file", {"c", "/nonexist"}),
            "--ca: /nonexist: No such file");
}

TEST(UniqueClientIdTest, StartsWithTheProgramAndDiffers) {
  const std::string a = UniqueClientId("prog");
  const std::string b = UniqueClientId("prog");
  EXPECT_EQ(a.rfind("prog-", 0), 0u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace shadowsync::cli
