// SPDX-License-Identifier: Apache-2.0
//
// Tests of service/mosquitto/in_broker_service.cc with a fake broker: when
// answers leave (at once without a store; after the pass's commit with
// one), L7 per connection, lifecycle events, and the registry's verdicts.
// The same class runs in a real mosquitto in
// tests/integration/broker_plugin_test.cc.

#include "in_broker_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "shadowsync/json.h"
#include "support/eventually.h"
#include "support/temp_dir.h"

namespace shadowsync::mosquitto_plugin {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_support::TempDir;

const std::string kRegistry = SHADOWSYNC_SOURCE_DIR "/examples/registry/registry.json";

class FakeBroker : public Broker {
 public:
  void Publish(const std::string& topic, const std::string& payload, int qos) override {
    EXPECT_EQ(qos, 1);
    published.push_back({topic, payload});
  }
  void PublishRetained(const std::string& topic, const std::string& payload) override {
    retained[topic] = payload;
  }
  std::vector<std::string> Topics() const {
    std::vector<std::string> out;
    for (const auto& [topic, payload] : published) out.push_back(topic);
    return out;
  }
  std::vector<std::pair<std::string, std::string>> published;
  std::map<std::string, std::string> retained;
};

class InBrokerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("shadowsync-in-broker");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(dir).value();
  }

  std::unique_ptr<InBrokerService> Make(PluginOptions options) {
    Result<std::unique_ptr<InBrokerService>> made =
        InBrokerService::Create(std::move(options), broker_, logger_);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? std::move(made).value() : nullptr;
  }

  // Options with a rules directory holding one <name>.json file per pair.
  PluginOptions WithRules(const std::vector<std::pair<std::string, std::string>>& files) {
    PluginOptions options;
    options.rules_dir = dir_->File("rules");
    EXPECT_EQ(::mkdir(options.rules_dir.c_str(), 0700), 0);
    for (const auto& [name, json] : files) {
      EXPECT_TRUE(
          testing_support::WriteStringToFile(options.rules_dir + "/" + name + ".json", json).ok());
    }
    return options;
  }

  ConnectionInfo Connection(const void* handle, const std::string& client_id,
                            const std::string& cn = "") const {
    ConnectionInfo info;
    info.handle = handle;
    info.client_id = client_id;
    info.certificate_common_name = cn;
    if (!cn.empty()) info.certificate_sha256 = std::string(64, 'c');
    info.ip_address = "127.0.0.1";
    return info;
  }

  std::unique_ptr<TempDir> dir_;
  FakeBroker broker_;
  std::vector<std::string> log_lines_;
  cli::Logger logger_{
      cli::LogLevel::kInfo,
      [this](cli::LogLevel, const std::string& line) { log_lines_.push_back(line); }, "shadowsync"};
  const int handle_a_ = 0;
  const int handle_b_ = 0;
};

TEST_F(InBrokerServiceTest, WithoutAStoreAnswersGoOutAtOnce_P1_T9) {
  auto service = Make({});
  ASSERT_NE(service, nullptr);
  service->OnMessage(&handle_a_, "dev", "$aws/things/lamp/shadow/update",
                     R"({"state":{"desired":{"on":true}}})");
  EXPECT_THAT(broker_.Topics(), ElementsAre("$aws/things/lamp/shadow/update/accepted",
                                            "$aws/things/lamp/shadow/update/documents",
                                            "$aws/things/lamp/shadow/update/delta"));
  // Every PUBLISH is a request, also one with the retain flag (T9, 12a.12):
  // the broker raises no event for retained replays.
  service->OnMessage(&handle_a_, "dev", "$aws/things/lamp/shadow/get", "{}");
  EXPECT_EQ(broker_.published.size(), 4u);
  EXPECT_EQ(broker_.published.back().first, "$aws/things/lamp/shadow/get/accepted");
  // Not a request: nothing, and the message is not touched.
  service->OnMessage(&handle_a_, "dev", "sensors/lamp", "{}");
  EXPECT_EQ(broker_.published.size(), 4u);
}

