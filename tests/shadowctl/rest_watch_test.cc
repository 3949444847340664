// SPDX-License-Identifier: Apache-2.0
//
// shadowctl watch over HTTPS (tools/shadowctl/rest_watch.cc): the events a
// change between two GETs gives, and the polling loop against a scripted
// GET (no server): baseline, changes, retries, --count, --timeout, stop.
// The real thing against the gateway: ShadowctlProtocolsTest in
// tests/gateway/websocket_test.cc.

#include "rest_watch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "shadowsync/json.h"

namespace shadowsync {
namespace shadowctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

JsonDocument Json(const std::string& text) {
  Result<JsonDocument> doc = ParseJson(text);
  EXPECT_TRUE(doc.ok()) << text;
  return doc.ok() ? std::move(doc).value() : JsonDocument();
}

// A GET answer (spec 4.3) at version `v`.
std::string GetAnswer(int v, const std::string& desired, const std::string& reported,
                      const std::string& delta = "", long ts = 1700000100) {
  std::string state = "{\"desired\":" + desired + ",\"reported\":" + reported;
  std::string metadata =
      "{\"desired\":{\"on\":{\"timestamp\":1700000000}},\"reported\":{\"on\":{\"timestamp\":"
      "1700000000}}";
  if (!delta.empty()) {
    state += ",\"delta\":" + delta;
    metadata += ",\"delta\":{\"on\":{\"timestamp\":1700000000}}";
  }
  return "{\"state\":" + state + "},\"metadata\":" + metadata +
         "},\"version\":" + std::to_string(v) + ",\"timestamp\":" + std::to_string(ts) + "}";
}

TEST(PollEventsTest, SameVersionOrNoShadowIsNoEvent) {
  const ShadowId lamp{"lamp", std::nullopt};
  const JsonDocument a = Json(GetAnswer(3, R"({"on":true})", R"({"on":true})"));
  const JsonDocument b = Json(GetAnswer(3, R"({"on":true})", R"({"on":true})", "", 1700000200));
  Result<std::vector<std::string>> none = PollEvents(lamp, a, b);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // Deleted since the last poll: MQTT watch sees nothing for a delete either.
  Result<std::vector<std::string>> deleted = PollEvents(lamp, a, JsonDocument());
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(deleted->empty());
  EXPECT_FALSE(PollEvents(lamp, a, Json("[1]")).ok());
}

TEST(PollEventsTest, ChangeGivesDocumentsThenDeltaInTheMqttFormat) {
  const ShadowId cfg{"lamp", std::string("cfg")};
  const JsonDocument before = Json(GetAnswer(3, R"({"on":true})", R"({"on":true})"));
  const JsonDocument after =
      Json(GetAnswer(4, R"({"on":false})", R"({"on":true})", R"({"on":false})"));
  Result<std::vector<std::string>> lines = PollEvents(cfg, before, after);
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  ASSERT_EQ(lines->size(), 2u);
  const JsonDocument documents = Json((*lines)[0]);
  EXPECT_EQ(ToCompactJson(documents["type"]), "\"documents\"");
  EXPECT_EQ(ToCompactJson(documents["topic"]),
            "\"$aws/things/lamp/shadow/name/cfg/update/documents\"");
  EXPECT_EQ(ToCompactJson(documents["payload"]["previous"]["version"]), "3");
  EXPECT_EQ(ToCompactJson(documents["payload"]["current"]["state"]),
            R"({"desired":{"on":false},"reported":{"on":true}})");
  EXPECT_FALSE(documents["payload"]["current"]["state"].HasMember("delta"));
  EXPECT_EQ(ToCompactJson(documents["payload"]["timestamp"]), "1700000100");
  const JsonDocument delta = Json((*lines)[1]);
  EXPECT_EQ(ToCompactJson(delta["type"]), "\"delta\"");
  EXPECT_EQ(ToCompactJson(delta["topic"]), "\"$aws/things/lamp/shadow/name/cfg/update/delta\"");
  EXPECT_EQ(ToCompactJson(delta["payload"]["state"]), R"({"on":false})");
  EXPECT_EQ(ToCompactJson(delta["payload"]["version"]), "4");
}

TEST(PollEventsTest, CreatedShadowHasPreviousNull) {
  Result<std::vector<std::string>> lines =
      PollEvents({"lamp", std::nullopt}, JsonDocument(),
                 Json(GetAnswer(1, R"({"on":true})", R"({"on":true})")));
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), 1u);  // in sync: no delta
  EXPECT_THAT((*lines)[0], HasSubstr("\"previous\":null"));
}

