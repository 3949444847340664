// SPDX-License-Identifier: Apache-2.0
//
// ShadowClient over mutual TLS on a real mosquitto with shadowsync-emulator
// (issue 4, "Reliability tests"): a device and an app, each a ShadowClient
// on its own PahoTransport.
// - Desired changes reach the device as deltas, reports reach the shadow,
//   and a delta with the same version as its update's accepted is delivered.
// - The broker is stopped for seconds and restarted while the app changes
//   desired and the device keeps reporting: afterwards the shadow's reported
//   equals the device's state and each desired value was applied at most
//   once, in version order, the last one exactly once. Also with the
//   emulator's publish order random.
// - A device process killed with SIGKILL while offline with a pending report
//   is restarted on its journal, and the report arrives.
// - Wrong CA, expired or wrong-host server certificate, mismatched key:
//   a clear error and no connection.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "shadowsync/client.h"
#include "shadowsync/paho_transport.h"
#include "support/child_process.h"
#include "support/client_options.h"
#include "support/eventually.h"
#include "support/json_expect.h"
#include "support/mosquitto_fixture.h"
#include "support/shadow_service_fixture.h"
#include "support/temp_dir.h"

namespace shadowsync {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing_support::BrokerOptions;
using testing_support::ChildProcess;
using testing_support::ChildProcessOptions;
using testing_support::MosquittoBroker;
using testing_support::ServerCertificate;
using testing_support::TempDir;
using testing_support::TlsClientOptions;

constexpr auto kLong = 30s;
constexpr char kProbeBinary[] = SHADOWSYNC_BINARY_DIR "/tests/integration/shadowsync-client-probe";

JsonDocument Json(const std::string& text) { return testing_support::MustParse(text); }

::testing::AssertionResult SameJson(const JsonValue& actual, const JsonValue& expected) {
  if (JsonEquals(actual, expected)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\n  actual:   " << ToCompactJson(actual)
                                       << "\n  expected: " << ToCompactJson(expected);
}

// The broker, the emulator and StartTogether() come from the base fixture.
class ShadowClientIntegrationTest : public testing_support::ShadowServiceTest {
 protected:
  MqttOptions Options(const std::string& label) const {
    return TlsOptions(certs_->default_client().ec, label);
  }

  std::unique_ptr<ShadowClient> MakeClient(const MqttOptions& mqtt, ClientOptions options) {
    Result<std::unique_ptr<ShadowClient>> client =
        testing_support::MakePahoShadowClient(mqtt, std::move(options));
    if (!client.ok()) {
      ADD_FAILURE() << client.status().ToString();
      return nullptr;
    }
    return std::move(client).value();
  }

  // Runs both clients' loops until `done`, or fails after `timeout`.
  static bool RunBoth(ShadowClient& a, ShadowClient& b, const std::function<bool()>& done,
                      std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      a.RunFor(5ms);
      b.RunFor(5ms);
      if (done()) return true;
    }
    return done();
  }

  // The app's view of the document, via its own GET.
  // GETs the shadow as a user's code would: a 429 (L8: the retries after a
  // restart can exceed 20 requests per second of one thing) is retried after
  // the rate limit's second has passed.
  static Result<JsonDocument> GetDocument(ShadowClient& app, ShadowClient& other) {
    for (int attempt = 1;; ++attempt) {
      std::optional<RequestResult> answer;
      Status sent = app.Get([&](RequestResult result) { answer = std::move(result); });
      if (!sent.ok()) return sent;
      if (!RunBoth(
              app, other, [&] { return answer.has_value(); }, kLong)) {
        return Status(StatusCode::kTimeout, "no answer to GET");
      }
      if (answer->ok()) return std::move(answer->value().payload);
      const bool throttled = answer->status().message().rfind("429", 0) == 0;
      if (!throttled || attempt == 5) return answer->status();
      // Back off for the rest of the limit's second, serving both clients.
      RunBoth(
          app, other, [] { return false; }, std::chrono::milliseconds(1100));
    }
  }
};

// The lamp-like device used by the tests below: applies every desired key,
// counts how often each (key, value) was applied, and reports its state.
struct Device {
  JsonDocument state = Json(R"({"brightness":0,"uptime":0})");
  std::map<std::string, int> applied;  // "key=value" -> times applied
  std::vector<std::uint64_t> versions;
  std::vector<int> brightness_order;

