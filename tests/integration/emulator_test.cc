// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-emulator as a process on a real mosquitto (issue 3, sections
// "shadowsync-emulator", "Test fixture" and "Reliability"): the binary is
// started by tests/support/emulator_process.h against a private broker, and
// a device-like client (PahoTransport over mutual TLS, EC) subscribes to the
// response topics and sends requests. Covered: a TLS round trip of update,
// get and delete on classic and named shadows (responses QoS 1, never
// retained), an AWS-like ACL, a broker restarted under the emulator (also
// inline, with a persistent session and requests queued meanwhile), SIGKILL
// and restart on the same SQLite store, hostile payloads and unknown topics,
// the seeded random publish order, the per-thing request rate, SIGTERM with
// export, and seed files good and bad.
//
// Silence ("no answer") is never waited for with a fixed sleep. The emulator
// applies one shadow's requests one at a time, in arrival order, and publishes
// their responses over one connection, so the answer to a later "sentinel"
// request on the same shadow arrives after anything an earlier request would
// have caused. Messages the emulator ignores are also confirmed by its debug
// log ("ignored PUBLISH on <topic>"), which proves they reached it.
//
// Paho C 1.3.11 makes a second client of one process wait ~2 s for its
// connect while another one is connected, so tests that need two clients
// connect them at the same time; every per-operation deadline is >= 3 s
// (Paho's rare 1.1 s stall). See ../shared/notes/toolchain.md.
//
// Tests that need many requests send them at once instead of one by one:
// it keeps them short on a loaded machine and exercises the emulator's
// per-shadow queues. (Before the transport set TCP_NODELAY itself, Paho C
// 1.3.11 made each sequential request/answer cost ~90 ms: Nagle plus delayed
// ACK after every PUBACK, eclipse-paho/paho.mqtt.c#530.)

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "shadowsync/json.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/transport.h"
#include "support/child_process.h"
#include "support/emulator_process.h"
#include "support/eventually.h"
#include "support/json_expect.h"
#include "support/mosquitto_clients.h"
#include "support/mosquitto_fixture.h"
#include "support/run_together.h"
#include "support/shadow_service_fixture.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"

namespace shadowsync {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing_support::BrokerOptions;
using testing_support::EmulatorProcess;
using testing_support::EmulatorProcessOptions;
using testing_support::MosquittoBroker;
using testing_support::TempDir;
using Clock = std::chrono::steady_clock;

constexpr auto kOp = 10s;    // deadline of one answer
constexpr auto kLong = 20s;  // deadline of a reconnect or restart
constexpr char kDevice[] = "test-client";

// ===========================================================================
// Certificates, JSON and topic helpers

// "$aws/things/T/shadow" or "$aws/things/T/shadow/name/S".
std::string Prefix(const std::string& thing, const std::string& shadow = "") {
  std::string prefix = "$aws/things/" + thing + "/shadow";
  if (!shadow.empty()) prefix += "/name/" + shadow;
  return prefix;
}

std::string Topic(const std::string& thing, const std::string& op, const std::string& shadow = "") {
  return Prefix(thing, shadow) + "/" + op;
}

std::string UpdateBody(const std::string& state, const std::string& token) {
  return R"({"state":)" + state + R"(,"clientToken":")" + token + R"("})";
}

std::string TokenBody(const std::string& token) { return R"({"clientToken":")" + token + R"("})"; }

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The value at a JSON pointer ("/state/desired/color"), or null.
const JsonValue* At(const JsonValue& doc, const char* pointer) {
  return rapidjson::Pointer(pointer).Get(doc);
}

// The compact JSON at `pointer`, or "<absent>".
std::string JsonAt(const JsonValue& doc, const char* pointer) {
  const JsonValue* value = At(doc, pointer);
  return value ? ToCompactJson(*value) : "<absent>";
}

std::int64_t IntAt(const JsonValue& doc, const char* pointer) {
  const JsonValue* value = At(doc, pointer);
  return value && value->IsInt64() ? value->GetInt64() : -1;
}

// ===========================================================================
// A device-like client: PahoTransport that records every message it gets.

struct Received {
  MqttMessage message;
  std::string token;  // clientToken of a JSON object payload; "" otherwise
  size_t index = 0;   // arrival order
};

class ShadowClient {
 public:
  static std::unique_ptr<ShadowClient> Make(const MqttOptions& options) {
    Result<std::unique_ptr<Transport>> made = MakePahoTransport(options);
    if (!made.ok()) {
      ADD_FAILURE() << "MakePahoTransport: " << made.status().ToString();
      return nullptr;
    }
    return std::unique_ptr<ShadowClient>(new ShadowClient(std::move(made).value()));
  }

  Transport& transport() { return *transport_; }
  Status Connect() { return transport_->Connect(); }

  // The response topics of a thing's classic and named shadows (exact
  // filters, no '#': T8).
  Status Watch(const std::string& thing) {
    Status status = transport_->Subscribe(Prefix(thing) + "/+/+", 1);
    if (!status.ok()) return status;
    return transport_->Subscribe(Prefix(thing) + "/name/+/+/+", 1);
  }
  Status Subscribe(const std::string& filter) { return transport_->Subscribe(filter, 1); }
  Status Publish(const std::string& topic, const std::string& payload) {
    return transport_->Publish(topic, payload, 1);
  }

  // How many messages arrived so far (a mark for Since()).
  size_t Count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_.size();
  }
  std::vector<Received> Since(size_t mark) const {
    std::lock_guard<std::mutex> lock(mu_);
    return std::vector<Received>(messages_.begin() + static_cast<std::ptrdiff_t>(mark),
                                 messages_.end());
  }
  std::vector<Received> WithToken(const std::string& token) const {
    std::vector<Received> out;
    std::lock_guard<std::mutex> lock(mu_);
    for (const Received& r : messages_) {
      if (r.token == token) out.push_back(r);
    }
    return out;
  }

  // The first message (from index `from` on) that satisfies `pred`.
  std::optional<Received> WaitFor(const std::function<bool(const Received&)>& pred,
                                  std::chrono::milliseconds timeout = kOp, size_t from = 0) {
    std::unique_lock<std::mutex> lock(mu_);
    std::optional<Received> found;
    cv_.wait_for(lock, timeout, [&] {
      for (size_t i = from; i < messages_.size(); ++i) {
        if (pred(messages_[i])) {
          found = messages_[i];
          return true;
        }
      }
      return false;
    });
    return found;
  }

  // The accepted or rejected answer carrying `token`.
  std::optional<Received> WaitForAnswer(const std::string& token,
                                        std::chrono::milliseconds timeout = kOp) {
    return WaitFor(
        [&](const Received& r) {
          return r.token == token &&
                 (EndsWith(r.message.topic, "/accepted") || EndsWith(r.message.topic, "/rejected"));
        },
        timeout);
  }

  // The message on `topic` carrying `token`.
  std::optional<Received> WaitOn(const std::string& topic, const std::string& token,
                                 std::chrono::milliseconds timeout = kOp) {
    return WaitFor([&](const Received& r) { return r.token == token && r.message.topic == topic; },
                   timeout);
  }

  bool WaitForEvent(ConnectionEvent event, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      return std::find(events_.begin(), events_.end(), event) != events_.end();
    });
  }

 private:
  explicit ShadowClient(std::unique_ptr<Transport> transport) : transport_(std::move(transport)) {
    transport_->SetHandlers(
        [this](const MqttMessage& message) {
          Received r;
          r.message = message;
          Result<JsonDocument> doc = ParseJson(message.payload);
          if (doc.ok() && doc->IsObject()) {
            auto token = doc->FindMember("clientToken");
            if (token != doc->MemberEnd() && token->value.IsString()) {
              r.token = token->value.GetString();
            }
          }
          {
            std::lock_guard<std::mutex> lock(mu_);
            r.index = messages_.size();
            messages_.push_back(std::move(r));
          }
          cv_.notify_all();
        },
        [this](ConnectionEvent event, const Status&) {
          {
            std::lock_guard<std::mutex> lock(mu_);
            events_.push_back(event);
          }
          cv_.notify_all();
        });
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> messages_;
  std::vector<ConnectionEvent> events_;
  // Last: destroyed first, so no handler runs on a destroyed member.
  std::unique_ptr<Transport> transport_;
};

// Connects the clients at the same time (Paho's 2 s second-connect delay).
::testing::AssertionResult ConnectTogether(const std::vector<ShadowClient*>& clients) {
  std::vector<std::function<Status()>> connects;
  for (ShadowClient* client : clients) connects.push_back([client] { return client->Connect(); });
  return testing_support::AllOk(testing_support::RunTogether(connects));
}

