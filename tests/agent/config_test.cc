// SPDX-License-Identifier: Apache-2.0
//
// Configuration: the schema and its embedded copy, the default file, good
// files, every error path of ParseConfig with the file name and the JSON
// pointer in the message, the DataLogger "AWS IoT" block, command-line
// overrides, private key permissions and CheckConnectionReady.

#include "src/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/internal/regex.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "sensors/config_reader.h"
#include "shadowsync/paho_transport.h"
#include "support/datalogger_settings.h"
#include "support/json_expect.h"
#include "support/temp_dir.h"

namespace shadowsync::agent {
namespace {

using ::shadowsync::testing_support::MustParse;
using ::shadowsync::testing_support::TempDir;
using ::shadowsync::testing_support::WriteStringToFile;
using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(SHADOWSYNC_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The error message of a configuration that must fail.
std::string ErrorOf(const std::string& text, const std::string& source = "agent.json") {
  Result<AgentConfig> config = ParseConfig(text, source);
  EXPECT_FALSE(config.ok()) << "accepted: " << text;
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  return config.status().message();
}

AgentConfig MustParseConfig(const std::string& text, const std::string& source = "agent.json") {
  Result<AgentConfig> config = ParseConfig(text, source);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  if (!config.ok()) return AgentConfig();
  return std::move(config).value();
}

std::unique_ptr<TempDir> MakeTempDir() {
  Result<std::unique_ptr<TempDir>> dir = TempDir::Create("agent-config-test");
  EXPECT_TRUE(dir.ok()) << dir.status().ToString();
  return dir.ok() ? std::move(dir).value() : nullptr;
}

// ---------------------------------------------------------------- schema

TEST(ConfigSchemaTest, EmbeddedSchemaMatchesSchemasFile) {
  const std::string file = ReadSourceFile("schemas/agent-config.schema.json");
  ASSERT_FALSE(file.empty());
  EXPECT_TRUE(file == AgentConfigSchemaText())
      << "agent/src/config_schema.cc is stale: run `cmake -P agent/src/embed_schema.cmake`";
}

TEST(ConfigSchemaTest, IsDraft04AndEveryPatternCompilesInTheInternalRegexEngine) {
  JsonDocument schema = MustParse(AgentConfigSchemaText());
  ASSERT_TRUE(schema.IsObject());
  EXPECT_STREQ(schema["$schema"].GetString(), "http://json-schema.org/draft-04/schema#");
  // RapidJSON's internal engine silently drops a pattern it cannot compile,
  // which would make the rule accept everything.
  std::vector<const JsonValue*> stack = {&schema};
  int patterns = 0;
  while (!stack.empty()) {
    const JsonValue* v = stack.back();
    stack.pop_back();
    if (v->IsObject()) {
      for (const auto& m : v->GetObject()) {
        const std::string name = m.name.GetString();
        if (name == "pattern" && m.value.IsString()) {
          ++patterns;
          rapidjson::internal::Regex regex(m.value.GetString());
          EXPECT_TRUE(regex.IsValid()) << m.value.GetString();
        }
        if (name == "patternProperties" && m.value.IsObject()) {
          for (const auto& p : m.value.GetObject()) {
            ++patterns;
            rapidjson::internal::Regex regex(p.name.GetString());
            EXPECT_TRUE(regex.IsValid()) << p.name.GetString();
          }
        }
        stack.push_back(&m.value);
      }
    } else if (v->IsArray()) {
      for (const auto& e : v->GetArray()) stack.push_back(&e);
    }
  }
  EXPECT_GE(patterns, 8);
}

// ---------------------------------------------------------------- defaults

TEST(ConfigTest, DefaultConfigTextValidatesAndExplainsItself) {
  const std::string text = DefaultConfigText();
  EXPECT_THAT(text, HasSubstr("\"_comment\""));
  AgentConfig config = MustParseConfig(text, "default.json");
  EXPECT_EQ(config.connection.thing_name, "my-thing");
  EXPECT_EQ(config.connection.client_id, "my-thing");
  EXPECT_EQ(config.connection.port, 8883);
  EXPECT_TRUE(config.connection.tls);
  EXPECT_EQ(config.connection.key_file, "/etc/shadowsync/private.pem.key");
  EXPECT_EQ(config.reporting.interval_seconds, 10);
  EXPECT_EQ(LookupThreshold(config.reporting.thresholds, "system", "load").min_change, 0.5);
  EXPECT_EQ(LookupThreshold(config.reporting.thresholds, "hwmon", "x").heartbeat_seconds, 3600);
  // Values that move on every tick do not make every tick a report (F14):
  // uptime once an hour, available memory by 10 MB.
  EXPECT_EQ(LookupThreshold(config.reporting.thresholds, "system", "uptime_s").min_change, 3600);
  EXPECT_EQ(LookupThreshold(config.reporting.thresholds, "system", "mem_available_kb").min_change,
            10240);
  EXPECT_EQ(
      LookupThreshold(config.reporting.thresholds, "system", "mem_available_kb").heartbeat_seconds,
      3600);
  EXPECT_FALSE(config.output.enabled);
  ASSERT_EQ(config.sensors.size(), 2u);
  EXPECT_TRUE(config.notes.empty());
}

TEST(ConfigTest, EmptyObjectGivesTheDefaults) {
  AgentConfig config = MustParseConfig("{}");
  EXPECT_EQ(config.source, "agent.json");
  EXPECT_TRUE(config.connection.enabled);
  EXPECT_TRUE(config.connection.endpoint.empty());
  EXPECT_EQ(config.connection.port, 8883);
  EXPECT_EQ(config.connection.keep_alive_seconds, 30);
  EXPECT_EQ(config.reporting.interval_seconds, 10);
  EXPECT_EQ(config.reporting.qos, 1);
  EXPECT_TRUE(config.reporting.thresholds.empty());
  EXPECT_EQ(config.log_level, LogLevel::kInfo);
  EXPECT_TRUE(config.journal_path.empty());
  EXPECT_FALSE(config.output.enabled);
  EXPECT_TRUE(config.sensors.empty());
}

TEST(ConfigTest, EveryOwnKeyIsRead) {
  AgentConfig config = MustParseConfig(R"({
    "$schema": "../schemas/agent-config.schema.json",
    "_comment": "comments are allowed at every level",
    "connection": {"_comment": "x", "endpoint": "abc-ats.iot.eu-west-1.amazonaws.com",
                   "port": 8884, "client_id": "client-1", "thing_name": "thing-1",
                   "shadow_name": "telemetry", "alpn": false, "ca_file": "/ca.pem",
                   "cert_file": "cert.pem", "key_file": "/k/key.pem", "keep_alive_seconds": 60},
    "reporting": {"interval_seconds": 2.5, "qos": 1,
                  "thresholds": {"_c": "x", "cpu/temp": {"min_change": 0.5, "heartbeat_seconds": 60},
                                 "cpu/*": {"heartbeat_seconds": 10}, "*/*": {"min_change": 1}}},
    "journal_path": "journal.db",
    "log_level": "debug",
    "output": {"format": "csv", "path": "/log/obs.csv", "rotate_bytes": 1000,
               "rotate_seconds": 3600, "keep_files": 3},
    "sensors": [{"type": "system", "name": "cpu", "mounts": ["/"]},
                {"type": "simulated", "name": "sim", "enabled": false, "_comment": "demo"}]
  })",
                                       "/etc/shadowsync/agent.json");
  const ConnectionConfig& c = config.connection;
  EXPECT_EQ(c.endpoint, "abc-ats.iot.eu-west-1.amazonaws.com");
  EXPECT_EQ(c.host, "abc-ats.iot.eu-west-1.amazonaws.com");
  EXPECT_EQ(c.port, 8884);
  EXPECT_EQ(c.client_id, "client-1");
  EXPECT_EQ(c.thing_name, "thing-1");
  EXPECT_EQ(c.shadow_name, "telemetry");
  EXPECT_EQ(c.ca_file, "/ca.pem");
  EXPECT_EQ(c.cert_file, "/etc/shadowsync/cert.pem");  // relative to the file
  EXPECT_EQ(c.key_file, "/k/key.pem");
  EXPECT_EQ(c.keep_alive_seconds, 60);
  EXPECT_EQ(config.reporting.interval_seconds, 2.5);
  EXPECT_EQ(config.reporting.thresholds.size(), 3u);
  EXPECT_EQ(LookupThreshold(config.reporting.thresholds, "cpu", "temp"), (Threshold{0.5, 60}));
  EXPECT_EQ(LookupThreshold(config.reporting.thresholds, "cpu", "load"), (Threshold{0, 10}));
  EXPECT_EQ(LookupThreshold(config.reporting.thresholds, "sim", "x"), (Threshold{1, 0}));
  EXPECT_EQ(config.journal_path, "/etc/shadowsync/journal.db");
  EXPECT_EQ(config.log_level, LogLevel::kDebug);
  EXPECT_TRUE(config.output.enabled);
  EXPECT_EQ(config.output.format, OutputFormat::kCsv);
  EXPECT_EQ(config.output.path, "/log/obs.csv");
  EXPECT_EQ(config.output.rotate_bytes, 1000u);
  EXPECT_EQ(config.output.rotate_seconds, 3600);
  EXPECT_EQ(config.output.keep_files, 3);
  ASSERT_EQ(config.sensors.size(), 2u);
  EXPECT_EQ(config.sensors[0].type, "system");
  EXPECT_EQ(config.sensors[0].name, "cpu");
  EXPECT_TRUE(config.sensors[0].enabled);
  EXPECT_EQ(config.sensors[0].pointer, "/sensors/0");
  ASSERT_NE(config.sensors[0].settings, nullptr);
  EXPECT_JSON_EQ(ToCompactJson(*config.sensors[0].settings),
                 R"({"type": "system", "name": "cpu", "mounts": ["/"]})");
  EXPECT_FALSE(config.sensors[1].enabled);
  EXPECT_EQ(config.FindSensor("sim"), &config.sensors[1]);
  EXPECT_EQ(config.FindSensor("nope"), nullptr);
}

TEST(ConfigTest, LookupThresholdPrefersExactThenSensorWildcardThenGlobal) {
  ThresholdMap map = {{"a/x", {1, 0}}, {"a/*", {2, 0}}, {"*/*", {3, 0}}};
  EXPECT_EQ(LookupThreshold(map, "a", "x").min_change, 1);
  EXPECT_EQ(LookupThreshold(map, "a", "y").min_change, 2);
  EXPECT_EQ(LookupThreshold(map, "b", "x").min_change, 3);
  EXPECT_EQ(LookupThreshold({}, "b", "x"), Threshold{});
}

TEST(ConfigTest, LogLevelNamesRoundTrip) {
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    EXPECT_EQ(ParseLogLevel(LogLevelName(level)), level);
  }
  EXPECT_EQ(ParseLogLevel("verbose"), std::nullopt);
}

