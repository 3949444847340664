// SPDX-License-Identifier: Apache-2.0
//
// Tests of the rules engine of the host core (service/core/rule_*.cc,
// table_writer.cc, sqlite_table_sink.cc) with a fake publish function:
// matching (FROM and WHERE), disabled rules, republish and its loop cut,
// error actions in AWS's shape, rows written by the worker into SQLite,
// database failures reported from OnTick, and loading a rules directory.
// The same engine runs in a real mosquitto in
// tests/integration/broker_rules_test.cc.

#include "rule_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "rule_error_message.h"
#include "rule_loader.h"
#include "rule_republish.h"
#include "rule_stats.h"
#include "shadowsync/json.h"
#include "sqlite_table_sink.h"
#include "support/temp_dir.h"
#include "table_writer.h"

namespace shadowsync::host {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_support::TempDir;

constexpr std::int64_t kNow = 1700000000000;

struct Published {
  std::string topic;
  std::string payload;
  int qos;
};

template <typename... R>
std::vector<TopicRule> Rules(R&&... rules) {
  std::vector<TopicRule> out;
  (out.push_back(std::forward<R>(rules)), ...);
  return out;
}

TopicRule Rule(const std::string& name, const std::string& json) {
  Result<TopicRule> rule = ParseTopicRule(json, name);
  EXPECT_TRUE(rule.ok()) << rule.status().ToString();
  return std::move(rule).value();
}

JsonDocument Json(const std::string& text) {
  Result<JsonDocument> doc = ParseJson(text);
  EXPECT_TRUE(doc.ok()) << text;
  return doc.ok() ? std::move(doc).value() : JsonDocument();
}

// Rows of `sql` (one text column) in the database at `path`.
std::vector<std::string> Query(const std::string& path, const std::string& sql) {
  std::vector<std::string> rows;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  while (statement != nullptr && sqlite3_step(statement) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement, 0);
    rows.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "NULL");
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}

class RuleEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("shadowsync-rules");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(dir).value();
  }

  // An engine over `rules`; with a SQLite table store when `tables`.
  std::unique_ptr<RuleEngine> Make(std::vector<TopicRule> rules, bool tables = false) {
    std::unique_ptr<TableWriter> writer;
    if (tables) {
      auto sink = SqliteTableSink::Open(db_path());
      EXPECT_TRUE(sink.ok()) << sink.status().ToString();
      if (sink.ok()) writer = std::make_unique<TableWriter>(std::move(sink).value());
    }
    return std::make_unique<RuleEngine>(
        std::move(rules), std::move(writer),
        [this](const std::string& topic, const std::string& payload, int qos) {
          published_.push_back({topic, payload, qos});
        },
        logger_, [] { return kNow; });
  }

  std::vector<std::string> Topics() const {
    std::vector<std::string> out;
    for (const Published& p : published_) out.push_back(p.topic);
    return out;
  }
  int LogLinesWith(const std::string& text) const {
    int n = 0;
    for (const std::string& line : log_lines_) n += line.find(text) != std::string::npos;
    return n;
  }
  std::string db_path() const { return dir_->File("tables.db"); }

  std::unique_ptr<TempDir> dir_;
  std::vector<Published> published_;
  std::vector<std::string> log_lines_;
  cli::Logger logger_{
      cli::LogLevel::kInfo,
      [this](cli::LogLevel, const std::string& line) { log_lines_.push_back(line); }, "shadowsync"};
};

