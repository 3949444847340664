// SPDX-License-Identifier: Apache-2.0
//
// Tests of service/emulator/options.cc: every flag, the defaults, and the
// exact text of every usage error. The conventions the emulator shares with
// every program (cli::CommandLine, cli::AddConnectionFlags) are tested in
// tests/cli; here, that the emulator's flags follow them.

#include "options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "cli/connection_flags.h"

namespace shadowsync::emulator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

CommandLine Parse(const std::vector<std::string>& args) {
  Result<CommandLine> line = ParseCommandLine(args, 4242);
  EXPECT_TRUE(line.ok()) << line.status().ToString();
  return line.ok() ? std::move(line).value() : CommandLine();
}

std::string Error(const std::vector<std::string>& args) {
  Result<CommandLine> line = ParseCommandLine(args, 4242);
  EXPECT_FALSE(line.ok());
  if (line.ok()) return "";
  EXPECT_EQ(line.status().code(), StatusCode::kInvalidArgument);
  return line.status().message();
}

// F19: what the first connect's failure says decides between exit 2 and a retry.
TEST(OptionsTest, ConnectFailuresThatAreConfigurationErrors) {
  for (const char* message : {
           "connect to ssl://localhost:8883 failed: TLS: the broker requires a client certificate "
           "(tlsv13 alert certificate required); set cert_file and key_file [Paho: x, rc -1]",
           "connect to ssl://localhost:8883 failed: TLS: server certificate verification failed: "
           "self-signed certificate in certificate chain (depth 1: ...)",
           "connect to tcp://localhost:8883 failed: the server at localhost:8883 answers with TLS: "
           "it is a TLS port, so use ssl:// (with ca_file) [Paho: x, rc -1]",
           "connect to ssl://127.0.0.1:1883 failed: TLS: the server at 127.0.0.1:1883 does not "
           "speak TLS (...)",
           "connect to tcp://h:1883 failed: the broker refused the connection: CONNACK return code "
           "5 (not authorized)",
           "connect to tcp://h:1883 failed: the broker refused the connection: CONNACK return code "
           "4 (bad user name or password)",
       }) {
    EXPECT_TRUE(IsConfigurationError(message)) << message;
  }
  for (const char* message : {
           "connect to tcp://127.0.0.1:1883 failed: connection refused by 127.0.0.1:1883 (is the "
           "broker running there?) [Paho: TCP/TLS connect failure, rc -1]",
           "connect to tcp://h:1883 failed: the broker refused the connection: CONNACK return code "
           "3 (server unavailable)",
           "connect to tcp://h:1883 failed: TCP connect to h:1883 timed out after 5000 ms",
       }) {
    EXPECT_FALSE(IsConfigurationError(message)) << message;
  }
}

TEST(OptionsTest, Defaults) {
  const CommandLine line = Parse({});
  EXPECT_EQ(line.action, CommandLine::Action::kRun);
  EXPECT_EQ(line.mqtt.server_uri, "tcp://localhost:1883");
  EXPECT_EQ(line.mqtt.client_id, "shadowsync-emulator-4242");
  EXPECT_TRUE(line.mqtt.ca_file.empty());
  EXPECT_TRUE(line.mqtt.cert_file.empty());
  EXPECT_TRUE(line.mqtt.key_file.empty());
  EXPECT_TRUE(line.mqtt.alpn_protocols.empty());
  EXPECT_TRUE(line.mqtt.clean_session);
  EXPECT_TRUE(line.store_path.empty());
  EXPECT_TRUE(line.seed_file.empty());
  EXPECT_TRUE(line.export_file.empty());
  EXPECT_EQ(line.log_level, cli::LogLevel::kInfo);
  EXPECT_EQ(line.emulator.host.order, PublishOrder::kAcceptedFirst);
  EXPECT_FALSE(line.emulator.host.order_seed.has_value());
  EXPECT_EQ(line.emulator.host.max_inflight, 10);
  EXPECT_EQ(line.emulator.workers, 2);
  EXPECT_EQ(line.emulator.host.service.limits.max_document_bytes, 8192u);
  EXPECT_EQ(line.emulator.host.service.limits.max_depth, 6);
  EXPECT_EQ(line.emulator.host.service.limits.max_client_token_bytes, 64u);
  EXPECT_EQ(line.emulator.host.service.max_requests_per_second_per_thing, 20);
  EXPECT_EQ(line.emulator.host.service.tombstone_lifetime_seconds, 48 * 3600);
}