// The loop, with a scripted GET.
struct Script {
  std::deque<Result<Accepted>> answers;
  int calls = 0;
  std::function<void()> on_get;  // called at every GET
  Result<Accepted> Next() {
    ++calls;
    if (on_get) on_get();
    if (answers.empty()) return Status(StatusCode::kNotFound, "404: No shadow exists");
    Result<Accepted> next = std::move(answers.front());
    answers.pop_front();
    return next;
  }
  void Add(const std::string& get_answer) {
    Accepted accepted;
    accepted.payload = Json(get_answer);
    answers.push_back(std::move(accepted));
  }
};

struct WatchRun {
  int rc;
  std::string out;
  std::string err;
};

WatchRun Watch(Options options, Script& script, StopSignal* stop = nullptr) {
  std::ostringstream out;
  std::ostringstream err;
  StopSignal local;
  const int rc = RunRestWatch(
      options, [&script] { return script.Next(); },
      [&err](const Status& status) {
        err << "error: " << status.message() << "\n";
        return status.code() == StatusCode::kUnavailable ? kExitConnection : kExitRejected;
      },
      out, err, stop ? *stop : local);
  return {rc, out.str(), err.str()};
}

Options Polling(std::chrono::milliseconds interval = std::chrono::milliseconds(1)) {
  Options options;
  options.command = Command::kWatch;
  options.shadow = {"lamp", std::nullopt};
  options.protocol = Protocol::kHttpsCertificate;
  options.poll_interval = interval;
  return options;
}

TEST(RestWatchTest, BaselineThenOneLinePerEventUntilCount) {
  Script script;
  script.answers.push_back(Status(StatusCode::kNotFound, "404: No shadow exists"));  // baseline
  script.Add(GetAnswer(1, R"({"on":true})", R"({"on":true})"));                      // created
  script.answers.push_back(Status(StatusCode::kTimeout, "no answer within 10s"));    // a warning
  script.Add(GetAnswer(1, R"({"on":true})", R"({"on":true})"));                      // unchanged
  script.Add(GetAnswer(3, R"({"on":false})", R"({"on":true})", R"({"on":false})"));
  Options options = Polling();
  options.count = 3;
  WatchRun run = Watch(options, script);
  EXPECT_EQ(run.rc, kExitOk) << run.err;
  EXPECT_EQ(script.calls, 5);
  std::vector<std::string> types;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    types.push_back(ToCompactJson(Json(line)["type"]));
  }
  EXPECT_THAT(types, ElementsAre("\"documents\"", "\"documents\"", "\"delta\""));
  EXPECT_EQ(run.err, "warning: poll failed: no answer within 10s; retrying\n");
}

TEST(RestWatchTest, FirstGetFailureExitsWithTheRestCode) {
  Script script;
  script.answers.push_back(Status(StatusCode::kUnavailable, "cannot connect to https://h"));
  WatchRun run = Watch(Polling(), script);
  EXPECT_EQ(run.rc, kExitConnection);
  EXPECT_EQ(run.err, "error: cannot connect to https://h\n");
  // A refusal later ends it too (403 is not going away by itself).
  Script refused;
  refused.Add(GetAnswer(1, "{}", "{}"));
  refused.answers.push_back(Status(StatusCode::kRejected, "403: Forbidden (ForbiddenException)"));
  EXPECT_EQ(Watch(Polling(), refused).rc, kExitRejected);
}

TEST(RestWatchTest, TimeoutWithoutCountIsANormalEndWithCountExitsFour) {
  Script script;
  Options options = Polling(std::chrono::milliseconds(10));
  options.timeout = std::chrono::milliseconds(60);
  options.timeout_given = true;
  EXPECT_EQ(Watch(options, script).rc, kExitOk);
  EXPECT_GE(script.calls, 2);  // polled more than once in the time
  options.count = 1;
  Script again;
  WatchRun run = Watch(options, again);
  EXPECT_EQ(run.rc, kExitTimeout);
  EXPECT_EQ(run.err, "error: 0 of 1 events within 0.06s (polling GET every 0.01s)\n");
}

TEST(RestWatchTest, StopWakesTheWaitBetweenPolls) {
  Script script;
  StopSignal stop;
  std::thread stopper;
  script.on_get = [&] {
    if (!stopper.joinable()) stopper = std::thread([&stop] { stop.Raise(2); });
  };
  const auto begin = std::chrono::steady_clock::now();
  WatchRun run = Watch(Polling(std::chrono::seconds(60)), script, &stop);
  stopper.join();
  EXPECT_EQ(run.rc, kExitOk);
  EXPECT_EQ(script.calls, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(30));
}

}  // namespace
}  // namespace shadowctl
}  // namespace shadowsync
