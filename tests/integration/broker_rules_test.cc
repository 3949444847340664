// SPDX-License-Identifier: Apache-2.0
//
// AWS IoT topic rules inside shadowsync_mosquitto.so (issue 13), in a real
// mosquitto 2.0 with a rules directory written at test time, driven by the
// mosquitto_pub / mosquitto_sub command-line clients:
//   - a device's telemetry matches a republish rule (FROM and WHERE), and
//     the SQL result (clientid(), principal() from the certificate CN)
//     reaches an MQTT subscriber;
//   - the shadow service's own update/accepted triggers a rule;
//   - a dynamoDBv2 rule fills a SQLite table (read with sqlite3 while the
//     broker runs, polled with a deadline), and a clean stop loses none;
//   - a row the database refuses reaches the rule's error action (AWS's
//     error message), published from the broker thread;
//   - a republish loop is cut and logged once;
//   - a bad rule file keeps mosquitto from starting, naming the file;
//   - `shadowctl rules` lists the rules with their counters.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "shadowsync/json.h"
#include "support/child_process.h"
#include "support/eventually.h"
#include "support/mosquitto_clients.h"
#include "support/mosquitto_fixture.h"
#include "support/shadow_service_fixture.h"
#include "support/shared_certificates.h"
#include "support/sqlite_query.h"
#include "support/temp_dir.h"

namespace shadowsync {
namespace {

using namespace std::chrono_literals;
using testing_support::BrokerOptions;
using testing_support::BuiltPluginPath;
using testing_support::CliEndpoint;
using testing_support::MosquittoBroker;
using testing_support::MosquittoPub;
using testing_support::MosquittoSub;
using testing_support::PlainEndpoint;
using testing_support::ReceivedMessage;
using testing_support::TempDir;

using testing_support::QuerySqlite;

class BrokerRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = testing_support::SharedCertificates({"test-client", "esp32"});
    ASSERT_NE(certs_, nullptr);
    auto dir = TempDir::Create("shadowsync-rules-test");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
    rules_dir_ = dir_->File("rules");
    std::error_code ec;
    ASSERT_TRUE(std::filesystem::create_directory(rules_dir_, ec)) << ec.message();
  }

  void WriteRule(const std::string& name, const std::string& json) {
    ASSERT_TRUE(
        testing_support::WriteStringToFile(rules_dir_ + "/" + name + ".json", json, 0600).ok());
  }

  BrokerOptions Options() const {
    BrokerOptions options;
    options.certificates = certs_;
    options.plugin_path = BuiltPluginPath();
    options.plugin_options = {{"rules_dir", rules_dir_}, {"rules_table_store", table_store()}};
    return options;
  }

  ::testing::AssertionResult Start() {
    Status started = broker_.Start(Options());
    if (!started.ok()) return ::testing::AssertionFailure() << started.ToString();
    return ::testing::AssertionSuccess();
  }

  std::string table_store() const { return dir_->File("tables.db"); }

  std::unique_ptr<MosquittoSub> Subscribe(const std::vector<std::string>& filters, int count) {
    auto sub = std::make_unique<MosquittoSub>();
    Status started = sub->Start(PlainEndpoint(broker_), filters, count);
    EXPECT_TRUE(started.ok()) << started.ToString();
    Status subscribed = sub->WaitSubscribed();
    EXPECT_TRUE(subscribed.ok()) << subscribed.ToString() << "\n" << broker_.LogTail();
    return sub;
  }

  std::vector<ReceivedMessage> Wait(MosquittoSub& sub) {
    Result<std::vector<ReceivedMessage>> got = sub.WaitForMessages(15s);
    EXPECT_TRUE(got.ok()) << got.status().ToString() << "\n" << broker_.LogTail();
    return got.ok() ? std::move(got).value() : sub.Messages();
  }

  void Publish(const CliEndpoint& endpoint, const std::string& topic, const std::string& payload) {
    Result<testing_support::ProcessOutput> pub = MosquittoPub(endpoint, topic, payload, 1);
    ASSERT_TRUE(pub.ok()) << pub.status().ToString();
    EXPECT_TRUE(pub->status.success()) << pub->output;
  }