// Publishes a request and waits for its accepted/rejected answer.
std::optional<Received> Ask(ShadowClient& client, const std::string& topic,
                            const std::string& payload, const std::string& token) {
  Status published = client.Publish(topic, payload);
  if (!published.ok()) {
    ADD_FAILURE() << "publish to " << topic << ": " << published.ToString();
    return std::nullopt;
  }
  return client.WaitForAnswer(token);
}

// Sends an idempotent request (GET or DELETE, empty body but a token) again
// until it is answered: for clients that may be offline or reconnecting, and
// for an emulator that may not have resubscribed yet. Fresh tokens
// "<token>-1", "-2", ... Each try waits 3 s; all within kLong.
std::optional<Received> AskAgain(ShadowClient& client, const std::string& topic,
                                 const std::string& token, int* attempts = nullptr) {
  const auto deadline = Clock::now() + kLong;
  int tries = 0;
  std::optional<Received> answer;
  while (!answer && Clock::now() < deadline) {
    if (!client.transport().IsConnected()) {
      std::this_thread::sleep_for(10ms);
      continue;
    }
    const std::string attempt = token + "-" + std::to_string(++tries);
    if (!client.Publish(topic, TokenBody(attempt)).ok()) {
      std::this_thread::sleep_for(10ms);  // went offline meanwhile
      continue;
    }
    answer = client.WaitForAnswer(attempt, 3s);
  }
  if (attempts != nullptr) *attempts = tries;
  return answer;
}

// ===========================================================================
// Fixture

// certs_ and broker_ come from the base fixture (StartBroker(): plain + TLS
// EC + TLS RSA, no ACL); each test runs its own emulators (Emulator()).
class EmulatorProcessTest : public testing_support::ShadowServiceTest {
 protected:
  EmulatorProcessTest()
      : ShadowServiceTest({kDefaultClient}, testing_support::ServiceHost::kEmulator) {}

  EmulatorProcessOptions Emulator() const { return EmulatorOptions(); }

  // A device over mutual TLS (EC) with the client certificate of `cn`.
  MqttOptions DeviceOptions(const std::string& cn) const {
    static int counter = 0;
    MqttOptions options;
    options.server_uri = broker_.tls_ec_uri();
    options.client_id =
        "emu-it-" + cn + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
    options.ca_file = certs_->ca_cert;
    const testing_support::ClientCertificates& client = Client(cn);
    options.cert_file = client.ec.cert;
    options.key_file = client.ec.key;
    options.connect_timeout = 5s;
    options.reconnect_min = 100ms;
    options.reconnect_max = 1s;
    return options;
  }

  // The client certificates of `cn`, issued from the test CA when missing.
  const testing_support::ClientCertificates& Client(const std::string& cn) const {
    static std::map<std::string, testing_support::ClientCertificates> issued;
    auto known = certs_->clients.find(cn);
    if (known != certs_->clients.end()) return known->second;
    auto found = issued.find(cn);
    if (found == issued.end()) {
      Result<testing_support::ClientCertificates> made =
          testing_support::IssueClientCertificates(*certs_, cn);
      EXPECT_TRUE(made.ok()) << made.status().ToString();
      found = issued.emplace(cn, made.ok() ? made.value() : testing_support::ClientCertificates())
                  .first;
    }
    return found->second;
  }

  // One connected device (the only client of the test, or the first of a
  // test whose others connect later with ConnectTogether()).
  std::unique_ptr<ShadowClient> ConnectDevice(const std::string& cn = kDevice) {
    std::unique_ptr<ShadowClient> client = ShadowClient::Make(DeviceOptions(cn));
    if (!client) return nullptr;
    Status connected = client->Connect();
    if (!connected.ok()) {
      ADD_FAILURE() << cn << ": " << connected.ToString() << "\n" << broker_.LogTail();
      return nullptr;
    }
    return client;
  }
};

// ===========================================================================
// Round trip over TLS

// T1 T2 P1 P3 P4 P9 P10 P11 V1 V2 V5 V7 E1 D5, formats 4.2 to 4.6, 12a.11.
TEST_F(EmulatorProcessTest, RoundTripOverTlsOnClassicAndNamedShadows) {
  ASSERT_TRUE(StartBroker());
  EmulatorProcess emulator;
  Status started = emulator.Start(broker_, Emulator());
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(emulator.broker_uri(), broker_.tls_ec_uri());
  std::unique_ptr<ShadowClient> client = ConnectDevice();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Watch("lamp").ok());

  // First update: accepted, documents and delta, all version 1 (V1, P1, V7).
  std::optional<Received> accepted =
      Ask(*client, Topic("lamp", "update"), UpdateBody(R"({"desired":{"color":"red"}})", "rt-1"),
          "rt-1");
  ASSERT_TRUE(accepted) << emulator.LogTail();
  EXPECT_EQ(accepted->message.topic, Topic("lamp", "update/accepted"));
  JsonDocument doc = testing_support::MustParse(accepted->message.payload);
  EXPECT_EQ(IntAt(doc, "/version"), 1);
  EXPECT_EQ(JsonAt(doc, "/state"), R"({"desired":{"color":"red"}})");
  EXPECT_TRUE(At(doc, "/metadata/desired/color/timestamp"));
  std::optional<Received> documents = client->WaitOn(Topic("lamp", "update/documents"), "rt-1");
  ASSERT_TRUE(documents);
  doc = testing_support::MustParse(documents->message.payload);
  EXPECT_EQ(JsonAt(doc, "/previous"), "null");
  EXPECT_EQ(IntAt(doc, "/current/version"), 1);
  EXPECT_EQ(JsonAt(doc, "/current/state"), R"({"desired":{"color":"red"}})");
  std::optional<Received> delta = client->WaitOn(Topic("lamp", "update/delta"), "rt-1");
  ASSERT_TRUE(delta);
  doc = testing_support::MustParse(delta->message.payload);
  EXPECT_EQ(IntAt(doc, "/version"), 1);
  EXPECT_EQ(JsonAt(doc, "/state"), R"({"color":"red"})");
  // The default order is accepted, documents, delta (12a.11).
  EXPECT_LT(accepted->index, documents->index);
  EXPECT_LT(documents->index, delta->index);

  // The device reports: version 2, no delta any more (D5), desired kept (P9).
  accepted = Ask(*client, Topic("lamp", "update"),
                 UpdateBody(R"({"reported":{"color":"red"}})", "rt-2"), "rt-2");
  ASSERT_TRUE(accepted);
  EXPECT_EQ(IntAt(testing_support::MustParse(accepted->message.payload), "/version"), 2);
  documents = client->WaitOn(Topic("lamp", "update/documents"), "rt-2");
  ASSERT_TRUE(documents);
  doc = testing_support::MustParse(documents->message.payload);
  EXPECT_EQ(IntAt(doc, "/previous/version"), 1);
  EXPECT_EQ(IntAt(doc, "/current/version"), 2);

  // GET (P3, 4.3); its answer comes after anything rt-2 caused.
  std::optional<Received> got = Ask(*client, Topic("lamp", "get"), TokenBody("rt-3"), "rt-3");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.topic, Topic("lamp", "get/accepted"));
  doc = testing_support::MustParse(got->message.payload);
  EXPECT_EQ(IntAt(doc, "/version"), 2);
  EXPECT_JSON_EQ(JsonAt(doc, "/state"),
                 R"({"desired":{"color":"red"},"reported":{"color":"red"}})");
  EXPECT_EQ(client->WithToken("rt-2").size(), 2u) << "rt-2 gave more than accepted + documents";

  // A named shadow is a document of its own (T1).
  accepted = Ask(*client, Topic("lamp", "update", "cfg"),
                 UpdateBody(R"({"desired":{"mode":"eco"}})", "rt-4"), "rt-4");
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->message.topic, Topic("lamp", "update/accepted", "cfg"));
  EXPECT_EQ(IntAt(testing_support::MustParse(accepted->message.payload), "/version"), 1);
  ASSERT_TRUE(client->WaitOn(Topic("lamp", "update/delta", "cfg"), "rt-4"));
  got = Ask(*client, Topic("lamp", "get"), TokenBody("rt-5"), "rt-5");
  ASSERT_TRUE(got);
  EXPECT_EQ(IntAt(testing_support::MustParse(got->message.payload), "/version"), 2);

  // Delete reports the deleted version (V5, 4.6) and publishes nothing else (P4).
  std::optional<Received> deleted =
      Ask(*client, Topic("lamp", "delete"), TokenBody("rt-6"), "rt-6");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->message.topic, Topic("lamp", "delete/accepted"));
  EXPECT_EQ(IntAt(testing_support::MustParse(deleted->message.payload), "/version"), 2);

  // 404 texts (E1, E2): the thing name for the classic shadow, the shadow
  // name for a named one; no timestamp.
  got = Ask(*client, Topic("lamp", "get"), TokenBody("rt-7"), "rt-7");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.topic, Topic("lamp", "get/rejected"));
  EXPECT_JSON_EQ(
      got->message.payload,
      R"({"code":404,"message":"No shadow exists with name: 'lamp'","clientToken":"rt-7"})");
  got = Ask(*client, Topic("lamp", "delete", "other"), TokenBody("rt-8"), "rt-8");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.topic, Topic("lamp", "delete/rejected", "other"));
  EXPECT_JSON_EQ(
      got->message.payload,
      R"({"code":404,"message":"No shadow exists with name: 'other'","clientToken":"rt-8"})");
  EXPECT_EQ(client->WithToken("rt-6").size(), 1u) << "delete published more than its answer";

  // Re-created within 48 h: the version continues (V5).
  accepted = Ask(*client, Topic("lamp", "update"),
                 UpdateBody(R"({"reported":{"color":"blue"}})", "rt-9"), "rt-9");
  ASSERT_TRUE(accepted);
  EXPECT_EQ(IntAt(testing_support::MustParse(accepted->message.payload), "/version"), 3);

  // Every response so far: QoS 1 (our subscriptions are QoS 1, so a QoS 0
  // publish would arrive as 0), not retained (P10). rt-1 and rt-4 gave 3
  // messages, rt-2 and rt-9 gave 2, the others 1.
  ASSERT_TRUE(client->WaitOn(Topic("lamp", "update/documents"), "rt-9"));
  const std::vector<Received> all = client->Since(0);
  EXPECT_EQ(all.size(), 15u);
  for (const Received& r : all) {
    EXPECT_EQ(r.message.qos, 1) << r.message.topic;
    EXPECT_FALSE(r.message.retained) << r.message.topic;
  }

  // Nothing was retained: a new subscription that covers every topic of the
  // thing replays only a retained control message (published with
  // mosquitto_pub -r, which shows that a replay would be seen), then our own
  // sentinel arrives.
  // Three levels below shadow/: not matched by the Watch() filters.
  const std::string control = Prefix("lamp") + "/control/retained/x";
  Result<testing_support::ProcessOutput> pub = testing_support::RunProcess(
      [&] {
        testing_support::ChildProcessOptions run;
        run.argv = {"mosquitto_pub"};
        std::vector<std::string> args =
            testing_support::TlsEcEndpoint(broker_, certs_->client(kDevice).ec).Args();
        run.argv.insert(run.argv.end(), args.begin(), args.end());
        run.argv.insert(run.argv.end(), {"-q", "1", "-r", "-t", control, "-m", "control"});
        return run;
      }(),
      kOp);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  ASSERT_TRUE(pub->status.success()) << pub->output;
  const size_t mark = client->Count();
  ASSERT_TRUE(client->Subscribe(Prefix("lamp") + "/#").ok());
  const std::string sentinel = Prefix("lamp") + "/control/sentinel/x";
  ASSERT_TRUE(client->Publish(sentinel, "sentinel").ok());
  ASSERT_TRUE(
      client->WaitFor([&](const Received& r) { return r.message.topic == sentinel; }, kOp, mark));
  const std::vector<Received> replay = client->Since(mark);
  ASSERT_EQ(replay.size(), 2u) << "first: " << replay.front().message.topic;
  EXPECT_EQ(replay[0].message.topic, control);
  EXPECT_TRUE(replay[0].message.retained);
  EXPECT_EQ(replay[1].message.topic, sentinel);
  EXPECT_FALSE(replay[1].message.retained);

  EXPECT_TRUE(emulator.IsRunning());
  Status stopped = emulator.Stop();
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
  EXPECT_THAT(emulator.ReadLog(),
              HasSubstr("thing=lamp shadow=cfg op=update result=accepted code=200 version=1"));
}

