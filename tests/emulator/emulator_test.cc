// SPDX-License-Identifier: Apache-2.0
//
// Tests of service/emulator/emulator.cc with a fake Transport that plays the
// broker: it delivers requests on the test's thread (as the transport thread
// would) and records every publish. No broker, no Paho.

#include "emulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "named_shadow_list.h"
#include "shadowsync/responses.h"
#include "shadowsync/shadow_error.h"
#include "support/eventually.h"
#include "support/json_expect.h"

namespace shadowsync::emulator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_support::MustParse;

constexpr std::int64_t kNow = 1700000000;
constexpr auto kWait = std::chrono::seconds(10);

std::chrono::system_clock::time_point At(std::int64_t seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

// A shared, ordered record of store writes and publishes.
class EventLog {
 public:
  void Add(std::string event) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(event));
  }
  std::vector<std::string> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> events_;
};

struct Published {
  std::string topic;
  std::string payload;
  int qos = 0;
};

// The broker side of the seam.
class FakeTransport : public Transport {
 public:
  void SetHandlers(MessageHandler on_message, ConnectionHandler on_connection) override {
    on_message_ = std::move(on_message);
    on_connection_ = std::move(on_connection);
  }
  Status Connect() override {
    connected_ = true;
    if (on_connection_) on_connection_(ConnectionEvent::kConnected, Status::Ok());
    return Status::Ok();
  }
  Status Disconnect() override {
    connected_ = false;
    return Status::Ok();
  }
  bool IsConnected() const override { return connected_; }
  Status Subscribe(std::string_view filter, int qos) override {
    std::lock_guard<std::mutex> lock(mu_);
    subscriptions_.emplace_back(std::string(filter), qos);
    return subscribe_status_;
  }
  Status Publish(std::string_view topic, std::string_view payload, int qos) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_publishes_ > 0) {
      --fail_publishes_;
      return Status(StatusCode::kUnavailable, "not connected");
    }
    if (event_log_) event_log_->Add("publish " + std::string(topic) + " " + std::string(payload));
    published_.push_back({std::string(topic), std::string(payload), qos});
    cv_.notify_all();
    return Status::Ok();
  }
  Status Flush(std::chrono::milliseconds) override {
    ++flushes_;
    return Status::Ok();
  }

  // As the broker: deliver one PUBLISH on the calling thread.
  void Deliver(const std::string& topic, const std::string& payload, bool retained = false) {
    MqttMessage message;
    message.topic = topic;
    message.payload = payload;
    message.qos = 1;
    message.retained = retained;
    on_message_(message);
  }
  void Event(ConnectionEvent event, Status cause = Status::Ok()) { on_connection_(event, cause); }

  bool WaitForPublishes(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return published_.size() >= n; });
  }
  std::vector<Published> published() const {
    std::lock_guard<std::mutex> lock(mu_);
    return published_;
  }
  std::vector<std::string> topics() const {
    std::vector<std::string> out;
    for (const Published& p : published()) out.push_back(p.topic);
    return out;
  }
  std::vector<std::pair<std::string, int>> subscriptions() const {
    std::lock_guard<std::mutex> lock(mu_);
    return subscriptions_;
  }
  void FailPublishes(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_publishes_ = n;
  }
  void set_subscribe_status(Status status) { subscribe_status_ = std::move(status); }
  void set_event_log(EventLog* log) { event_log_ = log; }
  int flushes() const { return flushes_; }

 private:
  MessageHandler on_message_;
  ConnectionHandler on_connection_;
  std::atomic<bool> connected_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Published> published_;
  std::vector<std::pair<std::string, int>> subscriptions_;
  int fail_publishes_ = 0;
  Status subscribe_status_;
  EventLog* event_log_ = nullptr;
  std::atomic<int> flushes_{0};
};

// A MemoryStore whose writes can be held up (a stalled worker) and recorded.
class TestStore : public Store {
 public:
  Result<StoredShadow> Load(const ShadowId& id) override { return inner_.Load(id); }
  Status Save(const ShadowId& id, ShadowDocument document) override {
    WaitWhileBlocked();
    const std::uint64_t version = document.version();
    Status status = inner_.Save(id, std::move(document));
    if (event_log_) event_log_->Add("save " + Name(id) + " v" + std::to_string(version));
    return status;
  }
  Status Delete(const ShadowId& id, Tombstone tombstone) override {
    WaitWhileBlocked();
    Status status = inner_.Delete(id, tombstone);
    if (event_log_) event_log_->Add("delete " + Name(id));
    return status;
  }
  Result<std::vector<ShadowId>> List() override { return inner_.List(); }

  void Block() {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_ = true;
  }
  void Unblock() {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_ = false;
    cv_.notify_all();
  }
  // True once a writer is waiting in a blocked Save/Delete.
  bool WaitForBlockedWriter() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return waiting_ > 0; });
  }
  void set_event_log(EventLog* log) { event_log_ = log; }
  static std::string Name(const ShadowId& id) { return id.thing + "/" + id.shadow.value_or("-"); }

 private:
  void WaitWhileBlocked() {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !blocked_; });
    --waiting_;
  }

  MemoryStore inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool blocked_ = false;
  int waiting_ = 0;
  EventLog* event_log_ = nullptr;
};