TEST(OptionsTest, EveryFlag) {
  const CommandLine line = Parse({
      "--broker",
      "ssl://broker.example:8883",
      "--ca",
      "ca.crt",
      "--cert",
      "c.crt",
      "--key",
      "c.key",
      "--client-id",
      "emu-1",
      "--alpn",
      "x-amzn-mqtt-ca",
      "--store",
      "/var/lib/s.db",
      "--seed",
      "seed.json",
      "--export",
      "out.json",
      "--order",
      "random",
      "--order-seed",
      "99",
      "--max-document-bytes",
      "30720",
      "--max-depth",
      "8",
      "--max-inflight",
      "0",
      "--max-requests-per-second",
      "0",
      "--workers",
      "0",
      "--log-level",
      "debug",
  });
  EXPECT_EQ(line.action, CommandLine::Action::kRun);
  EXPECT_EQ(line.mqtt.server_uri, "ssl://broker.example:8883");
  EXPECT_EQ(line.mqtt.ca_file, "ca.crt");
  EXPECT_EQ(line.mqtt.cert_file, "c.crt");
  EXPECT_EQ(line.mqtt.key_file, "c.key");
  EXPECT_EQ(line.mqtt.client_id, "emu-1");
  EXPECT_THAT(line.mqtt.alpn_protocols, ElementsAre("x-amzn-mqtt-ca"));
  EXPECT_EQ(line.store_path, "/var/lib/s.db");
  EXPECT_EQ(line.seed_file, "seed.json");
  EXPECT_EQ(line.export_file, "out.json");
  EXPECT_EQ(line.emulator.host.order, PublishOrder::kRandom);
  EXPECT_EQ(line.emulator.host.order_seed, 99u);
  EXPECT_EQ(line.emulator.host.service.limits.max_document_bytes, 30720u);
  EXPECT_EQ(line.emulator.host.service.limits.max_depth, 8);
  EXPECT_EQ(line.emulator.host.max_inflight, 0);
  EXPECT_EQ(line.emulator.host.service.max_requests_per_second_per_thing, 0);
  EXPECT_EQ(line.emulator.workers, 0);
  EXPECT_EQ(line.log_level, cli::LogLevel::kDebug);
}

TEST(OptionsTest, PersistentSessionTurnsCleanSessionOff) {
  const CommandLine line =
      Parse({"--persistent-session", "--client-id", "emu-1", "--workers", "0"});
  EXPECT_FALSE(line.mqtt.clean_session);
  EXPECT_EQ(line.mqtt.client_id, "emu-1");
  EXPECT_EQ(line.emulator.workers, 0);
  // A switch takes CLI11's true/false words after '=', as in every program.
  EXPECT_FALSE(Parse({"--persistent-session=yes"}).mqtt.clean_session);
  EXPECT_TRUE(Parse({"--persistent-session=no"}).mqtt.clean_session);
  EXPECT_THAT(Error({"--persistent-session=maybe"}), HasSubstr("--persistent-session"));
}

TEST(OptionsTest, EqualsFormAndLastOneWins) {
  const CommandLine line =
      Parse({"--broker=tcp://127.0.0.1:18830", "--order=delta-first", "--workers=3", "--workers",
             "5", "--log-level=warn", "--store=a.db", "--store", "b.db"});
  EXPECT_EQ(line.mqtt.server_uri, "tcp://127.0.0.1:18830");
  EXPECT_EQ(line.emulator.host.order, PublishOrder::kDeltaFirst);
  EXPECT_EQ(line.emulator.workers, 5);
  EXPECT_EQ(line.log_level, cli::LogLevel::kWarning);
  EXPECT_EQ(line.store_path, "b.db");

  const CommandLine more = Parse({"--max-depth=8", "--seed=./42", "--client-id=emu-2",
                                  "--persistent-session", "--export=out.json"});
  EXPECT_EQ(more.emulator.host.service.limits.max_depth, 8);
  EXPECT_EQ(more.seed_file, "./42");
  EXPECT_EQ(more.mqtt.client_id, "emu-2");
  EXPECT_EQ(more.export_file, "out.json");
}