TEST_F(InBrokerServiceTest, WithAStoreAnswersWaitForThePassCommitAndSurviveARestart) {
  PluginOptions options;
  options.store_path = dir_->File("shadows.db");
  {
    auto service = Make(options);
    ASSERT_NE(service, nullptr);
    service->OnMessage(&handle_a_, "dev", "$aws/things/lamp/shadow/update",
                       R"({"state":{"reported":{"n":1}}})");
    service->OnMessage(&handle_a_, "dev", "$aws/things/lamp/shadow/update",
                       R"({"state":{"reported":{"n":2}}})");
    service->OnMessage(&handle_a_, "dev", "$aws/things/lamp/shadow/get", "{}");
    EXPECT_TRUE(broker_.published.empty()) << "an answer left before the commit";
    service->OnTick();
    EXPECT_THAT(broker_.Topics(), ElementsAre("$aws/things/lamp/shadow/update/accepted",
                                              "$aws/things/lamp/shadow/update/documents",
                                              "$aws/things/lamp/shadow/update/accepted",
                                              "$aws/things/lamp/shadow/update/documents",
                                              "$aws/things/lamp/shadow/get/accepted"));
    // A tick with nothing held publishes nothing.
    service->OnTick();
    EXPECT_EQ(broker_.published.size(), 5u);
  }  // no Stop(): as after a SIGKILL, only the commit counts
  broker_.published.clear();
  auto service = Make(options);
  ASSERT_NE(service, nullptr);
  service->OnMessage(&handle_a_, "dev", "$aws/things/lamp/shadow/get", "{}");
  service->OnTick();
  ASSERT_EQ(broker_.published.size(), 1u);
  Result<JsonDocument> got = ParseJson(broker_.published[0].second);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["version"], 2);
  EXPECT_EQ((*got)["state"]["reported"]["n"], 2);
}

TEST_F(InBrokerServiceTest, InflightLimitCountsAConnectionsHeldRequests_L7) {
  PluginOptions options;
  options.store_path = dir_->File("shadows.db");
  options.host.max_inflight = 2;
  auto service = Make(options);
  ASSERT_NE(service, nullptr);
  for (int i = 0; i < 3; ++i) {
    service->OnMessage(&handle_a_, "dev-a", "$aws/things/lamp/shadow/get",
                       R"({"clientToken":"a)" + std::to_string(i) + "\"}");
  }
  // Another connection has its own slots.
  service->OnMessage(&handle_b_, "dev-b", "$aws/things/lamp/shadow/get", "{}");
  service->OnTick();
  ASSERT_EQ(broker_.published.size(), 4u);
  EXPECT_EQ(broker_.published[2].second,
            R"({"code":429,"message":"Too Many Requests","clientToken":"a2"})");
  EXPECT_EQ(service->stats().throttled_inflight, 1u);
  // The slots were given back at the commit.
  broker_.published.clear();
  service->OnMessage(&handle_a_, "dev-a", "$aws/things/lamp/shadow/get", "{}");
  service->OnTick();
  ASSERT_EQ(broker_.published.size(), 1u);
  EXPECT_THAT(broker_.published[0].second, HasSubstr("404"));
}

TEST_F(InBrokerServiceTest, LifecycleEventsForConnectionsThatConnected) {
  auto service = Make({});
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->OnConnect(Connection(&handle_a_, "lamp")), Verdict::kDefer);
  EXPECT_EQ(service->OnConnect(Connection(&handle_b_, "lamp")), Verdict::kDefer);  // takeover
  service->OnDisconnect(&handle_a_);
  service->OnDisconnect(&handle_b_);
  service->OnDisconnect(&handle_b_);  // twice: nothing more
  service->OnDisconnect(nullptr);     // never connected: nothing
  ASSERT_THAT(broker_.Topics(), ElementsAre("$aws/events/presence/connected/lamp",
                                            "$aws/events/presence/connected/lamp",
                                            "$aws/events/presence/disconnected/lamp",
                                            "$aws/events/presence/disconnected/lamp"));
  Result<JsonDocument> first = ParseJson(broker_.published[0].second);
  Result<JsonDocument> second = ParseJson(broker_.published[1].second);
  Result<JsonDocument> kicked = ParseJson(broker_.published[2].second);
  Result<JsonDocument> last = ParseJson(broker_.published[3].second);
  ASSERT_TRUE(first.ok() && second.ok() && kicked.ok() && last.ok());
  EXPECT_EQ((*first)["versionNumber"], 1);
  EXPECT_EQ((*second)["versionNumber"], 2);
  EXPECT_EQ((*first)["principalIdentifier"], "anonymous");
  EXPECT_EQ((*kicked)["sessionIdentifier"], (*first)["sessionIdentifier"]);
  EXPECT_EQ((*kicked)["disconnectReason"], "DUPLICATE_CLIENTID");
  EXPECT_FALSE(last->HasMember("disconnectReason"));
}

TEST_F(InBrokerServiceTest, WithoutARegistryEveryCheckDefersToMosquitto) {
  auto service = Make({});
  ASSERT_NE(service, nullptr);
  EXPECT_FALSE(service->has_registry());
  EXPECT_EQ(service->OnAccess(&handle_a_, Access::kWrite, "anything", false), Verdict::kDefer);
}

