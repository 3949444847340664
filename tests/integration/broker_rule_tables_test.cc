// SPDX-License-Identifier: Apache-2.0
//
// The rules' table actions in a real mosquitto, once per table backend
// (issue 13): the same tests run against SQLite (a file) and PostgreSQL (a
// private server from tests/support/postgres_fixture.h), with the example
// rule files of examples/rules as they ship:
//   - the ESP32 tutorial, part II: every reading on esp32/pub becomes one
//     dynamoDBv2 row with the topic and the rules engine's timestamp;
//   - the agent's greenhouse temperature: update/accepted into a v1 table
//     keyed by thing and time;
// and, for PostgreSQL, a database that goes away mid-run: the error action
// fires, the broker keeps serving, and rows resume once it is back.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "shadowsync/json.h"
#include "support/eventually.h"
#include "support/mosquitto_clients.h"
#include "support/mosquitto_fixture.h"
#include "support/postgres_fixture.h"
#include "support/shadow_service_fixture.h"
#include "support/shared_certificates.h"
#include "support/sqlite_query.h"
#include "support/temp_dir.h"

namespace shadowsync {
namespace {

using namespace std::chrono_literals;
using testing_support::BrokerOptions;
using testing_support::CliEndpoint;
using testing_support::Eventually;
using testing_support::MosquittoBroker;
using testing_support::MosquittoPub;
using testing_support::MosquittoSub;
using testing_support::PlainEndpoint;
using testing_support::ReceivedMessage;
using testing_support::TempDir;

const std::string kExamples = SHADOWSYNC_SOURCE_DIR "/examples/rules/";

// One table backend: where the rows go and how a test reads them back.
class TableBackend {
 public:
  virtual ~TableBackend() = default;
  virtual Status Start(const TempDir& dir) = 0;
  /// The plugin_opt_rules_table_store value.
  virtual std::string Store() const = 0;
  /// An SQL expression for the item's attribute at `path` (a.b), as text.
  virtual std::string Field(const std::string& path) const = 0;
  /// The first column of each row of `sql`; empty while the table is missing.
  virtual std::vector<std::string> Query(const std::string& sql) = 0;
};

class SqliteBackend : public TableBackend {
 public:
  Status Start(const TempDir& dir) override {
    path_ = dir.File("tables.db");
    return Status::Ok();
  }
  std::string Store() const override { return path_; }
  std::string Field(const std::string& path) const override {
    return "json_extract(item, '$." + path + "')";
  }
  std::vector<std::string> Query(const std::string& sql) override {
    return testing_support::QuerySqlite(path_, sql);
  }

 private:
  std::string path_;
};

class PostgresBackend : public TableBackend {
 public:
  Status Start(const TempDir&) override { return server_.Start(); }
  std::string Store() const override { return server_.Uri(); }
  std::string Field(const std::string& path) const override {
    std::string braces = path;
    for (char& c : braces) c = c == '.' ? ',' : c;
    return "(item #>> '{" + braces + "}')";
  }
  std::vector<std::string> Query(const std::string& sql) override {
    Result<std::vector<std::string>> rows = server_.Query(sql);
    return rows.ok() ? std::move(rows).value() : std::vector<std::string>{};
  }
  testing_support::PostgresServer& server() { return server_; }

 private:
  testing_support::PostgresServer server_;
};

std::unique_ptr<TableBackend> MakeBackend(const std::string& name) {
  if (name == "postgresql") return std::make_unique<PostgresBackend>();
  return std::make_unique<SqliteBackend>();
}

class RuleTablesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("shadowsync-rule-tables");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
    rules_dir_ = dir_->File("rules");
    std::error_code ec;
    ASSERT_TRUE(std::filesystem::create_directory(rules_dir_, ec)) << ec.message();
    backend_ = MakeBackend(GetParam());
    Status started = backend_->Start(*dir_);
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  // Copies examples/rules/<name>.json into the rules directory.
  void UseExampleRule(const std::string& name) {
    std::error_code ec;
    ASSERT_TRUE(std::filesystem::copy_file(kExamples + name + ".json",
                                           rules_dir_ + "/" + name + ".json", ec))
        << ec.message();
  }