// ---------------------------------------------------------------- endpoints

// connection.protocol (docs/protocols.md): https is the REST API on 8443
// (443 with ALPN), wss MQTT over WebSocket on 443; both need TLS.
TEST(ConfigTest, ProtocolSetsTheDefaultPortAndTheTransport) {
  AgentConfig mqtt = MustParseConfig(R"({"connection": {"endpoint": "x-ats.iot"}})");
  EXPECT_EQ(mqtt.connection.protocol, ConnectionProtocol::kMqtt);
  AgentConfig https = MustParseConfig(
      R"({"connection": {"endpoint": "x-ats.iot", "protocol": "https", "poll_seconds": 30}})");
  EXPECT_EQ(https.connection.protocol, ConnectionProtocol::kHttps);
  EXPECT_EQ(https.connection.port, 8443);
  EXPECT_EQ(https.connection.poll_seconds, 30);
  AgentConfig https_443 = MustParseConfig(
      R"({"connection": {"endpoint": "x-ats.iot", "protocol": "https", "alpn": true}})");
  EXPECT_EQ(https_443.connection.port, 443);
  AgentConfig wss =
      MustParseConfig(R"({"connection": {"endpoint": "x-ats.iot", "protocol": "wss"}})");
  EXPECT_EQ(wss.connection.port, 443);
  EXPECT_EQ(ErrorOf(R"({"connection": {"endpoint": "tcp://localhost", "protocol": "https"}})"),
            "agent.json: /connection/protocol: \"https\" needs TLS, not the plain endpoint "
            "\"tcp://localhost\"");
  EXPECT_NE(ErrorOf(R"({"connection": {"protocol": "coap"}})"), "");
}

TEST(ConfigTest, EndpointUrisSetTlsAndPort) {
  AgentConfig plain = MustParseConfig(R"({"connection": {"endpoint": "tcp://localhost:1884"}})");
  EXPECT_FALSE(plain.connection.tls);
  EXPECT_EQ(plain.connection.host, "localhost");
  EXPECT_EQ(plain.connection.port, 1884);
  AgentConfig plain_default = MustParseConfig(R"({"connection": {"endpoint": "mqtt://broker"}})");
  EXPECT_EQ(plain_default.connection.port, 1883);
  AgentConfig ssl = MustParseConfig(R"({"connection": {"endpoint": "ssl://broker/"}})");
  EXPECT_TRUE(ssl.connection.tls);
  EXPECT_EQ(ssl.connection.host, "broker");
  EXPECT_EQ(ssl.connection.port, 8883);
  AgentConfig alpn = MustParseConfig(R"({"connection": {"endpoint": "x-ats.iot", "alpn": true}})");
  EXPECT_EQ(alpn.connection.port, 443);
  AgentConfig same =
      MustParseConfig(R"({"connection": {"endpoint": "ssl://h:8883", "port": 8883}})");
  EXPECT_EQ(same.connection.port, 8883);
  AgentConfig v6 = MustParseConfig(R"({"connection": {"endpoint": "tcp://[::1]:1885"}})");
  EXPECT_EQ(v6.connection.host, "[::1]");
  EXPECT_EQ(v6.connection.port, 1885);
}

// ---------------------------------------------------------------- errors

TEST(ConfigErrorTest, ParseErrorNamesFileOffsetAndLine) {
  const std::string m = ErrorOf("{\n  \"log_level\": \"info\",\n}", "/etc/agent.json");
  EXPECT_THAT(m, HasSubstr("/etc/agent.json: JSON parse error at offset"));
  EXPECT_THAT(m, HasSubstr("line 3"));
}

TEST(ConfigErrorTest, RootMustBeAnObject) {
  EXPECT_EQ(ErrorOf("[1]"), "agent.json: /: expected an object, found [1]");
}

TEST(ConfigErrorTest, IntervalOfTheWrongTypeNamesPointerExpectedAndFound) {
  EXPECT_EQ(ErrorOf(R"({"reporting": {"interval_seconds": "fast"}})"),
            "agent.json: /reporting/interval_seconds: expected a number from 0.1 to 86400, found "
            "\"fast\"");
}

TEST(ConfigErrorTest, IntervalBelowTheMinimum) {
  EXPECT_EQ(ErrorOf(R"({"reporting": {"interval_seconds": 0.01}})"),
            "agent.json: /reporting/interval_seconds: expected a number from 0.1 to 86400, found "
            "0.01");
}

TEST(ConfigErrorTest, UnknownTopLevelKeyIsATypo) {
  const std::string m = ErrorOf(R"({"conection": {}})");
  EXPECT_THAT(m,
              HasSubstr("agent.json: /conection: expected one of \"connection\", \"reporting\""));
  EXPECT_THAT(m, HasSubstr("found the unknown member \"conection\"; did you mean \"connection\"?"));
}

// A key within 2 edits of a known one gets "did you mean"; a key farther
// from every known one does not.
TEST(ConfigErrorTest, ATypoGetsDidYouMean) {
  EXPECT_THAT(ErrorOf(R"({"reporting": {"intreval_seconds": 5}})"),
              HasSubstr("found the unknown member \"intreval_seconds\"; did you mean "
                        "\"interval_seconds\"?"));
  EXPECT_THAT(ErrorOf(R"({"connection": {"thing": "T"}})"), Not(HasSubstr("did you mean")));
  EXPECT_THAT(ErrorOf(R"({"connection": {"thing_nam": "T"}})"),
              HasSubstr("did you mean \"thing_name\"?"));
}

TEST(ConfigErrorTest, UnknownKeyInsideASection) {
  const std::string m = ErrorOf(R"({"reporting": {"intervall": 5}})");
  EXPECT_THAT(m,
              HasSubstr("agent.json: /reporting/intervall: expected one of \"interval_seconds\""));
  EXPECT_THAT(m, HasSubstr("or a comment (key starting with _)"));
}

TEST(ConfigErrorTest, SensorWithoutName) {
  EXPECT_EQ(ErrorOf(R"({"sensors": [{"type": "system"}]})"),
            "agent.json: /sensors/0: expected an object with the member \"name\", found "
            "{\"type\":\"system\"}");
}

TEST(ConfigErrorTest, SensorOfAnUnknownType) {
  EXPECT_EQ(
      ErrorOf(R"({"sensors": [{"type": "system", "name": "a"}, {"type": "gps", "name": "b"}]})"),
      "agent.json: /sensors/1/type: expected one of \"system\", \"hwmon\", \"file\", "
      "\"command\", \"socket\", \"stdin\", \"simulated\", found \"gps\"");
}

TEST(ConfigErrorTest, SensorNameWithASlash) {
  const std::string m = ErrorOf(R"({"sensors": [{"type": "file", "name": "a/b"}]})");
  EXPECT_THAT(m, HasSubstr("agent.json: /sensors/0/name: expected a string matching"));
  EXPECT_THAT(m, HasSubstr("found \"a/b\""));
}

TEST(ConfigErrorTest, SensorsMustBeAnArray) {
  EXPECT_EQ(ErrorOf(R"({"sensors": {"type": "file"}})"),
            "agent.json: /sensors: expected an array, found {\"type\":\"file\"}");
}

TEST(ConfigErrorTest, DuplicateSensorName) {
  EXPECT_EQ(ErrorOf(R"({"sensors": [{"type": "system", "name": "cpu"},
                                    {"type": "hwmon", "name": "cpu"}]})"),
            "agent.json: /sensors/1/name: expected a name not used by /sensors/0, found \"cpu\"");
}

TEST(ConfigErrorTest, ReservedSensorNames) {
  EXPECT_THAT(ErrorOf(R"({"sensors": [{"type": "system", "name": "General"}]})"),
              HasSubstr("agent.json: /sensors/0/name: expected a name other than \"General\""));
  EXPECT_THAT(ErrorOf(R"({"sensors": [{"type": "system", "name": "agent"}]})"),
              HasSubstr("found \"agent\""));
}

TEST(ConfigErrorTest, ThresholdKeyWithoutParameter) {
  EXPECT_EQ(ErrorOf(R"({"reporting": {"thresholds": {"cpu": {"min_change": 1}}}})"),
            "agent.json: /reporting/thresholds/cpu: expected a string matching ^[^/]+/.+$, found "
            "\"cpu\"");
}

TEST(ConfigErrorTest, ThresholdKeyNamingAnUnknownSensor) {
  EXPECT_EQ(ErrorOf(R"({"sensors": [{"type": "system", "name": "cpu"}],
                       "reporting": {"thresholds": {"gpu/temp": {"min_change": 1}}}})"),
            "agent.json: /reporting/thresholds/gpu~1temp: expected the name of a sensor in "
            "/sensors (\"cpu\") or \"General\" or \"*\", found \"gpu\"");
}

TEST(ConfigErrorTest, ThresholdWildcardSensorNeedsWildcardParameter) {
  EXPECT_THAT(ErrorOf(R"({"reporting": {"thresholds": {"*/temp": {"min_change": 1}}}})"),
              HasSubstr("agent.json: /reporting/thresholds/*~1temp: expected \"<sensor>/"
                        "<parameter>\", \"<sensor>/*\" or \"*/*\", found \"*/temp\""));
}

TEST(ConfigErrorTest, NegativeMinChange) {
  EXPECT_EQ(ErrorOf(R"({"reporting": {"thresholds": {"*/*": {"min_change": -1}}}})"),
            "agent.json: /reporting/thresholds/*~1*/min_change: expected a number >= 0, found -1");
}

TEST(ConfigErrorTest, UnknownThresholdField) {
  EXPECT_THAT(ErrorOf(R"({"reporting": {"thresholds": {"*/*": {"delta": 1}}}})"),
              HasSubstr("agent.json: /reporting/thresholds/*~1*/delta: expected one of "
                        "\"min_change\", \"heartbeat_seconds\""));
}

TEST(ConfigErrorTest, QosIsAlwaysOne) {
  EXPECT_EQ(ErrorOf(R"({"reporting": {"qos": 0}})"),
            "agent.json: /reporting/qos: expected 1, found 0");
}

TEST(ConfigErrorTest, UnknownLogLevel) {
  EXPECT_EQ(ErrorOf(R"({"log_level": "verbose"})"),
            "agent.json: /log_level: expected one of \"debug\", \"info\", \"warning\", \"error\", "
            "found \"verbose\"");
}

TEST(ConfigErrorTest, JournalPathMustBeAString) {
  EXPECT_EQ(ErrorOf(R"({"journal_path": 3})"),
            "agent.json: /journal_path: expected a string, found 3");
}

TEST(ConfigErrorTest, PortOutOfRange) {
  EXPECT_EQ(ErrorOf(R"({"connection": {"port": 70000}})"),
            "agent.json: /connection/port: expected an integer from 1 to 65535, found 70000");
}

TEST(ConfigErrorTest, ThingNameWithASpace) {
  const std::string m = ErrorOf(R"({"connection": {"thing_name": "my thing"}})");
  EXPECT_THAT(m, HasSubstr("agent.json: /connection/thing_name: expected a string matching "
                           "^[a-zA-Z0-9:_-]{1,128}$, found \"my thing\""));
}

TEST(ConfigErrorTest, EmptyClientId) {
  EXPECT_EQ(ErrorOf(R"({"connection": {"client_id": ""}})"),
            "agent.json: /connection/client_id: expected a string of 1 to 128 characters, found "
            "\"\"");
}

TEST(ConfigErrorTest, EmptyKeyFile) {
  EXPECT_EQ(ErrorOf(R"({"connection": {"key_file": ""}})"),
            "agent.json: /connection/key_file: expected a non-empty string, found \"\"");
}

TEST(ConfigErrorTest, EndpointWithAnUnsupportedScheme) {
  EXPECT_THAT(ErrorOf(R"({"connection": {"endpoint": "wss://x.iot:443"}})"),
              HasSubstr("agent.json: /connection/endpoint: expected a host name or a URI "
                        "ssl://host[:port], mqtts://..., tcp://..., found \"wss://x.iot:443\""));
}

TEST(ConfigErrorTest, EndpointWithABadPort) {
  EXPECT_THAT(ErrorOf(R"({"connection": {"endpoint": "ssl://host:99999"}})"),
              HasSubstr("agent.json: /connection/endpoint: expected a host name"));
  EXPECT_THAT(ErrorOf(R"({"connection": {"endpoint": "ssl://:8883"}})"),
              HasSubstr("agent.json: /connection/endpoint: expected a host name"));
}

TEST(ConfigErrorTest, PortDisagreeingWithTheEndpointUri) {
  EXPECT_EQ(ErrorOf(R"({"connection": {"endpoint": "ssl://host:8883", "port": 443}})"),
            "agent.json: /connection/port: expected 8883 (the port in /connection/endpoint) or no "
            "port, found 443");
}

TEST(ConfigErrorTest, AlpnNeedsTls) {
  EXPECT_EQ(ErrorOf(R"({"connection": {"endpoint": "tcp://localhost", "alpn": true}})"),
            "agent.json: /connection/alpn: expected false with the plain MQTT endpoint "
            "\"tcp://localhost\", found true");
}

TEST(ConfigErrorTest, OutputWithoutPath) {
  EXPECT_EQ(ErrorOf(R"({"output": {"format": "jsonl"}})"),
            "agent.json: /output: expected an object with the member \"path\" (or \"enabled\": "
            "false), found {\"format\":\"jsonl\"}");
  // Disabled output needs no path.
  EXPECT_FALSE(MustParseConfig(R"({"output": {"enabled": false}})").output.enabled);
}

TEST(ConfigErrorTest, OutputFormat) {
  EXPECT_EQ(ErrorOf(R"({"output": {"format": "xml", "path": "x"}})"),
            "agent.json: /output/format: expected one of \"jsonl\", \"csv\", found \"xml\"");
}

TEST(ConfigErrorTest, OutputRotationBounds) {
  EXPECT_EQ(ErrorOf(R"({"output": {"path": "x", "rotate_seconds": -1}})"),
            "agent.json: /output/rotate_seconds: expected an integer from 0 to 31536000, found -1");
  EXPECT_EQ(ErrorOf(R"({"output": {"path": "x", "rotate_bytes": 1.5}})"),
            "agent.json: /output/rotate_bytes: expected an integer from 0 to 1099511627776, found "
            "1.5");
}

TEST(ConfigErrorTest, LongFoundValuesAreCut) {
  const std::string long_name(200, 'x');
  const std::string m = ErrorOf(R"({"log_level": ")" + long_name + R"("})");
  EXPECT_THAT(m, HasSubstr("...")) << m;
  EXPECT_LT(m.size(), 200u) << m;
}

// ---------------------------------------------------------------- DataLogger

// A DataLogger IoT settings file as the DataLogger saves it ("Save to
// Fallback"), with the "AWS IoT" block of SparkFun's AWS guide and other
// blocks the agent does not use.
constexpr char kDataLoggerServer[] = "avgpd2wdr5s6u-ats.iot.us-east-1.amazonaws.com";

std::string DataLoggerSettings() {
  return R"({
  "Application Settings": {"Color Text Output": true, "Board Name": "DataLogger IoT"},
  "Logger": {"Timestamp Mode": 1, "Output ID": true, "Output Data Names": true},
  "Timer": {"Interval": 15000},
  "WiFi Network": {"Enabled": true, "Network Name": "lab", "Password": "secret"},
  "NTP Client": {"Enabled": true, "NTP Server One": "time.nist.gov"},
)" + testing_support::DataLoggerAwsIotBlock(kDataLoggerServer, 8883) +
         "\n}";
}

TEST(DataLoggerConfigTest, SettingsFileLoadsUnchanged) {
  std::unique_ptr<TempDir> dir = MakeTempDir();
  ASSERT_NE(dir, nullptr);
  const std::string path = dir->File("settings.json");
  ASSERT_TRUE(WriteStringToFile(path, DataLoggerSettings()).ok());
  Result<AgentConfig> loaded = LoadConfig(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const ConnectionConfig& c = loaded->connection;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.endpoint, "avgpd2wdr5s6u-ats.iot.us-east-1.amazonaws.com");
  EXPECT_EQ(c.host, "avgpd2wdr5s6u-ats.iot.us-east-1.amazonaws.com");
  EXPECT_EQ(c.port, 8883);
  EXPECT_TRUE(c.tls);
  EXPECT_EQ(c.thing_name, "TestThing23");
  EXPECT_EQ(c.client_id, "TestThing23");
  EXPECT_EQ(c.shadow_name, "");
  // The DataLogger names files on its SD card: they are found next to the file.
  EXPECT_EQ(c.ca_file, dir->File("AmazonRootCA1.pem"));
  EXPECT_EQ(c.cert_file, dir->File("TestThing23_DevCert.crt"));
  EXPECT_EQ(c.key_file, dir->File("TestThing23_Private.key"));
  EXPECT_TRUE(c.ca_pem.empty() && c.cert_pem.empty() && c.key_pem.empty());
  // The other blocks are ignored, and the log says so.
  std::string notes;
  for (const std::string& n : loaded->notes) notes += n + "\n";
  EXPECT_THAT(notes, HasSubstr("ignoring the DataLogger settings block \"Timer\""));
  EXPECT_THAT(notes, HasSubstr("\"WiFi Network\""));
}

TEST(DataLoggerConfigTest, NamedShadowTopic) {
  AgentConfig config = MustParseConfig(R"({"AWS IoT": {
      "MQTT Topic": "$aws/things/Pump-7/shadow/name/telemetry/update", "Client Name": "pump7"}})");
  EXPECT_EQ(config.connection.thing_name, "Pump-7");
  EXPECT_EQ(config.connection.shadow_name, "telemetry");
  EXPECT_EQ(config.connection.client_id, "pump7");
  ASSERT_EQ(config.notes.size(), 1u);
  EXPECT_THAT(config.notes[0], HasSubstr("used as the MQTT client id"));
}

TEST(DataLoggerConfigTest, ClientNameIsTheThingWithoutATopic) {
  AgentConfig config = MustParseConfig(R"({"AWS IoT": {"Client Name": "TestThing23"}})");
  EXPECT_EQ(config.connection.thing_name, "TestThing23");
  EXPECT_EQ(config.connection.client_id, "TestThing23");
}

TEST(DataLoggerConfigTest, DisabledBlockDisablesTheConnection) {
  EXPECT_FALSE(MustParseConfig(R"({"AWS IoT": {"Enabled": false}})").connection.enabled);
}

TEST(DataLoggerConfigTest, TopicThatIsNotAShadowUpdate) {
  EXPECT_EQ(ErrorOf(R"({"AWS IoT": {"MQTT Topic": "sensors/lab1"}})", "settings.json"),
            "settings.json: /AWS IoT/MQTT Topic: expected a shadow update topic, "
            "\"$aws/things/<thing>/shadow/update\" or "
            "\"$aws/things/<thing>/shadow/name/<shadow>/update\" (shadowsync-agent reports to a "
            "device shadow only), found \"sensors/lab1\"");
  EXPECT_THAT(ErrorOf(R"({"AWS IoT": {"MQTT Topic": "$aws/things/T/shadow/get"}})"),
              HasSubstr("/AWS IoT/MQTT Topic: expected a shadow update topic"));
  EXPECT_THAT(ErrorOf(R"({"AWS IoT": {"MQTT Topic": "$aws/things/T"}})"),
              HasSubstr("/AWS IoT/MQTT Topic: expected a shadow update topic"));
}

TEST(DataLoggerConfigTest, TopicWithAnInvalidThingOrShadowName) {
  EXPECT_EQ(ErrorOf(R"({"AWS IoT": {"MQTT Topic": "$aws/things/my thing/shadow/update"}})"),
            "agent.json: /AWS IoT/MQTT Topic: expected a thing name (1 to 128 characters of "
            "[a-zA-Z0-9:_-]) in the topic, found \"my thing\"");
  EXPECT_EQ(ErrorOf(R"({"AWS IoT": {"MQTT Topic": "$aws/things/T/shadow/name/a.b/update"}})"),
            "agent.json: /AWS IoT/MQTT Topic: expected a shadow name (1 to 64 characters of "
            "[$a-zA-Z0-9:_-]) in the topic, found \"a.b\"");
}

TEST(DataLoggerConfigTest, ClientNameThatCannotBeAThingName) {
  EXPECT_EQ(ErrorOf(R"({"AWS IoT": {"Client Name": "Test Thing"}})"),
            "agent.json: /AWS IoT/Client Name: expected a thing name (1 to 128 characters of "
            "[a-zA-Z0-9:_-]), found \"Test Thing\"");
}

TEST(DataLoggerConfigTest, UnknownKeyInTheBlock) {
  EXPECT_THAT(ErrorOf(R"({"AWS IoT": {"Topic": "x"}})"),
              HasSubstr("agent.json: /AWS IoT/Topic: expected one of \"Enabled\", \"Port\""));
}

TEST(DataLoggerConfigTest, PortOfTheWrongType) {
  EXPECT_EQ(ErrorOf(R"({"AWS IoT": {"Port": "8883"}})"),
            "agent.json: /AWS IoT/Port: expected an integer from 1 to 65535, found \"8883\"");
}

TEST(DataLoggerConfigTest, InlinePemIsKeptInMemoryAndAFileWins) {
  AgentConfig config = MustParseConfig(R"({"AWS IoT": {
      "CA Certificate": "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n",
      "Client Certificate": "-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n",
      "Client Key": "-----BEGIN PLACEHOLDER KEY-----\nCCC\n-----END PLACEHOLDER KEY-----\n",
      "CA Cert Filename": "/etc/ca.pem"}})");
  EXPECT_EQ(config.connection.ca_file, "/etc/ca.pem");
  EXPECT_TRUE(config.connection.ca_pem.empty());
  EXPECT_THAT(config.connection.cert_pem, HasSubstr("BBB"));
  EXPECT_THAT(config.connection.key_pem, HasSubstr("CCC"));
  EXPECT_TRUE(config.connection.key_file.empty());
}

TEST(DataLoggerConfigTest, InlineKeyThatIsNotPemIsRejectedWithoutShowingIt) {
  const std::string m = ErrorOf(R"({"AWS IoT": {"Client Key": "hunter2-secret"}})");
  EXPECT_EQ(m,
            "agent.json: /AWS IoT/Client Key: expected a PEM block (\"-----BEGIN ...\"), found "
            "string (not shown)");
  EXPECT_THAT(m, ::testing::Not(HasSubstr("hunter2")));
}

TEST(DataLoggerConfigTest, IgnoredKeysAreNoted) {
  AgentConfig config =
      MustParseConfig(R"({"AWS IoT": {"Buffer Size": 2048, "Username": "u", "Password": "p"}})");
  ASSERT_EQ(config.notes.size(), 3u);
  EXPECT_THAT(config.notes[0], HasSubstr("/AWS IoT/Buffer Size is ignored"));
  EXPECT_THAT(config.notes[2], HasSubstr("/AWS IoT/Password is ignored"));
}

TEST(DataLoggerConfigTest, OwnConnectionKeysWinAndAreNoted) {
  AgentConfig config = MustParseConfig(R"({
      "AWS IoT": {"Server": "old-ats.iot", "Port": 8883, "Client Name": "TestThing23",
                  "MQTT Topic": "$aws/things/TestThing23/shadow/update",
                  "Client Key Filename": "dl.key"},
      "connection": {"endpoint": "new-ats.iot", "thing_name": "Other", "shadow_name": "s1",
                     "key_file": "/etc/k.key", "alpn": true}})");
  EXPECT_EQ(config.connection.host, "new-ats.iot");
  EXPECT_EQ(config.connection.thing_name, "Other");
  EXPECT_EQ(config.connection.shadow_name, "s1");
  EXPECT_EQ(config.connection.client_id, "TestThing23");  // Client Name stays the client id
  EXPECT_EQ(config.connection.key_file, "/etc/k.key");
  EXPECT_EQ(config.connection.port, 443);  // alpn: the DataLogger's 8883 gives way
  std::string notes;
  for (const std::string& n : config.notes) notes += n + "\n";
  EXPECT_THAT(notes, HasSubstr("/connection/endpoint \"new-ats.iot\" overrides the \"AWS IoT\" "
                               "block's \"old-ats.iot\""));
  EXPECT_THAT(notes, HasSubstr("/connection/thing_name \"Other\" overrides"));
}

// ---------------------------------------------------------------- files

TEST(ConfigFileTest, MissingFileIsNotFoundAndNamesThePath) {
  Result<AgentConfig> config = LoadConfig("/nonexistent/agent.json");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("/nonexistent/agent.json: cannot read"));
}

TEST(ConfigFileTest, ErrorsFromAFileNameTheFile) {
  std::unique_ptr<TempDir> dir = MakeTempDir();
  ASSERT_NE(dir, nullptr);
  const std::string path = dir->File("agent.json");
  ASSERT_TRUE(WriteStringToFile(path, R"({"reporting": {"interval_seconds": "fast"}})").ok());
  Result<AgentConfig> config = LoadConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            path +
                ": /reporting/interval_seconds: expected a number from 0.1 to 86400, found "
                "\"fast\"");
}

// ---------------------------------------------------------------- overrides

TEST(OverridesTest, ReplaceTheFileSettings) {
  AgentConfig config = MustParseConfig(DefaultConfigText());
  ConnectionOverrides o;
  o.endpoint = "tcp://127.0.0.1:1884";
  o.thing_name = "bench-1";
  o.shadow_name = "";
  o.key_file = "/tmp/k.key";
  o.keep_alive_seconds = 5;
  ASSERT_TRUE(ApplyCommandLineOverrides(o, &config).ok());
  EXPECT_EQ(config.connection.host, "127.0.0.1");
  EXPECT_EQ(config.connection.port, 1884);
  EXPECT_FALSE(config.connection.tls);
  EXPECT_EQ(config.connection.thing_name, "bench-1");
  EXPECT_EQ(config.connection.client_id, "bench-1");  // followed the thing name
  EXPECT_EQ(config.connection.key_file, "/tmp/k.key");
  EXPECT_EQ(config.connection.keep_alive_seconds, 5);
}

TEST(OverridesTest, PortAlpnClientIdAndFilesReplaceInlinePem) {
  AgentConfig config = MustParseConfig(R"({"AWS IoT": {"Server": "x-ats.iot", "Client Name": "T",
      "Client Key": "-----BEGIN PLACEHOLDER KEY-----\nK\n-----END PLACEHOLDER KEY-----\n"}})");
  ConnectionOverrides alpn;
  alpn.alpn = true;
  alpn.client_id = "c-1";
  alpn.key_file = "/k.key";
  ASSERT_TRUE(ApplyCommandLineOverrides(alpn, &config).ok());
  EXPECT_EQ(config.connection.port, 443);
  EXPECT_EQ(config.connection.client_id, "c-1");
  EXPECT_TRUE(config.connection.key_pem.empty());
  ConnectionOverrides port;
  port.port = 8443;
  ASSERT_TRUE(ApplyCommandLineOverrides(port, &config).ok());
  EXPECT_EQ(config.connection.port, 8443);
}

