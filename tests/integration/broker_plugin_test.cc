// SPDX-License-Identifier: Apache-2.0
//
// shadowsync_mosquitto.so in a real mosquitto 2.0 (issue 9), driven by the
// mosquitto_pub / mosquitto_sub command-line clients (independent of our
// MQTT code):
//   - shadow requests answered inside the broker, in both orders (P1, P8),
//     and the request still reaches its subscribers;
//   - lifecycle events on connect and disconnect;
//   - a bad option or a malformed registry keeps mosquitto from starting,
//     and the log names the option and the JSON pointer;
//   - bad input (200 KB, 1000-deep, invalid UTF-8, garbage, unknown $aws
//     topics, QoS 2) answered as AWS answers it, and the broker goes on;
//   - with plugin_opt_store, SIGKILL of mosquitto loses nothing answered;
//   - the three seed policies of examples/registry/registry.json over
//     mutual TLS: the ESP32 policy, the DataLogger policy and the per-thing
//     shadow policy (connect refused, publish dropped, subscription refused;
//     one log line naming principal, action and resource).

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "shadowsync/json.h"
#include "support/child_process.h"
#include "support/eventually.h"
#include "support/mosquitto_clients.h"
#include "support/mosquitto_fixture.h"
#include "support/process_output.h"
#include "support/shadow_service_fixture.h"
#include "support/shared_certificates.h"
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
using testing_support::TlsEcEndpoint;

const char kRegistry[] = SHADOWSYNC_SOURCE_DIR "/examples/registry/registry.json";

JsonDocument Parse(const std::string& text) {
  Result<JsonDocument> doc = ParseJson(text);
  EXPECT_TRUE(doc.ok()) << text;
  return doc.ok() ? std::move(doc).value() : JsonDocument();
}

class BrokerPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = testing_support::SharedCertificates(
        {"test-client", "lamp", "esp32", "datalogger", "stranger"});
    ASSERT_NE(certs_, nullptr);
    auto dir = TempDir::Create("shadowsync-plugin-test");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
  }

  BrokerOptions Options(std::vector<std::pair<std::string, std::string>> plugin_options) const {
    BrokerOptions options;
    options.certificates = certs_;
    options.plugin_path = BuiltPluginPath();
    options.plugin_options = std::move(plugin_options);
    return options;
  }

  ::testing::AssertionResult Start(
      std::vector<std::pair<std::string, std::string>> plugin_options = {}) {
    Status started = broker_.Start(Options(std::move(plugin_options)));
    if (!started.ok()) return ::testing::AssertionFailure() << started.ToString();
    return ::testing::AssertionSuccess();
  }

  // Over mutual TLS with `cn`'s EC certificate and client id `client_id`.
  CliEndpoint Tls(const std::string& cn, const std::string& client_id) const {
    CliEndpoint endpoint = TlsEcEndpoint(broker_, certs_->client(cn).ec);
    endpoint.client_id = client_id;
    return endpoint;
  }

  // Subscribes `count` messages on `filters` and waits for the SUBACK.
  std::unique_ptr<MosquittoSub> Subscribe(const CliEndpoint& endpoint,
                                          const std::vector<std::string>& filters, int count) {
    auto sub = std::make_unique<MosquittoSub>();
    Status started = sub->Start(endpoint, filters, count);
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

  void Publish(const CliEndpoint& endpoint, const std::string& topic, const std::string& payload,
               int qos = 1) {
    Result<testing_support::ProcessOutput> pub = MosquittoPub(endpoint, topic, payload, qos);
    ASSERT_TRUE(pub.ok()) << pub.status().ToString();
    EXPECT_TRUE(pub->status.success()) << pub->output;
  }

  // mosquitto_pub -f: for payloads too long for one argv string (128 KiB).
  void PublishFile(const CliEndpoint& endpoint, const std::string& topic,
                   const std::string& payload) {
    const std::string path = dir_->File("payload-" + std::to_string(++files_));
    ASSERT_TRUE(testing_support::WriteStringToFile(path, payload, 0600).ok());
    testing_support::ChildProcessOptions options;
    options.argv = {"mosquitto_pub", "-V", "mqttv311"};
    for (std::string& arg : endpoint.Args()) options.argv.push_back(std::move(arg));
    options.argv.insert(options.argv.end(), {"-t", topic, "-f", path, "-q", "1"});
    Result<testing_support::ProcessOutput> pub =
        testing_support::RunProcess(std::move(options), 10s);
    ASSERT_TRUE(pub.ok()) << pub.status().ToString();
    EXPECT_TRUE(pub->status.success()) << pub->output;
  }

  static std::vector<std::string> Topics(const std::vector<ReceivedMessage>& messages) {
    std::vector<std::string> out;
    for (const ReceivedMessage& m : messages) out.push_back(m.topic);
    return out;
  }

  std::shared_ptr<const testing_support::TestCertificates> certs_;
  std::unique_ptr<TempDir> dir_;
  MosquittoBroker broker_;
  int files_ = 0;
};