  // Polls `sql` until it returns `expected` or 15 s pass; the worker
  // writes asynchronously, so there is no moment to wait for.
  std::vector<std::string> PollTable(const std::string& sql,
                                     const std::vector<std::string>& expected) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    std::vector<std::string> rows = QuerySqlite(table_store(), sql);
    while (rows != expected && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);  // a poll interval, not an ordering
      rows = QuerySqlite(table_store(), sql);
    }
    return rows;
  }

  int Count(const std::string& text) const {
    const std::string log = broker_.ReadLog();
    int n = 0;
    for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
    return n;
  }

  std::shared_ptr<const testing_support::TestCertificates> certs_;
  std::unique_ptr<TempDir> dir_;
  std::string rules_dir_;
  MosquittoBroker broker_;
};

TEST_F(BrokerRulesTest, ATelemetryRuleRepublishesTheSqlResultToASubscriber) {
  WriteRule("hot", R"({
    "sql": "SELECT temperature, topic(2) AS site, clientid() AS device, principal() AS who FROM 'dt/+/+/telemetry' WHERE temperature > 25",
    "actions": [{"republish": {"topic": "alerts/${topic(2)}/${topic(3)}", "qos": 1}}]})");
  ASSERT_TRUE(Start());
  EXPECT_EQ(Count("rule hot: FROM 'dt/+/+/telemetry' -> republish(alerts/${topic(2)}/${topic(3)}, "
                  "qos 1)"),
            1)
      << broker_.LogTail();
  auto sub = Subscribe({"alerts/#"}, 1);
  CliEndpoint device = testing_support::TlsEcEndpoint(broker_, certs_->client("esp32").ec);
  device.client_id = "esp32-sensor";
  // Too cool: WHERE is false, nothing is republished (else the subscriber's
  // one message would be this one).
  Publish(device, "dt/greenhouse/1/telemetry", R"({"temperature": 20})");
  Publish(device, "dt/greenhouse/1/telemetry", R"({"temperature": 30})");
  std::vector<ReceivedMessage> got = Wait(*sub);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "alerts/greenhouse/1");
  EXPECT_EQ(got[0].payload,
            R"({"temperature":30,"site":"greenhouse","device":"esp32-sensor","who":"esp32"})");
}

TEST_F(BrokerRulesTest, TheShadowServicesUpdateAcceptedTriggersARule) {
  WriteRule("greenhouse", R"json({
    "sql": "SELECT state.reported.temperature_c AS t, topic(3) AS thing FROM '$aws/things/+/shadow/update/accepted' WHERE NOT isUndefined(state.reported.temperature_c)",
    "actions": [{"republish": {"topic": "greenhouse/${topic(3)}/temperature", "qos": 1}}]})json");
  ASSERT_TRUE(Start());
  auto sub = Subscribe({"greenhouse/#"}, 1);
  // No temperature: accepted, but WHERE is false.
  Publish(PlainEndpoint(broker_), "$aws/things/gh-1/shadow/update",
          R"({"state":{"reported":{"fan":true}}})");
  Publish(PlainEndpoint(broker_), "$aws/things/gh-1/shadow/update",
          R"({"state":{"reported":{"temperature_c":24.5}}})");
  std::vector<ReceivedMessage> got = Wait(*sub);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "greenhouse/gh-1/temperature");
  EXPECT_EQ(got[0].payload, R"({"t":24.5,"thing":"gh-1"})");
}