// Log lines, captured.
class LogCapture {
 public:
  explicit LogCapture(cli::LogLevel level = cli::LogLevel::kDebug)
      : logger_(
            level,
            [this](cli::LogLevel l, const std::string& line) {
              std::lock_guard<std::mutex> lock(mu_);
              lines_.emplace_back(l, line);
            },
            "shadowsync-emulator") {}
  const cli::Logger& logger() const { return logger_; }
  std::vector<std::string> Lines(std::optional<cli::LogLevel> only = std::nullopt) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& [level, line] : lines_) {
      if (!only || level == *only) out.push_back(line);
    }
    return out;
  }
  std::vector<std::string> Matching(const std::string& needle) const {
    std::vector<std::string> out;
    for (const std::string& line : Lines()) {
      if (line.find(needle) != std::string::npos) out.push_back(line);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<cli::LogLevel, std::string>> lines_;
  cli::Logger logger_;
};

const std::string kLamp = "$aws/things/lamp/shadow";

std::int64_t VersionOf(const std::string& payload) {
  JsonDocument doc = MustParse(payload);
  if (!doc.IsObject() || !doc.HasMember("version")) return -1;
  return doc["version"].GetInt64();
}

std::string TokenOf(const std::string& payload) {
  JsonDocument doc = MustParse(payload);
  if (!doc.IsObject() || !doc.HasMember("clientToken")) return "";
  return doc["clientToken"].GetString();
}

EmulatorOptions TestOptions(int workers) {
  EmulatorOptions options;
  options.workers = workers;
  options.host.clock = [] { return At(kNow); };
  options.host.service.max_requests_per_second_per_thing = 0;
  return options;
}

// --- Subscriptions --------------------------------------------------------

// The six request filters, then their private twins for shadowsync-gateway
// (service/core/gateway_requests.h), then the gateway's list request
// (service/core/named_shadow_list.h).
TEST(EmulatorTest, SubscribesToTheSixRequestFiltersAndTheGatewaysAtQos1) {
  FakeTransport transport;
  MemoryStore store;
  LogCapture log;
  Emulator emulator(transport, store, log.logger(), TestOptions(2));
  ASSERT_TRUE(transport.Connect().ok());
  ASSERT_TRUE(emulator.Start().ok());
  using P = std::pair<std::string, int>;
  EXPECT_THAT(
      transport.subscriptions(),
      ElementsAre(P{"$aws/things/+/shadow/get", 1}, P{"$aws/things/+/shadow/update", 1},
                  P{"$aws/things/+/shadow/delete", 1}, P{"$aws/things/+/shadow/name/+/get", 1},
                  P{"$aws/things/+/shadow/name/+/update", 1},
                  P{"$aws/things/+/shadow/name/+/delete", 1},
                  P{"$shadowsync/rest/things/+/shadow/get", 1},
                  P{"$shadowsync/rest/things/+/shadow/update", 1},
                  P{"$shadowsync/rest/things/+/shadow/delete", 1},
                  P{"$shadowsync/rest/things/+/shadow/name/+/get", 1},
                  P{"$shadowsync/rest/things/+/shadow/name/+/update", 1},
                  P{"$shadowsync/rest/things/+/shadow/name/+/delete", 1},
                  P{"$shadowsync/things/+/shadow/list", 1}));
  for (const auto& [filter, qos] : transport.subscriptions()) {
    EXPECT_EQ(filter.find('#'), std::string::npos) << filter;  // T8
  }
}

TEST(EmulatorTest, StartReturnsTheSubscriptionFailureAndCanBeRetried) {
  FakeTransport transport;
  MemoryStore store;
  LogCapture log;
  Emulator emulator(transport, store, log.logger(), TestOptions(1));
  transport.set_subscribe_status(Status(StatusCode::kRejected, "refused"));
  Status status = emulator.Start();
  EXPECT_EQ(status.code(), StatusCode::kRejected);
  EXPECT_THAT(log.Matching("subscribe to $aws/things/+/shadow/get failed"), ::testing::SizeIs(1));
  transport.set_subscribe_status(Status::Ok());
  EXPECT_TRUE(emulator.Start().ok());
  emulator.Stop();
  EXPECT_EQ(emulator.Start().code(), StatusCode::kFailedPrecondition);
}

// --- Requests and responses, inline and with the pool ---------------------

class EmulatorModeTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    emulator_ =
        std::make_unique<Emulator>(transport_, store_, log_.logger(), TestOptions(GetParam()));
    ASSERT_TRUE(transport_.Connect().ok());
    ASSERT_TRUE(emulator_->Start().ok());
  }

  FakeTransport transport_;
  MemoryStore store_;
  LogCapture log_;
  std::unique_ptr<Emulator> emulator_;
};

TEST_P(EmulatorModeTest, UpdatePublishesAcceptedDocumentsDeltaAtQos1) {
  transport_.Deliver(kLamp + "/update", R"({"state":{"desired":{"on":true}},"clientToken":"t1"})");
  ASSERT_TRUE(transport_.WaitForPublishes(3));
  std::vector<Published> out = transport_.published();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].topic, kLamp + "/update/accepted");
  EXPECT_EQ(out[1].topic, kLamp + "/update/documents");
  EXPECT_EQ(out[2].topic, kLamp + "/update/delta");
  for (const Published& p : out) {
    EXPECT_EQ(p.qos, 1) << p.topic;
    EXPECT_EQ(TokenOf(p.payload), "t1") << p.topic;
  }
  // Exactly what ShadowService returns for the same request.
  MemoryStore reference_store;
  ShadowService reference(reference_store, DefaultEmulatorServiceOptions());
  std::vector<ServiceMessage> expected = reference.Handle(
      {kLamp + "/update", R"({"state":{"desired":{"on":true}},"clientToken":"t1"})", At(kNow)});
  ASSERT_EQ(expected.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].topic, expected[i].topic);
    EXPECT_EQ(out[i].payload, expected[i].payload);
  }
}