// --- The shadow service ----------------------------------------------------

TEST_F(BrokerPluginTest, AnswersAnUpdateInsideTheBrokerAfterTheRequestReachesItsSubscribers_P1_P8) {
  ASSERT_TRUE(Start());
  auto sub = Subscribe(PlainEndpoint(broker_), {"$aws/things/lamp/shadow/#"}, 4);
  Publish(PlainEndpoint(broker_), "$aws/things/lamp/shadow/update",
          R"({"state":{"desired":{"on":true}},"clientToken":"t-1"})");
  std::vector<ReceivedMessage> got = Wait(*sub);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(Topics(got), (std::vector<std::string>{
                             "$aws/things/lamp/shadow/update",
                             "$aws/things/lamp/shadow/update/accepted",
                             "$aws/things/lamp/shadow/update/documents",
                             "$aws/things/lamp/shadow/update/delta",
                         }));
  JsonDocument accepted = Parse(got[1].payload);
  EXPECT_EQ(accepted["version"].GetUint64(), 1u);
  EXPECT_EQ(accepted["clientToken"], "t-1");
  EXPECT_EQ(Parse(got[3].payload)["state"]["on"], true);
  EXPECT_NE(
      broker_.ReadLog().find("thing=lamp shadow=- op=update result=accepted code=200 version=1"),
      std::string::npos)
      << broker_.LogTail();
}

TEST_F(BrokerPluginTest, DeltaFirstOrderAndNamedShadows_P8_T2) {
  ASSERT_TRUE(Start({{"order", "delta-first"}}));
  auto sub = Subscribe(PlainEndpoint(broker_), {"$aws/things/lamp/shadow/name/cfg/update/+"}, 3);
  Publish(PlainEndpoint(broker_), "$aws/things/lamp/shadow/name/cfg/update",
          R"({"state":{"desired":{"mode":"eco"}}})");
  EXPECT_EQ(Topics(Wait(*sub)), (std::vector<std::string>{
                                    "$aws/things/lamp/shadow/name/cfg/update/delta",
                                    "$aws/things/lamp/shadow/name/cfg/update/documents",
                                    "$aws/things/lamp/shadow/name/cfg/update/accepted",
                                }));
}

TEST_F(BrokerPluginTest, BadInputIsAnsweredAsAwsAnswersItAndTheBrokerGoesOn_L1_L2_E3_T6) {
  ASSERT_TRUE(Start());
  const CliEndpoint plain = PlainEndpoint(broker_);
  auto sub = Subscribe(plain, {"$aws/things/lamp/shadow/update/rejected"}, 4);
  // 200 KB: 413.
  PublishFile(plain, "$aws/things/lamp/shadow/update",
              R"({"state":{"reported":{"big":")" + std::string(200 * 1024, 'x') + "\"}}}");
  // 1,000 levels: 400 too deep.
  std::string deep = R"({"state":{"reported":)";
  for (int i = 0; i < 1000; ++i) deep += "{\"a\":";
  deep += "1" + std::string(1000, '}') + "}}";
  Publish(plain, "$aws/things/lamp/shadow/update", deep);
  Publish(plain, "$aws/things/lamp/shadow/update",
          "{\"state\":{\"reported\":{\"s\":\"\xff\xfe\"}}}");
  Publish(plain, "$aws/things/lamp/shadow/update", "garbage{{{");
  // Unknown $aws topics and invalid names get no answer at all (T6, 12a.10).
  Publish(plain, "$aws/things/lamp/shadow/bogus", "{}");
  Publish(plain, "$aws/things/la.mp/shadow/update", "{}");
  std::vector<ReceivedMessage> got = Wait(*sub);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(Parse(got[0].payload)["code"], 413);
  EXPECT_EQ(Parse(got[1].payload)["code"], 400);
  EXPECT_EQ(Parse(got[2].payload)["code"], 415) << got[2].payload;  // E3 step 1
  EXPECT_EQ(Parse(got[3].payload)["code"], 400) << got[3].payload;
  // QoS 2 (AWS has none): max_qos 1 makes mosquitto disconnect the client.
  Result<testing_support::ProcessOutput> qos2 =
      MosquittoPub(plain, "$aws/things/lamp/shadow/update", R"({"state":null})", 2);
  ASSERT_TRUE(qos2.ok());
  // ...and the service still answers.
  auto after = Subscribe(plain, {"$aws/things/lamp/shadow/update/accepted"}, 1);
  Publish(plain, "$aws/things/lamp/shadow/update", R"({"state":{"reported":{"ok":1}}})");
  got = Wait(*after);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(Parse(got[0].payload)["version"], 1);
  EXPECT_TRUE(broker_.IsRunning());
}