// ===========================================================================
// AWS-like policy

// An ACL as a thing policy: a device may use only $aws/things/<its CN>/shadow/#;
// the emulator's CN may use every topic (docs/emulator.md). T1, P11.
TEST_F(EmulatorProcessTest, AclDeviceUsesItsOwnShadowAndCannotReachAnother) {
  BrokerOptions options;
  options.acl = true;
  options.acl_privileged_identities = {kEmulatorIdentity};
  ASSERT_TRUE(StartBroker(options));
  EmulatorProcess emulator;
  Status started = emulator.Start(broker_, Emulator());
  ASSERT_TRUE(started.ok()) << started.ToString();
  std::unique_ptr<ShadowClient> a = ShadowClient::Make(DeviceOptions("thingA"));
  std::unique_ptr<ShadowClient> b = ShadowClient::Make(DeviceOptions("thingB"));
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(ConnectTogether({a.get(), b.get()})) << broker_.LogTail();
  ASSERT_TRUE(a->Watch("thingA").ok());
  // mosquitto grants this (AWS would refuse it) and delivers nothing on it.
  ASSERT_TRUE(a->Watch("thingB").ok());
  ASSERT_TRUE(b->Watch("thingB").ok());

  std::optional<Received> answer = Ask(*a, Topic("thingA", "update"),
                                       UpdateBody(R"({"reported":{"on":true}})", "acl-1"), "acl-1");
  ASSERT_TRUE(answer) << emulator.LogTail() << broker_.LogTail();
  EXPECT_EQ(answer->message.topic, Topic("thingA", "update/accepted"));
  answer = Ask(*a, Topic("thingA", "get"), TokenBody("acl-2"), "acl-2");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->message.topic, Topic("thingA", "get/accepted"));

  // thingA writes to thingB's shadow: the broker acknowledges and drops it.
  // (mosquitto 2.0.11 then also closes thingA's connection, because of
  // max_queued_messages 0: upstream eclipse-mosquitto/mosquitto#3244, fixed
  // in 2.0.22. AWS IoT disconnects such a client too. thingA's transport
  // reconnects; see AskAgain below.)
  ASSERT_TRUE(
      a->Publish(Topic("thingB", "update"), UpdateBody(R"({"desired":{"hijacked":true}})", "acl-3"))
          .ok());
  ASSERT_TRUE(a->transport().Flush(kOp).ok());
  // thingB's own requests on the same shadow come after it in the emulator's
  // queue: thingB does not exist, and its first update makes version 1.
  answer = Ask(*b, Topic("thingB", "get"), TokenBody("acl-4"), "acl-4");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->message.topic, Topic("thingB", "get/rejected"));
  EXPECT_EQ(IntAt(testing_support::MustParse(answer->message.payload), "/code"), 404);
  answer = Ask(*b, Topic("thingB", "update"), UpdateBody(R"({"reported":{"on":false}})", "acl-5"),
               "acl-5");
  ASSERT_TRUE(answer);
  EXPECT_EQ(IntAt(testing_support::MustParse(answer->message.payload), "/version"), 1);
  // thingA's next answer comes after anything of thingB's routed to it. It
  // may be reconnecting (see above): a GET is safe to send again.
  answer = AskAgain(*a, Topic("thingA", "get"), "acl-6");
  ASSERT_TRUE(answer) << broker_.LogTail(60);
  EXPECT_EQ(answer->message.topic, Topic("thingA", "get/accepted"));
  RecordProperty("thingA_reconnected",
                 a->WaitForEvent(ConnectionEvent::kReconnected, 0ms) ? "yes" : "no");

  EXPECT_TRUE(a->WithToken("acl-3").empty());
  EXPECT_TRUE(b->WithToken("acl-3").empty());
  EXPECT_TRUE(a->WithToken("acl-5").empty()) << "thingA saw thingB's responses";
  EXPECT_EQ(emulator.CountInLog("thing=thingB"), 2u) << emulator.ReadLog();
  EXPECT_THAT(broker_.ReadLog(), HasSubstr("Denied PUBLISH"));
  Status stopped = emulator.Stop();
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
}

// ===========================================================================
// Broker restarted under the emulator