TEST_F(BrokerRulesTest, ADynamoDbV2RuleFillsTheSqliteTableAndACleanStopLosesNoRow) {
  WriteRule("readings", R"({
    "sql": "SELECT *, topic(3) AS house, clientid() AS device FROM 'dt/+/+/telemetry'",
    "actions": [{"dynamoDBv2": {"roleArn": "arn:aws:iam::123456789012:role/r",
                                "putItem": {"tableName": "greenhouse"}}}],
    "errorAction": {"republish": {"topic": "rules/errors/readings"}}})");
  ASSERT_TRUE(Start());
  CliEndpoint device = PlainEndpoint(broker_);
  device.client_id = "sensor-7";
  Publish(device, "dt/greenhouse/1/telemetry", R"({"temperature": 30})");
  EXPECT_EQ(PollTable("SELECT json_extract(item, '$.temperature') || ' ' || "
                      "json_extract(item, '$.house') || ' ' || json_extract(item, '$.device') "
                      "FROM greenhouse",
                      {"30 1 sensor-7"}),
            std::vector<std::string>{"30 1 sensor-7"})
      << broker_.LogTail();

  // Rows accepted just before a clean stop are written at plugin cleanup.
  for (int i = 1; i <= 5; ++i) {
    Publish(device, "dt/greenhouse/2/telemetry", "{\"temperature\": " + std::to_string(i) + "}");
  }
  ASSERT_TRUE(broker_.Stop().ok());
  EXPECT_EQ(QuerySqlite(table_store(),
                        "SELECT count(*) || ' ' || sum(json_extract(item, "
                        "'$.temperature')) FROM greenhouse WHERE "
                        "json_extract(item, '$.house') = '2'"),
            std::vector<std::string>{"5 15"})
      << broker_.LogTail();
  EXPECT_EQ(Count("rule readings: matched=6 actions_succeeded=6 actions_failed=0 dropped=0"), 1)
      << broker_.LogTail();
}

TEST_F(BrokerRulesTest, ARowTheDatabaseRefusesReachesTheErrorActionFromTheBrokerThread) {
  // Two rules share a table with different key columns: the first row
  // creates it keyed by "thing", so the database refuses the second rule's
  // rows (no column "device"). The worker finds that; the plugin publishes
  // the error message at the next tick.
  WriteRule("a_by_thing", R"({"sql": "SELECT * FROM 'first'",
      "actions": [{"dynamoDB": {"tableName": "shared", "hashKeyField": "thing",
                                "hashKeyValue": "${topic()}"}}]})");
  WriteRule("b_by_device", R"({"sql": "SELECT * FROM 'second/+'",
      "actions": [{"dynamoDB": {"tableName": "shared", "hashKeyField": "device",
                                "hashKeyValue": "${clientid()}"}}],
      "errorAction": {"republish": {"topic": "rules/errors/${topic(2)}", "qos": 1}}})");
  ASSERT_TRUE(Start());
  auto sub = Subscribe({"rules/errors/#"}, 1);
  CliEndpoint device = PlainEndpoint(broker_);
  device.client_id = "sensor-9";
  Publish(device, "first", R"({"v":1})");
  ASSERT_EQ(PollTable("SELECT thing FROM shared", {"first"}), std::vector<std::string>{"first"});
  Publish(device, "second/x", R"({"v":2})");
  std::vector<ReceivedMessage> got = Wait(*sub);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "rules/errors/x");
  Result<JsonDocument> error = ParseJson(got[0].payload);
  ASSERT_TRUE(error.ok()) << got[0].payload;
  EXPECT_EQ((*error)["ruleName"], "b_by_device");
  EXPECT_EQ((*error)["topic"], "second/x");
  EXPECT_EQ((*error)["clientId"], "sensor-9");
  EXPECT_EQ((*error)["base64OriginalPayload"], "eyJ2IjoyfQ==");
  EXPECT_EQ((*error)["failures"][0]["failedAction"], "DynamoAction");
  EXPECT_EQ((*error)["failures"][0]["failedResource"], "shared");
  EXPECT_TRUE(broker_.IsRunning());
}

TEST_F(BrokerRulesTest, ARepublishLoopIsCutAndLoggedOnce) {
  WriteRule("loop", R"({"sql": "SELECT * FROM 'loop/#'",
                        "actions": [{"republish": {"topic": "loop/again", "qos": 1}}]})");
  ASSERT_TRUE(Start());
  // The original and the 4 republished copies; then a barrier message, so
  // that a 6th loop/again (a loop not cut) would arrive before it.
  auto sub = Subscribe({"loop/#", "barrier"}, 6);
  Publish(PlainEndpoint(broker_), "loop/start", R"({"n":1})");
  Publish(PlainEndpoint(broker_), "barrier", "{}");
  std::vector<ReceivedMessage> got = Wait(*sub);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].topic, "loop/start");
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(got[i].topic, "loop/again") << i;
  EXPECT_EQ(got[5].topic, "barrier");
  Publish(PlainEndpoint(broker_), "loop/start", R"({"n":2})");
  EXPECT_EQ(Count("rule loop: republish loop cut at depth 4"), 1) << broker_.LogTail();
  EXPECT_TRUE(broker_.IsRunning());
}