TEST_F(BrokerPluginTest, LifecycleEventsOnConnectAndDisconnect) {
  ASSERT_TRUE(Start());
  auto sub = Subscribe(PlainEndpoint(broker_), {"$aws/events/presence/+/device-7"}, 2);
  Publish(Tls("lamp", "device-7"), "hello", "x");
  std::vector<ReceivedMessage> got = Wait(*sub);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].topic, "$aws/events/presence/connected/device-7");
  EXPECT_EQ(got[1].topic, "$aws/events/presence/disconnected/device-7");
  JsonDocument connected = Parse(got[0].payload);
  JsonDocument disconnected = Parse(got[1].payload);
  EXPECT_EQ(connected["clientId"], "device-7");
  EXPECT_EQ(connected["eventType"], "connected");
  EXPECT_EQ(disconnected["eventType"], "disconnected");
  EXPECT_EQ(connected["sessionIdentifier"], disconnected["sessionIdentifier"]);
  EXPECT_EQ(connected["sessionIdentifier"].GetStringLength(), 32u);
  // The certificate's SHA-256 fingerprint, as AWS names certificates.
  EXPECT_EQ(connected["principalIdentifier"].GetStringLength(), 64u);
  EXPECT_EQ(connected["ipAddress"], "127.0.0.1");
  EXPECT_EQ(connected["versionNumber"], 1);
  EXPECT_EQ(disconnected["versionNumber"], 1);
  EXPECT_TRUE(connected["timestamp"].IsInt64());
  EXPECT_LE(connected["timestamp"].GetInt64(), disconnected["timestamp"].GetInt64());
}

TEST_F(BrokerPluginTest, ABadOptionKeepsMosquittoFromStartingAndNamesTheOption) {
  for (const auto& [option, expected] :
       std::vector<std::pair<std::pair<std::string, std::string>, std::string>>{
           {{"max_depth", "x"},
            "plugin_opt_max_depth: invalid value 'x': expected an integer from 1 to 64"},
           {{"order", "sideways"}, "plugin_opt_order: invalid value 'sideways'"},
           {{"colour", "blue"}, "plugin_opt_colour: unknown option"},
           {{"seed_file", "/nonexistent/seed.json"}, "plugin_opt_seed_file: "},
       }) {
    BrokerOptions options = Options({option});
    options.start_timeout = 5s;
    MosquittoBroker broker;
    Status started = broker.Start(options);
    EXPECT_FALSE(started.ok()) << option.first;
    EXPECT_NE(broker.ReadLog().find(expected), std::string::npos)
        << option.first << ": " << broker.LogTail();
  }
}

TEST_F(BrokerPluginTest, AMalformedRegistryKeepsMosquittoFromStartingAndNamesThePointer) {
  const std::string path = dir_->File("registry.json");
  ASSERT_TRUE(testing_support::WriteStringToFile(
                  path,
                  R"({"certificates":[{"commonName":"lamp","policies":["nope"]}],"policies":{}})",
                  0600)
                  .ok());
  BrokerOptions options = Options({{"registry", path}});
  options.start_timeout = 5s;
  MosquittoBroker broker;
  EXPECT_FALSE(broker.Start(options).ok());
  const std::string log = broker.ReadLog();
  EXPECT_NE(log.find("plugin_opt_registry: "), std::string::npos) << log;
  EXPECT_NE(log.find("/certificates/0/policies/0"), std::string::npos) << log;
}

// --- Durability ------------------------------------------------------------