TEST_F(RuleEngineTest, RepublishesTheResultWhenFromMatchesAndWhereHolds) {
  auto engine = Make(Rules(Rule("hot", R"({
      "sql": "SELECT temperature AS t, topic(2) AS site, clientid() AS c, principal() AS p, timestamp() AS ts FROM 'dt/+/+/telemetry' WHERE temperature > 25",
      "actions": [{"republish": {"topic": "alerts/${topic(2)}/${topic(3)}", "qos": 1}}]})")));
  engine->OnMessage({"dt/greenhouse/1/telemetry", R"({"temperature":30})", "dev-1", "thing-1"});
  engine->OnMessage({"dt/greenhouse/1/telemetry", R"({"temperature":20})", "dev-1", "thing-1"});
  engine->OnMessage({"dt/greenhouse/1/status", R"({"temperature":40})", "dev-1", "thing-1"});
  engine->OnMessage({"dt/greenhouse/telemetry", R"({"temperature":40})", "dev-1", "thing-1"});
  ASSERT_EQ(published_.size(), 1u);
  EXPECT_EQ(published_[0].topic, "alerts/greenhouse/1");
  EXPECT_EQ(published_[0].qos, 1);
  EXPECT_EQ(published_[0].payload,
            R"({"t":30,"site":"greenhouse","c":"dev-1","p":"thing-1","ts":1700000000000})");
  EXPECT_EQ(engine->counters(0).matched, 1u);
}

TEST_F(RuleEngineTest, ServiceMessagesHaveClientIdNaAndDisabledRulesNeverRun) {
  auto engine = Make(Rules(Rule("off", R"({"sql": "SELECT * FROM 'a/#'", "ruleDisabled": true,
                      "actions": [{"republish": {"topic": "off/out"}}]})"),
                           Rule("on", R"({"sql": "SELECT clientid() AS c FROM 'a/#'",
                     "actions": [{"republish": {"topic": "on/out"}}]})")));
  engine->OnMessage({"a/b", "{}", {}, {}});
  ASSERT_THAT(Topics(), ElementsAre("on/out"));
  EXPECT_EQ(published_[0].payload, R"({"c":"n/a"})");
  EXPECT_EQ(published_[0].qos, 0);
  EXPECT_EQ(engine->counters(0).matched, 0u);
}

TEST_F(RuleEngineTest, RepublishedMessagesRunThroughTheRulesAgain) {
  auto engine =
      Make(Rules(Rule("first", R"({"sql": "SELECT temperature FROM 'in/x'",
                        "actions": [{"republish": {"topic": "mid/x"}}]})"),
                 Rule("second", R"({"sql": "SELECT temperature * 2 AS double FROM 'mid/+'",
                         "actions": [{"republish": {"topic": "out/${topic(2)}"}}]})")));
  engine->OnMessage({"in/x", R"({"temperature":21})", "dev", ""});
  ASSERT_THAT(Topics(), ElementsAre("mid/x", "out/x"));
  EXPECT_EQ(published_[1].payload, R"({"double":42})");
}

TEST_F(RuleEngineTest, ARepublishLoopIsCutAtAFixedDepthAndLoggedOncePerRule) {
  auto engine = Make(Rules(Rule("loop", R"({"sql": "SELECT * FROM 'loop/#'",
      "actions": [{"republish": {"topic": "loop/again"}}]})")));
  engine->OnMessage({"loop/start", R"({"n":1})", "dev", ""});
  EXPECT_EQ(published_.size(), static_cast<std::size_t>(kMaxRepublishDepth));
  for (const Published& p : published_) EXPECT_EQ(p.topic, "loop/again");
  EXPECT_EQ(engine->counters(0).republish_cut, 1u);
  EXPECT_EQ(LogLinesWith("republish loop cut at depth 4"), 1);

  engine->OnMessage({"loop/start", R"({"n":2})", "dev", ""});
  EXPECT_EQ(published_.size(), 2u * kMaxRepublishDepth);
  EXPECT_EQ(engine->counters(0).republish_cut, 2u);
  EXPECT_EQ(LogLinesWith("republish loop cut"), 1) << "logged once per rule";
}

TEST_F(RuleEngineTest, ALoopCutGoesToTheErrorActionWhichDoesNotLoopEither) {
  auto engine = Make(Rules(Rule("loop", R"({"sql": "SELECT * FROM 'loop/#'",
      "actions": [{"republish": {"topic": "loop/again"}}],
      "errorAction": {"republish": {"topic": "loop/error"}}})")));
  engine->OnMessage({"loop/start", "{}", "dev", ""});
  // 4 republishes, then the cut's error message; the error message (depth
  // 5) is published but not evaluated again.
  ASSERT_EQ(published_.size(), 5u);
  EXPECT_EQ(published_[4].topic, "loop/error");
  JsonDocument error = Json(published_[4].payload);
  EXPECT_EQ(error["ruleName"], "loop");
  EXPECT_EQ(error["failures"][0]["failedAction"], "RepublishAction");
  EXPECT_EQ(error["failures"][0]["errorMessage"], "republish loop cut at depth 4");
}

TEST_F(RuleEngineTest, AFailedActionRunsTheErrorActionWithAwsErrorMessage) {
  auto engine = Make(Rules(Rule("store", R"({"sql": "SELECT * FROM 'raw/+'",
      "actions": [{"dynamoDBv2": {"roleArn": "arn:aws:iam::1:role/r", "putItem": {"tableName": "raw_rows"}}}],
      "errorAction": {"republish": {"topic": "errors/${topic(2)}", "qos": 1}}})")),
                     /*tables=*/true);
  // Not JSON: SELECT * passes the bytes, which is no item for dynamoDBv2.
  engine->OnMessage({"raw/dev1", "not json", "dev1", ""});
  ASSERT_THAT(Topics(), ElementsAre("errors/dev1"));
  EXPECT_EQ(published_[0].qos, 1);
  JsonDocument error = Json(published_[0].payload);
  EXPECT_EQ(error["ruleName"], "store");
  EXPECT_EQ(error["topic"], "raw/dev1");
  EXPECT_EQ(error["clientId"], "dev1");
  EXPECT_EQ(error["base64OriginalPayload"], Base64Encode("not json").c_str());
  EXPECT_EQ(error["base64OriginalPayload"], "bm90IGpzb24=");
  ASSERT_EQ(error["failures"].Size(), 1u);
  EXPECT_EQ(error["failures"][0]["failedAction"], "DynamoActionV2");
  EXPECT_EQ(error["failures"][0]["failedResource"], "raw_rows");
  EXPECT_THAT(error["failures"][0]["errorMessage"].GetString(), HasSubstr("JSON object"));
  EXPECT_EQ(engine->counters(0).actions_failed, 1u);
}

TEST_F(RuleEngineTest, WithoutAnErrorActionAFailureIsLogged) {
  auto engine = Make(Rules(Rule("bad_item", R"({"sql": "SELECT * FROM 'x/+'",
      "actions": [{"dynamoDBv2": {"putItem": {"tableName": "rows_${topic(2)}"}}}]})")),
                     /*tables=*/true);
  engine->OnMessage({"x/y", "raw bytes", "dev", ""});
  EXPECT_TRUE(published_.empty());
  EXPECT_EQ(LogLinesWith("rule bad_item: DynamoActionV2 rows_y failed on topic x/y: dynamoDBv2 "
                         "needs a JSON object result"),
            1);
}

TEST_F(RuleEngineTest, ADeepPayloadFailsTheMatchingRulesOnly) {
  auto engine = Make(Rules(Rule("deep", R"({"sql": "SELECT * FROM 'deep/#'",
      "actions": [{"republish": {"topic": "out"}}],
      "errorAction": {"republish": {"topic": "deep-errors"}}})")));
  std::string payload;
  for (int i = 0; i < 1200; ++i) payload += "{\"a\":";
  payload += "1";
  for (int i = 0; i < 1200; ++i) payload += "}";
  engine->OnMessage({"deep/x", payload, "dev", ""});
  engine->OnMessage({"other", payload, "dev", ""});
  ASSERT_THAT(Topics(), ElementsAre("deep-errors"));
  EXPECT_THAT(Json(published_[0].payload)["failures"][0]["errorMessage"].GetString(),
              HasSubstr("nesting depth 1200 exceeds 1000"));
}

TEST_F(RuleEngineTest, DynamoDbV2RowsLandInSqliteQueryableWithJsonExtract) {
  auto engine =
      Make(Rules(Rule("esp32",
                      R"({"sql": "SELECT *, topic() AS topic, timestamp() AS ts FROM 'esp32/pub'",
      "actions": [{"dynamoDBv2": {"roleArn": "arn:aws:iam::1:role/r", "putItem": {"tableName": "esp32_readings"}}}]})")),
           /*tables=*/true);
  engine->OnMessage({"esp32/pub", R"({"temperature":21.5,"humidity":40})", "esp32", ""});
  engine->OnMessage({"esp32/pub", R"({"temperature":22})", "esp32", ""});
  engine->tables()->Flush();
  EXPECT_THAT(Query(db_path(),
                    "SELECT json_extract(item, '$.temperature') || ' ' || "
                    "json_extract(item, '$.topic') || ' ' || inserted_ms FROM esp32_readings "
                    "ORDER BY rowid"),
              ElementsAre("21.5 esp32/pub 1700000000000", "22 esp32/pub 1700000000000"));
  EXPECT_TRUE(published_.empty());
  EXPECT_EQ(engine->tables()->written(), 2u);
}

TEST_F(RuleEngineTest, DynamoDbV1RowsAreKeyedUpsertedAndDeleted) {
  auto engine = Make(Rules(Rule("v1", R"({"sql": "SELECT t, op FROM 'gh/+/t'",
      "actions": [{"dynamoDB": {"roleArn": "arn:aws:iam::1:role/r", "tableName": "temps",
        "hashKeyField": "thing", "hashKeyValue": "${topic(2)}",
        "rangeKeyField": "n", "rangeKeyValue": "${n}", "rangeKeyType": "NUMBER",
        "payloadField": "reading", "operation": "${op}"}}]})")),
                     /*tables=*/true);
  engine->OnMessage({"gh/a/t", R"({"t":1,"n":1,"op":"INSERT"})", "dev", ""});
  engine->OnMessage({"gh/a/t", R"({"t":2,"n":2,"op":"INSERT"})", "dev", ""});
  engine->OnMessage({"gh/a/t", R"({"t":3,"n":1,"op":"UPDATE"})", "dev", ""});
  engine->OnMessage({"gh/b/t", R"({"t":9,"n":1,"op":"INSERT"})", "dev", ""});
  engine->OnMessage({"gh/b/t", R"({"t":9,"n":1,"op":"DELETE"})", "dev", ""});
  engine->tables()->Flush();
  EXPECT_THAT(
      Query(db_path(),
            "SELECT thing || ' ' || n || ' ' || typeof(n) || ' ' || "
            "json_extract(item, '$.reading.t') || ' ' || item FROM temps ORDER BY thing, n"),
      ElementsAre(R"(a 1 integer 3 {"thing":"a","n":1,"reading":{"t":3,"op":"UPDATE"}})",
                  R"(a 2 integer 2 {"thing":"a","n":2,"reading":{"t":2,"op":"INSERT"}})"));
  // A range key that is no number is an action failure on the broker thread.
  engine->OnMessage({"gh/a/t", R"({"t":1,"n":"x","op":"INSERT"})", "dev", ""});
  EXPECT_EQ(engine->counters(0).actions_failed, 1u);
  EXPECT_EQ(LogLinesWith("is not a NUMBER"), 1);
}

TEST_F(RuleEngineTest, ARowTheDatabaseRefusesReachesTheErrorActionAtTheNextTick) {
  // Two rules writing one table with different key columns: the second
  // rule's rows cannot be stored.
  auto engine = Make(Rules(Rule("by_thing", R"({"sql": "SELECT * FROM 'a'",
      "actions": [{"dynamoDB": {"roleArn": "arn:aws:iam::1:role/r", "tableName": "shared",
        "hashKeyField": "thing", "hashKeyValue": "x"}}]})"),
                           Rule("by_device", R"({"sql": "SELECT * FROM 'b'",
      "actions": [{"dynamoDB": {"roleArn": "arn:aws:iam::1:role/r", "tableName": "shared",
        "hashKeyField": "device", "hashKeyValue": "y"}}],
      "errorAction": {"republish": {"topic": "errors/by_device"}}})")),
                     /*tables=*/true);
  engine->OnMessage({"a", R"({"v":1})", "dev", ""});
  engine->tables()->Flush();
  engine->OnMessage({"b", R"({"v":2})", "dev", ""});
  engine->tables()->Flush();
  EXPECT_TRUE(published_.empty()) << "reported from the tick, on the broker thread";
  engine->OnTick();
  ASSERT_THAT(Topics(), ElementsAre("errors/by_device"));
  JsonDocument error = Json(published_[0].payload);
  EXPECT_EQ(error["topic"], "b");
  EXPECT_EQ(error["failures"][0]["failedAction"], "DynamoAction");
  EXPECT_EQ(error["failures"][0]["failedResource"], "shared");
  EXPECT_THAT(error["failures"][0]["errorMessage"].GetString(), HasSubstr("device"));
  EXPECT_EQ(engine->tables()->written(), 1u);
  EXPECT_EQ(engine->tables()->failed(), 1u);
  // The counters: by_thing's row written, by_device's dropped and failed.
  EXPECT_EQ(engine->counters(0).actions_succeeded, 1u);
  EXPECT_EQ(engine->counters(0).dropped, 0u);
  EXPECT_EQ(engine->counters(1).actions_succeeded, 0u);
  EXPECT_EQ(engine->counters(1).actions_failed, 1u);
  EXPECT_EQ(engine->counters(1).dropped, 1u);
  EXPECT_EQ(RuleStatsJson(*engine),
            R"({"rules":[{"name":"by_thing","enabled":true,"from":"a","matched":1,)"
            R"("actionsSucceeded":1,"actionsFailed":0,"dropped":0,"republishCut":0},)"
            R"({"name":"by_device","enabled":true,"from":"b","matched":1,"actionsSucceeded":0,)"
            R"("actionsFailed":1,"dropped":1,"republishCut":0}]})");
}

TEST_F(RuleEngineTest, StopWritesEverythingAcceptedAndLogsTheCounters) {
  auto engine = Make(Rules(Rule("many", R"({"sql": "SELECT n FROM 'n'",
      "actions": [{"dynamoDBv2": {"roleArn": "arn:aws:iam::1:role/r", "putItem": {"tableName": "numbers"}}}]})")),
                     /*tables=*/true);
  for (int i = 0; i < 2000; ++i) {
    engine->OnMessage({"n", "{\"n\":" + std::to_string(i) + "}", "dev", ""});
  }
  engine->Stop();
  EXPECT_THAT(Query(db_path(),
                    "SELECT count(*) || ' ' || sum(json_extract(item, '$.n')) "
                    "FROM numbers"),
              ElementsAre("2000 1999000"));
  EXPECT_EQ(
      LogLinesWith("rule many: matched=2000 actions_succeeded=2000 actions_failed=0 dropped=0"), 1);
  engine->OnMessage({"n", R"({"n":1})", "dev", ""});  // after Stop: ignored
  EXPECT_EQ(engine->counters(0).matched, 2000u);
}

// A sink that blocks until released, to fill the queue.
class GateSink : public TableSink {
 public:
  void WriteBatch(std::vector<TableWrite>& batch, std::vector<TableFailure>&) override {
    std::unique_lock<std::mutex> lock(mu);
    open_cv.wait(lock, [&] { return open; });
    rows += batch.size();
  }
  std::string Describe() const override { return "gate"; }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu);
      open = true;
    }
    open_cv.notify_all();
  }
  std::mutex mu;
  std::condition_variable open_cv;
  bool open = false;     // GUARDED_BY(mu)
  std::size_t rows = 0;  // GUARDED_BY(mu)
};