TEST_P(EmulatorModeTest, GetAndDeleteOfClassicAndNamedShadows) {
  const std::string named = "$aws/things/lamp/shadow/name/cfg";
  transport_.Deliver(named + "/get", R"({"clientToken":"g0"})");
  ASSERT_TRUE(transport_.WaitForPublishes(1));
  transport_.Deliver(named + "/update", R"({"state":{"reported":{"x":1}}})");
  ASSERT_TRUE(transport_.WaitForPublishes(3));  // accepted, documents (no delta)
  transport_.Deliver(named + "/get", "");
  ASSERT_TRUE(transport_.WaitForPublishes(4));
  transport_.Deliver(named + "/delete", R"({"clientToken":"d1"})");
  ASSERT_TRUE(transport_.WaitForPublishes(5));
  transport_.Deliver(kLamp + "/delete", "");
  ASSERT_TRUE(transport_.WaitForPublishes(6));
  EXPECT_THAT(
      transport_.topics(),
      ElementsAre(named + "/get/rejected", named + "/update/accepted", named + "/update/documents",
                  named + "/get/accepted", named + "/delete/accepted", kLamp + "/delete/rejected"));
  std::vector<Published> out = transport_.published();
  EXPECT_JSON_EQ(
      out[0].payload,
      R"({"code":404,"message":"No shadow exists with name: 'cfg'","clientToken":"g0"})");
  EXPECT_JSON_EQ(out[4].payload, R"({"version":1,"timestamp":1700000000,"clientToken":"d1"})");
}

// The gateway's ListNamedShadowsForThing (service/core/named_shadow_list.h):
// answered from the store as the plugin answers it, with the same code.
TEST_P(EmulatorModeTest, AnswersTheGatewaysNamedShadowListFromTheStore) {
  const std::string prefix = "$aws/things/lamp/shadow/name/";
  for (const char* name : {"b", "a", "c"}) {
    transport_.Deliver(prefix + name + "/update", R"({"state":{"reported":{"x":1}}})");
  }
  transport_.Deliver("$aws/things/other/shadow/name/z/update", R"({"state":{"reported":{}}})");
  transport_.Deliver(kLamp + "/update", R"({"state":{"reported":{"x":1}}})");  // classic
  ASSERT_TRUE(transport_.WaitForPublishes(10));  // accepted + documents each
  transport_.Deliver(prefix + "c/delete", "");   // a tombstone is not listed
  ASSERT_TRUE(transport_.WaitForPublishes(11));

  transport_.Deliver("$shadowsync/things/lamp/shadow/list", R"({"clientToken":"l1","pageSize":1})");
  ASSERT_TRUE(transport_.WaitForPublishes(12));
  transport_.Deliver("$shadowsync/things/lamp/shadow/list", R"({"nextToken":"a"})");
  ASSERT_TRUE(transport_.WaitForPublishes(13));
  transport_.Deliver("$shadowsync/things/ghost/shadow/list", "");
  ASSERT_TRUE(transport_.WaitForPublishes(14));
  transport_.Deliver("$shadowsync/things/lamp/shadow/list", R"({"pageSize":0,"clientToken":"l2"})");
  ASSERT_TRUE(transport_.WaitForPublishes(15));
  // A retained replay is not a request.
  transport_.Deliver("$shadowsync/things/lamp/shadow/list", "", /*retained=*/true);

  std::vector<Published> out = transport_.published();
  ASSERT_EQ(out.size(), 15u);
  EXPECT_EQ(out[11].topic, "$shadowsync/things/lamp/shadow/list/accepted");
  EXPECT_EQ(out[11].qos, 1);
  EXPECT_JSON_EQ(out[11].payload,
                 R"({"results":["a"],"nextToken":"a","timestamp":1700000000,"clientToken":"l1"})");
  EXPECT_JSON_EQ(out[12].payload, R"({"results":["b"],"timestamp":1700000000})");
  EXPECT_EQ(out[13].topic, "$shadowsync/things/ghost/shadow/list/accepted");
  EXPECT_JSON_EQ(out[13].payload, R"({"results":[],"timestamp":1700000000})");
  EXPECT_EQ(out[14].topic, "$shadowsync/things/lamp/shadow/list/rejected");
  // Exactly what the shared code answers for the same store (the plugin's
  // answer too: in_broker_service.cc calls the same function).
  const ServiceMessage reference =
      host::AnswerListRequest(store_, "lamp", R"({"pageSize":0,"clientToken":"l2"})", At(kNow));
  EXPECT_EQ(out[14].topic, reference.topic);
  EXPECT_EQ(out[14].payload, reference.payload);
  EXPECT_THAT(log_.Matching("thing=lamp shadow=- op=list result=rejected code=400"),
              ::testing::SizeIs(1));
}