TEST_F(BrokerPluginTest, SigkillWithAStoreLosesNothingThatWasAnswered) {
  const std::string store = dir_->File("shadows.db");
  // No L7/L8 here: the stream is as fast as mosquitto_pub can go.
  ASSERT_TRUE(Start({{"store", store}, {"max_inflight", "0"}, {"max_requests_per_second", "0"}}));
  const CliEndpoint plain = PlainEndpoint(broker_);
  // A stream of updates from one publisher; kill -9 the broker mid-stream.
  constexpr int kUpdates = 400;
  auto sub = std::make_unique<MosquittoSub>();
  ASSERT_TRUE(sub->Start(plain, {"$aws/things/lamp/shadow/update/accepted"}, kUpdates).ok());
  ASSERT_TRUE(sub->WaitSubscribed().ok());
  std::string lines;
  for (int i = 1; i <= kUpdates; ++i) {
    lines += R"({"state":{"reported":{"n":)" + std::to_string(i) + "}}}\n";
  }
  const std::string input = dir_->File("updates.txt");
  ASSERT_TRUE(testing_support::WriteStringToFile(input, lines, 0600).ok());
  testing_support::ChildProcessOptions pub;
  pub.argv = {"sh", "-c",
              "mosquitto_pub -h 127.0.0.1 -p " + std::to_string(broker_.plain_port()) +
                  " -q 1 -t '$aws/things/lamp/shadow/update' -l < " + input};
  testing_support::ChildProcess publisher;
  ASSERT_TRUE(publisher.Start(std::move(pub)).ok());
  // Wait until some answers arrived, then kill.
  testing_support::Eventually([&] { return sub->Messages().size() >= 50; }, 20s);
  ASSERT_GE(sub->Messages().size(), 50u) << broker_.LogTail();
  ASSERT_EQ(::kill(broker_.pid(), SIGKILL), 0);
  std::uint64_t highest = 0;
  for (const ReceivedMessage& m : sub->Messages()) {
    highest = std::max<std::uint64_t>(highest, Parse(m.payload)["version"].GetUint64());
  }
  ASSERT_TRUE(broker_.Restart().ok()) << broker_.LogTail();
  auto get = Subscribe(plain, {"$aws/things/lamp/shadow/get/accepted"}, 1);
  Publish(plain, "$aws/things/lamp/shadow/get", "{}");
  std::vector<ReceivedMessage> got = Wait(*get);
  ASSERT_EQ(got.size(), 1u);
  JsonDocument doc = Parse(got[0].payload);
  // Every answered update is in the store: the stored version is at least
  // the highest one answered, and its state is that update's or a later one.
  EXPECT_GE(doc["version"].GetUint64(), highest) << "answered " << highest;
  EXPECT_GE(doc["state"]["reported"]["n"].GetUint64(), highest);
  (void)publisher.Kill();
}

// --- AWS IoT policies, enforced -----------------------------------------------

class BrokerPolicyTest : public BrokerPluginTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(BrokerPluginTest::SetUp());
    ASSERT_TRUE(Start({{"registry", kRegistry}}));
  }

  // True when `endpoint` may connect (mosquitto_pub to a harmless topic).
  bool Connects(const CliEndpoint& endpoint) {
    Result<testing_support::ProcessOutput> pub = MosquittoPub(endpoint, "probe/connect", "x", 0);
    return pub.ok() && pub->status.success();
  }

  // True when `endpoint`'s SUBSCRIBE to `filter` is granted.
  bool Subscribes(const CliEndpoint& endpoint, const std::string& filter) {
    MosquittoSub sub;
    if (!sub.Start(endpoint, {filter}, 1).ok()) return false;
    const bool granted = sub.WaitSubscribed().ok();
    (void)sub.process().Kill();
    return granted;
  }

  // Whether a publish by `endpoint` on `topic` reaches a datalogger
  // subscriber (allowed everything): the publish itself always "succeeds"
  // at MQTT 3.1.1, as on AWS, so delivery is the test.
  bool Delivered(const CliEndpoint& endpoint, const std::string& topic) {
    MosquittoSub watcher;
    EXPECT_TRUE(watcher.Start(Tls("datalogger", "watcher"), {topic, "probe/barrier"}, 1).ok());
    const Status subscribed = watcher.WaitSubscribed();
    EXPECT_TRUE(subscribed.ok()) << subscribed.ToString() << "\n" << broker_.LogTail();
    Publish(endpoint, topic, "payload");
    // A barrier the watcher is sure to get after the publish if it was
    // routed (same broker thread, FIFO per subscriber).
    Publish(Tls("datalogger", "barrier"), "probe/barrier", "b");
    Result<std::vector<ReceivedMessage>> got = watcher.WaitForMessages(10s);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() && !got->empty() && got->front().topic == topic;
  }

  bool LogHas(const std::string& text) const {
    return broker_.ReadLog().find(text) != std::string::npos;
  }
};