TEST(TableWriterTest, AFullQueueRefusesRowsWithoutWaitingAndStopDrainsTheRest) {
  auto sink = std::make_unique<GateSink>();
  GateSink* gate = sink.get();
  TableWriter writer(std::move(sink), /*capacity=*/3, /*max_batch=*/10);
  int accepted = 0;
  // The worker takes at most one batch (the first rows) and blocks on the
  // gate; the queue then holds 3 more, and the rest are refused at once.
  for (int i = 0; i < 20; ++i) accepted += writer.Enqueue(TableWrite{}) ? 1 : 0;
  EXPECT_GE(accepted, 3);
  EXPECT_LE(accepted, 13);
  EXPECT_LT(accepted, 20);
  gate->Open();
  writer.Stop();
  EXPECT_EQ(writer.written(), static_cast<std::uint64_t>(accepted));
  EXPECT_FALSE(writer.Enqueue(TableWrite{})) << "refused after Stop";
}

TEST_F(RuleEngineTest, AFullTableQueueDropsTheRowAndRunsTheErrorActionAtOnce) {
  auto sink = std::make_unique<GateSink>();
  GateSink* gate = sink.get();
  RuleEngine engine(
      Rules(Rule("busy", R"({"sql": "SELECT n FROM 'n'",
      "actions": [{"dynamoDBv2": {"putItem": {"tableName": "numbers"}}}],
      "errorAction": {"republish": {"topic": "errors/busy"}}})")),
      std::make_unique<TableWriter>(std::move(sink), /*capacity=*/2, /*max_batch=*/1),
      [this](const std::string& topic, const std::string& payload, int qos) {
        published_.push_back({topic, payload, qos});
      },
      logger_, [] { return kNow; });
  // The worker holds at most one row at the gate and the queue two: of 10
  // rows, at least 7 are dropped, each reported on this thread at once.
  for (int i = 0; i < 10; ++i) engine.OnMessage({"n", "{\"n\":1}", "dev", ""});
  gate->Open();  // before any ASSERT can return: Stop() waits for the worker
  EXPECT_GE(engine.counters(0).dropped, 7u);
  EXPECT_EQ(published_.size(), engine.counters(0).dropped);
  ASSERT_FALSE(published_.empty());
  EXPECT_EQ(published_[0].topic, "errors/busy");
  EXPECT_THAT(Json(published_[0].payload)["failures"][0]["errorMessage"].GetString(),
              HasSubstr("table queue full (2 rows): row dropped"));
  engine.Stop();
  EXPECT_EQ(engine.tables()->written(), 10u - engine.counters(0).dropped);
}