TEST_P(EmulatorModeTest, RetainedReplayIsNotARequest) {
  transport_.Deliver(kLamp + "/update", R"({"state":{"desired":{"on":true}}})", /*retained=*/true);
  transport_.Deliver(kLamp + "/get", "");  // a marker that is answered
  ASSERT_TRUE(transport_.WaitForPublishes(1));
  EXPECT_THAT(transport_.topics(), ElementsAre(kLamp + "/get/rejected"));  // still no shadow
  Result<StoredShadow> stored = store_.Load({"lamp", std::nullopt});
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->document.has_value());
  EXPECT_EQ(emulator_->stats().ignored, 1u);
}

TEST_P(EmulatorModeTest, TopicsThatAreNotRequestsGetNoAnswer) {
  const std::vector<std::string> ignored = {
      "$aws/things/bad.name/shadow/update",            // T3: invalid thing name
      "$aws/things/lamp/shadow/name/a.b/update",       // T4: invalid shadow name
      "$aws/things/lamp/shadow/update/accepted",       // a response topic
      "$aws/things/lamp/shadow/name/update/accepted",  // T7: shadow "update", bad op
      "$aws/things/lamp/shadow/list",                  // unknown operation (T6)
      "$aws/things/lamp/shadow/name/cfg",              // no operation
      "$aws/things/lamp/shadow/update/",               // trailing slash
      "lamp/update",                                   // not under $aws at all
  };
  for (const std::string& topic : ignored) {
    transport_.Deliver(topic, R"({"state":{"desired":{"on":true}}})");
  }
  transport_.Deliver(kLamp + "/get", "");
  ASSERT_TRUE(transport_.WaitForPublishes(1));
  EXPECT_THAT(transport_.topics(), ElementsAre(kLamp + "/get/rejected"));
  EXPECT_EQ(emulator_->stats().ignored, ignored.size());
  EXPECT_EQ(emulator_->stats().handled, 1u);
}

TEST_P(EmulatorModeTest, LogsOneLinePerRequestWithoutPayloads) {
  const std::string secret = "payload-marker-0123456789";
  transport_.Deliver(kLamp + "/update",
                     R"({"state":{"desired":{"s":")" + secret + R"("}},"clientToken":"a"})");
  transport_.Deliver("$aws/things/lamp/shadow/name/cfg/update", "not json " + secret);
  transport_.Deliver(kLamp + "/get", "");
  ASSERT_TRUE(transport_.WaitForPublishes(5));
  emulator_->Stop();
  const std::vector<std::string> info = log_.Lines(cli::LogLevel::kInfo);
  const std::regex accepted(
      "shadowsync-emulator: info: thing=lamp shadow=- op=update result=accepted code=200 "
      "version=1 us=[0-9]+");
  const std::regex rejected(
      "shadowsync-emulator: info: thing=lamp shadow=cfg op=update result=rejected code=400 "
      "version=- us=[0-9]+");
  const std::regex get(
      "shadowsync-emulator: info: thing=lamp shadow=- op=get result=accepted code=200 "
      "version=1 us=[0-9]+");
  int requests = 0;
  for (const std::string& line : info) {
    EXPECT_EQ(line.find(secret), std::string::npos) << line;
    if (line.find(" op=") != std::string::npos) ++requests;
  }
  EXPECT_EQ(requests, 3);
  EXPECT_EQ(std::count_if(info.begin(), info.end(),
                          [&](const std::string& l) { return std::regex_match(l, accepted); }),
            1);
  EXPECT_EQ(std::count_if(info.begin(), info.end(),
                          [&](const std::string& l) { return std::regex_match(l, rejected); }),
            1);
  EXPECT_EQ(std::count_if(info.begin(), info.end(),
                          [&](const std::string& l) { return std::regex_match(l, get); }),
            1);
  // debug shows sizes and the start of payloads.
  EXPECT_FALSE(log_.Matching("received bytes=").empty());
}

INSTANTIATE_TEST_SUITE_P(InlineAndPool, EmulatorModeTest, ::testing::Values(0, 2),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == 0 ? std::string("Inline")
                                                  : "Workers" + std::to_string(info.param);
                         });

TEST(EmulatorTest, LogLevelErrorHidesRequestLines) {
  FakeTransport transport;
  MemoryStore store;
  LogCapture log(cli::LogLevel::kError);
  Emulator emulator(transport, store, log.logger(), TestOptions(0));
  transport.Deliver(kLamp + "/update", R"({"state":{"desired":{"on":true}}})");
  EXPECT_EQ(transport.published().size(), 3u);
  EXPECT_TRUE(log.Lines().empty());
}

// --- Publish order (P8) ---------------------------------------------------

std::vector<std::string> Suffixes(const std::vector<std::string>& topics) {
  std::vector<std::string> out;
  for (const std::string& t : topics) out.push_back(t.substr(t.rfind('/') + 1));
  return out;
}

TEST(EmulatorOrderTest, AcceptedFirstAndDeltaFirst) {
  for (PublishOrder order : {PublishOrder::kAcceptedFirst, PublishOrder::kDeltaFirst}) {
    FakeTransport transport;
    MemoryStore store;
    LogCapture log;
    EmulatorOptions options = TestOptions(0);
    options.host.order = order;
    Emulator emulator(transport, store, log.logger(), options);
    transport.Deliver(kLamp + "/update", R"({"state":{"desired":{"on":true}}})");
    transport.Deliver(kLamp + "/update", R"({"state":{"reported":{"on":true}}})");  // no delta
    if (order == PublishOrder::kAcceptedFirst) {
      EXPECT_THAT(Suffixes(transport.topics()),
                  ElementsAre("accepted", "documents", "delta", "accepted", "documents"));
    } else {
      EXPECT_THAT(Suffixes(transport.topics()),
                  ElementsAre("delta", "documents", "accepted", "documents", "accepted"));
    }
  }
}

