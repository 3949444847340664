// SPDX-License-Identifier: Apache-2.0
//
// The console's parts without a broker or a browser: who may use it
// (console_access.h), the history store's retention and CSV
// (history_store.h), and the index of things (things_index.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "console_access.h"
#include "history_store.h"
#include "shadowsync/json.h"
#include "things_index.h"

namespace shadowsync::console {
namespace {

AccessRequest Get(const std::string& host) {
  AccessRequest request;
  request.method = "GET";
  request.headers["host"] = host;
  return request;
}

TEST(ConsoleAccess, LoopbackWithoutTokenAnswersOnlyLoopbackHosts) {
  const AccessPolicy open;
  EXPECT_FALSE(CheckAccess(open, Get("127.0.0.1:8080")));
  EXPECT_FALSE(CheckAccess(open, Get("localhost:8080")));
  EXPECT_FALSE(CheckAccess(open, Get("[::1]:8080")));
  // DNS rebinding: another site's name resolved to 127.0.0.1.
  std::optional<AccessRefusal> rebound = CheckAccess(open, Get("evil.example:8080"));
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403);
  EXPECT_NE(rebound->message.find("evil.example"), std::string::npos);
}

TEST(ConsoleAccess, TokenIsRequiredByHeaderCookieOrQuery) {
  AccessPolicy policy;
  policy.token = "s3cret";
  AccessRequest request = Get("10.0.0.5:8080");
  std::optional<AccessRefusal> refused = CheckAccess(policy, request);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  request.headers["authorization"] = "Bearer wrong";
  EXPECT_EQ(CheckAccess(policy, request)->status, 401);
  request.headers["authorization"] = "Bearer s3cret";
  EXPECT_FALSE(CheckAccess(policy, request));
  request.headers.erase("authorization");
  request.headers["cookie"] = std::string("a=b; ") + kTokenCookie + "=s3cret";
  EXPECT_FALSE(CheckAccess(policy, request));
  request.headers.erase("cookie");
  request.query = "token=s3cret";
  EXPECT_FALSE(CheckAccess(policy, request));
  EXPECT_TRUE(QueryHasToken(policy, request.query));
  request.method = "POST";  // the query token opens pages only
  request.headers[kCsrfHeader] = "1";
  EXPECT_EQ(CheckAccess(policy, request)->status, 401);
}

TEST(ConsoleAccess, ChangesNeedTheHeaderAndTheSameOrigin) {
  const AccessPolicy open;
  AccessRequest request = Get("127.0.0.1:8080");
  request.method = "POST";
  EXPECT_EQ(CheckAccess(open, request)->status, 403);  // a cross-site form
  request.headers[kCsrfHeader] = "1";
  EXPECT_FALSE(CheckAccess(open, request));
  request.headers["origin"] = "http://127.0.0.1:8080";
  EXPECT_FALSE(CheckAccess(open, request));
  request.headers["origin"] = "http://evil.example";
  EXPECT_EQ(CheckAccess(open, request)->status, 403);
  AccessRequest socket = Get("127.0.0.1:8080");
  socket.websocket = true;
  socket.headers["origin"] = "http://evil.example";
  EXPECT_EQ(CheckAccess(open, socket)->status, 403);
  socket.headers["origin"] = "http://127.0.0.1:8080";
  EXPECT_FALSE(CheckAccess(open, socket));
}

TEST(ConsoleAccess, QueryParametersAreDecoded) {
  EXPECT_EQ(QueryParameter("thing=a%2Fb&name=", "thing"), "a/b");
  EXPECT_EQ(QueryParameter("thing=a&name=", "name"), "");
  EXPECT_EQ(QueryParameter("leaves=x+y,z%", "leaves"), "x y,z%");
  EXPECT_EQ(QueryParameter("a=1", "b"), "");
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackAddress("::1"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0"));
}

TEST(HistoryStore, NumericLeavesArePathsOfNumbersOnly) {
  Result<JsonDocument> doc =
      ParseJson(R"({"greenhouse":{"temperature_c":21.5,"ok":true},"name":"x","n":3})");
  ASSERT_TRUE(doc.ok());
  const auto leaves = NumericLeaves(*doc);
  ASSERT_EQ(leaves.size(), 2u);
  EXPECT_EQ(leaves[0].first, "greenhouse/temperature_c");
  EXPECT_EQ(leaves[0].second, 21.5);
  EXPECT_EQ(leaves[1].first, "n");
}

TEST(HistoryStore, RecordsQueriesAndExportsCsv) {
  Result<std::unique_ptr<HistoryStore>> store = HistoryStore::Open({":memory:"});
  ASSERT_TRUE(store.ok()) << store.status().message();
  const std::int64_t t0 = 1'800'000'000'000;
  ASSERT_TRUE((*store)->Record("gh", "", t0, {{"a", 1.5}, {"b", 2}}).ok());
  ASSERT_TRUE((*store)->Record("gh", "", t0 + 1000, {{"a", 2.5}}).ok());
  ASSERT_TRUE((*store)->Record("other", "named", t0, {{"a", 9}}).ok());
  Result<std::vector<std::string>> leaves = (*store)->Leaves("gh", "");
  ASSERT_TRUE(leaves.ok());
  EXPECT_EQ(*leaves, (std::vector<std::string>{"a", "b"}));
  Result<std::vector<HistorySeries>> series = (*store)->Query("gh", "", {"a", "b"}, 0, t0 + 5000);
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 2u);
  ASSERT_EQ((*series)[0].samples.size(), 2u);
  EXPECT_EQ((*series)[0].samples[1].value, 2.5);
  EXPECT_EQ((*series)[1].samples.size(), 1u);
  EXPECT_EQ(HistoryCsv(*series),
            "time,a,b\r\n2027-01-15T08:00:00.000Z,1.5,2\r\n2027-01-15T08:00:01.000Z,2.5,\r\n");
}

TEST(HistoryStore, RetentionBoundsRowsAndAge) {
  HistoryOptions options{":memory:"};
  options.max_rows = 1000;
  options.prune_every = 100;
  options.max_age = std::chrono::hours(1);
  Result<std::unique_ptr<HistoryStore>> store = HistoryStore::Open(options);
  ASSERT_TRUE(store.ok());
  const std::int64_t t0 = 1'800'000'000'000;
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE((*store)->Record("gh", "", t0 + i, {{"a", i}}).ok());
  }
  Result<std::int64_t> count = (*store)->Count();
  ASSERT_TRUE(count.ok());
  EXPECT_LE(*count, 1000 + 100);  // pruned every 100 inserts
  Result<std::vector<HistorySeries>> kept = (*store)->Query("gh", "", {"a"}, 0, t0 + 5000);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->front().samples.back().value, 2999);  // the newest are kept
  // Everything is older than an hour two hours later.
  ASSERT_TRUE((*store)->Prune(t0 + 2 * 3600 * 1000).ok());
  EXPECT_EQ(*(*store)->Count(), 0);
}