  void Attach(ShadowClient& client) {
    client.OnDelta([this, &client](const Delta& delta) {
      versions.push_back(delta.version);
      for (const auto& member : delta.state.GetObject()) {
        ++applied[std::string(member.name.GetString()) + "=" + ToCompactJson(member.value)];
        if (std::string(member.name.GetString()) == "brightness" && member.value.IsInt()) {
          brightness_order.push_back(member.value.GetInt());
        }
        auto& allocator = state.GetAllocator();
        JsonValue value(member.value, allocator);
        auto it = state.FindMember(member.name.GetString());
        if (it != state.MemberEnd()) {
          it->value = value;
        } else {
          state.AddMember(JsonValue(member.name, allocator), value, allocator);
        }
      }
      EXPECT_TRUE(client.Report(state).ok());
    });
  }

  void Tick(ShadowClient& client) {
    state["uptime"].SetInt(state["uptime"].GetInt() + 1);
    EXPECT_TRUE(client.Report(state).ok());
  }
};

// D1 P1 V7: a desired change arrives as a delta although the delta carries
// the same version as the update's accepted; the report lands in the shadow.
TEST_F(ShadowClientIntegrationTest, DesiredReachesTheDeviceAndItsReportReachesTheShadow) {
  ASSERT_TRUE(StartBroker());
  ASSERT_TRUE(StartEmulator());
  ClientOptions device_options;
  device_options.shadow.thing = "lamp-basic";
  ClientOptions app_options = device_options;
  std::unique_ptr<ShadowClient> device = MakeClient(Options("device"), device_options);
  std::unique_ptr<ShadowClient> app = MakeClient(Options("app"), app_options);
  ASSERT_TRUE(device && app);
  Device lamp;
  lamp.Attach(*device);
  ASSERT_TRUE(StartTogether({device.get(), app.get()}));
  ASSERT_TRUE(device->Report(lamp.state).ok());
  ASSERT_TRUE(RunBoth(
      *device, *app, [&] { return !device->HasPendingReport(); }, kLong));

  std::optional<RequestResult> update;
  ASSERT_TRUE(app->UpdateDesired(Json(R"({"brightness":40})"),
                                 [&](RequestResult result) { update = std::move(result); })
                  .ok());
  ASSERT_TRUE(RunBoth(
      *device, *app,
      [&] { return update && lamp.applied.count("brightness=40") && !device->HasPendingReport(); },
      kLong));
  ASSERT_TRUE(update->ok()) << update->status().ToString();
  ASSERT_FALSE(lamp.versions.empty());
  EXPECT_EQ(lamp.versions.back(), update->value().version) << "delta and accepted share V";

  Result<JsonDocument> document = GetDocument(*app, *device);
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  EXPECT_TRUE(SameJson((*document)["state"]["reported"], lamp.state));
  EXPECT_EQ((*document)["state"].FindMember("delta"), (*document)["state"].MemberEnd());
}

class BrokerRestartTest : public ShadowClientIntegrationTest,
                          public ::testing::WithParamInterface<const char*> {};

// The issue's first reliability test: the broker stops for seconds and
// restarts while desired changes are made and the device reports.
TEST_P(BrokerRestartTest, NothingIsLostAndEachDesiredValueIsAppliedOnceInOrder) {
  ASSERT_TRUE(StartBroker());
  ASSERT_TRUE(StartEmulator(GetParam()));
  ClientOptions device_options;
  device_options.shadow.thing = "lamp-restart";
  device_options.request_timeout = 3s;
  ClientOptions app_options = device_options;
  std::unique_ptr<ShadowClient> device = MakeClient(Options("device"), device_options);
  std::unique_ptr<ShadowClient> app = MakeClient(Options("app"), app_options);
  ASSERT_TRUE(device && app);
  Device lamp;
  lamp.Attach(*device);
  ASSERT_TRUE(StartTogether({device.get(), app.get()}));
  ASSERT_TRUE(device->Report(lamp.state).ok());

  // The app sets brightness 1..kChanges, one at a time, each until it is
  // accepted: after the restart the emulator may not have resubscribed yet,
  // and a request nobody received times out (AWS is always subscribed; the
  // emulator is a client of the broker like everyone else).
  constexpr int kChanges = 16;
  for (int value = 1; value <= kChanges; ++value) {
    std::optional<RequestResult> answer;
    const auto deadline = std::chrono::steady_clock::now() + kLong;
    while (!(answer && answer->ok()) && std::chrono::steady_clock::now() < deadline) {
      answer.reset();
      JsonDocument patch = Json("{\"brightness\":" + std::to_string(value) + "}");
      const Status sent = app->UpdateDesired(
          patch, [&answer](RequestResult result) { answer = std::move(result); });
      lamp.Tick(*device);
      if (!sent.ok()) {  // offline: try again shortly
        RunBoth(
            *device, *app, [] { return false; }, 100ms);
        continue;
      }
      RunBoth(
          *device, *app, [&] { return answer.has_value(); }, kLong);
    }
    ASSERT_TRUE(answer && answer->ok()) << "brightness " << value;
    if (value == kChanges / 2) {
      // Stop the broker with deltas and reports possibly in flight; the
      // device keeps reporting while offline.
      ASSERT_TRUE(broker_.Stop().ok());
      for (int i = 0; i < 20; ++i) {
        lamp.Tick(*device);
        RunBoth(
            *device, *app, [] { return false; }, 100ms);
      }
      EXPECT_FALSE(device->IsOnline());
      EXPECT_TRUE(device->HasPendingReport());
      ASSERT_TRUE(broker_.Restart().ok());
    }
  }
  // Until the device has applied the last value and the shadow has its state.
  const bool settled = RunBoth(
      *device, *app,
      [&] {
        return device->IsOnline() && lamp.applied.count("brightness=" + std::to_string(kChanges)) &&
               !device->HasPendingReport();
      },
      kLong);
  ASSERT_TRUE(settled) << "applied: " << lamp.applied.size() << ", online " << device->IsOnline()
                       << "\n"
                       << broker_.LogTail();

  for (const auto& [change, times] : lamp.applied) {
    EXPECT_EQ(times, 1) << change << " applied " << times << " times";
  }
  for (size_t i = 1; i < lamp.brightness_order.size(); ++i) {
    EXPECT_LT(lamp.brightness_order[i - 1], lamp.brightness_order[i]) << "version order";
  }
  for (size_t i = 1; i < lamp.versions.size(); ++i) {
    EXPECT_LT(lamp.versions[i - 1], lamp.versions[i]);
  }
  Result<JsonDocument> document = GetDocument(*app, *device);
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  EXPECT_TRUE(SameJson((*document)["state"]["reported"], lamp.state));
  EXPECT_EQ((*document)["state"]["desired"]["brightness"].GetInt(), kChanges);
}

INSTANTIATE_TEST_SUITE_P(PublishOrders, BrokerRestartTest,
                         ::testing::Values("accepted-first", "random"), [](const auto& info) {
                           return std::string(info.param) == "random" ? "RandomOrder"
                                                                      : "AcceptedFirst";
                         });

// The issue's journal test: a device process killed while offline with a
// pending report; the next process on the same journal delivers it.
TEST_F(ShadowClientIntegrationTest, ReportPendingAtSigkillArrivesAfterRestartFromTheJournal) {
  ASSERT_TRUE(StartBroker());
  ASSERT_TRUE(StartEmulator());
  Result<std::unique_ptr<TempDir>> made_dir = TempDir::Create("shadowsync-client-journal");
  ASSERT_TRUE(made_dir.ok()) << made_dir.status().ToString();
  const TempDir& dir = **made_dir;
  const std::string journal = dir.File("lamp.journal");
  const auto probe_argv = [&](const std::string& mode) {
    const testing_support::CertKeyPair& pair = certs_->default_client().ec;
    std::vector<std::string> argv = {
        kProbeBinary, "--mode",        mode,           "--broker",  broker_.tls_ec_uri(),
        "--ca",       certs_->ca_cert, "--cert",       pair.cert,   "--key",
        pair.key,     "--thing",       "lamp-journal", "--journal", journal};
    return argv;
  };

  ASSERT_TRUE(broker_.Stop().ok());  // the device starts offline
  ChildProcess first;
  ChildProcessOptions first_options;
  first_options.argv = probe_argv("report");
  first_options.argv.insert(first_options.argv.end(),
                            {"--state", R"({"power":"on","brightness":70})"});
  first_options.log_path = dir.File("first.log");
  ASSERT_TRUE(first.Start(first_options).ok());
  testing_support::Eventually(
      [&] { return first.ReadLog().find("pending\n") != std::string::npos || !first.IsRunning(); },
      kLong, 20ms);
  ASSERT_THAT(first.ReadLog(), HasSubstr("pending\n"));
  ASSERT_TRUE(first.Kill().ok());
  struct stat info;
  ASSERT_EQ(::stat(journal.c_str(), &info), 0) << "the journal exists";
  EXPECT_EQ(info.st_mode & 077, 0u) << "the journal is private to its owner";

  ASSERT_TRUE(broker_.Restart().ok());
  ChildProcess second;
  ChildProcessOptions second_options;
  second_options.argv = probe_argv("resume");
  second_options.log_path = dir.File("second.log");
  ASSERT_TRUE(second.Start(second_options).ok());
  Result<testing_support::ExitStatus> exited = second.WaitForExit(45s);
  ASSERT_TRUE(exited.ok()) << exited.status().ToString() << "\n" << second.ReadLog();
  EXPECT_TRUE(exited->success()) << exited->ToString() << "\n" << second.ReadLog();
  EXPECT_THAT(second.ReadLog(), HasSubstr("flushed\n"));
  EXPECT_NE(::stat(journal.c_str(), &info), 0) << "the journal is gone once acknowledged";

  ClientOptions app_options;
  app_options.shadow.thing = "lamp-journal";
  std::unique_ptr<ShadowClient> app = MakeClient(Options("app"), app_options);
  ASSERT_TRUE(app);
  ASSERT_TRUE(app->Start().ok());
  std::optional<RequestResult> answer;
  ASSERT_TRUE(app->Get([&](RequestResult result) { answer = std::move(result); }).ok());
  ASSERT_TRUE(app->RunUntil([&] { return answer.has_value(); }, kLong));
  ASSERT_TRUE(answer->ok()) << answer->status().ToString();
  EXPECT_TRUE(SameJson(answer->value().payload["state"]["reported"],
                       Json(R"({"power":"on","brightness":70})")));
}

// Start() fails with the transport's diagnosis and the client stays offline.
void ExpectStartFails(const MqttOptions& mqtt, const std::string& expected) {
  Result<std::unique_ptr<Transport>> transport = MakePahoTransport(mqtt);
  if (!transport.ok()) {  // refused before connecting (e.g. a mismatched key)
    EXPECT_THAT(transport.status().message(), HasSubstr(expected));
    return;
  }
  ClientOptions options;
  options.shadow.thing = "lamp-tls";
  Result<std::unique_ptr<ShadowClient>> client =
      ShadowClient::Create(options, std::move(transport).value());
  ASSERT_TRUE(client.ok());
  const Status started = (*client)->Start();
  EXPECT_EQ(started.code(), StatusCode::kUnavailable) << started.ToString();
  EXPECT_THAT(started.message(), HasSubstr(expected));
  (*client)->RunFor(50ms);
  EXPECT_FALSE((*client)->IsOnline());
}

TEST_F(ShadowClientIntegrationTest, TlsMisconfigurationIsAClearErrorAndNoConnection) {
  ASSERT_TRUE(StartBroker());
  MqttOptions wrong_ca = Options("wrong-ca");
  wrong_ca.ca_file = certs_->wrong_ca_cert;
  ExpectStartFails(wrong_ca, "server certificate verification failed");
  ExpectStartFails(
      TlsClientOptions(broker_.tls_ec_uri(), *certs_, certs_->client_mismatched_key, "mismatch"),
      "key_file does not match cert_file");

  MosquittoBroker expired;
  BrokerOptions expired_options;
  expired_options.certificates = certs_;
  expired_options.ec_server_certificate = ServerCertificate::kExpired;
  ASSERT_TRUE(expired.Start(expired_options).ok());
  ExpectStartFails(
      TlsClientOptions(expired.tls_ec_uri(), *certs_, certs_->default_client().ec, "expired"),
      "certificate has expired");

  MosquittoBroker wrong_host;
  BrokerOptions wrong_host_options;
  wrong_host_options.certificates = certs_;
  wrong_host_options.ec_server_certificate = ServerCertificate::kWrongHost;
  ASSERT_TRUE(wrong_host.Start(wrong_host_options).ok());
  ExpectStartFails(
      TlsClientOptions(wrong_host.tls_ec_uri(), *certs_, certs_->default_client().ec, "host"),
      "does not match the host name");
}

}  // namespace
}  // namespace shadowsync