// Sends `n` updates (each with a delta) to `shadows` shadows of thing
// "lamp" round robin and returns the topic suffixes published per shadow.
std::map<std::string, std::vector<std::string>> RandomRun(std::uint64_t seed, int workers,
                                                          int shadows, int n) {
  FakeTransport transport;
  MemoryStore store;
  LogCapture log(cli::LogLevel::kError);
  EmulatorOptions options = TestOptions(workers);
  options.host.order = PublishOrder::kRandom;
  options.host.order_seed = seed;
  options.host.max_inflight = 0;
  Emulator emulator(transport, store, log.logger(), options);
  EXPECT_TRUE(emulator.Start().ok());
  for (int i = 0; i < n; ++i) {
    transport.Deliver("$aws/things/lamp/shadow/name/s" + std::to_string(i % shadows) + "/update",
                      R"({"state":{"desired":{"n":)" + std::to_string(i) + "}}}");
  }
  EXPECT_TRUE(transport.WaitForPublishes(static_cast<std::size_t>(3 * n)));
  emulator.Stop();
  std::map<std::string, std::vector<std::string>> per_shadow;
  for (const std::string& topic : transport.topics()) {
    const std::size_t name = std::string("$aws/things/lamp/shadow/name/").size();
    const std::size_t slash = topic.find('/', name);
    per_shadow[topic.substr(name, slash - name)].push_back(topic.substr(topic.rfind('/') + 1));
  }
  return per_shadow;
}

TEST(EmulatorOrderTest, RandomIsDeterministicForASeedAndProducesEveryOrder) {
  const auto first = RandomRun(7, 0, 1, 300);
  const auto again = RandomRun(7, 0, 1, 300);
  EXPECT_EQ(first, again);
  const auto other = RandomRun(8, 0, 1, 300);
  EXPECT_NE(first, other);

  const std::vector<std::string>& seq = first.at("s0");
  ASSERT_EQ(seq.size(), 900u);
  std::set<std::vector<std::string>> orders;
  for (std::size_t i = 0; i < seq.size(); i += 3) {
    std::vector<std::string> one(seq.begin() + static_cast<std::ptrdiff_t>(i),
                                 seq.begin() + static_cast<std::ptrdiff_t>(i + 3));
    std::vector<std::string> sorted = one;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_THAT(sorted, ElementsAre("accepted", "delta", "documents"));  // each update whole
    orders.insert(one);
  }
  EXPECT_EQ(orders.size(), 6u);  // all 3! orders appear
}

TEST(EmulatorOrderTest, RandomOrderDoesNotDependOnThreadsOrOtherShadows) {
  // Per shadow, the same seed gives the same orders inline and with a pool
  // of 3 workers, whatever the interleaving.
  EXPECT_EQ(RandomRun(42, 0, 5, 200), RandomRun(42, 3, 5, 200));
}

// --- Per-shadow ordering under the pool -----------------------------------

TEST(EmulatorPoolTest, EachShadowsUpdatesAreAppliedAndAnsweredInArrivalOrder) {
  FakeTransport transport;
  MemoryStore store;
  LogCapture log(cli::LogLevel::kError);
  EmulatorOptions options = TestOptions(4);
  options.host.max_inflight = 0;
  Emulator emulator(transport, store, log.logger(), options);
  ASSERT_TRUE(emulator.Start().ok());
  // 20 shadows: 10 things, classic + named "cfg" each; 1000 updates interleaved.
  auto prefix = [](int s) {
    const std::string thing = "$aws/things/t" + std::to_string(s / 2) + "/shadow";
    return s % 2 == 0 ? thing : thing + "/name/cfg";
  };
  constexpr int kShadows = 20;
  constexpr int kUpdates = 1000;
  for (int i = 0; i < kUpdates; ++i) {
    transport.Deliver(prefix(i % kShadows) + "/update",
                      R"({"state":{"desired":{"i":)" + std::to_string(i) +
                          R"(}},"clientToken":"c)" + std::to_string(i) + "\"}");
  }
  ASSERT_TRUE(transport.WaitForPublishes(3 * kUpdates));
  emulator.Stop();
  std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> accepted;
  for (const Published& p : transport.published()) {
    if (p.topic.size() > 16 && p.topic.substr(p.topic.size() - 16) == "/update/accepted") {
      accepted[p.topic].emplace_back(VersionOf(p.payload), TokenOf(p.payload));
    }
  }
  ASSERT_EQ(accepted.size(), static_cast<std::size_t>(kShadows));
  for (int s = 0; s < kShadows; ++s) {
    const auto& seq = accepted[prefix(s) + "/update/accepted"];
    ASSERT_EQ(seq.size(), static_cast<std::size_t>(kUpdates / kShadows));
    for (std::size_t k = 0; k < seq.size(); ++k) {
      EXPECT_EQ(seq[k].first, static_cast<std::int64_t>(k + 1)) << prefix(s);
      EXPECT_EQ(seq[k].second, "c" + std::to_string(static_cast<int>(k) * kShadows + s));
    }
  }
  EXPECT_EQ(emulator.stats().handled, static_cast<std::uint64_t>(kUpdates));
}

// --- 429 ----------------------------------------------------------------