TEST_F(InBrokerServiceTest, TheRegistryDecidesConnectPublishSubscribeAndReceive) {
  PluginOptions options;
  options.registry_path = kRegistry;
  auto service = Make(options);
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->OnConnect(Connection(&handle_b_, "lamp", "stranger")), Verdict::kDeny);
  EXPECT_EQ(service->OnConnect(Connection(&handle_b_, "other", "lamp")), Verdict::kDeny);
  EXPECT_TRUE(broker_.published.empty()) << "a refused connection has no lifecycle event";
  EXPECT_EQ(service->OnConnect(Connection(&handle_a_, "lamp", "lamp")), Verdict::kAllow);
  EXPECT_EQ(service->OnAccess(&handle_a_, Access::kWrite, "$aws/things/lamp/shadow/update", false),
            Verdict::kAllow);
  EXPECT_EQ(service->OnAccess(&handle_a_, Access::kWrite, "$aws/things/lamp/shadow/update", true),
            Verdict::kDeny)
      << "iot:RetainPublish is not in the lamp policy";
  EXPECT_EQ(service->OnAccess(&handle_a_, Access::kWrite, "$aws/things/esp32/shadow/update", false),
            Verdict::kDeny);
  EXPECT_EQ(service->OnAccess(&handle_a_, Access::kSubscribe,
                              "$aws/things/lamp/shadow/update/delta", false),
            Verdict::kAllow);
  EXPECT_EQ(service->OnAccess(&handle_a_, Access::kSubscribe, "$aws/things/lamp/shadow/#", false),
            Verdict::kDeny);
  EXPECT_EQ(service->OnAccess(&handle_a_, Access::kRead,
                              "$aws/things/lamp/shadow/name/cfg/get/accepted", false),
            Verdict::kAllow);
  EXPECT_EQ(service->OnAccess(&handle_a_, Access::kUnsubscribe, "x", false), Verdict::kAllow);
  // An unknown connection may do nothing.
  EXPECT_EQ(service->OnAccess(&handle_b_, Access::kRead, "x", false), Verdict::kDeny);
  bool named = false;
  for (const std::string& line : log_lines_) {
    if (line.find("denied client=lamp cn=lamp") != std::string::npos &&
        line.find("action=iot:Publish resource=topic/$aws/things/esp32/shadow/update") !=
            std::string::npos) {
      named = true;
    }
  }
  EXPECT_TRUE(named) << ::testing::PrintToString(log_lines_);
}

TEST_F(InBrokerServiceTest, BadFilesNameTheirOption) {
  PluginOptions options;
  options.seed_file = dir_->File("missing.json");
  Result<std::unique_ptr<InBrokerService>> made =
      InBrokerService::Create(options, broker_, logger_);
  ASSERT_FALSE(made.ok());
  EXPECT_THAT(made.status().message(), HasSubstr("plugin_opt_seed_file: "));
  options = {};
  options.registry_path = dir_->File("missing-registry.json");
  made = InBrokerService::Create(options, broker_, logger_);
  ASSERT_FALSE(made.ok());
  EXPECT_THAT(made.status().message(), HasSubstr("plugin_opt_registry: "));
}

TEST_F(InBrokerServiceTest, StopWritesTheExportFileAndTheSummary) {
  PluginOptions options;
  options.export_file = dir_->File("export.json");
  auto service = Make(options);
  ASSERT_NE(service, nullptr);
  service->OnMessage(&handle_a_, "dev", "$aws/things/lamp/shadow/update",
                     R"({"state":{"reported":{"n":1}}})");
  service->Stop();
  service->Stop();  // idempotent
  Result<std::string> exported = testing_support::ReadFileToString(options.export_file);
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  EXPECT_THAT(*exported, HasSubstr(R"("thing": "lamp")"));
  EXPECT_THAT(log_lines_.back(),
              HasSubstr("stopped: handled=1 throttled_inflight=0 throttled_rate=0"));
  // After Stop, requests are not handled: accepted and documents only.
  service->OnMessage(&handle_a_, "dev", "$aws/things/lamp/shadow/get", "{}");
  EXPECT_EQ(broker_.published.size(), 2u);
}

// --- Rules (issue 13) ---------------------------------------------------

