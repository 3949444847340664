// SPDX-License-Identifier: Apache-2.0
//
// agent/src/command_line.h: the agent's own flags and how the shared
// connection flags (tested once in tests/cli) become ConnectionOverrides.

#include "src/command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace shadowsync::agent {
namespace {

using ::testing::HasSubstr;

AgentFlags MustParse(const std::vector<std::string>& args) {
  Result<AgentCommandLine> line = ParseAgentCommandLine(args);
  EXPECT_TRUE(line.ok()) << line.status().message();
  if (!line.ok()) return {};
  EXPECT_EQ(line->outcome, cli::ParseOutcome::kRun);
  return line->flags;
}

std::string Error(const std::vector<std::string>& args) {
  Result<AgentCommandLine> line = ParseAgentCommandLine(args);
  EXPECT_FALSE(line.ok());
  return line.ok() ? "" : line.status().message();
}

TEST(AgentCommandLineTest, OwnFlagsInBothSpellings) {
  AgentFlags f = MustParse({"--config=/etc/a.json", "--run-seconds", "2.5", "--interval=0.01",
                            "--log-level", "debug", "--check-config"});
  EXPECT_EQ(f.config_path, "/etc/a.json");
  EXPECT_EQ(f.run_seconds, 2.5);
  EXPECT_EQ(f.interval_seconds, 0.01);
  EXPECT_EQ(f.log_level, LogLevel::kDebug);
  EXPECT_TRUE(f.check_config);
  EXPECT_FALSE(f.demo);
}

TEST(AgentCommandLineTest, BrokerAndEndpointOverrideTheFilesEndpoint) {
  EXPECT_EQ(MustParse({"--config", "a", "--broker", "tcp://h:1883"}).overrides.endpoint,
            "tcp://h:1883");
  EXPECT_EQ(MustParse({"--config", "a", "--endpoint=x-ats.iot.eu-west-1.amazonaws.com"})
                .overrides.endpoint,
            "x-ats.iot.eu-west-1.amazonaws.com");
  EXPECT_FALSE(MustParse({"--config", "a"}).overrides.endpoint);
}

TEST(AgentCommandLineTest, ConnectionFlagsBecomeOverrides) {
  AgentFlags f = MustParse({"--config", "a", "--thing", "lamp", "--shadow", "", "--client-id", "c1",
                            "--ca", "ca.pem", "--cert", "d.crt", "--key", "d.key", "--port", "443",
                            "--keep-alive", "60", "--alpn"});
  const ConnectionOverrides& o = f.overrides;
  EXPECT_EQ(o.thing_name, "lamp");
  EXPECT_EQ(o.shadow_name, "");
  EXPECT_EQ(o.client_id, "c1");
  EXPECT_EQ(o.ca_file, "ca.pem");
  EXPECT_EQ(o.cert_file, "d.crt");
  EXPECT_EQ(o.key_file, "d.key");
  EXPECT_EQ(o.port, 443);
  EXPECT_EQ(o.keep_alive_seconds, 60);
  EXPECT_EQ(o.alpn, true);
}

TEST(AgentCommandLineTest, AlpnOffersOnlyAwssProtocol) {
  EXPECT_EQ(MustParse({"--config", "a", "--alpn=x-amzn-mqtt-ca"}).overrides.alpn, true);
  EXPECT_FALSE(MustParse({"--config", "a"}).overrides.alpn);
  EXPECT_THAT(Error({"--config", "a", "--alpn=h2"}),
              HasSubstr("--alpn: the agent offers only x-amzn-mqtt-ca"));
}

TEST(AgentCommandLineTest, ConfigIsRequiredUnlessDemoOrDefault) {
  EXPECT_EQ(Error({"--check-config"}), "--config FILE is required");
  EXPECT_TRUE(MustParse({"--demo", "--demo-seconds", "3"}).demo);
  EXPECT_TRUE(MustParse({"--print-default-config"}).print_default);
}

TEST(AgentCommandLineTest, BadValuesNameTheFlag) {
  EXPECT_THAT(Error({"--config", "a", "--interval", "0"}), HasSubstr("--interval"));
  EXPECT_THAT(Error({"--config", "a", "--run-seconds", "-1"}), HasSubstr("--run-seconds"));
  EXPECT_THAT(Error({"--config", "a", "--log-level", "loud"}), HasSubstr("--log-level"));
  EXPECT_THAT(Error({"--config", "a", "--port", "x"}), HasSubstr("--port"));
  EXPECT_THAT(Error({"--config", "a", "--thing", "a b"}), HasSubstr("--thing"));
  EXPECT_EQ(Error({"--config", "a", "--brokr", "tcp://h"}),
            "unknown flag '--brokr'; did you mean '--broker'?");
}

TEST(AgentCommandLineTest, HelpAndVersion) {
  Result<AgentCommandLine> help = ParseAgentCommandLine({"--interval", "0", "--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_EQ(help->outcome, cli::ParseOutcome::kHelp);
  EXPECT_THAT(help->text, HasSubstr("--broker"));
  EXPECT_THAT(help->text, HasSubstr("--endpoint"));
  EXPECT_THAT(help->text, HasSubstr("Exit codes"));

  Result<AgentCommandLine> version = ParseAgentCommandLine({"--version"});
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->outcome, cli::ParseOutcome::kVersion);
  EXPECT_THAT(version->text, HasSubstr("shadowsync-agent "));
}

}  // namespace
}  // namespace shadowsync::agent
