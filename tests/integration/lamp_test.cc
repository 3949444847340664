// SPDX-License-Identifier: Apache-2.0
//
// examples/lamp as a process against a real mosquitto with
// shadowsync-emulator over mutual TLS (issue 4, "Examples": lamp runs in an
// integration test). An app (a ShadowClient in this test) sets desired
// values; the lamp applies and reports valid ones, refuses an out-of-range
// brightness, keeps reporting its actual value and clears the bad desired
// key; SIGTERM stops it with exit code 0 and every report acknowledged.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shadowsync/client.h"
#include "shadowsync/paho_transport.h"
#include "support/child_process.h"
#include "support/client_options.h"
#include "support/json_expect.h"
#include "support/process_output.h"
#include "support/shadow_service_fixture.h"
#include "support/temp_dir.h"

namespace shadowsync {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing_support::ChildProcess;
using testing_support::ChildProcessOptions;
using testing_support::TempDir;
using testing_support::WaitForOutput;

constexpr auto kLong = 30s;
constexpr char kLampBinary[] = SHADOWSYNC_BINARY_DIR "/examples/lamp/lamp";
constexpr char kThing[] = "lamp-it";
constexpr char kLampIdentity[] = "lamp-device";
constexpr char kAppIdentity[] = "lamp-app";

JsonDocument Json(const std::string& text) { return testing_support::MustParse(text); }

// The broker and the emulator come from the base fixture, with client
// certificates for the lamp and the app.
class LampIntegrationTest : public testing_support::ShadowServiceTest {
 protected:
  LampIntegrationTest() : ShadowServiceTest({kLampIdentity, kAppIdentity}) {}

  void SetUp() override {
#ifndef SHADOWSYNC_HAVE_EXAMPLES
    GTEST_SKIP() << "the examples are not built (SHADOWSYNC_BUILD_EXAMPLES is OFF)";
#endif
    ASSERT_NO_FATAL_FAILURE(ShadowServiceTest::SetUp());
    auto dir = TempDir::Create("shadowsync-lamp");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
    ASSERT_TRUE(StartBroker());
    ASSERT_TRUE(StartEmulator());

    ClientOptions options;
    options.shadow.thing = kThing;
    Result<std::unique_ptr<ShadowClient>> app = testing_support::MakePahoShadowClient(
        TlsOptions(certs_->client(kAppIdentity).ec, "lamp-app"), std::move(options));
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    app_ = std::move(app).value();
  }

  // The lamp's command line: the TLS flags of its own client certificate.
  std::vector<std::string> LampArgv(const std::string& journal) const {
    const auto& certs = *broker_.shared_certificates();
    const testing_support::CertKeyPair& pair = certs.client(kLampIdentity).ec;
    return {kLampBinary,
            "--broker",
            broker_.tls_ec_uri(),
            "--ca",
            certs.ca_cert,
            "--cert",
            pair.cert,
            "--key",
            pair.key,
            "--thing",
            kThing,
            "--client-id",
            testing_support::UniqueClientId("lamp"),
            "--journal",
            journal};
  }

  // Waits for `line` in the lamp's output while the app keeps polling.
  ::testing::AssertionResult LampPrinted(const std::string& line, std::size_t count = 1) {
    if (WaitForOutput(lamp_, line, kLong, count, [this] { app_->RunFor(20ms); })) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "no \"" << line << "\" from the lamp; its output:\n"
                                         << lamp_.ReadLog() << "\n"
                                         << ServiceLogTail();
  }

  // The app's UpdateDesired, until accepted.
  ::testing::AssertionResult Desire(const std::string& patch) {
    std::optional<RequestResult> answer;
    const Status sent =
        app_->UpdateDesired(Json(patch), [&](RequestResult result) { answer = std::move(result); });
    if (!sent.ok()) return ::testing::AssertionFailure() << sent.ToString();
    if (!app_->RunUntil([&] { return answer.has_value(); }, kLong)) {
      return ::testing::AssertionFailure() << "no answer to the update " << patch;
    }
    if (!answer->ok()) return ::testing::AssertionFailure() << answer->status().ToString();
    return ::testing::AssertionSuccess();
  }

  // GETs the document until `done(state)` holds (the lamp's report or clear
  // may land a moment after its log line); the last state seen in `last`.
  bool StateBecomes(const std::function<bool(const JsonValue& state)>& done, std::string* last) {
    const auto deadline = std::chrono::steady_clock::now() + kLong;
    while (std::chrono::steady_clock::now() < deadline) {
      std::optional<RequestResult> answer;
      if (app_->Get([&](RequestResult result) { answer = std::move(result); }).ok() &&
          app_->RunUntil([&] { return answer.has_value(); }, kLong) && answer->ok()) {
        const JsonValue& state = answer->value().payload["state"];
        *last = ToCompactJson(state);
        if (done(state)) return true;
      }
      app_->RunFor(100ms);
    }
    return false;
  }