TEST(OptionsTest, EndpointIsAnotherNameForBroker) {
  EXPECT_EQ(Parse({"--endpoint", "tcp://127.0.0.1:18830"}).mqtt.server_uri,
            "tcp://127.0.0.1:18830");
  EXPECT_EQ(Parse({"--endpoint=ssl://h:8883", "--ca", "ca"}).mqtt.server_uri, "ssl://h:8883");
  // The shared check of the URI applies under either name.
  EXPECT_EQ(Error({"--endpoint", "h:1883"}),
            "--broker: \"h:1883\": no scheme; expected tcp://host:port or ssl://host:port");
}

TEST(OptionsTest, UnknownFlagSuggestsTheNearestEmulatorFlag) {
  EXPECT_EQ(Error({"--max-dept", "8"}), "unknown flag '--max-dept'; did you mean '--max-depth'?");
  EXPECT_EQ(Error({"--seed-fle=x"}), "unknown flag '--seed-fle'; did you mean '--seed-file'?");
  EXPECT_EQ(Error({"--persistent-sesion"}),
            "unknown flag '--persistent-sesion'; did you mean '--persistent-session'?");
}

TEST(OptionsTest, BrokerForms) {
  EXPECT_EQ(Parse({"--broker", "tcp://localhost"}).mqtt.server_uri, "tcp://localhost");
  EXPECT_EQ(Parse({"--broker", "tcp://[::1]:1883"}).mqtt.server_uri, "tcp://[::1]:1883");
  EXPECT_EQ(Parse({"--broker", "tcp://[::1]"}).mqtt.server_uri, "tcp://[::1]");
  EXPECT_EQ(Parse({"--broker", "ssl://h:65535", "--ca", "ca"}).mqtt.server_uri, "ssl://h:65535");
  // mqtt:// and mqtts:// are other names of tcp:// and ssl://, as for every
  // program's --broker.
  EXPECT_EQ(Parse({"--broker", "mqtt://h:1883"}).mqtt.server_uri, "mqtt://h:1883");
  EXPECT_EQ(Parse({"--broker", "mqtts://h", "--ca", "ca"}).mqtt.server_uri, "mqtts://h");
  EXPECT_EQ(Error({"--broker", "mqtts://h"}),
            "--broker: 'mqtts://h' needs --ca FILE (the CA that signed the broker's certificate)");
  // Server-only TLS (no client certificate) is allowed.
  const CommandLine tls = Parse({"--broker", "ssl://h:8883", "--ca", "ca"});
  EXPECT_TRUE(tls.mqtt.cert_file.empty());
}

TEST(OptionsTest, AlpnListsAndRepeats) {
  const CommandLine line =
      Parse({"--broker", "ssl://h:443", "--ca", "c", "--alpn", "a,b", "--alpn", "c"});
  EXPECT_THAT(line.mqtt.alpn_protocols, ElementsAre("a", "b", "c"));
  // Alone, the protocol AWS IoT Core needs on port 443.
  EXPECT_THAT(Parse({"--broker", "ssl://h:443", "--ca", "c", "--alpn"}).mqtt.alpn_protocols,
              ElementsAre("x-amzn-mqtt-ca"));
  EXPECT_THAT(Parse({"--broker=ssl://h:443", "--alpn", "--ca=c"}).mqtt.alpn_protocols,
              ElementsAre("x-amzn-mqtt-ca"));
}

TEST(OptionsTest, SeedValueDecidesBetweenOrderSeedAndFile) {
  const CommandLine number = Parse({"--order", "random", "--seed", "42"});
  EXPECT_EQ(number.emulator.host.order_seed, 42u);
  EXPECT_TRUE(number.seed_file.empty());

  const CommandLine file = Parse({"--seed", "./42"});
  EXPECT_EQ(file.seed_file, "./42");
  EXPECT_FALSE(file.emulator.host.order_seed.has_value());

  // Both at once, in any order; and the --order after the seed.
  const CommandLine both = Parse({"--seed", "0", "--seed", "shadows.json", "--order", "random"});
  EXPECT_EQ(both.emulator.host.order_seed, 0u);
  EXPECT_EQ(both.seed_file, "shadows.json");

  const CommandLine max = Parse({"--order", "random", "--seed", "18446744073709551615"});
  EXPECT_EQ(max.emulator.host.order_seed, 18446744073709551615u);

  EXPECT_EQ(Parse({"--seed-file", "123"}).seed_file, "123");
  EXPECT_EQ(Parse({"--order", "random", "--order-seed", "5"}).emulator.host.order_seed, 5u);
  EXPECT_EQ(Parse({"--seed", "-1"}).seed_file, "-1");  // not digits: a file name
}