TEST(OverridesTest, BadValuesNameTheFlagAndChangeNothing) {
  AgentConfig config = MustParseConfig(DefaultConfigText());
  const ConnectionConfig before = config.connection;
  struct Case {
    ConnectionOverrides o;
    std::string message;
  };
  std::vector<Case> cases(8);
  cases[0].o.port = 0;
  cases[0].message = "--port: expected an integer from 1 to 65535, found 0";
  cases[1].o.thing_name = "a b";
  cases[1].message =
      "--thing: expected a thing name (1 to 128 characters of [a-zA-Z0-9:_-]), found \"a b\"";
  cases[2].o.shadow_name = "a/b";
  cases[2].message =
      "--shadow: expected a shadow name (1 to 64 characters of [$a-zA-Z0-9:_-]) or \"\" for the "
      "classic shadow, found \"a/b\"";
  cases[3].o.endpoint = "http://x";
  cases[3].message =
      "--broker: expected a host name or a URI ssl://host[:port], mqtts://..., tcp://..., found "
      "\"http://x\"";
  cases[4].o.keep_alive_seconds = 5000;
  cases[4].message = "--keep-alive: expected an integer from 1 to 1200, found 5000";
  cases[5].o.client_id = "";
  cases[5].message = "--client-id: expected a string of 1 to 128 characters, found \"\"";
  cases[6].o.cert_file = "";
  cases[6].message = "--cert: expected a file path, found \"\"";
  cases[7].o.endpoint = "tcp://h:1883";
  cases[7].o.alpn = true;
  cases[7].message = "--alpn: expected TLS, but the endpoint \"tcp://h:1883\" is plain MQTT";
  int index = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(index++);
    Status s = ApplyCommandLineOverrides(c.o, &config);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), c.message);
    EXPECT_EQ(config.connection.port, before.port);
    EXPECT_EQ(config.connection.thing_name, before.thing_name);
    EXPECT_EQ(config.connection.endpoint, before.endpoint);
  }
}