TEST_F(EmulatorProcessTest, BrokerRestartedUnderTheEmulatorThenRequestsAreAnsweredAgain) {
  ASSERT_TRUE(StartBroker());
  EmulatorProcess emulator;
  Status started = emulator.Start(broker_, Emulator());
  ASSERT_TRUE(started.ok()) << started.ToString();
  std::unique_ptr<ShadowClient> client = ConnectDevice();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Watch("survivor").ok());
  std::optional<Received> answer = Ask(*client, Topic("survivor", "update"),
                                       UpdateBody(R"({"desired":{"n":1}})", "br-1"), "br-1");
  ASSERT_TRUE(answer) << emulator.LogTail();

  // A fresh broker process on the same ports: no sessions, no subscriptions.
  Status restarted = broker_.Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  ASSERT_TRUE(client->WaitForEvent(ConnectionEvent::kReconnected, kLong)) << broker_.LogTail();
  ASSERT_TRUE(emulator.WaitForLog("reconnected to the broker", kLong)) << emulator.LogTail();
  EXPECT_THAT(emulator.CurrentLog(), HasSubstr("connection to the broker lost"));
  EXPECT_THAT(emulator.CurrentLog(), HasSubstr("renewed the 13 request subscriptions"));

  // A request is answered again. Requests that reach the broker before the
  // emulator has resubscribed are lost (clean session), so send again
  // until one is answered.
  int attempts = 0;
  std::optional<Received> got = AskAgain(*client, Topic("survivor", "get"), "br-get", &attempts);
  ASSERT_TRUE(got) << emulator.LogTail() << broker_.LogTail();
  RecordProperty("get_attempts", attempts);
  EXPECT_EQ(got->message.topic, Topic("survivor", "get/accepted"));
  EXPECT_EQ(IntAt(testing_support::MustParse(got->message.payload), "/version"), 1);
  answer = Ask(*client, Topic("survivor", "update"), UpdateBody(R"({"desired":{"n":2}})", "br-2"),
               "br-2");
  ASSERT_TRUE(answer);
  EXPECT_EQ(IntAt(testing_support::MustParse(answer->message.payload), "/version"), 2);
  ASSERT_TRUE(client->WaitOn(Topic("survivor", "update/delta"), "br-2"));
  Status stopped = emulator.Stop();
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
}

// Issue 14, "a bug found by fault injection": with --workers 0
// --persistent-session the broker hands the emulator the requests it queued
// for the session at once after the CONNACK of a reconnect, while the
// transport is still renewing its subscriptions; the inline handler's
// responses were refused ("not connected") and logged as lost, so the
// requests were applied but never answered. The emulator is frozen
// (SIGSTOP) across the broker restart so that the requests are queued for
// its session before it can reconnect; the broker keeps that session across
// its restart (persistence on).
TEST_F(EmulatorProcessTest, InlineWithPersistentSessionAnswersRequestsQueuedOverABrokerRestart) {
  Result<std::unique_ptr<TempDir>> db = TempDir::Create("shadowsync-emu-persist");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  BrokerOptions broker_options;
  broker_options.extra_config = {"persistence true", "persistence_location " + (*db)->path() + "/"};
  ASSERT_TRUE(StartBroker(broker_options));
  EmulatorProcessOptions options = Emulator();
  options.workers = 0;
  options.max_requests_per_second = 0;  // a burst to one thing; not about L8
  options.extra_args = {"--persistent-session", "--client-id",
                        "emu-it-inline-" + std::to_string(getpid())};
  EmulatorProcess emulator;
  Status started = emulator.Start(broker_, options);
  ASSERT_TRUE(started.ok()) << started.ToString();
  std::unique_ptr<ShadowClient> client = ConnectDevice();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Watch("queued").ok());
  ASSERT_TRUE(
      Ask(*client, Topic("queued", "update"), UpdateBody(R"({"desired":{"n":0}})", "q-0"), "q-0"))
      << emulator.LogTail() << broker_.LogTail();

  constexpr int kQueued = 20;
  {
    // SIGCONT on every way out, so a failed assertion leaves no frozen child.
    struct Frozen {
      EmulatorProcess& emulator;
      ~Frozen() { (void)emulator.Signal(SIGCONT); }
    } frozen{emulator};
    ASSERT_TRUE(emulator.Signal(SIGSTOP).ok());
    Status restarted = broker_.Restart();  // SIGTERM: the broker saves the session
    ASSERT_TRUE(restarted.ok()) << restarted.ToString();
    ASSERT_TRUE(client->WaitForEvent(ConnectionEvent::kReconnected, kLong)) << broker_.LogTail();
    for (int i = 1; i <= kQueued; ++i) {
      const std::string token = "q-" + std::to_string(i);
      ASSERT_TRUE(client
                      ->Publish(Topic("queued", "update"),
                                UpdateBody(R"({"desired":{"n":)" + std::to_string(i) + "}}", token))
                      .ok());
    }
    ASSERT_TRUE(client->Publish(Topic("queued", "get"), TokenBody("q-get")).ok());
    ASSERT_TRUE(client
                    ->Publish(Topic("queued", "update", "cfg"),
                              UpdateBody(R"({"desired":{"m":1}})", "q-named"))
                    .ok());
    // PUBACKed: the broker holds every request, queued for the emulator.
    const Status flushed = client->transport().Flush(kOp);
    ASSERT_TRUE(flushed.ok()) << flushed.ToString() << "\n" << broker_.LogTail();
  }  // SIGCONT: the emulator sees the old connection gone and reconnects

  for (int i = 1; i <= kQueued; ++i) {
    const std::string token = "q-" + std::to_string(i);
    std::optional<Received> answer = client->WaitForAnswer(token, kLong);
    ASSERT_TRUE(answer) << token << " was not answered\n" << emulator.LogTail();
    EXPECT_EQ(answer->message.topic, Topic("queued", "update/accepted"));
    EXPECT_EQ(IntAt(testing_support::MustParse(answer->message.payload), "/version"), i + 1);
    EXPECT_TRUE(client->WaitOn(Topic("queued", "update/documents"), token))
        << token << "\n"
        << emulator.LogTail() << broker_.LogTail();
    EXPECT_TRUE(client->WaitOn(Topic("queued", "update/delta"), token))
        << token << "\n"
        << emulator.LogTail() << broker_.LogTail();
  }
  std::optional<Received> got = client->WaitForAnswer("q-get", kLong);
  ASSERT_TRUE(got) << emulator.LogTail();
  EXPECT_EQ(got->message.topic, Topic("queued", "get/accepted"));
  EXPECT_EQ(IntAt(testing_support::MustParse(got->message.payload), "/version"), kQueued + 1);
  std::optional<Received> named = client->WaitForAnswer("q-named", kLong);
  ASSERT_TRUE(named) << emulator.LogTail();
  EXPECT_EQ(named->message.topic, Topic("queued", "update/accepted", "cfg"));

  ASSERT_TRUE(emulator.WaitForLog("reconnected to the broker", kLong)) << emulator.LogTail();
  const std::string log = emulator.CurrentLog();
  // No "error: response on <topic> lost: ... not connected".
  EXPECT_THAT(log, ::testing::Not(HasSubstr("error: response on"))) << emulator.LogTail();
  // The scenario of the bug did happen: the queued requests reached the
  // handler before the transport reported the reconnect.
  const size_t lost_at = log.find("connection to the broker lost");
  ASSERT_NE(lost_at, std::string::npos) << emulator.LogTail();
  const size_t first_queued = log.find("thing=queued shadow=- op=update", lost_at);
  const size_t reconnected = log.find("reconnected to the broker", lost_at);
  ASSERT_NE(first_queued, std::string::npos) << emulator.LogTail();
  EXPECT_LT(first_queued, reconnected) << emulator.LogTail();
  Status stopped = emulator.Stop();
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
  EXPECT_THAT(emulator.CurrentLog(), ::testing::Not(HasSubstr("error: response on")));
  EXPECT_THAT(emulator.CurrentLog(), HasSubstr(" publish_failures=0"));
}
// ===========================================================================
// SIGKILL and restart on the same store