// --- Loading a rules directory ----------------------------------------------

TEST_F(RuleEngineTest, LoadsEveryJsonFileOfADirectoryInNameOrder) {
  ASSERT_TRUE(
      testing_support::WriteStringToFile(dir_->File("b_second.json"),
                                         R"({"sql": "SELECT * FROM 'b'", "ruleDisabled": true,
                      "actions": [{"republish": {"topic": "x"}}]})")
          .ok());
  ASSERT_TRUE(
      testing_support::WriteStringToFile(
          dir_->File("a_first.json"),
          R"({"sql": "SELECT * FROM 'a/+'", "actions": [{"republish": {"topic": "x", "qos": 1}}],
                      "errorAction": {"republish": {"topic": "e"}}})")
          .ok());
  ASSERT_TRUE(testing_support::WriteStringToFile(dir_->File("notes.txt"), "not a rule").ok());
  Result<std::vector<TopicRule>> rules = LoadRulesDir(dir_->path());
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[0].name, "a_first");
  EXPECT_EQ(DescribeRule((*rules)[0]),
            "rule a_first: FROM 'a/+' -> republish(x, qos 1); errorAction republish(e, qos 0)");
  EXPECT_EQ((*rules)[1].name, "b_second");
  EXPECT_THAT(DescribeRule((*rules)[1]), HasSubstr("(disabled: ruleDisabled)"));
}