TEST(OptionsTest, HelpAndVersionWinOverEverything) {
  EXPECT_EQ(Parse({"--help"}).action, CommandLine::Action::kHelp);
  EXPECT_EQ(Parse({"-h"}).action, CommandLine::Action::kHelp);
  EXPECT_EQ(Parse({"--bogus", "--help"}).action, CommandLine::Action::kHelp);
  EXPECT_EQ(Parse({"--version"}).action, CommandLine::Action::kVersion);
  EXPECT_EQ(Parse({"--max-depth", "x", "--version"}).action, CommandLine::Action::kVersion);
  EXPECT_EQ(Parse({"--help=x"}).action, CommandLine::Action::kHelp);
  EXPECT_EQ(Parse({"--version=2"}).action, CommandLine::Action::kVersion);
  // Both: cli::CommandLine's rule, the same in every program.
  EXPECT_NE(Parse({"--version", "--help"}).action, CommandLine::Action::kRun);
  EXPECT_EQ(VersionText(), std::string("shadowsync-emulator ") + EmulatorVersion() + "\n");
}

// `text` with each run of spaces and newlines made one space, so that a
// phrase is found wherever --help wrapped it.
std::string OneLine(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n';
    if (space && !out.empty() && out.back() == ' ') continue;
    out += space ? ' ' : c;
  }
  return out;
}

TEST(OptionsTest, HelpDocumentsEveryFlagExitCodeAndSignal) {
  const std::string help = HelpText();
  const std::string flat = OneLine(help);
  for (const char* flag : {"--broker",
                           "--ca",
                           "--cert",
                           "--key",
                           "--alpn",
                           "--client-id",
                           "--store",
                           "--seed FILE|N",
                           "--endpoint",
                           "--persistent-session",
                           "--seed-file",
                           "--order-seed",
                           "--export",
                           "--order",
                           "--max-document-bytes",
                           "--max-depth",
                           "--max-inflight",
                           "--max-requests-per-second",
                           "--workers",
                           "--log-level",
                           "--help",
                           "--version"}) {
    EXPECT_THAT(help, HasSubstr(flag));
  }
  for (const char* text :
       {"Default: tcp://localhost:1883", "shadowsync-emulator-<pid>", "default 8192", "default 6",
        "default 10", "default 20", "default 2", "info (default)", "accepted-first", "delta-first",
        "random", "SIGTERM", "SIGINT", "SIGUSR1", "SIGHUP", "Exit codes:", "ready on",
        "thing=T shadow=S|- op=update"}) {
    EXPECT_THAT(flat, HasSubstr(text));
  }
  EXPECT_THAT(help, HasSubstr("Exit codes:\n  0   "));
  EXPECT_THAT(help, HasSubstr("\n  1   runtime failure"));
  EXPECT_THAT(help, HasSubstr("\n  2   usage"));
  // Every line fits 80 columns, but for a word too long to break (the AWS
  // endpoint URI).
  for (std::size_t start = 0; start < help.size();) {
    const std::size_t end = help.find('\n', start);
    const std::string line = help.substr(start, end - start);
    if (line.find_first_not_of(' ') != line.rfind(' ') + 1) {
      EXPECT_LE(line.size(), 80u) << line;
    }
    start = end + 1;
  }
}