TEST_F(InBrokerServiceTest, ClientPublishesAndTheServicesOwnAnswersRunThroughTheRules) {
  auto service = Make(WithRules({{"accepted", R"({
      "sql": "SELECT state.reported.t AS t, topic(3) AS thing, clientid() AS c FROM '$aws/things/+/shadow/update/accepted'",
      "actions": [{"republish": {"topic": "gh/${topic(3)}", "qos": 1}}]})"},
                                 {"who", R"({
      "sql": "SELECT clientid() AS c, principal() AS p FROM 'dt/#'",
      "actions": [{"republish": {"topic": "who", "qos": 1}}]})"}}));
  ASSERT_NE(service, nullptr);
  EXPECT_THAT(log_lines_, ::testing::Contains(HasSubstr(
                              "rule accepted: FROM '$aws/things/+/shadow/update/accepted' -> "
                              "republish(gh/${topic(3)}, qos 1)")));
  service->OnConnect(Connection(&handle_a_, "dev-a", "thing-a"));
  broker_.published.clear();
  service->OnMessage(&handle_a_, "dev-a", "$aws/things/lamp/shadow/update",
                     R"({"state":{"reported":{"t":21}}})");
  // The rule's republish follows the accepted answer that caused it.
  EXPECT_THAT(broker_.Topics(), ElementsAre("$aws/things/lamp/shadow/update/accepted", "gh/lamp",
                                            "$aws/things/lamp/shadow/update/documents"));
  EXPECT_EQ(broker_.published[1].second, R"({"t":21,"thing":"lamp","c":"n/a"})");
  broker_.published.clear();
  service->OnMessage(&handle_a_, "dev-a", "dt/lamp/1", "{}");
  ASSERT_THAT(broker_.Topics(), ElementsAre("who"));
  EXPECT_EQ(broker_.published[0].second, R"({"c":"dev-a","p":"thing-a"})");
}

TEST_F(InBrokerServiceTest, RuleOptionsThatCannotWorkFailCreate) {
  const std::string rules = dir_->File("rules");
  ASSERT_EQ(::mkdir(rules.c_str(), 0700), 0);
  ASSERT_TRUE(testing_support::WriteStringToFile(rules + "/readings.json", R"({
      "sql": "SELECT * FROM 'a'", "actions": [{"dynamoDBv2": {"putItem": {"tableName": "readings"}}}]})")
                  .ok());
  PluginOptions options;
  options.rules_dir = rules;
  Result<std::unique_ptr<InBrokerService>> made =
      InBrokerService::Create(options, broker_, logger_);
  ASSERT_FALSE(made.ok());
  EXPECT_THAT(made.status().message(), HasSubstr("plugin_opt_rules_dir: rule readings writes a "
                                                 "table (dynamoDBv2 or dynamoDB): set "
                                                 "plugin_opt_rules_table_store"));
  options.rules_table_store = dir_->File("no-such-dir/tables.db");
  made = InBrokerService::Create(options, broker_, logger_);
  ASSERT_FALSE(made.ok());
  EXPECT_THAT(made.status().message(), HasSubstr("plugin_opt_rules_table_store: "));
  options.rules_dir = dir_->File("missing");
  made = InBrokerService::Create(options, broker_, logger_);
  ASSERT_FALSE(made.ok());
  EXPECT_THAT(made.status().message(), HasSubstr("plugin_opt_rules_dir: "));
  options = {};
  options.rules_table_store = dir_->File("tables.db");
  made = InBrokerService::Create(options, broker_, logger_);
  ASSERT_FALSE(made.ok());
  EXPECT_THAT(made.status().message(), HasSubstr("plugin_opt_rules_table_store: needs"));
}