TEST(EmulatorThrottleTest, RequestsBeyondMaxInflightOfAThingGet429WithTheirToken) {
  FakeTransport transport;
  TestStore store;
  LogCapture log;
  EmulatorOptions options = TestOptions(2);
  options.host.max_inflight = 10;
  Emulator emulator(transport, store, log.logger(), options);
  ASSERT_TRUE(emulator.Start().ok());

  store.Block();  // the worker stalls in the first Save
  for (int i = 0; i < 10; ++i) {
    transport.Deliver(kLamp + "/update", R"({"state":{"desired":{"i":)" + std::to_string(i) +
                                             R"(}},"clientToken":"c)" + std::to_string(i) + "\"}");
  }
  ASSERT_TRUE(store.WaitForBlockedWriter());
  EXPECT_TRUE(transport.published().empty());
  // Thing "lamp" has 10 in flight: the next ones are refused at once, on
  // their own operation's rejected topic.
  transport.Deliver(kLamp + "/update", R"({"state":{"desired":{"i":10}},"clientToken":"c10"})");
  transport.Deliver(kLamp + "/get", R"({"clientToken":"g11"})");
  transport.Deliver("$aws/things/lamp/shadow/name/cfg/delete", "");
  std::vector<Published> out = transport.published();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].topic, kLamp + "/update/rejected");
  EXPECT_EQ(out[0].payload, ErrorPayload(shadow_errors::TooManyRequests(), std::string("c10")));
  EXPECT_EQ(out[1].topic, kLamp + "/get/rejected");
  EXPECT_EQ(out[1].payload, ErrorPayload(shadow_errors::TooManyRequests(), std::string("g11")));
  EXPECT_EQ(out[2].topic, "$aws/things/lamp/shadow/name/cfg/delete/rejected");
  EXPECT_EQ(out[2].payload, ErrorPayload(shadow_errors::TooManyRequests(), std::nullopt));
  for (const Published& p : out) EXPECT_EQ(p.qos, 1);
  EXPECT_EQ(emulator.stats().throttled_inflight, 3u);
  EXPECT_EQ(log.Matching("result=rejected code=429").size(), 3u);

  // Another thing is not throttled by lamp's backlog.
  transport.Deliver("$aws/things/other/shadow/update", R"({"state":{"desired":{"a":1}}})");
  EXPECT_EQ(transport.published().size(), 3u);

  store.Unblock();
  ASSERT_TRUE(transport.WaitForPublishes(3 + 10 * 3 + 3));
  std::vector<std::int64_t> versions;
  for (const Published& p : transport.published()) {
    if (p.topic == kLamp + "/update/accepted") versions.push_back(VersionOf(p.payload));
  }
  EXPECT_THAT(versions, ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));

  // Answered requests are no longer in flight. (9, not 10: the last
  // update's slot may be released just after its responses were recorded.)
  const std::size_t before = transport.published().size();
  for (int i = 0; i < 9; ++i) transport.Deliver(kLamp + "/get", "");
  ASSERT_TRUE(transport.WaitForPublishes(before + 9));
  for (std::size_t i = before; i < before + 9; ++i) {
    EXPECT_EQ(transport.published()[i].topic, kLamp + "/get/accepted");
  }
  EXPECT_EQ(emulator.stats().throttled_inflight, 3u);
}

TEST(EmulatorThrottleTest, MaxInflightZeroTurnsTheLimitOff) {
  FakeTransport transport;
  TestStore store;
  LogCapture log;
  EmulatorOptions options = TestOptions(1);
  options.host.max_inflight = 0;
  Emulator emulator(transport, store, log.logger(), options);
  ASSERT_TRUE(emulator.Start().ok());
  store.Block();
  for (int i = 0; i < 30; ++i) transport.Deliver(kLamp + "/update", R"({"state":{"desired":{}}})");
  ASSERT_TRUE(store.WaitForBlockedWriter());
  EXPECT_TRUE(transport.published().empty());
  store.Unblock();
  ASSERT_TRUE(transport.WaitForPublishes(60));  // accepted + documents each
  EXPECT_EQ(emulator.stats().throttled_inflight, 0u);
}

TEST(EmulatorThrottleTest, RequestRateLimitL8ReachesTheWire) {
  FakeTransport transport;
  MemoryStore store;
  LogCapture log;
  EmulatorOptions options = TestOptions(0);
  options.host.service.max_requests_per_second_per_thing = 2;
  std::atomic<std::int64_t> now{kNow};
  options.host.clock = [&now] { return At(now.load()); };
  Emulator emulator(transport, store, log.logger(), options);
  transport.Deliver(kLamp + "/update", R"({"state":{"reported":{"a":1}}})");
  transport.Deliver("$aws/things/lamp/shadow/name/x/get", "");  // same thing, other shadow
  transport.Deliver(kLamp + "/update", R"({"state":{"reported":{"a":2}},"clientToken":"t3"})");
  now = kNow + 1;
  transport.Deliver(kLamp + "/update", R"({"state":{"reported":{"a":3}}})");
  EXPECT_THAT(transport.topics(),
              ElementsAre(kLamp + "/update/accepted", kLamp + "/update/documents",
                          "$aws/things/lamp/shadow/name/x/get/rejected", kLamp + "/update/rejected",
                          kLamp + "/update/accepted", kLamp + "/update/documents"));
  EXPECT_EQ(transport.published()[3].payload,
            ErrorPayload(shadow_errors::TooManyRequests(), std::string("t3")));
  EXPECT_EQ(VersionOf(transport.published()[4].payload), 2);
}