TEST(OverridesTest, PortDisagreeingWithEndpointUri) {
  AgentConfig config = MustParseConfig("{}");
  ConnectionOverrides o;
  o.endpoint = "ssl://h:8883";
  o.port = 443;
  EXPECT_EQ(ApplyCommandLineOverrides(o, &config).message(),
            "--port: expected 8883 (the port in --broker) or no --port, found 443");
}

// ---------------------------------------------------------------- key files

TEST(PrivateKeyTest, ReadableByGroupOrOthersIsRefusedWithTheFix) {
  std::unique_ptr<TempDir> dir = MakeTempDir();
  ASSERT_NE(dir, nullptr);
  const std::string key = dir->File("private.pem.key");
  ASSERT_TRUE(WriteStringToFile(key, "-----BEGIN PLACEHOLDER KEY-----\n", 0600).ok());
  for (mode_t mode : {0644, 0640, 0604}) {
    ASSERT_EQ(::chmod(key.c_str(), mode), 0);
    Status s = CheckPrivateKeyFile(key);
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
    char octal[8];
    std::snprintf(octal, sizeof(octal), "%04o", static_cast<unsigned>(mode));
    EXPECT_EQ(s.message(), key + " has mode " + octal +
                               ": the private key must not be readable by group or others; fix: "
                               "chmod 600 " +
                               key);
  }
  for (mode_t mode : {0600, 0400, 0620}) {
    ASSERT_EQ(::chmod(key.c_str(), mode), 0);
    EXPECT_TRUE(CheckPrivateKeyFile(key).ok()) << std::oct << mode;
  }
}