TEST_F(BrokerPolicyTest, Esp32PolicyConnectsOnlyAsItsThingAndTouchesNoShadow) {
  EXPECT_TRUE(Connects(Tls("esp32", "esp32")));
  EXPECT_FALSE(Connects(Tls("esp32", "someone-else")));
  EXPECT_TRUE(LogHas("action=iot:Connect resource=client/someone-else")) << broker_.LogTail();
  EXPECT_TRUE(Delivered(Tls("esp32", "esp32"), "esp32/pub"));
  EXPECT_TRUE(Subscribes(Tls("esp32", "esp32"), "esp32/sub"));
  EXPECT_FALSE(Subscribes(Tls("esp32", "esp32"), "esp32/#"));
  EXPECT_FALSE(Subscribes(Tls("esp32", "esp32"), "$aws/things/esp32/shadow/update/accepted"));
  EXPECT_FALSE(Delivered(Tls("esp32", "esp32"), "$aws/things/esp32/shadow/update"));
  EXPECT_TRUE(LogHas("cn=esp32")) << broker_.LogTail();
  EXPECT_TRUE(LogHas("action=iot:Publish resource=topic/$aws/things/esp32/shadow/update"))
      << broker_.LogTail();
}

TEST_F(BrokerPolicyTest, DataLoggerPolicyAllowsEverything) {
  EXPECT_TRUE(Connects(Tls("datalogger", "any-client-id")));
  EXPECT_TRUE(Subscribes(Tls("datalogger", "datalogger"), "#"));
  EXPECT_TRUE(
      Subscribes(Tls("datalogger", "datalogger"), "$aws/things/lamp/shadow/update/accepted"));
  EXPECT_TRUE(Delivered(Tls("datalogger", "dl-2"), "$aws/things/datalogger/shadow/update"));
}

TEST_F(BrokerPolicyTest, PerThingShadowPolicyLetsLampUseItsOwnShadowsOnly) {
  EXPECT_FALSE(Connects(Tls("lamp", "not-lamp")));
  // Its own classic and named shadow: the update is answered to lamp.
  for (const std::string prefix : {"$aws/things/lamp/shadow", "$aws/things/lamp/shadow/name/cfg"}) {
    MosquittoSub sub;
    ASSERT_TRUE(sub.Start(Tls("lamp", "lamp"), {prefix + "/update/accepted"}, 1).ok());
    ASSERT_TRUE(sub.WaitSubscribed().ok()) << prefix << "\n" << broker_.LogTail();
    // The subscriber holds the "lamp" client id: publish as lamp from the
    // same connection is not possible with the CLI, so a second lamp
    // connection would take it over (DUPLICATE_CLIENTID). Publish as the
    // datalogger instead, whose policy allows it; lamp must RECEIVE it.
    Publish(Tls("datalogger", "dl-publisher"), prefix + "/update",
            R"({"state":{"reported":{"on":true}}})");
    Result<std::vector<ReceivedMessage>> got = sub.WaitForMessages(10s);
    ASSERT_TRUE(got.ok()) << prefix << ": " << got.status().ToString() << "\n" << broker_.LogTail();
  }
  // Lamp's own update reaches the service...
  EXPECT_TRUE(Delivered(Tls("lamp", "lamp"), "$aws/things/lamp/shadow/update"));
  // ...another thing's shadow is refused both ways.
  EXPECT_FALSE(Delivered(Tls("lamp", "lamp"), "$aws/things/esp32/shadow/update"));
  EXPECT_FALSE(Subscribes(Tls("lamp", "lamp"), "$aws/things/esp32/shadow/update/accepted"));
  EXPECT_FALSE(Subscribes(Tls("lamp", "lamp"), "$aws/things/lamp/shadow/#"));
}

TEST_F(BrokerPolicyTest, AnUnknownCertificateAndAPlainClientAreRefusedAtConnect) {
  EXPECT_FALSE(Connects(Tls("stranger", "stranger")));
  EXPECT_TRUE(LogHas("cn=stranger")) << broker_.LogTail();
  EXPECT_FALSE(Connects(PlainEndpoint(broker_)));
}

}  // namespace
}  // namespace shadowsync