TEST(OptionsTest, UsageErrors) {
  EXPECT_EQ(Error({"--bogus"}), "unknown flag '--bogus'");
  EXPECT_EQ(Error({"--bogus=1"}), "unknown flag '--bogus'");
  EXPECT_EQ(Error({"store.db"}), "unexpected argument 'store.db'");
  EXPECT_EQ(Error({"-v"}), "unknown flag '-v'");
  EXPECT_EQ(Error({"--"}), "unexpected argument '--'");
  EXPECT_EQ(Error({"--seed", "42", "shadows.json"}), "unexpected argument 'shadows.json'");
  EXPECT_EQ(Error({"--broker"}), "--broker: needs a value");
  EXPECT_EQ(Error({"--workers"}), "--workers: needs a value");
  EXPECT_EQ(Error({"--store", "--export", "x"}),
            "--store: needs a value (got the flag '--export')");
  EXPECT_EQ(Error({"--ca", "--cert=c"}), "--ca: needs a value (got the flag '--cert=c')");
  EXPECT_EQ(Error({"--store", ""}), "--store: empty value");
  EXPECT_EQ(Error({"--export="}), "--export: needs a value");
  EXPECT_EQ(Error({"--ca="}), "--ca: needs a value");
  EXPECT_EQ(Error({"--cert", ""}), "--cert: empty value");
  EXPECT_EQ(Error({"--key", ""}), "--key: empty value");
  EXPECT_EQ(Error({"--client-id", ""}), "--client-id: empty value");
  EXPECT_EQ(Error({"--seed", ""}), "--seed: empty value");
  EXPECT_EQ(Error({"--seed-file", ""}), "--seed-file: empty value");
}

// The emulator checks --broker with the broker-URI parser every program
// shares (cli::CheckBrokerUri, the library's ParseBrokerUri): the same
// schemes, and the same message as shadowctl, the agent and the gateway.
TEST(OptionsTest, BrokerErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"localhost:1883", "no scheme; expected tcp://host:port or ssl://host:port"},
      {"ftp://h",
       "unsupported scheme \"ftp://\"; use tcp:// (or mqtt://), ssl:// (or mqtts://), "
       "or wss:// (or ws://) for MQTT over WebSocket"},
      {"tcp://", "no host"},
      {"tcp://:1883", "no host"},
      {"tcp://h:", "empty port; expected 1-65535"},
      {"tcp://h/x", "unexpected \"/x\"; expected host:port and nothing after it"},
      {"tcp://u@h", "unexpected \"@h\"; expected host:port and nothing after it"},
      {"tcp://[::1", "missing ']' after the IPv6 address"},
      {"tcp://[]:1", "\"\" is not an IPv6 address"},
      {"tcp://[::1]x", "unexpected \"x\" after the host"},
      {"tcp://[::1]:", "empty port; expected 1-65535"},
      {"tcp://h:0", "port out of range; expected 1-65535"},
      {"tcp://h:65536", "port out of range; expected 1-65535"},
      {"tcp://h:x", "port \"x\" is not a number 1-65535 (nothing may follow the port)"},
      {"tcp://h:-1", "port \"-1\" is not a number 1-65535 (nothing may follow the port)"},
  };
  for (const auto& [bad, why] : cases) {
    const std::string message = Error({"--broker", bad});
    EXPECT_EQ(message, std::string("--broker: \"") + bad + "\": " + why) << bad;
    // Word for word what every other program says (cli::ToMqttOptions).
    cli::ConnectionFlags flags;
    flags.broker = bad;
    Result<MqttOptions> shared = cli::ToMqttOptions(flags, "", "id");
    ASSERT_FALSE(shared.ok()) << bad;
    EXPECT_EQ(message, shared.status().message()) << bad;
  }
  // The scheme is case-insensitive, as everywhere.
  EXPECT_EQ(Parse({"--broker", "TCP://h"}).mqtt.server_uri, "TCP://h");
}

TEST(OptionsTest, TlsCombinationErrors) {
  EXPECT_EQ(Error({"--ca", "ca.crt"}),
            "--ca: needs an ssl:// --broker (the broker is 'tcp://localhost:1883')");
  EXPECT_EQ(Error({"--broker", "tcp://h:1", "--cert", "c"}),
            "--cert: needs an ssl:// --broker (the broker is 'tcp://h:1')");
  EXPECT_EQ(Error({"--key", "k"}),
            "--key: needs an ssl:// --broker (the broker is 'tcp://localhost:1883')");
  EXPECT_EQ(Error({"--alpn", "x"}),
            "--alpn: needs an ssl:// --broker (the broker is 'tcp://localhost:1883')");
  EXPECT_EQ(Error({"--broker", "ssl://h:8883"}),
            "--broker: 'ssl://h:8883' needs --ca FILE (the CA that signed the broker's "
            "certificate)");
  EXPECT_EQ(Error({"--broker", "ssl://h:8883", "--ca", "a", "--cert", "c"}),
            "--cert: needs --key too (the client's private key)");
  EXPECT_EQ(Error({"--broker", "ssl://h:8883", "--ca", "a", "--key", "k"}),
            "--key: needs --cert too (the client certificate)");
  // --alpn is the shared flag (tests/cli): a list takes no empty names
  // ("a,,b" is a and b); main checks the names with ValidateMqttOptions.
  EXPECT_THAT(Parse({"--broker", "ssl://h:443", "--ca", "a", "--alpn", "a,,b"}).mqtt.alpn_protocols,
              ElementsAre("a", "b"));
  EXPECT_EQ(
      Error({"--client-id", std::string(65536, 'x')}),
      "--client-id: invalid value '" + std::string(40, 'x') + "...': expected at most 65535 bytes");
}