TEST(PrivateKeyTest, MissingKeyOrDirectory) {
  EXPECT_EQ(CheckPrivateKeyFile("/nonexistent/key.pem").code(), StatusCode::kNotFound);
  std::unique_ptr<TempDir> dir = MakeTempDir();
  ASSERT_NE(dir, nullptr);
  EXPECT_EQ(CheckPrivateKeyFile(dir->path()).code(), StatusCode::kFailedPrecondition);
}

class ConnectionReadyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_NE(dir_, nullptr);
    ASSERT_TRUE(WriteStringToFile(dir_->File("ca.pem"), "ca", 0644).ok());
    ASSERT_TRUE(WriteStringToFile(dir_->File("cert.pem"), "cert", 0644).ok());
    ASSERT_TRUE(WriteStringToFile(dir_->File("key.pem"), "key", 0600).ok());
    ASSERT_TRUE(WriteStringToFile(dir_->File("agent.json"), R"({"connection": {
        "endpoint": "x-ats.iot", "thing_name": "T", "ca_file": "ca.pem",
        "cert_file": "cert.pem", "key_file": "key.pem"}})")
                    .ok());
  }
  AgentConfig Load() {
    Result<AgentConfig> config = LoadConfig(dir_->File("agent.json"));
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    return config.ok() ? std::move(config).value() : AgentConfig();
  }
  std::unique_ptr<TempDir> dir_;
};