TEST(HistoryStore, AnUnopenableFileNamesThePath) {
  Result<std::unique_ptr<HistoryStore>> store = HistoryStore::Open({"/nonexistent/dir/h.db"});
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("/nonexistent/dir/h.db"), std::string::npos);
}

TEST(ThingsIndex, TracksVersionReadingsActivityAndPresence) {
  ThingsIndex index;
  EXPECT_FALSE(index.OnMessage("$aws/events/presence/connected/gh", "{}", 1));  // not a thing yet
  std::optional<IndexChange> accepted =
      index.OnMessage("$aws/things/gh/shadow/update/accepted",
                      R"({"state":{"reported":{"t":20.5}},"version":3,"timestamp":1})", 1000);
  ASSERT_TRUE(accepted);
  ASSERT_EQ(accepted->readings.size(), 1u);
  EXPECT_EQ(accepted->readings[0].first, "t");
  EXPECT_NE(accepted->summary_json.find(R"("version":3)"), std::string::npos);
  EXPECT_NE(accepted->summary_json.find(R"("connected":true)"), std::string::npos);
  EXPECT_NE(accepted->summary_json.find(R"("busiest":"t")"), std::string::npos);
  ASSERT_TRUE(index.OnMessage("$aws/things/gh/shadow/update/delta",
                              R"({"state":{"x":1},"version":4})", 2000));
  ASSERT_TRUE(index.OnMessage("$aws/things/gh/shadow/update/rejected",
                              R"({"code":409,"message":"Version conflict"})", 3000));
  const std::string activity = index.ActivityJson("gh", "");
  EXPECT_LT(activity.find("rejected"), activity.find("delta"));  // newest first
  // A read that shows nothing new changes nothing (no push, no re-read).
  EXPECT_FALSE(index.OnMessage("$aws/things/gh/shadow/get/accepted", R"({"version":3})", 4000));
  EXPECT_FALSE(index.OnMessage("$aws/things/gh/shadow/get/rejected", R"({"code":404})", 4000));
  std::optional<IndexChange> gone =
      index.OnMessage("$aws/events/presence/disconnected/gh", "{}", 5);
  ASSERT_TRUE(gone);
  EXPECT_NE(gone->summary_json.find(R"("connected":false)"), std::string::npos);
  // A named shadow is a second row of the same thing.
  ASSERT_TRUE(index.OnMessage("$aws/things/gh/shadow/name/cfg/update/accepted",
                              R"({"state":{"desired":{"a":1}},"version":1})", 6000));
  EXPECT_NE(index.ThingsJson().find(R"("name":"cfg")"), std::string::npos);
}

}  // namespace
}  // namespace shadowsync::console