TEST(OptionsTest, NumberErrors) {
  EXPECT_EQ(Error({"--max-document-bytes", "0"}),
            "--max-document-bytes: invalid value '0': expected an integer from 1 to 16777216");
  EXPECT_EQ(Error({"--max-document-bytes", "16777217"}),
            "--max-document-bytes: invalid value '16777217': expected an integer from 1 to "
            "16777216");
  EXPECT_EQ(Error({"--max-depth", "x"}),
            "--max-depth: invalid value 'x': expected an integer from 1 to 64");
  EXPECT_EQ(Error({"--max-depth", "0"}),
            "--max-depth: invalid value '0': expected an integer from 1 to 64");
  EXPECT_EQ(Error({"--max-depth", "65"}),
            "--max-depth: invalid value '65': expected an integer from 1 to 64");
  EXPECT_EQ(Error({"--max-depth", "+6"}),
            "--max-depth: invalid value '+6': expected an integer from 1 to 64");
  EXPECT_EQ(Error({"--max-depth", " 6"}),
            "--max-depth: invalid value ' 6': expected an integer from 1 to 64");
  EXPECT_EQ(Error({"--max-depth", "6.0"}),
            "--max-depth: invalid value '6.0': expected an integer from 1 to 64");
  EXPECT_EQ(Error({"--max-inflight", "-1"}),
            "--max-inflight: invalid value '-1': expected an integer from 0 to 1000000");
  EXPECT_EQ(Error({"--max-inflight", "1000001"}),
            "--max-inflight: invalid value '1000001': expected an integer from 0 to 1000000");
  EXPECT_EQ(Error({"--max-requests-per-second", "fast"}),
            "--max-requests-per-second: invalid value 'fast': expected an integer from 0 to "
            "1000000");
  EXPECT_EQ(Error({"--workers", "65"}),
            "--workers: invalid value '65': expected an integer from 0 to 64");
  EXPECT_EQ(Error({"--workers", "99999999999999999999999"}),
            "--workers: invalid value '99999999999999999999999': expected an integer from 0 to "
            "64");
  EXPECT_EQ(Error({"--order", "random", "--order-seed", "x"}),
            "--order-seed: invalid value 'x': expected an integer from 0 to "
            "18446744073709551615");
  EXPECT_EQ(Error({"--order", "random", "--order-seed", "18446744073709551616"}),
            "--order-seed: invalid value '18446744073709551616': expected an integer from 0 to "
            "18446744073709551615");
}

TEST(OptionsTest, NameErrors) {
  EXPECT_EQ(Error({"--order", "shuffled"}),
            "--order: invalid value 'shuffled': expected accepted-first, delta-first or random");
  EXPECT_EQ(Error({"--log-level", "verbose"}),
            "--log-level: invalid value 'verbose': expected error, warning, info or debug");
  EXPECT_EQ(Error({"--log-level", "INFO"}),
            "--log-level: invalid value 'INFO': expected error, warning, info or debug");
}

TEST(OptionsTest, SeedErrors) {
  EXPECT_EQ(Error({"--seed", "42"}),
            "--seed: the order seed '42' needs --order random (to load a seed file with that "
            "name, write ./42)");
  EXPECT_EQ(Error({"--order", "delta-first", "--order-seed", "7"}),
            "--order-seed: the order seed '7' needs --order random");
  EXPECT_EQ(Error({"--order", "random", "--seed", "18446744073709551616"}),
            "--seed: invalid value '18446744073709551616': an order seed must be an integer "
            "from 0 to 18446744073709551615 (to load a seed file with that name, write "
            "./18446744073709551616)");
}

}  // namespace
}  // namespace shadowsync::emulator