TEST_F(BrokerRulesTest, ABadRuleFileKeepsMosquittoFromStartingAndNamesTheFile) {
  WriteRule("good", R"({"sql": "SELECT * FROM 'a'", "actions": [{"republish": {"topic": "b"}}]})");
  WriteRule("temp", R"({"sql": "SELECT * FROM 'a' WHERE t != 1",
                        "actions": [{"republish": {"topic": "b"}}]})");
  BrokerOptions options = Options();
  options.start_timeout = 5s;
  MosquittoBroker broker;
  EXPECT_FALSE(broker.Start(options).ok());
  const std::string log = broker.ReadLog();
  EXPECT_NE(log.find("shadowsync: error: plugin_opt_rules_dir: " + rules_dir_ +
                     "/temp.json: /sql: SQL position"),
            std::string::npos)
      << broker.LogTail();
  EXPECT_FALSE(broker.IsRunning());
}

TEST_F(BrokerRulesTest, ATableRuleWithoutATableStoreKeepsMosquittoFromStarting) {
  WriteRule("readings", R"({"sql": "SELECT * FROM 'a'",
      "actions": [{"dynamoDBv2": {"putItem": {"tableName": "greenhouse"}}}]})");
  BrokerOptions options = Options();
  options.plugin_options = {{"rules_dir", rules_dir_}};
  options.start_timeout = 5s;
  MosquittoBroker broker;
  EXPECT_FALSE(broker.Start(options).ok());
  EXPECT_NE(broker.ReadLog().find("rule readings writes a table (dynamoDBv2 or dynamoDB): set "
                                  "plugin_opt_rules_table_store"),
            std::string::npos)
      << broker.LogTail();
}

TEST_F(BrokerRulesTest, ShadowctlRulesListsTheRulesWithTheirCounters) {
  WriteRule("hot", R"({"sql": "SELECT * FROM 'dt/#' WHERE temperature > 25",
                       "actions": [{"republish": {"topic": "alerts/hot"}}]})");
  WriteRule("off", R"({"sql": "SELECT * FROM 'x'", "ruleDisabled": true,
                       "actions": [{"republish": {"topic": "y"}}]})");
  ASSERT_TRUE(Start());
  Publish(PlainEndpoint(broker_), "dt/1", R"({"temperature": 20})");
  Publish(PlainEndpoint(broker_), "dt/1", R"({"temperature": 30})");
  auto shadowctl = [&](std::vector<std::string> extra) {
    testing_support::ChildProcessOptions run;
    run.argv = {SHADOWSYNC_BINARY_DIR "/tools/shadowctl/shadowctl", "rules", "--broker",
                broker_.plain_uri()};
    run.argv.insert(run.argv.end(), extra.begin(), extra.end());
    return testing_support::RunProcess(run, 20s);
  };
  // The snapshot is retained and refreshed at most once a second.
  std::string last;
  EXPECT_TRUE(testing_support::Eventually(
      [&] {
        Result<testing_support::ProcessOutput> ran = shadowctl({"--json"});
        if (!ran.ok() || !ran->status.success()) return false;
        last = ran->output;
        return last.find(R"("name":"hot","enabled":true,"from":"dt/#","matched":1,)"
                         R"("actionsSucceeded":1,"actionsFailed":0)") != std::string::npos;
      },
      15s, 200ms))
      << last << "\n"
      << broker_.LogTail();
  Result<testing_support::ProcessOutput> table = shadowctl({});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_TRUE(table->status.success()) << table->output;
  EXPECT_NE(table->output.find("RULE  STATE     FROM  MATCHED  SUCCEEDED  FAILED  DROPPED  CUT\n"
                               "hot   enabled   dt/#        1          1       0        0    0\n"
                               "off   disabled  x           0          0       0        0    0\n"),
            std::string::npos)
      << table->output;
}

}  // namespace
}  // namespace shadowsync
