// SPDX-License-Identifier: Apache-2.0
//
// PostgresTableSink (service/core/postgres_table_sink.h) against a private
// PostgreSQL (tests/support/postgres_fixture.h), without a broker: tables
// made on first use with the item as jsonb, v1 upsert and delete, a row the
// database refuses failing alone while the rest of its batch is written,
// names PostgreSQL would truncate refused, a malformed URI refused at open,
// and a server that is down failing the batch at once, then written to
// again once it is back.

#include "postgres_table_sink.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "open_table_sink.h"
#include "support/eventually.h"
#include "support/postgres_fixture.h"

namespace shadowsync::host {
namespace {

using namespace std::chrono_literals;
using testing_support::PostgresServer;

TableWrite V2(const std::string& table, const std::string& item, const std::string& rule = "r") {
  TableWrite w;
  w.table = table;
  w.item_json = item;
  w.inserted_ms = 1700000000000;
  w.rule = rule;
  return w;
}

TableWrite V1(const std::string& thing, const std::string& ts, const std::string& item,
              TableWrite::Operation op = TableWrite::Operation::kPut) {
  TableWrite w = V2("history", item);
  w.keys = {{"thing", thing, false}, {"ts", ts, true}};
  w.operation = op;
  return w;
}

class PostgresTableSinkTest : public ::testing::Test {
 protected:
  // One server for the suite (initdb costs seconds); each test uses its own
  // tables, and the one that stops the server starts it again.
  static void SetUpTestSuite() { server_ = new PostgresServer; }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    Result<std::unique_ptr<TableSink>> sink = OpenTableSink(server_->Uri());
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    sink_ = std::move(sink).value();
  }

  std::vector<TableFailure> Write(std::vector<TableWrite> batch) {
    std::vector<TableFailure> failures;
    sink_->WriteBatch(batch, failures);
    return failures;
  }

  std::vector<std::string> Query(const std::string& sql) {
    Result<std::vector<std::string>> rows = server_->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? std::move(rows).value() : std::vector<std::string>{};
  }

  static PostgresServer* server_;
  std::unique_ptr<TableSink> sink_;
};

PostgresServer* PostgresTableSinkTest::server_ = nullptr;

TEST_F(PostgresTableSinkTest, AV2BatchMakesItsTableAndStoresTheItemsAsJsonb) {
  EXPECT_EQ(sink_->Describe(),
            "postgresql postgres@127.0.0.1:" + std::to_string(server_->port()) + "/postgres");
  EXPECT_TRUE(
      Write({V2("Readings", R"({"t":21.5,"s":"a"})"), V2("Readings", R"({"t":22})")}).empty());
  EXPECT_EQ(Query("SELECT (item->>'t') || ' ' || jsonb_typeof(item) || ' ' || inserted_ms "
                  "FROM \"Readings\" ORDER BY item->>'t'"),
            (std::vector<std::string>{"21.5 object 1700000000000", "22 object 1700000000000"}));
}

TEST_F(PostgresTableSinkTest, V1RowsAreKeyedUpsertedAndDeleted) {
  EXPECT_TRUE(Write({V1("lamp", "1", R"({"v":1})"), V1("lamp", "2", R"({"v":2})"),
                     V1("lamp", "1", R"({"v":3})")})
                  .empty());
  EXPECT_EQ(Query("SELECT thing || ' ' || ts || ' ' || (item->>'v') FROM history ORDER BY ts"),
            (std::vector<std::string>{"lamp 1 3", "lamp 2 2"}));
  EXPECT_EQ(Query("SELECT data_type FROM information_schema.columns WHERE table_name = "
                  "'history' AND column_name = 'ts'"),
            std::vector<std::string>{"numeric"});
  EXPECT_TRUE(Write({V1("lamp", "1", "", TableWrite::Operation::kDelete)}).empty());
  EXPECT_EQ(Query("SELECT ts FROM history"), std::vector<std::string>{"2"});
}

TEST_F(PostgresTableSinkTest, ARefusedRowFailsAloneAndTheRestOfItsBatchIsWritten) {
  // jsonb cannot hold \u0000; the not-a-number key is refused before the
  // server sees it.
  std::vector<TableFailure> failures =
      Write({V2("mixed", R"({"n":1})"), V2("mixed", R"({"s":"a\u0000b"})", "bad"),
             V2("mixed", R"({"n":2})"), V1("lamp", "x", "{}")});
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].write.rule, "bad");
  EXPECT_NE(failures[0].error.find("writing to table mixed"), std::string::npos)
      << failures[0].error;
  EXPECT_NE(failures[1].error.find("key ts: value 'x' is not a NUMBER"), std::string::npos)
      << failures[1].error;
  EXPECT_EQ(Query("SELECT item->>'n' FROM mixed ORDER BY 1"), (std::vector<std::string>{"1", "2"}));
}

TEST_F(PostgresTableSinkTest, NamesPostgresqlWouldTruncateAreRefused) {
  std::vector<TableFailure> failures = Write({V2(std::string(64, 't'), "{}")});
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].error.find("at most 63 bytes"), std::string::npos) << failures[0].error;
  EXPECT_TRUE(Write({V2(std::string(63, 't'), "{}")}).empty());
}

TEST_F(PostgresTableSinkTest, AMalformedUriIsRefusedAtOpenAndAPathIsSqlite) {
  Result<std::unique_ptr<TableSink>> bad =
      OpenTableSink("postgresql://127.0.0.1/db?nosuchoption=1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("PostgreSQL connection URI"), std::string::npos)
      << bad.status().message();
  EXPECT_TRUE(PostgresTableSink::IsConnectionUri("postgres://x"));
  EXPECT_FALSE(PostgresTableSink::IsConnectionUri("/var/lib/tables.db"));
}

TEST_F(PostgresTableSinkTest, ADownServerFailsTheBatchAtOnceAndWritingResumesWhenItIsBack) {
  std::vector<TableFailure> first = Write({V2("uptime_rows", R"({"n":1})")});
  ASSERT_TRUE(first.empty()) << first[0].error;
  ASSERT_TRUE(server_->Stop().ok());
  std::vector<TableFailure> failures =
      Write({V2("uptime_rows", R"({"n":2})"), V2("uptime_rows", R"({"n":3})")});
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_NE(failures[0].error.find("database unavailable"), std::string::npos) << failures[0].error;
  // Within the backoff: refused without a network call.
  const auto before = std::chrono::steady_clock::now();
  failures = Write({V2("uptime_rows", R"({"n":4})")});
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);

  ASSERT_TRUE(server_->Start().ok());
  int n = 10;
  EXPECT_TRUE(testing_support::Eventually(
      [&] { return Write({V2("uptime_rows", "{\"n\":" + std::to_string(n++) + "}")}).empty(); },
      15s, 50ms));
  EXPECT_EQ(Query("SELECT count(*) FROM uptime_rows WHERE (item->>'n')::int IN (2, 3, 4)"),
            std::vector<std::string>{"0"});
}

}  // namespace
}  // namespace shadowsync::host