// V1 V2: a burst of updates, SIGKILL at a random moment after some answers;
// every answered update survives and versions continue.
TEST_F(EmulatorProcessTest, SigkillMidBurstLosesNoAnsweredUpdateAndVersionsContinue) {
  ASSERT_TRUE(StartBroker());
  Result<std::unique_ptr<TempDir>> dir = TempDir::Create("shadowsync-emu-kill");
  ASSERT_TRUE(dir.ok());
  EmulatorProcessOptions options = Emulator();
  options.store_path = (*dir)->File("shadows.db");
  options.max_inflight = 0;  // the burst is not about L7 and L8
  options.max_requests_per_second = 0;
  EmulatorProcess emulator;
  Status started = emulator.Start(broker_, options);
  ASSERT_TRUE(started.ok()) << started.ToString();
  std::unique_ptr<ShadowClient> client = ConnectDevice();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Watch("durable").ok());

  constexpr int kBurst = 50;
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  const int kill_after = std::uniform_int_distribution<int>(1, 40)(rng);
  SCOPED_TRACE("seed " + std::to_string(seed) + ", kill after " + std::to_string(kill_after) +
               " answers");
  auto is_accepted = [](const Received& r) {
    return r.message.topic == Topic("durable", "update/accepted") && r.token.rfind("d-", 0) == 0;
  };
  for (int i = 1; i <= kBurst; ++i) {
    const std::string token = "d-" + std::to_string(i);
    ASSERT_TRUE(client
                    ->Publish(Topic("durable", "update"),
                              UpdateBody(R"({"desired":{"seq":)" + std::to_string(i) + "}}", token))
                    .ok());
  }
  const auto enough = [&] {
    const std::vector<Received> all = client->Since(0);
    return std::count_if(all.begin(), all.end(), is_accepted) >= kill_after;
  };
  ASSERT_TRUE(testing_support::Eventually(enough, kLong, 1ms)) << emulator.LogTail();
  ASSERT_TRUE(emulator.Kill().ok());
  ASSERT_TRUE(emulator.exit_status() && emulator.exit_status()->signaled());
  {
    const std::vector<Received> all = client->Since(0);
    RecordProperty("answered_at_kill",
                   static_cast<int>(std::count_if(all.begin(), all.end(), is_accepted)));
  }
  // Every request of the burst is at the broker now (dropped there: no
  // subscriber), so none reaches the restarted emulator.
  ASSERT_TRUE(client->transport().Flush(kOp).ok());

  Status restarted = emulator.Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  std::optional<Received> got = Ask(*client, Topic("durable", "get"), TokenBody("d-get"), "d-get");
  ASSERT_TRUE(got) << emulator.LogTail();
  ASSERT_EQ(got->message.topic, Topic("durable", "get/accepted")) << got->message.payload;
  JsonDocument doc = testing_support::MustParse(got->message.payload);
  const std::int64_t stored = IntAt(doc, "/version");
  // Requests are applied in order, so version N holds update N.
  EXPECT_EQ(IntAt(doc, "/state/desired/seq"), stored);
  EXPECT_LE(stored, kBurst);

  // Every answer the client saw (also those still in flight at the kill).
  std::int64_t last_answered = 0;
  for (const Received& r : client->Since(0)) {
    if (r.token.rfind("d-", 0) != 0 || r.token == "d-get") continue;
    ASSERT_TRUE(is_accepted(r) || EndsWith(r.message.topic, "/documents") ||
                EndsWith(r.message.topic, "/delta"))
        << r.message.topic << " " << r.message.payload;
    if (!is_accepted(r)) continue;
    const std::int64_t version = IntAt(testing_support::MustParse(r.message.payload), "/version");
    EXPECT_EQ("d-" + std::to_string(version), r.token);
    last_answered = std::max(last_answered, version);
  }
  RecordProperty("last_answered", static_cast<int>(last_answered));
  RecordProperty("stored", static_cast<int>(stored));
  EXPECT_GE(last_answered, kill_after);
  EXPECT_GE(stored, last_answered) << "an answered update was lost";

  std::optional<Received> next = Ask(*client, Topic("durable", "update"),
                                     UpdateBody(R"({"desired":{"seq":0}})", "d-next"), "d-next");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->message.topic, Topic("durable", "update/accepted"));
  EXPECT_EQ(IntAt(testing_support::MustParse(next->message.payload), "/version"), stored + 1);
  Status stopped = emulator.Stop();
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
}

// ===========================================================================
// Hostile payloads and unknown topics