  ::testing::AssertionResult StartBroker() {
    BrokerOptions options;
    options.certificates = testing_support::SharedCertificates({"test-client"});
    options.plugin_path = testing_support::BuiltPluginPath();
    options.plugin_options = {{"rules_dir", rules_dir_}, {"rules_table_store", backend_->Store()}};
    Status started = broker_.Start(options);
    if (!started.ok()) return ::testing::AssertionFailure() << started.ToString();
    return ::testing::AssertionSuccess();
  }

  void Publish(const std::string& topic, const std::string& payload,
               const std::string& client_id = "esp32-1") {
    CliEndpoint endpoint = PlainEndpoint(broker_);
    endpoint.client_id = client_id;
    Result<testing_support::ProcessOutput> pub = MosquittoPub(endpoint, topic, payload, 1);
    ASSERT_TRUE(pub.ok()) << pub.status().ToString();
    EXPECT_TRUE(pub->status.success()) << pub->output;
  }

  // `sql` until it returns `expected` (the worker writes asynchronously).
  std::vector<std::string> PollTable(const std::string& sql,
                                     const std::vector<std::string>& expected,
                                     std::chrono::milliseconds timeout = 15s) {
    std::vector<std::string> rows;
    Eventually(
        [&] {
          rows = backend_->Query(sql);
          return rows == expected;
        },
        timeout, 20ms);
    return rows;
  }