// --- Durability before publishing -----------------------------------------

TEST(EmulatorDurabilityTest, ResponsesArePublishedOnlyAfterTheStoreWrite) {
  EventLog events;
  FakeTransport transport;
  TestStore store;
  transport.set_event_log(&events);
  store.set_event_log(&events);
  LogCapture log(cli::LogLevel::kError);
  EmulatorOptions options = TestOptions(2);
  options.host.max_inflight = 0;
  Emulator emulator(transport, store, log.logger(), options);
  ASSERT_TRUE(emulator.Start().ok());
  for (int i = 0; i < 30; ++i) {
    const std::string prefix = "$aws/things/t" + std::to_string(i % 3) + "/shadow";
    transport.Deliver(prefix + "/update",
                      R"({"state":{"desired":{"i":)" + std::to_string(i) + "}}}");
  }
  transport.Deliver("$aws/things/t0/shadow/delete", "");
  ASSERT_TRUE(transport.WaitForPublishes(30 * 3 + 1));
  emulator.Stop();

  const std::vector<std::string> all = events.events();
  std::set<std::string> seen;
  int checked = 0;
  for (const std::string& e : all) {
    if (e.rfind("save ", 0) == 0 || e.rfind("delete ", 0) == 0) {
      seen.insert(e);
      continue;
    }
    // "publish $aws/things/tN/shadow/<op>/<suffix> <payload>"
    const std::size_t space = e.find(' ', 8);
    const std::string topic = e.substr(8, space - 8);
    const std::string payload = e.substr(space + 1);
    const std::string thing = topic.substr(12, topic.find('/', 12) - 12);  // after $aws/things/
    if (topic.find("/delete/") != std::string::npos) {
      EXPECT_TRUE(seen.count("delete " + thing + "/-")) << e;
    } else {
      const std::string version =
          std::to_string(topic.find("/documents") != std::string::npos
                             ? MustParse(payload)["current"]["version"].GetInt64()
                             : VersionOf(payload));
      EXPECT_TRUE(seen.count("save " + thing + "/- v" + version)) << e;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 91);
}

// --- Stop ---------------------------------------------------------------

TEST(EmulatorStopTest, StopAnswersEverythingAcceptedAndDropsLaterRequests) {
  FakeTransport transport;
  TestStore store;
  LogCapture log;
  EmulatorOptions options = TestOptions(2);
  options.stop_timeout = std::chrono::seconds(5);
  Emulator emulator(transport, store, log.logger(), options);
  ASSERT_TRUE(emulator.Start().ok());
  store.Block();
  for (int i = 0; i < 5; ++i) {
    transport.Deliver("$aws/things/t" + std::to_string(i) + "/shadow/update",
                      R"({"state":{"desired":{"on":true}}})");
  }
  ASSERT_TRUE(store.WaitForBlockedWriter());
  std::future<void> stopped = std::async(std::launch::async, [&] { emulator.Stop(); });
  ASSERT_TRUE(testing_support::Eventually([&] { return !emulator.accepting(); }, kWait));
  EXPECT_EQ(stopped.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);

  transport.Deliver("$aws/things/late/shadow/update", R"({"state":{"desired":{"on":true}}})");
  EXPECT_EQ(emulator.stats().dropped, 1u);
  EXPECT_EQ(log.Matching("thing=late shadow=- op=update result=dropped").size(), 1u);

  store.Unblock();
  ASSERT_EQ(stopped.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(transport.published().size(), 15u);  // all 5 answered, the late one not
  for (const Published& p : transport.published()) {
    EXPECT_EQ(p.topic.find("late"), std::string::npos);
  }
  EXPECT_EQ(transport.flushes(), 1);
  EXPECT_EQ(emulator.stats().handled, 5u);
  emulator.Stop();  // idempotent
  EXPECT_EQ(transport.flushes(), 1);
  EXPECT_EQ(
      log.Matching("stopped: handled=5 throttled_inflight=0 throttled_rate=0 dropped=1").size(),
      1u);
}

TEST(EmulatorStopTest, StopIsBoundedWhenResponsesCannotBePublished) {
  FakeTransport transport;
  MemoryStore store;
  LogCapture log;
  EmulatorOptions options = TestOptions(1);
  options.stop_timeout = std::chrono::milliseconds(300);
  Emulator emulator(transport, store, log.logger(), options);
  ASSERT_TRUE(emulator.Start().ok());
  transport.FailPublishes(1000000);
  transport.Deliver(kLamp + "/update", R"({"state":{"desired":{"on":true}}})");
  const auto start = std::chrono::steady_clock::now();
  emulator.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_GE(emulator.stats().publish_failures, 1u);
  EXPECT_FALSE(log.Matching("lost").empty());
  // The update itself was applied: it is durable even though unanswered.
  Result<StoredShadow> stored = store.Load({"lamp", std::nullopt});
  ASSERT_TRUE(stored.ok());
  ASSERT_TRUE(stored->document.has_value());
  EXPECT_EQ(stored->document->version(), 1u);
}

TEST(EmulatorStopTest, APublishThatFailsIsRetriedInOrder) {
  FakeTransport transport;
  MemoryStore store;
  LogCapture log;
  Emulator emulator(transport, store, log.logger(), TestOptions(1));
  ASSERT_TRUE(emulator.Start().ok());
  transport.FailPublishes(3);
  transport.Deliver(kLamp + "/update", R"({"state":{"desired":{"on":true}}})");
  ASSERT_TRUE(transport.WaitForPublishes(3));
  EXPECT_THAT(Suffixes(transport.topics()), ElementsAre("accepted", "documents", "delta"));
  EXPECT_FALSE(log.Matching("retrying").empty());
  EXPECT_EQ(emulator.stats().publish_failures, 0u);
}

TEST(EmulatorStopTest, RequestsBeforeStartAreHandled) {
  FakeTransport transport;
  MemoryStore store;
  LogCapture log;
  {
    Emulator emulator(transport, store, log.logger(), TestOptions(2));
    transport.Deliver(kLamp + "/get", "");
    EXPECT_TRUE(transport.published().empty());
    ASSERT_TRUE(emulator.Start().ok());
    ASSERT_TRUE(transport.WaitForPublishes(1));
  }
  FakeTransport transport2;
  {
    Emulator emulator(transport2, store, log.logger(), TestOptions(2));
    transport2.Deliver(kLamp + "/get", "");
    emulator.Stop();  // never started: handled by Stop itself
    EXPECT_EQ(transport2.published().size(), 1u);
  }
}

TEST(EmulatorStopTest, HandlersDoNothingAfterTheEmulatorIsGone) {
  FakeTransport transport;
  MemoryStore store;
  LogCapture log;
  {
    Emulator emulator(transport, store, log.logger(), TestOptions(2));
    ASSERT_TRUE(emulator.Start().ok());
  }
  transport.Deliver(kLamp + "/update", R"({"state":{"desired":{"on":true}}})");
  transport.Event(ConnectionEvent::kConnectionLost, Status(StatusCode::kUnavailable, "gone"));
  EXPECT_TRUE(transport.published().empty());
}

// --- Connection events and export -----------------------------------------

TEST(EmulatorTest, LogsConnectionEvents) {
  FakeTransport transport;
  MemoryStore store;
  LogCapture log;
  Emulator emulator(transport, store, log.logger(), TestOptions(0));
  ASSERT_TRUE(transport.Connect().ok());
  transport.Event(ConnectionEvent::kConnectionLost,
                  Status(StatusCode::kUnavailable, "broker went away"));
  transport.Event(ConnectionEvent::kReconnected);
  EXPECT_EQ(log.Matching("info: connected to the broker").size(), 1u);
  EXPECT_EQ(
      log.Matching("warning: connection to the broker lost: Unavailable: broker went away").size(),
      1u);
  EXPECT_EQ(log.Matching("info: reconnected to the broker; the transport renewed the 13 request "
                         "subscriptions")
                .size(),
            1u);
}

TEST(EmulatorTest, ExportNowUsesTheExporterAndLogsTheOutcome) {
  FakeTransport transport;
  MemoryStore store;
  LogCapture log;
  EmulatorOptions options = TestOptions(0);
  std::vector<std::string> paths;
  options.exporter = [&](Store& s, const std::string& path) {
    EXPECT_EQ(&s, &store);
    paths.push_back(path);
    return path == "bad" ? Status(StatusCode::kFailedPrecondition, "bad: Permission denied")
                         : Status::Ok();
  };
  Emulator emulator(transport, store, log.logger(), options);
  EXPECT_TRUE(emulator.ExportNow("out.json").ok());
  EXPECT_EQ(emulator.ExportNow("bad").code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(paths, ElementsAre("out.json", "bad"));
  EXPECT_EQ(log.Matching("info: exported the store to out.json").size(), 1u);
  EXPECT_EQ(log.Matching("error: export to bad failed: FailedPrecondition: bad: Permission denied")
                .size(),
            1u);
}

TEST(EmulatorTest, RandomOrderWithoutSeedLogsTheChosenSeed) {
  FakeTransport transport;
  MemoryStore store;
  LogCapture log;
  EmulatorOptions options = TestOptions(0);
  options.host.order = PublishOrder::kRandom;
  Emulator emulator(transport, store, log.logger(), options);
  EXPECT_EQ(log.Matching("publish order random with seed ").size(), 1u);
}

// --- Helpers ------------------------------------------------------------

TEST(LoggerTest, LevelsAndNames) {
  std::vector<std::string> lines;
  cli::Logger logger(
      cli::LogLevel::kWarning,
      [&](cli::LogLevel, const std::string& line) { lines.push_back(line); },
      "shadowsync-emulator");
  logger.Error("e");
  logger.Warning("w");
  logger.Info("i");
  logger.Debug("d");
  EXPECT_THAT(lines,
              ElementsAre("shadowsync-emulator: error: e", "shadowsync-emulator: warning: w"));
  EXPECT_EQ(cli::ParseLogLevel("debug"), cli::LogLevel::kDebug);
  EXPECT_EQ(cli::ParseLogLevel("verbose"), std::nullopt);
  EXPECT_EQ(cli::ParseLogLevel("warn"), cli::LogLevel::kWarning);  // the emulator's old spelling
  EXPECT_EQ(ParsePublishOrder("delta-first"), PublishOrder::kDeltaFirst);
  EXPECT_EQ(ParsePublishOrder("random"), PublishOrder::kRandom);
  EXPECT_EQ(ParsePublishOrder("Random"), std::nullopt);
}

}  // namespace
}  // namespace shadowsync::emulator