// E2 E3 E5 L1 L2 L5 M1 P5 T3 T4 T6 T7 T8, 12a.2 12a.9 12a.10.
TEST_F(EmulatorProcessTest, HostilePayloadsAndUnknownTopicsGetTheSpecsAnswerOrSilence) {
  ASSERT_TRUE(StartBroker());
  EmulatorProcessOptions options = Emulator();
  options.log_level = "debug";          // "ignored PUBLISH on ..." lines
  options.max_requests_per_second = 0;  // many requests to one thing
  EmulatorProcess emulator;
  Status started = emulator.Start(broker_, options);
  ASSERT_TRUE(started.ok()) << started.ToString();
  std::unique_ptr<ShadowClient> client = ConnectDevice();
  ASSERT_NE(client, nullptr);
  // Every shadow topic of every thing, requests included (our own publishes
  // come back; they are told apart from responses by topic and payload).
  ASSERT_TRUE(client->Subscribe("$aws/things/+/shadow/#").ok());

  std::optional<Received> answer = Ask(*client, Topic("hostile", "update"),
                                       UpdateBody(R"({"reported":{"ok":1}})", "h-0"), "h-0");
  ASSERT_TRUE(answer) << emulator.LogTail();
  ASSERT_TRUE(client->WaitOn(Topic("hostile", "update/documents"), "h-0"));
  std::int64_t version = 1;

  // Sends (topic, payload), then a sentinel GET on the same shadow of
  // "hostile" (the classic one unless `shadow` names one); returns what the
  // emulator published in between, our own publishes and the sentinel's
  // answer left out. The classic shadow must still be at `version`; a named
  // one must not exist.
  int sentinels = 0;
  using Request = std::pair<std::string, std::string>;  // topic, payload
  auto exchange_all = [&](const std::vector<Request>& requests,
                          const std::string& shadow = "") -> std::optional<std::vector<Received>> {
    const size_t mark = client->Count();
    const std::string token = "sentinel-" + std::to_string(++sentinels);
    for (const Request& request : requests) {
      if (!client->Publish(request.first, request.second).ok()) return std::nullopt;
    }
    const std::string get = Topic("hostile", "get", shadow);
    std::optional<Received> sentinel = Ask(*client, get, TokenBody(token), token);
    if (!sentinel) return std::nullopt;
    if (shadow.empty()) {
      EXPECT_EQ(sentinel->message.topic, get + "/accepted");
      EXPECT_EQ(IntAt(testing_support::MustParse(sentinel->message.payload), "/version"), version)
          << "a hostile request changed the shadow";
    } else {
      EXPECT_EQ(sentinel->message.topic, get + "/rejected");
    }
    std::vector<Received> out;
    for (const Received& r : client->Since(mark)) {
      if (r.index >= sentinel->index) break;
      const bool own = std::find(requests.begin(), requests.end(),
                                 Request(r.message.topic, r.message.payload)) != requests.end() ||
                       (r.message.topic == get && r.token == token);
      if (!own) out.push_back(r);
    }
    return out;
  };
  auto exchange = [&](const std::string& topic, const std::string& payload,
                      const std::string& shadow = "") {
    return exchange_all({Request(topic, payload)}, shadow);
  };
  auto expect_single_rejection = [&](const std::string& what, const std::string& topic,
                                     const std::string& payload, const std::string& expected,
                                     const std::string& shadow = "") {
    SCOPED_TRACE(what);
    std::optional<std::vector<Received>> got = exchange(topic, payload, shadow);
    ASSERT_TRUE(got) << emulator.LogTail();
    std::string seen;
    for (const Received& r : *got) seen += "\n  " + r.message.topic + " " + r.message.payload;
    ASSERT_EQ(got->size(), 1u) << seen;
    EXPECT_EQ(got->front().message.topic, topic + "/rejected");
    EXPECT_JSON_EQ(got->front().message.payload, expected);
  };

  // 1. Invalid UTF-8: 415 before anything else, so no clientToken (E3 step 1).
  expect_single_rejection(
      "invalid UTF-8", Topic("hostile", "update"),
      "{\"state\":{\"desired\":{\"x\":\"\xC3\x28\"}},\"clientToken\":\"h-utf8\"}",
      R"({"code":415,"message":"Unsupported documented encoding; supported encoding is UTF-8"})");
  // 2. 200 KB. AWS's broker refuses a PUBLISH over 128 KB (L5); mosquitto's
  // default (max_packet_size / message_size_limit unset) lets it through,
  // so the emulator sees it and the document limit answers: 413 (L1).
  expect_single_rejection(
      "200 KB", Topic("hostile", "update"),
      UpdateBody(R"({"desired":{"big":")" + std::string(200 * 1024, 'a') + "\"}}", "h-big"),
      R"({"code":413,"message":"The payload exceeds the maximum size allowed","clientToken":"h-big"})");
  // 3. 1,000 levels of objects and of arrays in desired (L2, 12a.2).
  std::string deep_objects;
  for (int i = 0; i < 1000; ++i) deep_objects += R"({"a":)";
  deep_objects += "1" + std::string(1000, '}');
  expect_single_rejection(
      "1000-deep objects", Topic("hostile", "update"),
      UpdateBody(R"({"desired":)" + deep_objects + "}", "h-deep"),
      R"({"code":400,"message":"JSON contains too many levels of nesting; maximum is 6","clientToken":"h-deep"})");
  expect_single_rejection(
      "1000-deep arrays", Topic("hostile", "update", "cfg"),
      UpdateBody(R"({"reported":{"a":)" + std::string(1000, '[') + std::string(1000, ']') + "}}",
                 "h-deeparr"),
      R"({"code":400,"message":"JSON contains too many levels of nesting; maximum is 6","clientToken":"h-deeparr"})",
      "cfg");
  // 4. Binary garbage: ASCII bytes (valid UTF-8) that are not JSON: 400; any
  // bytes with invalid UTF-8: 415 (E3 order). An empty update: 400 (E5).
  std::mt19937 rng(7);
  std::string ascii_garbage = "\x01{\x7f";
  std::string binary_garbage = "\xff";
  for (int i = 0; i < 1024; ++i) {
    ascii_garbage.push_back(static_cast<char>(rng() % 128));
    binary_garbage.push_back(static_cast<char>(rng() % 256));
  }
  ascii_garbage.push_back('\0');
  expect_single_rejection("ASCII garbage", Topic("hostile", "update"), ascii_garbage,
                          R"({"code":400,"message":"Invalid JSON"})");
  expect_single_rejection(
      "binary garbage", Topic("hostile", "update"), binary_garbage,
      R"({"code":415,"message":"Unsupported documented encoding; supported encoding is UTF-8"})");
  expect_single_rejection("empty update", Topic("hostile", "update"), "",
                          R"({"code":400,"message":"Invalid JSON"})");
  // 5. GET and DELETE bodies are never a reason to reject (P5, 12a.9).
  {
    std::optional<std::vector<Received>> got = exchange(Topic("hostile", "get"), binary_garbage);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ(got->front().message.topic, Topic("hostile", "get/accepted"));
    got = exchange(Topic("hostile", "delete", "never"), ascii_garbage, "never");
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ(got->front().message.topic, Topic("hostile", "delete/rejected", "never"));
    EXPECT_EQ(IntAt(testing_support::MustParse(got->front().message.payload), "/code"), 404);
  }
  // 6. 100,000 levels outside state: ignored (M1), and no stack overflow
  // (the parser is iterative).
  {
    const std::string junk = R"({"state":{"reported":{"ok":2}},"junk":)" +
                             std::string(100000, '[') + std::string(100000, ']') +
                             R"(,"clientToken":"h-junk"})";
    std::optional<std::vector<Received>> got;
    ++version;  // the update is accepted
    got = exchange(Topic("hostile", "update"), junk);
    ASSERT_TRUE(got) << emulator.LogTail();
    ASSERT_GE(got->size(), 1u);
    EXPECT_EQ(got->front().message.topic, Topic("hostile", "update/accepted"));
    EXPECT_EQ(got->front().token, "h-junk");
  }

  // 7. Unknown topics: no answer anywhere (T6, T7, T8), invalid names no
  // answer (T3, T4, 12a.10). Topics outside the emulator's six filters never
  // reach it; those inside them must be logged as ignored.
  const std::vector<std::string> outside = {
      Prefix("hostile") + "/bogus",           Topic("hostile", "update/accepted"),
      Topic("hostile", "update/delta"),       Prefix("hostile") + "/name/update/accepted",
      Topic("hostile", "update/extra/level"), Topic("hostile", "Update"),
  };
  const std::vector<std::string> inside = {
      Topic("bad.name", "update"),
      Topic("hostile", "update", "bad.shadow"),
      "$aws/things//shadow/get",
      Topic(std::string(129, 't'), "update"),
      Topic("hostile", "delete", std::string(65, 's')),
  };
  const std::string bogus = UpdateBody(R"({"desired":{"bogus":true}})", "h-bogus");
  std::vector<std::string> all_unknown = outside;
  all_unknown.insert(all_unknown.end(), inside.begin(), inside.end());
  // All of them, then one sentinel: requests to the classic shadow of
  // "hostile" would be answered before it; the others are on other shadows,
  // but the emulator's debug log shows it ignored each of them on arrival.
  std::vector<Request> unknown_requests;
  for (const std::string& topic : all_unknown) unknown_requests.emplace_back(topic, bogus);
  {
    std::optional<std::vector<Received>> got = exchange_all(unknown_requests);
    ASSERT_TRUE(got) << emulator.LogTail();
    for (const Received& r : *got) {
      ADD_FAILURE() << "unexpected " << r.message.topic << " " << r.message.payload;
    }
  }
  for (const std::string& topic : inside) {
    EXPECT_TRUE(emulator.WaitForLog("ignored PUBLISH on " + topic, kOp)) << topic;
  }
  for (const Received& r : client->WithToken("h-bogus")) {
    // Only our own publishes, as sent.
    EXPECT_TRUE(std::find(all_unknown.begin(), all_unknown.end(), r.message.topic) !=
                all_unknown.end())
        << r.message.topic;
    EXPECT_EQ(r.message.payload, bogus);
  }

  // Still serving, still the same process.
  answer = Ask(*client, Topic("hostile", "update"), UpdateBody(R"({"reported":{"ok":3}})", "h-end"),
               "h-end");
  ASSERT_TRUE(answer) << emulator.LogTail();
  EXPECT_EQ(answer->message.topic, Topic("hostile", "update/accepted"));
  EXPECT_EQ(IntAt(testing_support::MustParse(answer->message.payload), "/version"), version + 1);
  EXPECT_TRUE(emulator.IsRunning());
  Status stopped = emulator.Stop();
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
  EXPECT_THAT(emulator.ReadLog(), ::testing::Not(HasSubstr("shadowsync-emulator: error:")));
}

// ===========================================================================
// --order random --seed N

// P8: the publish order of accepted, documents and delta of 30 updates to
// one shadow, sent at once (one shadow's responses leave the emulator in
// request order, so each update's three messages can be told apart by their
// clientToken). Each entry is e.g. "delta,accepted,documents".
std::vector<std::string> ObservedOrders(const MosquittoBroker& broker, ShadowClient& client,
                                        EmulatorProcessOptions options, const std::string& run) {
  constexpr int kUpdates = 30;
  EmulatorProcess emulator;
  Status started = emulator.Start(broker, std::move(options));
  EXPECT_TRUE(started.ok()) << started.ToString();
  if (!started.ok()) return {};
  auto token = [&](int i) { return run + "-" + std::to_string(i); };
  for (int i = 1; i <= kUpdates; ++i) {
    Status published =
        client.Publish(Topic("shuffled", "update"),
                       UpdateBody(R"({"desired":{"n":)" + std::to_string(i) + "}}", token(i)));
    EXPECT_TRUE(published.ok()) << published.ToString();
    if (!published.ok()) return {};
  }
  // The last update's three messages come after every other one's.
  testing_support::Eventually([&] { return client.WithToken(token(kUpdates)).size() >= 3; }, kLong,
                              5ms);
  std::vector<std::string> orders;
  for (int i = 1; i <= kUpdates; ++i) {
    std::string order;
    for (const Received& r : client.WithToken(token(i))) {
      if (!order.empty()) order += ",";
      order += r.message.topic.substr(r.message.topic.rfind('/') + 1);
      const JsonDocument doc = testing_support::MustParse(r.message.payload);
      EXPECT_EQ(
          IntAt(doc, EndsWith(r.message.topic, "/documents") ? "/current/version" : "/version"), i)
          << r.message.topic;
    }
    EXPECT_EQ(order.size(), std::string("accepted,documents,delta").size())
        << token(i) << ": " << order << "\n"
        << emulator.LogTail();
    orders.push_back(order);
  }
  Status stopped = emulator.Stop();
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
  return orders;
}