TEST_F(ConnectionReadyTest, CertificatesMayBeWorldReadable) {
  EXPECT_TRUE(CheckConnectionReady(Load()).ok());
}

TEST_F(ConnectionReadyTest, WorldReadableKeyIsRefused) {
  ASSERT_EQ(::chmod(dir_->File("key.pem").c_str(), 0644), 0);
  Status s = CheckConnectionReady(Load());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("chmod 600 " + dir_->File("key.pem")));
}

TEST_F(ConnectionReadyTest, MissingFile) {
  ASSERT_EQ(::unlink(dir_->File("cert.pem").c_str()), 0);
  Status s = CheckConnectionReady(Load());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr(dir_->File("cert.pem") + ": cannot read the client "
                                                              "certificate"));
}

TEST_F(ConnectionReadyTest, MissingSettings) {
  AgentConfig config = Load();
  config.connection.endpoint.clear();
  EXPECT_THAT(CheckConnectionReady(config).message(), HasSubstr("agent.json: no endpoint"));
  config = Load();
  config.connection.thing_name.clear();
  EXPECT_THAT(CheckConnectionReady(config).message(), HasSubstr("no thing name"));
  config = Load();
  config.connection.cert_file.clear();
  EXPECT_THAT(CheckConnectionReady(config).message(), HasSubstr("no client certificate"));
  config.connection.cert_pem = "-----BEGIN CERTIFICATE-----";
  config.connection.key_file.clear();
  EXPECT_THAT(CheckConnectionReady(config).message(), HasSubstr("no private key"));
  config.connection.key_pem = "-----BEGIN PLACEHOLDER KEY-----";
  EXPECT_TRUE(CheckConnectionReady(config).ok());
  // Plain MQTT needs no certificates; a disabled connection needs nothing.
  AgentConfig plain =
      MustParseConfig(R"({"connection": {"endpoint": "tcp://h", "thing_name": "T"}})");
  EXPECT_TRUE(CheckConnectionReady(plain).ok());
  AgentConfig disabled = MustParseConfig(R"({"AWS IoT": {"Enabled": false}})");
  EXPECT_TRUE(CheckConnectionReady(disabled).ok());
}

// F8: "127.0.0.1:21883" is a host and port, which means TLS; the missing
// certificate error says so and shows the tcp:// form. An endpoint with a
// scheme gets no such note.
TEST_F(ConnectionReadyTest, AnEndpointWithoutASchemeIsTlsAndTheErrorSaysSo) {
  AgentConfig config =
      MustParseConfig(R"({"connection": {"endpoint": "127.0.0.1:21883", "thing_name": "T"}})");
  const std::string message = CheckConnectionReady(config).message();
  EXPECT_THAT(message, HasSubstr("no client certificate"));
  EXPECT_THAT(message, HasSubstr("the endpoint \"127.0.0.1:21883\" has no scheme, so TLS is "
                                 "used: for a plain MQTT broker write tcp://127.0.0.1:21883"));
  AgentConfig with_scheme = MustParseConfig(
      R"({"connection": {"endpoint": "ssl://127.0.0.1:21883", "thing_name": "T"}})");
  EXPECT_THAT(CheckConnectionReady(with_scheme).message(), Not(HasSubstr("no scheme")));
}

}  // namespace
}  // namespace shadowsync::agent