  // Starts the lamp with `journal` and the app, and waits for "lamp: ready".
  ::testing::AssertionResult StartLampAndApp(const std::string& journal) {
    ChildProcessOptions lamp_options;
    lamp_options.argv = LampArgv(journal);
    lamp_options.log_path = dir_->File("lamp.log");
    if (Status started = lamp_.Start(lamp_options); !started.ok()) {
      return ::testing::AssertionFailure() << "lamp: " << started.ToString();
    }
    if (Status started = app_->Start(); !started.ok()) {
      return ::testing::AssertionFailure() << "app: " << started.ToString();
    }
    return LampPrinted("lamp: ready\n");
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ShadowClient> app_;
  ChildProcess lamp_;  // last: stopped first
};

TEST_F(LampIntegrationTest, AppliesAndReportsDesiredValuesRefusesABadOneAndStopsOnSigterm) {
  const std::string journal = dir_->File("lamp.journal");
  ASSERT_TRUE(StartLampAndApp(journal));

  // Valid values: applied, logged, reported.
  ASSERT_TRUE(Desire(R"({"power":"on","brightness":30})"));
  ASSERT_TRUE(LampPrinted("lamp: power on -> applied"));
  ASSERT_TRUE(LampPrinted("lamp: brightness 30 -> applied"));
  std::string last;
  EXPECT_TRUE(StateBecomes(
      [](const JsonValue& state) {
        return state.HasMember("reported") &&
               JsonEquals(state["reported"], Json(R"({"power":"on","brightness":30})")) &&
               !state.HasMember("delta");
      },
      &last))
      << last;

  // A bad value: refused, the actual brightness stays reported, and the
  // desired key is cleared so that it stops producing deltas.
  ASSERT_TRUE(Desire(R"({"brightness":140})"));
  ASSERT_TRUE(
      LampPrinted("lamp: brightness 140 -> rejected: must be an integer from 0 to 100; "
                  "keeping 30"));
  ASSERT_TRUE(LampPrinted("lamp: cleared desired /brightness"));
  EXPECT_TRUE(StateBecomes(
      [](const JsonValue& state) {
        return state.HasMember("reported") && state.HasMember("desired") &&
               JsonEquals(state["reported"], Json(R"({"power":"on","brightness":30})")) &&
               JsonEquals(state["desired"], Json(R"({"power":"on"})")) && !state.HasMember("delta");
      },
      &last))
      << last;
  EXPECT_EQ(testing_support::CountOccurrences(lamp_.ReadLog(), "-> applied"), 2u)
      << lamp_.ReadLog();

  // SIGTERM: a clean stop with everything acknowledged.
  ASSERT_TRUE(lamp_.Signal(SIGTERM).ok());
  Result<testing_support::ExitStatus> exited = lamp_.WaitForExit(15s);
  ASSERT_TRUE(exited.ok()) << exited.status().ToString() << "\n" << lamp_.ReadLog();
  EXPECT_TRUE(exited->success()) << exited->ToString() << "\n" << lamp_.ReadLog();
  EXPECT_THAT(lamp_.ReadLog(), HasSubstr("lamp: stopping (SIGTERM)\n"));
  EXPECT_THAT(lamp_.ReadLog(), HasSubstr("lamp: stopped\n"));
  struct stat info;
  EXPECT_NE(::stat(journal.c_str(), &info), 0) << "no journal left: nothing was pending";
}

// Issue 14: a lamp stopped while offline, whose state the service
// acknowledged before the connection dropped, has nothing pending: exit 0,
// and no journal (HasPendingReport() used to be true whenever the client was
// not synced, so every offline stop said "not yet acknowledged (kept in
// <journal>)" and exited 3).
TEST_F(LampIntegrationTest, SigtermWhileOfflineWithItsStateAcknowledgedExitsZero) {
  const std::string journal = dir_->File("lamp.journal");
  ASSERT_TRUE(StartLampAndApp(journal));
  ASSERT_TRUE(Desire(R"({"brightness":55})"));
  ASSERT_TRUE(LampPrinted("lamp: reported {\"power\":\"off\",\"brightness\":55}"));

  ASSERT_TRUE(broker_.Stop().ok());
  ASSERT_TRUE(LampPrinted("lamp: offline"));
  ASSERT_TRUE(lamp_.Signal(SIGTERM).ok());
  Result<testing_support::ExitStatus> exited = lamp_.WaitForExit(15s);
  ASSERT_TRUE(exited.ok()) << exited.status().ToString() << "\n" << lamp_.ReadLog();
  EXPECT_TRUE(exited->success()) << exited->ToString() << "\n" << lamp_.ReadLog();
  EXPECT_THAT(lamp_.ReadLog(), HasSubstr("lamp: stopped\n"));
  EXPECT_THAT(lamp_.ReadLog(), ::testing::Not(HasSubstr("not yet acknowledged")));
  struct stat info;
  EXPECT_NE(::stat(journal.c_str(), &info), 0) << "no journal: nothing was pending";
}

}  // namespace
}  // namespace shadowsync