TEST_F(EmulatorProcessTest, RandomOrderShowsBothOrdersAndRepeatsWithTheSameSeed) {
  ASSERT_TRUE(StartBroker());
  std::unique_ptr<ShadowClient> client = ConnectDevice();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Watch("shuffled").ok());

  EmulatorProcessOptions options = Emulator();
  options.order = "random";
  options.max_inflight = 0;  // 30 updates at once, not about L7 or L8
  options.max_requests_per_second = 0;
  EmulatorProcessOptions first = options;
  first.extra_args = {"--seed", "4242"};  // the issue's spelling
  EmulatorProcessOptions again = options;
  again.order_seed = 4242;  // --order-seed: the same seed
  EmulatorProcessOptions other = options;
  other.order_seed = 4243;

  const std::vector<std::string> run1 = ObservedOrders(broker_, *client, first, "a");
  ASSERT_EQ(run1.size(), 30u);
  auto position = [](const std::string& order, const std::string& what) {
    return order.find(what);
  };
  int accepted_first = 0;
  int delta_first = 0;
  for (const std::string& order : run1) {
    if (position(order, "accepted") < position(order, "delta")) {
      ++accepted_first;
    } else {
      ++delta_first;
    }
  }
  RecordProperty("accepted_before_delta", accepted_first);
  EXPECT_GT(accepted_first, 0);
  EXPECT_GT(delta_first, 0);

  const std::vector<std::string> run2 = ObservedOrders(broker_, *client, again, "b");
  EXPECT_EQ(run1, run2) << "the same seed gave another order";
  const std::vector<std::string> run3 = ObservedOrders(broker_, *client, other, "c");
  ASSERT_EQ(run3.size(), 30u);
  EXPECT_NE(run1, run3) << "the seed makes no difference";
}

// ===========================================================================
// --max-requests-per-second (L8)

// L8 E2 (429) V7: counted per thing over all its shadows and operations, in
// whole seconds of the emulator's clock.
TEST_F(EmulatorProcessTest, RequestRateLimitAnswers429WithTheClientToken) {
  ASSERT_TRUE(StartBroker());
  EmulatorProcessOptions options = Emulator();
  options.max_requests_per_second = 5;
  EmulatorProcess emulator;
  Status started = emulator.Start(broker_, options);
  ASSERT_TRUE(started.ok()) << started.ToString();
  std::unique_ptr<ShadowClient> client = ConnectDevice();
  ASSERT_NE(client, nullptr);

  // Sleeps until just after the next second of the system clock starts.
  auto next_second = [] {
    const auto now = std::chrono::system_clock::now();
    const auto second = std::chrono::floor<std::chrono::seconds>(now) + 1s;
    std::this_thread::sleep_until(second + 5ms);
    return second;
  };
  auto operation = [](int i) {
    // Updates and gets, on the classic and on a named shadow.
    switch (i % 4) {
      case 0:
        return std::make_pair(std::string("update"), std::string());
      case 1:
        return std::make_pair(std::string("get"), std::string());
      case 2:
        return std::make_pair(std::string("update"), std::string("cfg"));
      default:
        return std::make_pair(std::string("get"), std::string("cfg"));
    }
  };
  // A burst that straddles two seconds proves nothing: try again on a new thing.
  bool clean = false;
  std::string thing;
  for (int attempt = 1; attempt <= 3 && !clean; ++attempt) {
    thing = "busy-" + std::to_string(attempt);
    ASSERT_TRUE(client->Watch(thing).ok());
    const auto second = next_second();
    for (int i = 0; i < 10; ++i) {
      const auto [op, shadow] = operation(i);
      const std::string token = thing + "-" + std::to_string(i);
      const std::string body =
          op == "update" ? UpdateBody(R"({"reported":{"i":)" + std::to_string(i) + "}}", token)
                         : TokenBody(token);
      ASSERT_TRUE(client->Publish(Topic(thing, op, shadow), body).ok());
    }
    std::vector<Received> answers;
    for (int i = 0; i < 10; ++i) {
      std::optional<Received> answer = client->WaitForAnswer(thing + "-" + std::to_string(i));
      ASSERT_TRUE(answer) << emulator.LogTail();
      answers.push_back(*answer);
    }
    if (std::chrono::system_clock::now() >= second + 1s) continue;
    clean = true;
    // Five requests of the second are served, the other five get 429 on
    // their operation's rejected topic, with their clientToken. The two
    // shadows may be on different workers, so which five depends on the
    // interleaving; within one shadow, arrival order holds: once one gets
    // 429, every later one does too.
    int throttled = 0;
    std::map<std::string, bool> throttled_seen;  // per shadow
    for (int i = 0; i < 10; ++i) {
      SCOPED_TRACE(answers[i].token);
      const auto [op, shadow] = operation(i);
      const JsonDocument doc = testing_support::MustParse(answers[i].message.payload);
      if (IntAt(doc, "/code") == 429) {
        ++throttled;
        throttled_seen[shadow] = true;
        EXPECT_EQ(answers[i].message.topic, Topic(thing, op + "/rejected", shadow));
        EXPECT_JSON_EQ(answers[i].message.payload,
                       R"({"code":429,"message":"Too Many Requests","clientToken":")" +
                           answers[i].token + "\"}");
      } else {
        EXPECT_FALSE(throttled_seen[shadow]) << "served after a 429 on the same shadow";
      }
    }
    EXPECT_EQ(throttled, 5) << emulator.LogTail();
  }
  ASSERT_TRUE(clean) << "no burst fitted in one second in 3 attempts";
  // The next second serves again.
  next_second();
  std::optional<Received> answer =
      Ask(*client, Topic(thing, "get"), TokenBody(thing + "-later"), thing + "-later");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->message.topic, Topic(thing, "get/accepted"));
  EXPECT_GE(emulator.CountInLog("code=429"), 5u);
  Status stopped = emulator.Stop();
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
}

// ===========================================================================
// SIGTERM, export, seed files

// Validates an export or seed file against schemas/emulator-store.schema.json.
::testing::AssertionResult MatchesStoreSchema(const std::string& text) {
  Result<std::string> schema_text = testing_support::ReadFileToString(
      SHADOWSYNC_SOURCE_DIR "/schemas/emulator-store.schema.json");
  if (!schema_text.ok()) return ::testing::AssertionFailure() << schema_text.status().ToString();
  rapidjson::Document schema_doc;
  schema_doc.Parse(schema_text->c_str(), schema_text->size());
  if (schema_doc.HasParseError()) return ::testing::AssertionFailure() << "schema is not JSON";
  rapidjson::SchemaDocument schema(schema_doc);
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError()) return ::testing::AssertionFailure() << "not JSON:\n" << text;
  rapidjson::SchemaValidator validator(schema);
  if (doc.Accept(validator)) return ::testing::AssertionSuccess();
  rapidjson::StringBuffer pointer;
  validator.GetInvalidDocumentPointer().StringifyUriFragment(pointer);
  return ::testing::AssertionFailure() << "invalid at " << pointer.GetString() << " (keyword "
                                       << validator.GetInvalidSchemaKeyword() << "):\n"
                                       << text;
}

// The entry of (thing, shadow) in a store file; shadow "" is the classic one.
const JsonValue* Entry(const JsonValue& file, const std::string& thing,
                       const std::string& shadow = "") {
  const JsonValue* shadows = At(file, "/shadows");
  if (shadows == nullptr || !shadows->IsArray()) return nullptr;
  for (const JsonValue& entry : shadows->GetArray()) {
    if (!entry.IsObject() || !entry.HasMember("thing") || !entry.HasMember("shadow")) continue;
    const JsonValue& s = entry["shadow"];
    const bool same_shadow =
        shadow.empty() ? s.IsNull() : (s.IsString() && s.GetString() == shadow);
    if (entry["thing"].IsString() && entry["thing"].GetString() == thing && same_shadow) {
      return &entry;
    }
  }
  return nullptr;
}