TEST_F(InBrokerServiceTest, TheRulesCountersArePublishedRetainedFromTheTickAtMostOncePerInterval) {
  auto service = Make(WithRules({{"who", R"({
      "sql": "SELECT clientid() AS c FROM 'dt/#'",
      "actions": [{"republish": {"topic": "who", "qos": 1}}]})"}}));
  ASSERT_NE(service, nullptr);
  EXPECT_TRUE(broker_.retained.empty()) << "published from the tick, not at start";
  service->OnTick();
  const std::string zero =
      R"({"rules":[{"name":"who","enabled":true,"from":"dt/#","matched":0,"actionsSucceeded":0,)"
      R"("actionsFailed":0,"dropped":0,"republishCut":0}]})";
  EXPECT_EQ(broker_.retained["$shadowsync/rules/stats"], zero);
  service->OnConnect(Connection(&handle_a_, "dev-a", "thing-a"));
  service->OnMessage(&handle_a_, "dev-a", "dt/lamp/1", "{}");
  service->OnTick();  // within the interval: the snapshot waits
  EXPECT_EQ(broker_.retained["$shadowsync/rules/stats"], zero);
  EXPECT_TRUE(testing_support::Eventually(
      [&] {
        service->OnTick();
        return broker_.retained["$shadowsync/rules/stats"] != zero;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(50)));
  Result<JsonDocument> stats = ParseJson(broker_.retained["$shadowsync/rules/stats"]);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ((*stats)["rules"][0]["matched"], 1);
  EXPECT_EQ((*stats)["rules"][0]["actionsSucceeded"], 1);
  // No rule message reached the rules: $ topics are not matched by dt/#,
  // and the snapshot is not fed to them anyway.
  EXPECT_EQ(service->rules()->counters(0).matched, 1u);
}

}  // namespace
}  // namespace shadowsync::mosquitto_plugin

namespace shadowsync::mosquitto_plugin {
namespace {

// MQTT over WebSocket (gateway_identity.h): an "iam:<key>" username counts
// only with the gateway's secret, and then the key's IAM user's policies
// decide.
TEST_F(InBrokerServiceTest, GatewayVouchedIamIdentityNeedsTheSecretAndGetsItsUsersPolicies) {
  const std::string secret_file = dir_->File("secret");
  ASSERT_TRUE(
      testing_support::WriteStringToFile(secret_file, "gateway-secret-0123456789\n", 0600).ok());
  const std::string registry = dir_->File("registry.json");
  ASSERT_TRUE(testing_support::WriteStringToFile(registry, R"({
    "certificates": [],
    "iamUsers": {"alice": {"accessKeyIds": ["AKIDALICE"], "policies": ["own"]}},
    "policies": {"own": {"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:*:*:client/app-*"},
      {"Effect": "Allow", "Action": "iot:Publish",
       "Resource": "arn:aws:iot:*:*:topic/$aws/things/alice-thing/shadow/*"}]}}
  })")
                  .ok());
  PluginOptions options;
  options.registry_path = registry;
  options.gateway_secret_file = secret_file;
  auto service = Make(options);
  ASSERT_NE(service, nullptr);

  ConnectionInfo vouched = Connection(&handle_a_, "app-1");
  vouched.username = "iam:AKIDALICE";
  vouched.password = "gateway-secret-0123456789";
  EXPECT_EQ(service->OnConnect(vouched), Verdict::kAllow);
  EXPECT_EQ(
      service->OnAccess(&handle_a_, Access::kWrite, "$aws/things/alice-thing/shadow/get", false),
      Verdict::kAllow);
  EXPECT_EQ(service->OnAccess(&handle_a_, Access::kWrite, "$aws/things/bob/shadow/get", false),
            Verdict::kDeny);
  EXPECT_THAT(log_lines_.back(), HasSubstr("iam_access_key=AKIDALICE action=iot:Publish"));

  ConnectionInfo forged = Connection(&handle_b_, "app-2");
  forged.username = "iam:AKIDALICE";
  forged.password = "a-guess";
  EXPECT_EQ(service->OnConnect(forged), Verdict::kDeny);
  EXPECT_THAT(log_lines_.back(), HasSubstr("is reserved for shadowsync-gateway"));
  for (const std::string& line : log_lines_) {
    EXPECT_THAT(line, ::testing::Not(HasSubstr("gateway-secret-0123456789")));
  }
  // An access key that no IAM user lists.
  ConnectionInfo unknown = Connection(&handle_b_, "app-3");
  unknown.username = "iam:AKIDNOBODY";
  unknown.password = "gateway-secret-0123456789";
  EXPECT_EQ(service->OnConnect(unknown), Verdict::kDeny);
}

TEST_F(InBrokerServiceTest, GatewaySecretFileMustBePrivateAndLongEnough) {
  const std::string loose = dir_->File("loose");
  ASSERT_TRUE(testing_support::WriteStringToFile(loose, "gateway-secret-0123456789\n", 0644).ok());
  PluginOptions options;
  options.gateway_secret_file = loose;
  Result<std::unique_ptr<InBrokerService>> made =
      InBrokerService::Create(options, broker_, logger_);
  ASSERT_FALSE(made.ok());
  EXPECT_THAT(made.status().message(), HasSubstr("plugin_opt_gateway_secret_file: "));
  EXPECT_THAT(made.status().message(), HasSubstr("readable by group or others"));
  const std::string short_secret = dir_->File("short");
  ASSERT_TRUE(testing_support::WriteStringToFile(short_secret, "short\n", 0600).ok());
  options.gateway_secret_file = short_secret;
  made = InBrokerService::Create(options, broker_, logger_);
  ASSERT_FALSE(made.ok());
  EXPECT_THAT(made.status().message(), HasSubstr("at least 16 characters"));
  EXPECT_THAT(made.status().message(), ::testing::Not(HasSubstr("short\n")));
}

}  // namespace
}  // namespace shadowsync::mosquitto_plugin