TEST_F(RuleEngineTest, ABadRuleFileFailsTheLoadNamingTheFileAndThePosition) {
  ASSERT_TRUE(testing_support::WriteStringToFile(
                  dir_->File("ok.json"),
                  R"({"sql": "SELECT * FROM 'a'", "actions": [{"republish": {"topic": "x"}}]})")
                  .ok());
  ASSERT_TRUE(
      testing_support::WriteStringToFile(
          dir_->File("temp.json"),
          R"({"sql": "SELECT * FROM 'a' WHERE t != 1", "actions": [{"republish": {"topic": "x"}}]})")
          .ok());
  Result<std::vector<TopicRule>> rules = LoadRulesDir(dir_->path());
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.status().message(),
              HasSubstr(dir_->File("temp.json") + ": /sql: SQL position"));
  EXPECT_THAT(rules.status().message(), HasSubstr("!="));
  EXPECT_FALSE(LoadRulesDir(dir_->File("missing")).ok());
}

TEST_F(RuleEngineTest, TheExampleRulesLoadAndKeepTheGreenhouseHistory) {
  Result<std::vector<TopicRule>> rules = LoadRulesDir(SHADOWSYNC_SOURCE_DIR "/examples/rules");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 3u);
  auto engine = Make(std::move(rules).value(), /*tables=*/true);
  engine->OnMessage({"$aws/things/gh-1/shadow/update/accepted",
                     R"({"state":{"reported":{"greenhouse":{"temperature_c":24.5}}},"version":3})",
                     {},
                     {}});
  engine->OnMessage({"esp32/pub", R"({"temperature":21.5})", "esp32", "esp32"});
  engine->OnMessage({"dt/greenhouse/2/telemetry", R"({"temperature":30})", "sensor-2", ""});
  engine->tables()->Flush();
  EXPECT_THAT(Query(db_path(),
                    "SELECT thing || ' ' || ts || ' ' || "
                    "json_extract(item, '$.reading.t') FROM greenhouse_temperature"),
              ElementsAre("gh-1 1700000000000 24.5"));
  EXPECT_THAT(Query(db_path(), "SELECT json_extract(item, '$.temperature') FROM esp32_readings"),
              ElementsAre("21.5"));
  EXPECT_THAT(Query(db_path(),
                    "SELECT json_extract(item, '$.temperature') || ' ' || "
                    "json_extract(item, '$.house') || ' ' || "
                    "json_extract(item, '$.device') FROM greenhouse"),
              ElementsAre("30 2 sensor-2"));
  ASSERT_THAT(Topics(), ElementsAre("greenhouse/gh-1/temperature"));
  EXPECT_EQ(published_[0].payload, R"({"t":24.5,"thing":"gh-1","ts":1700000000000})");
}

}  // namespace
}  // namespace shadowsync::host