  std::unique_ptr<TempDir> dir_;
  std::string rules_dir_;
  std::unique_ptr<TableBackend> backend_;
  MosquittoBroker broker_;
};

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_P(RuleTablesTest, TheEsp32TutorialWritesOneRowPerReading) {
  UseExampleRule("esp32_readings");
  ASSERT_TRUE(StartBroker());
  const std::int64_t before = NowMs();
  Publish("esp32/pub", R"({"temperature":21.5,"humidity":40})");
  Publish("esp32/pub", R"({"temperature":22.5,"humidity":41})");
  Publish("esp32/other", R"({"temperature":99})");  // not FROM 'esp32/pub'
  const std::string t = backend_->Field("temperature");
  const std::vector<std::string> expected = {"21.5 40 esp32/pub", "22.5 41 esp32/pub"};
  EXPECT_EQ(PollTable("SELECT " + t + " || ' ' || " + backend_->Field("humidity") + " || ' ' || " +
                          backend_->Field("topic") + " FROM esp32_readings ORDER BY " + t,
                      expected),
            expected)
      << broker_.LogTail();
  // ts is timestamp(): the broker's clock when the message came.
  for (const std::string& ts :
       backend_->Query("SELECT " + backend_->Field("ts") + " FROM esp32_readings")) {
    const long long value = std::atoll(ts.c_str());
    EXPECT_GE(value, before - 1000) << ts;
    EXPECT_LE(value, NowMs() + 1000) << ts;
  }
}

TEST_P(RuleTablesTest, TheAgentsTemperatureHistoryFillsAV1TableKeyedByThingAndTime) {
  UseExampleRule("greenhouse_temperature");
  ASSERT_TRUE(StartBroker());
  // What the agent reports: its greenhouse section, with and without a reading.
  for (const char* reported :
       {R"({"greenhouse":{"temperature_c":24.5}})", R"({"greenhouse":{"fan":true}})",
        R"({"greenhouse":{"temperature_c":25.5}})"}) {
    Publish("$aws/things/gh-1/shadow/update",
            std::string(R"({"state":{"reported":)") + reported + "}}", "gh-1");
  }
  const std::vector<std::string> expected = {"gh-1 24.5", "gh-1 25.5"};
  EXPECT_EQ(PollTable("SELECT thing || ' ' || " + backend_->Field("reading.t") +
                          " FROM greenhouse_temperature ORDER BY ts",
                      expected),
            expected)
      << broker_.LogTail();
}

INSTANTIATE_TEST_SUITE_P(Backends, RuleTablesTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

class PostgresRuleTablesTest : public RuleTablesTest {};

TEST_P(PostgresRuleTablesTest, ADatabaseThatGoesAwayRunsTheErrorActionAndRowsResumeWhenItIsBack) {
  auto& server = static_cast<PostgresBackend&>(*backend_).server();
  UseExampleRule("esp32_readings");
  ASSERT_TRUE(StartBroker());
  const std::string t = backend_->Field("temperature");
  const std::string rows = "SELECT " + t + " FROM esp32_readings ORDER BY " + t;
  Publish("esp32/pub", R"({"temperature":1})");
  ASSERT_EQ(PollTable(rows, {"1"}), std::vector<std::string>{"1"}) << broker_.LogTail();

  ASSERT_TRUE(server.Stop().ok());
  MosquittoSub errors;
  ASSERT_TRUE(errors.Start(PlainEndpoint(broker_), {"rules/errors/esp32_readings"}, 1).ok());
  ASSERT_TRUE(errors.WaitSubscribed().ok()) << broker_.LogTail();
  Publish("esp32/pub", R"({"temperature":2})");
  Result<std::vector<ReceivedMessage>> got = errors.WaitForMessages(15s);
  ASSERT_TRUE(got.ok()) << got.status().ToString() << "\n" << broker_.LogTail();
  Result<JsonDocument> error = ParseJson((*got)[0].payload);
  ASSERT_TRUE(error.ok()) << (*got)[0].payload;
  EXPECT_EQ((*error)["ruleName"], "esp32_readings");
  EXPECT_EQ((*error)["topic"], "esp32/pub");
  EXPECT_EQ((*error)["failures"][0]["failedAction"], "DynamoActionV2");
  EXPECT_EQ((*error)["failures"][0]["failedResource"], "esp32_readings");
  const std::string message = (*error)["failures"][0]["errorMessage"].GetString();
  EXPECT_NE(message.find("database unavailable"), std::string::npos) << message;
  // The broker kept serving: the shadow service answers.
  MosquittoSub accepted;
  ASSERT_TRUE(
      accepted.Start(PlainEndpoint(broker_), {"$aws/things/t1/shadow/update/accepted"}, 1).ok());
  ASSERT_TRUE(accepted.WaitSubscribed().ok());
  Publish("$aws/things/t1/shadow/update", R"({"state":{"reported":{"on":true}}})", "t1");
  EXPECT_TRUE(accepted.WaitForMessages(15s).ok()) << broker_.LogTail();

  // Back: the sink reconnects (after its backoff) and rows are written
  // again. Each try is a new reading, so the test does not depend on when
  // the next connection attempt is due.
  ASSERT_TRUE(server.Start().ok());
  bool resumed = false;
  for (int i = 10; i < 40 && !resumed; ++i) {
    Publish("esp32/pub", "{\"temperature\":" + std::to_string(i) + "}");
    resumed = Eventually(
        [&] {
          return backend_->Query("SELECT count(*) FROM esp32_readings WHERE " + t + " = '" +
                                 std::to_string(i) + "'") == std::vector<std::string>{"1"};
        },
        1s, 20ms);
  }
  EXPECT_TRUE(resumed) << broker_.LogTail();
  EXPECT_TRUE(broker_.IsRunning());
  // The reading published while the database was down is not in the table.
  EXPECT_EQ(backend_->Query("SELECT count(*) FROM esp32_readings WHERE " + t + " = '2'"),
            std::vector<std::string>{"0"});
}

INSTANTIATE_TEST_SUITE_P(Backends, PostgresRuleTablesTest, ::testing::Values("postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace shadowsync