TEST_F(EmulatorProcessTest, SigtermExportsAndExitsZeroWithinTwoSecondsAndTheExportLoads) {
  ASSERT_TRUE(StartBroker());
  Result<std::unique_ptr<TempDir>> dir = TempDir::Create("shadowsync-emu-export");
  ASSERT_TRUE(dir.ok());
  const std::string export_path = (*dir)->File("export.json");
  EmulatorProcessOptions options = Emulator();
  options.store_path = (*dir)->File("shadows.db");
  options.export_path = export_path;
  EmulatorProcess emulator;
  Status started = emulator.Start(broker_, options);
  ASSERT_TRUE(started.ok()) << started.ToString();
  std::unique_ptr<ShadowClient> client = ConnectDevice();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Watch("exported").ok());

  ASSERT_TRUE(Ask(*client, Topic("exported", "update"),
                  UpdateBody(R"({"desired":{"level":1}})", "x-1"), "x-1"));
  // SIGUSR1: export now.
  ASSERT_TRUE(emulator.Signal(SIGUSR1).ok());
  ASSERT_TRUE(emulator.WaitForLog("exported the store to " + export_path, kOp))
      << emulator.LogTail();
  Result<std::string> text = testing_support::ReadFileToString(export_path);
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(MatchesStoreSchema(*text));
  JsonDocument file = testing_support::MustParse(*text);
  const JsonValue* entry = Entry(file, "exported");
  ASSERT_NE(entry, nullptr) << *text;
  EXPECT_EQ(IntAt(*entry, "/document/version"), 1);

  // More changes, a tombstone among them (V5), then SIGTERM.
  ASSERT_TRUE(Ask(*client, Topic("exported", "update"),
                  UpdateBody(R"({"reported":{"level":1}})", "x-2"), "x-2"));
  ASSERT_TRUE(Ask(*client, Topic("exported", "update", "gone"),
                  UpdateBody(R"({"reported":{"x":1}})", "x-3"), "x-3"));
  std::optional<Received> deleted =
      Ask(*client, Topic("exported", "delete", "gone"), TokenBody("x-4"), "x-4");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->message.topic, Topic("exported", "delete/accepted", "gone"));
  Status stopped = emulator.Stop(5s);
  ASSERT_TRUE(stopped.ok()) << stopped.ToString();
  RecordProperty("sigterm_to_exit_ms", static_cast<int>(emulator.last_stop_duration().count()));
  EXPECT_LT(emulator.last_stop_duration(), 2s) << emulator.LogTail();
  EXPECT_THAT(emulator.CurrentLog(), HasSubstr("stopping (SIGTERM)"));
  EXPECT_THAT(emulator.CurrentLog(), HasSubstr("stopped: handled=4 "));

  text = testing_support::ReadFileToString(export_path);
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(MatchesStoreSchema(*text));
  file = testing_support::MustParse(*text);
  entry = Entry(file, "exported");
  ASSERT_NE(entry, nullptr) << *text;
  EXPECT_EQ(IntAt(*entry, "/document/version"), 2);
  EXPECT_JSON_EQ(JsonAt(*entry, "/document/state"),
                 R"({"desired":{"level":1},"reported":{"level":1}})");
  const JsonValue* tombstone = Entry(file, "exported", "gone");
  ASSERT_NE(tombstone, nullptr) << *text;
  EXPECT_EQ(IntAt(*tombstone, "/deleted_version"), 1);

  // The export is a seed file: a new in-memory emulator serves the same
  // shadow and continues the tombstone's version.
  EmulatorProcessOptions seeded = Emulator();
  seeded.seed_file = export_path;
  EmulatorProcess second;
  started = second.Start(broker_, seeded);
  ASSERT_TRUE(started.ok()) << started.ToString();
  std::optional<Received> got = Ask(*client, Topic("exported", "get"), TokenBody("x-5"), "x-5");
  ASSERT_TRUE(got) << second.LogTail();
  JsonDocument doc = testing_support::MustParse(got->message.payload);
  EXPECT_EQ(IntAt(doc, "/version"), 2);
  EXPECT_JSON_EQ(JsonAt(doc, "/state"), R"({"desired":{"level":1},"reported":{"level":1}})");
  got = Ask(*client, Topic("exported", "update", "gone"),
            UpdateBody(R"({"reported":{"x":2}})", "x-6"), "x-6");
  ASSERT_TRUE(got);
  EXPECT_EQ(IntAt(testing_support::MustParse(got->message.payload), "/version"), 2);
  stopped = second.Stop();
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
}

// F19: a configuration error on the first connect (here no client
// certificate for a listener that requires one) exits 2 with the cause,
// instead of retrying forever; a broker that is merely down is retried
// (EmulatorProcessTest's restart tests).
TEST_F(EmulatorProcessTest, AConfigurationErrorOnTheFirstConnectExitsTwo) {
  ASSERT_TRUE(StartBroker());
  testing_support::ChildProcessOptions run;
  run.argv = {SHADOWSYNC_BINARY_DIR "/service/emulator/shadowsync-emulator", "--broker",
              broker_.tls_ec_uri(), "--ca", certs_->ca_cert};
  const auto started = std::chrono::steady_clock::now();
  Result<testing_support::ProcessOutput> ran = testing_support::RunProcess(run, 20s);
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  EXPECT_TRUE(ran->status.exited() && ran->status.exit_code() == 2)
      << ran->status.ToString() << "\n"
      << ran->output;
  EXPECT_THAT(ran->output, HasSubstr("the broker requires a client certificate"));
  EXPECT_THAT(ran->output, HasSubstr("a configuration error, so not retrying (exit 2)"));
  EXPECT_THAT(ran->output, ::testing::Not(HasSubstr("retrying in")));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 15s);
}

TEST_F(EmulatorProcessTest, SeedFileLoadsAndABadOneExitsTwoNamingFileAndPointer) {
  ASSERT_TRUE(StartBroker());
  Result<std::unique_ptr<TempDir>> dir = TempDir::Create("shadowsync-emu-seed");
  ASSERT_TRUE(dir.ok());
  const std::string seed = (*dir)->File("seed.json");
  ASSERT_TRUE(testing_support::WriteStringToFile(seed, R"({"shadows": [
    {"thing": "seeded", "shadow": null,
     "document": {"state": {"desired": {"on": true}, "reported": {"on": false}},
                  "metadata": {"desired": {"on": {"timestamp": 1700000000}},
                               "reported": {"on": {"timestamp": 1700000001}}},
                  "version": 3}},
    {"thing": "seeded", "shadow": "cfg", "deleted_version": 9}
  ]})")
                  .ok());
  EXPECT_TRUE(MatchesStoreSchema(*testing_support::ReadFileToString(seed)));
  const std::string store = (*dir)->File("shadows.db");

  // A bad file: the second entry has version 0 (V1). Nothing is loaded, not
  // even the valid first entry, and the emulator exits 2 before connecting.
  const std::string bad = (*dir)->File("bad-seed.json");
  ASSERT_TRUE(testing_support::WriteStringToFile(bad, R"({"shadows": [
    {"thing": "early", "shadow": null, "document": {"state": {}, "metadata": {}, "version": 1}},
    {"thing": "late", "shadow": null, "document": {"state": {}, "metadata": {}, "version": 0}}
  ]})")
                  .ok());
  {
    EmulatorProcessOptions options = Emulator();
    options.store_path = store;
    options.seed_file = bad;
    EmulatorProcess emulator;
    ASSERT_TRUE(emulator.Launch(broker_, options).ok());
    Result<testing_support::ExitStatus> exit = emulator.WaitForExit(kOp);
    ASSERT_TRUE(exit.ok()) << emulator.LogTail();
    EXPECT_TRUE(exit->exited() && exit->exit_code() == 2) << exit->ToString();
    const std::string log = emulator.ReadLog();
    EXPECT_THAT(log, HasSubstr(bad + ": /shadows/1/document/version"));
    EXPECT_THAT(log, ::testing::Not(HasSubstr(EmulatorProcess::kReadyLine)));
    // The same through WaitUntilReady(): a clear error, not a timeout.
    ASSERT_TRUE(emulator.Restart().code() == StatusCode::kUnavailable);
  }

  // The good file, with the issue's --seed FILE spelling, into the same store.
  EmulatorProcessOptions options = Emulator();
  options.store_path = store;
  options.extra_args = {"--seed", seed};
  EmulatorProcess emulator;
  Status started = emulator.Start(broker_, options);
  ASSERT_TRUE(started.ok()) << started.ToString();
  std::unique_ptr<ShadowClient> client = ConnectDevice();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Watch("seeded").ok());
  ASSERT_TRUE(client->Watch("early").ok());
  std::optional<Received> got = Ask(*client, Topic("seeded", "get"), TokenBody("s-1"), "s-1");
  ASSERT_TRUE(got) << emulator.LogTail();
  EXPECT_EQ(got->message.topic, Topic("seeded", "get/accepted"));
  JsonDocument doc = testing_support::MustParse(got->message.payload);
  EXPECT_EQ(IntAt(doc, "/version"), 3);
  EXPECT_JSON_EQ(JsonAt(doc, "/state"),
                 R"({"desired":{"on":true},"reported":{"on":false},"delta":{"on":true}})");
  EXPECT_EQ(IntAt(doc, "/metadata/reported/on/timestamp"), 1700000001);
  // The tombstone: a re-created cfg continues from version 9 (V5).
  got = Ask(*client, Topic("seeded", "update", "cfg"), UpdateBody(R"({"desired":{"a":1}})", "s-2"),
            "s-2");
  ASSERT_TRUE(got);
  EXPECT_EQ(IntAt(testing_support::MustParse(got->message.payload), "/version"), 10);
  // All or nothing: the bad file's valid entry was never written.
  got = Ask(*client, Topic("early", "get"), TokenBody("s-3"), "s-3");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->message.topic, Topic("early", "get/rejected"));
  Status stopped = emulator.Stop();
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
}

}  // namespace
}  // namespace shadowsync
