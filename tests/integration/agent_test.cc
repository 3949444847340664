// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-agent end to end (issue 5, "Tests"): the agent binary as a
// child process against mosquitto and shadowsync-emulator over mutual TLS
// (EC client certificate), watched by an app-side ShadowClient that GETs the
// shadow.
// - The shadow's reported state follows the sensors (file sensors on files
//   the test rewrites).
// - A desired interval change takes effect and is acknowledged.
// - A broker restart loses nothing: a value sampled offline arrives.
// - SIGTERM flushes: the value of the last tick is in the shadow, exit 0.
// - A DataLogger settings file ("AWS IoT" block) works unchanged.
// - A private key readable by others: exit 2 and "chmod 600".
// - --check-config on good and bad files; --demo.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "shadowsync/client.h"
#include "shadowsync/paho_transport.h"
#include "support/child_process.h"
#include "support/client_options.h"
#include "support/datalogger_settings.h"
#include "support/eventually.h"
#include "support/json_expect.h"
#include "support/json_path.h"
#include "support/shadow_service_fixture.h"
#include "support/temp_dir.h"

namespace shadowsync {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::At;
using testing_support::ChildProcess;
using testing_support::ChildProcessOptions;
using testing_support::ExitStatus;
using testing_support::ProcessOutput;
using testing_support::TempDir;

constexpr auto kLong = 30s;
constexpr char kAgentBinary[] = SHADOWSYNC_BINARY_DIR "/agent/shadowsync-agent";

std::string Compact(const JsonValue& value) { return ToCompactJson(value); }

// JSON equality with numbers by value (1 == 1.0).
bool Is(const JsonValue& value, const std::string& json) {
  Result<JsonDocument> expected = ParseJson(json);
  return expected.ok() && JsonEquals(value, *expected);
}

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

std::string ReadOrEmpty(const std::string& path) {
  Result<std::string> text = testing_support::ReadFileToString(path);
  return text.ok() ? *text : std::string();
}

// Runs the agent binary to completion with `args`.
Result<ProcessOutput> RunAgent(const std::vector<std::string>& args,
                               std::chrono::milliseconds timeout = 20s) {
  ChildProcessOptions options;
  options.argv = {kAgentBinary};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  return testing_support::RunProcess(options, timeout);
}

// The broker, the emulator and the certificates (the default client's for
// the agent and the app) come from the base fixture.
class AgentEndToEndTest : public testing_support::ShadowServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ShadowServiceTest::SetUp());
    Result<std::unique_ptr<TempDir>> dir = TempDir::Create("agent-e2e");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
    // The fixture's private keys are 0600, as the agent requires.
    struct stat key {};
    ASSERT_EQ(::stat(Pair().key.c_str(), &key), 0);
    ASSERT_EQ(key.st_mode & 0077, 0u)
        << Pair().key << " has mode " << std::oct << (key.st_mode & 0777);
  }

  void TearDown() override {
    if (agent_.pid() > 0 && HasFailure()) {
      std::fprintf(stderr, "--- agent log ---\n%s\n", agent_.ReadLog().c_str());
    }
    (void)agent_.Stop(5s);
    app_.reset();
  }

  const testing_support::CertKeyPair& Pair() const { return certs_->client(kDefaultClient).ec; }

  // The app's client for `thing`, connected.
  ::testing::AssertionResult StartApp(const std::string& thing) {
    ClientOptions options;
    options.shadow.thing = thing;
    options.request_timeout = 3s;
    Result<std::unique_ptr<ShadowClient>> client =
        testing_support::MakePahoShadowClient(TlsOptions(Pair(), "agent-e2e-app"), options);
    if (!client.ok()) return ::testing::AssertionFailure() << client.status().ToString();
    app_ = std::move(client).value();
    if (Status started = app_->Start(); !started.ok()) {
      return ::testing::AssertionFailure() << "app: " << started.ToString();
    }
    return ::testing::AssertionSuccess();
  }

  // A sensor file in the test's directory.
  void WriteFile(const std::string& name, const std::string& contents, int mode = 0644) {
    const Status written = testing_support::WriteStringToFile(dir_->File(name), contents, mode);
    ASSERT_TRUE(written.ok()) << written.ToString();
    ASSERT_EQ(::chmod(dir_->File(name).c_str(), static_cast<mode_t>(mode)), 0);
  }

  // The agent's own configuration: TLS to the EC listener with the
  // fixture's client pair, a journal, a local JSON-lines log of every
  // observation (the test's view of the agent's ticks), a file sensor "tank"
  // and a 1-wire style file sensor "water" (DS18B20 w1_slave).
  std::string WriteAgentConfig(const std::string& thing, double interval_seconds) {
    const std::string connection =
        "{\"endpoint\": \"" + broker_.tls_ec_uri() + "\", \"thing_name\": \"" + thing +
        "\", \"client_id\": \"" + testing_support::UniqueClientId("agent") + "\", \"ca_file\": \"" +
        certs_->ca_cert + "\", \"cert_file\": \"" + Pair().cert + "\", \"key_file\": \"" +
        Pair().key + "\"}";
    const std::string sensors =
        R"json([{"type": "file", "name": "tank", "parameter": "level", "path": ")json" +
        dir_->File("tank") +
        R"json("}, {"type": "file", "name": "water", "parameter": "temp_c", "path": ")json" +
        dir_->File("w1_slave") + R"json(", "regex": "YES\\s+.*t=(-?\\d+)", "scale": 0.001}])json";
    const std::string config =
        "{\"connection\": " + connection +
        ", \"reporting\": {\"interval_seconds\": " + std::to_string(interval_seconds) +
        "}, \"journal_path\": \"journal.json\", \"output\": "
        "{\"format\": \"jsonl\", \"path\": \"observations.jsonl\"}, "
        "\"sensors\": " +
        sensors + "}";
    const std::string path = dir_->File("agent.json");
    EXPECT_TRUE(testing_support::WriteStringToFile(path, config).ok());
    return path;
  }

  ::testing::AssertionResult StartAgent(const std::string& config_path,
                                        std::vector<std::string> extra_args = {}) {
    ChildProcessOptions options;
    options.argv = {kAgentBinary, "--config", config_path};
    options.argv.insert(options.argv.end(), extra_args.begin(), extra_args.end());
    options.log_path = dir_->File("agent.log");
    if (Status started = agent_.Start(options); !started.ok()) {
      return ::testing::AssertionFailure() << "agent: " << started.ToString();
    }
    return ::testing::AssertionSuccess();
  }

  // The app's GET of the whole document.
  Result<JsonDocument> GetDocument() {
    std::optional<RequestResult> answer;
    Status sent = app_->Get([&](RequestResult result) { answer = std::move(result); });
    if (!sent.ok()) return sent;
    if (!app_->RunUntil([&] { return answer.has_value(); }, 10s)) {
      return Status(StatusCode::kTimeout, "no answer to GET");
    }
    if (!answer->ok()) return answer->status();
    return std::move(answer->value().payload);
  }

  // GETs the shadow until `done(state)` holds; fails with the last state
  // and the agent's log after `timeout`.
  ::testing::AssertionResult WaitForShadow(const std::function<bool(const JsonValue&)>& done,
                                           std::chrono::milliseconds timeout = kLong) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    std::string last = "(no answer)";
    while (std::chrono::steady_clock::now() < end) {
      Result<JsonDocument> document = GetDocument();
      if (document.ok()) {
        if (done(At(*document, {"state"}))) return ::testing::AssertionSuccess();
        last = Compact(At(*document, {"state"}));
      } else {
        last = document.status().ToString();
      }
      app_->RunFor(100ms);
    }
    return ::testing::AssertionFailure() << "last state: " << last << "\nagent log:\n"
                                         << agent_.ReadLog();
  }

  // Waits until the agent's log holds `needle` `count` times, keeping the
  // app's client running.
  bool WaitForAgentLog(const std::string& needle, std::chrono::milliseconds timeout,
                       std::size_t count = 1) {
    // The app's client runs between looks (RunFor), so no extra pause then.
    return testing_support::Eventually(
        [&] {
          if (Count(agent_.ReadLog(), needle) >= count) return true;
          if (app_) app_->RunFor(20ms);
          return false;
        },
        timeout, app_ ? 0ms : 20ms);
  }

  // Waits until the agent wrote an observation that contains `needle` (it
  // took a sample after the test rewrote a sensor file).
  bool WaitForObservation(const std::string& needle, std::chrono::milliseconds timeout,
                          std::size_t count = 1) {
    const std::string path = dir_->File("observations.jsonl");
    return testing_support::Eventually([&] { return Count(ReadOrEmpty(path), needle) >= count; },
                                       timeout);
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ShadowClient> app_;
  ChildProcess agent_;  // last: stopped first
};

std::function<bool(const JsonValue&)> ReportedIs(const char* sensor, const char* parameter,
                                                 const std::string& value) {
  return [=](const JsonValue& state) {
    return Is(At(state, {"reported", sensor, parameter}), value);
  };
}

TEST_F(AgentEndToEndTest, ReportedStateFollowsTheSensors) {
  ASSERT_TRUE(StartServices());
  ASSERT_TRUE(StartApp("agent-e2e-follow"));
  WriteFile("tank", "1\n");
  WriteFile("w1_slave",
            "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n");
  ASSERT_TRUE(StartAgent(WriteAgentConfig("agent-e2e-follow", 0.2)));
  ASSERT_TRUE(WaitForShadow([](const JsonValue& state) {
    return Is(At(state, {"reported", "tank"}), R"({"level":1})") &&
           Is(At(state, {"reported", "water"}), R"({"temp_c":23.125})");
  }));

  WriteFile("tank", "2.5\n");
  ASSERT_TRUE(WaitForShadow(ReportedIs("tank", "level", "2.5")));
  // A failed CRC makes the 1-wire sample fail: the error is reported, and
  // the other sensor goes on.
  WriteFile("w1_slave",
            "72 01 4b 46 7f ff 0e 10 57 : crc=00 NO\n72 01 4b 46 7f ff 0e 10 57 t=85000\n");
  WriteFile("tank", "3\n");
  ASSERT_TRUE(WaitForShadow([](const JsonValue& state) {
    return At(state, {"reported", "water", "error"}).IsString() &&
           !At(state, {"reported", "water"}).HasMember("temp_c") &&
           Is(At(state, {"reported", "tank", "level"}), "3");
  }));
  WriteFile("w1_slave",
            "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=-1500\n");
  ASSERT_TRUE(WaitForShadow([](const JsonValue& state) {
    return Is(At(state, {"reported", "water"}), R"({"temp_c":-1.5})");
  }));
  EXPECT_TRUE(agent_.IsRunning());
}

TEST_F(AgentEndToEndTest, ADesiredIntervalChangeTakesEffectAndIsAcknowledged) {
  ASSERT_TRUE(StartServices());
  ASSERT_TRUE(StartApp("agent-e2e-interval"));
  WriteFile("tank", "1\n");
  WriteFile("w1_slave", "t=20000 YES t=20000\n");
  ASSERT_TRUE(StartAgent(WriteAgentConfig("agent-e2e-interval", 30)));
  ASSERT_TRUE(WaitForShadow(ReportedIs("tank", "level", "1")));

  std::optional<RequestResult> update;
  ASSERT_TRUE(
      app_->UpdateDesired(testing_support::MustParse(R"({"agent":{"interval_seconds":0.25}})"),
                          [&](RequestResult result) { update = std::move(result); })
          .ok());
  ASSERT_TRUE(app_->RunUntil([&] { return update.has_value(); }, kLong));
  ASSERT_TRUE(update->ok()) << update->status().ToString();

  // Acknowledged: reported.agent.interval_seconds equals desired, so no
  // delta is left for it.
  ASSERT_TRUE(WaitForShadow([](const JsonValue& state) {
    return Is(At(state, {"reported", "agent", "interval_seconds"}), "0.25") &&
           At(state, {"delta", "agent", "interval_seconds"}).IsNull();
  }));
  EXPECT_TRUE(WaitForAgentLog("remote configuration", 5s)) << agent_.ReadLog();

  // In effect: at 30 s the agent would not sample again within 2 s.
  const std::string observations = dir_->File("observations.jsonl");
  const std::size_t before = Count(ReadOrEmpty(observations), "\n");
  app_->RunFor(2000ms);
  const std::size_t after = Count(ReadOrEmpty(observations), "\n");
  EXPECT_GE(after - before, 4u) << "observations in 2 s at a 0.25 s interval";
  EXPECT_LE(after - before, 10u);
}

TEST_F(AgentEndToEndTest, ABrokerRestartLosesNothing) {
  ASSERT_TRUE(StartServices());
  ASSERT_TRUE(StartApp("agent-e2e-restart"));
  WriteFile("tank", "1\n");
  WriteFile("w1_slave", "t=20000 YES t=20000\n");
  ASSERT_TRUE(StartAgent(WriteAgentConfig("agent-e2e-restart", 0.2)));
  ASSERT_TRUE(WaitForShadow(ReportedIs("tank", "level", "1")));

  ASSERT_TRUE(broker_.Stop().ok());
  ASSERT_TRUE(WaitForAgentLog("offline", 10s)) << agent_.ReadLog();
  // Sampled while offline, more than once.
  WriteFile("tank", "41.25\n");
  ASSERT_TRUE(WaitForObservation("41.25", 5s));
  WriteFile("tank", "42.75\n");
  ASSERT_TRUE(WaitForObservation("42.75", 5s));
  // A few more ticks offline, each an observation of the same level.
  ASSERT_TRUE(WaitForObservation("42.75", 5s, 3));
  ASSERT_TRUE(agent_.IsRunning());

  ASSERT_TRUE(broker_.Restart().ok());
  ASSERT_TRUE(WaitForShadow(ReportedIs("tank", "level", "42.75"), 60s));
  EXPECT_TRUE(WaitForAgentLog("online", 5s, 2)) << "online again after the restart";
  EXPECT_TRUE(agent_.IsRunning());
}

TEST_F(AgentEndToEndTest, SigtermFlushesTheLastReportAndExitsZero) {
  ASSERT_TRUE(StartServices());
  ASSERT_TRUE(StartApp("agent-e2e-sigterm"));
  WriteFile("tank", "1\n");
  WriteFile("w1_slave", "t=20000 YES t=20000\n");
  ASSERT_TRUE(StartAgent(WriteAgentConfig("agent-e2e-sigterm", 0.2)));
  ASSERT_TRUE(WaitForShadow(ReportedIs("tank", "level", "1")));

  WriteFile("tank", "4242.5\n");
  ASSERT_TRUE(WaitForObservation("4242.5", 5s));  // the agent's next tick sampled it
  ASSERT_TRUE(agent_.Signal(SIGTERM).ok());
  const auto signalled = std::chrono::steady_clock::now();
  Result<ExitStatus> exited = agent_.WaitForExit(5s);
  ASSERT_TRUE(exited.ok()) << exited.status().ToString();
  const auto took = std::chrono::steady_clock::now() - signalled;
  EXPECT_TRUE(exited->success()) << exited->ToString() << "\n" << agent_.ReadLog();
  EXPECT_LT(took, 2s) << "stop took "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << " ms";
  EXPECT_THAT(agent_.ReadLog(), HasSubstr("stopping (SIGTERM)"));
  EXPECT_THAT(agent_.ReadLog(), Not(HasSubstr("stopped: ")));

  ASSERT_TRUE(WaitForShadow(ReportedIs("tank", "level", "4242.5"), 10s));
}

// Issue 14: stopped while offline, the agent exits 0 when the service
// acknowledged its state before the connection dropped (it used to exit 4
// and name the journal on every offline stop), and 4, naming the journal
// that holds it, when it sampled a change offline.
TEST_F(AgentEndToEndTest, SigtermOfflineExitsZeroWhenAcknowledgedAndFourWhenNot) {
  ASSERT_TRUE(StartServices());
  WriteFile("w1_slave", "t=20000 YES t=20000\n");
  for (const bool change_offline : {false, true}) {
    SCOPED_TRACE(change_offline ? "a change sampled offline" : "nothing new offline");
    // A thing of its own each time: the shadow shows the agent's first
    // report only once the service accepted it.
    const std::string thing = change_offline ? "agent-e2e-offline-4" : "agent-e2e-offline-0";
    WriteFile("tank", "1\n");
    ASSERT_TRUE(StartApp(thing));
    ASSERT_TRUE(StartAgent(WriteAgentConfig(thing, 0.2)));
    ASSERT_TRUE(WaitForShadow(ReportedIs("tank", "level", "1")));
    ASSERT_TRUE(broker_.Stop().ok());
    ASSERT_TRUE(WaitForAgentLog("offline", 10s)) << agent_.ReadLog();
    if (change_offline) {
      WriteFile("tank", "77.5\n");
      ASSERT_TRUE(WaitForObservation("77.5", 5s));
    }
    ASSERT_TRUE(agent_.Signal(SIGTERM).ok());
    Result<ExitStatus> exited = agent_.WaitForExit(5s);
    ASSERT_TRUE(exited.ok()) << exited.status().ToString();
    ASSERT_TRUE(exited->exited()) << exited->ToString();
    const std::string log = agent_.ReadLog();
    if (change_offline) {
      EXPECT_EQ(exited->exit_code(), 4) << log;
      EXPECT_THAT(log, HasSubstr("not yet acknowledged (kept in "));
      EXPECT_THAT(log, HasSubstr("journal.json)"));
    } else {
      EXPECT_EQ(exited->exit_code(), 0) << log;
      EXPECT_THAT(log, Not(HasSubstr("not yet acknowledged")));
    }
    ASSERT_TRUE(broker_.Restart().ok());
  }
}

TEST_F(AgentEndToEndTest, ADataLoggerSettingsFileWorksUnchanged) {
  ASSERT_TRUE(StartServices());
  ASSERT_TRUE(StartApp("TestThing23"));
  // The certificate files next to the settings file, under the names the
  // DataLogger's block gives them; the key chmod 600.
  const auto copy = [&](const std::string& from, const std::string& to, int mode) {
    Result<std::string> text = testing_support::ReadFileToString(from);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    WriteFile(to, *text, mode);
  };
  ASSERT_NO_FATAL_FAILURE(copy(certs_->ca_cert, "AmazonRootCA1.pem", 0644));
  ASSERT_NO_FATAL_FAILURE(copy(Pair().cert, "TestThing23_DevCert.crt", 0644));
  ASSERT_NO_FATAL_FAILURE(copy(Pair().key, "TestThing23_Private.key", 0600));
  WriteFile("tank", "17\n");
  const std::string settings = R"({
  "Application Settings": {
    "LED Enabled": true,
    "Menu Timeout": 60,
    "Color Output": true,
    "Board Name": "",
    "Startup Delay": 2
  },
  "Logger": {
    "Timestamp Mode": 1,
    "Sequence Number": true,
    "Output ID": true,
    "Output Name": true,
    "Data Format": 1
  },
  "Logging Timer": {
    "Interval": 15000
  },
  "WiFi Network": {
    "Enabled": true,
    "Network Name": "greenhouse",
    "Password": "not-used-here"
  },
  "NTP Client": {
    "Enabled": true,
    "NTP Server One": "time.nist.gov",
    "NTP Server Two": "pool.ntp.org"
  },
  "MQTT Client": {
    "Enabled": false,
    "Port": 1883,
    "Server": "",
    "MQTT Topic": "",
    "Client Name": "",
    "Buffer Size": 0,
    "Username": "",
    "Password": ""
  },
)" + testing_support::DataLoggerAwsIotBlock("localhost", broker_.tls_ec_port()) +
                               R"(,
  "sensors": [
    {"type": "file", "name": "tank", "parameter": "level", "path": ")" +
                               dir_->File("tank") + R"("}
  ]
}
)";
  WriteFile("datalogger.json", settings);

  // The settings file is valid as it is...
  Result<ProcessOutput> checked =
      RunAgent({"--check-config", "--config", dir_->File("datalogger.json")});
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_TRUE(checked->status.success()) << checked->output;
  EXPECT_THAT(checked->output, HasSubstr("thing \"TestThing23\""));

  // ... and the agent reports to the shadow the block's topic names.
  ASSERT_TRUE(StartAgent(dir_->File("datalogger.json")));
  ASSERT_TRUE(WaitForShadow([](const JsonValue& state) {
    return Is(At(state, {"reported", "tank"}), R"({"level":17})") &&
           At(state, {"reported", "General", "Entry"}).IsNumber();
  }));
  const std::string log = agent_.ReadLog();
  EXPECT_THAT(log, HasSubstr("ignoring the DataLogger settings block \"WiFi Network\""));
  EXPECT_THAT(log, HasSubstr("ignoring the DataLogger settings block \"MQTT Client\""));
  EXPECT_THAT(log, HasSubstr("thing \"TestThing23\""));
}

TEST_F(AgentEndToEndTest, APrivateKeyReadableByOthersIsRefusedWithExitCode2) {
  // No broker needed: the key is checked before the agent connects.
  Result<std::string> key = testing_support::ReadFileToString(Pair().key);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  WriteFile("open.key", *key, 0644);
  const std::string config = R"({"connection": {"endpoint": "ssl://localhost:8883",
      "thing_name": "agent-e2e-key", "ca_file": ")" +
                             certs_->ca_cert + R"(", "cert_file": ")" + Pair().cert +
                             R"(", "key_file": "open.key"},
      "sensors": [{"type": "simulated", "name": "sim",
                   "signals": {"x": {"waveform": "ramp"}}}]})";
  WriteFile("agent.json", config);

  for (const bool check_only : {false, true}) {
    std::vector<std::string> args = {"--config", dir_->File("agent.json")};
    if (check_only) args.push_back("--check-config");
    Result<ProcessOutput> run = RunAgent(args);
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    EXPECT_TRUE(run->status.exited()) << run->status.ToString();
    EXPECT_EQ(run->status.exit_code(), 2) << run->output;
    EXPECT_THAT(run->output, HasSubstr("chmod 600 " + dir_->File("open.key")));
    EXPECT_THAT(run->output, HasSubstr("0644"));
  }
  // After the fix it starts checking fine.
  ASSERT_EQ(::chmod(dir_->File("open.key").c_str(), 0600), 0);
  Result<ProcessOutput> fixed = RunAgent({"--check-config", "--config", dir_->File("agent.json")});
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_TRUE(fixed->status.success()) << fixed->output;
}

TEST_F(AgentEndToEndTest, CheckConfigAcceptsAGoodFileAndNamesTheJsonPointerOfABadOne) {
  WriteFile("tank", "1\n");
  // Good: the test's usual configuration (no broker needs to run).
  const std::string good = R"({"connection": {"endpoint": "ssl://localhost:8883",
      "thing_name": "agent-e2e-check", "ca_file": ")" +
                           certs_->ca_cert + R"(", "cert_file": ")" + Pair().cert +
                           R"(", "key_file": ")" + Pair().key + R"("},
      "reporting": {"interval_seconds": 5, "thresholds": {"tank/level": {"min_change": 0.5}}},
      "sensors": [{"type": "file", "name": "tank", "path": "tank", "parameter": "level"}]})";
  WriteFile("good.json", good);
  Result<ProcessOutput> ok = RunAgent({"--check-config", "--config", dir_->File("good.json")});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->status.success()) << ok->status.ToString() << "\n" << ok->output;
  EXPECT_THAT(ok->output, HasSubstr("OK (1 sensor, thing \"agent-e2e-check\")"));

  struct Bad {
    const char* name;
    std::string text;
    const char* pointer;
  };
  const std::vector<Bad> bad = {
      {"interval.json", R"({"reporting": {"interval_seconds": "fast"}, "sensors": []})",
       "/reporting/interval_seconds: expected a number from 0.1 to 86400, found \"fast\""},
      {"sensor.json",
       R"({"sensors": [{"type": "file", "name": "a", "path": "x"}, {"type": "thermometer", "name": "b"}]})",
       "/sensors/1/type"},
      {"topic.json", R"({"AWS IoT": {"MQTT Topic": "sensors/lab1"}, "sensors": []})",
       "/AWS IoT/MQTT Topic"},
      {"threshold.json",
       R"({"reporting": {"thresholds": {"tnak/level": {"min_change": 1}}}, "sensors": [{"type": "file", "name": "tank", "path": "x"}]})",
       "/reporting/thresholds/tnak~1level"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.name);
    WriteFile(b.name, b.text);
    Result<ProcessOutput> run = RunAgent({"--check-config", "--config", dir_->File(b.name)});
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    EXPECT_TRUE(run->status.exited()) << run->status.ToString();
    EXPECT_EQ(run->status.exit_code(), 2) << run->output;
    EXPECT_THAT(run->output, HasSubstr(b.pointer));
    EXPECT_THAT(run->output, HasSubstr(b.name));
  }
}

TEST_F(AgentEndToEndTest, DemoRunsWithoutABrokerAndShowsRemoteConfiguration) {
  Result<ProcessOutput> run = RunAgent({"--demo", "--demo-seconds", "3"}, 30s);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_TRUE(run->status.success()) << run->status.ToString() << "\n" << run->output;
  EXPECT_THAT(run->output, HasSubstr("report -> shadow"));
  // The desired change made halfway through, and its acknowledgement.
  const std::size_t change = run->output.find("cloud: sets desired.agent.interval_seconds");
  ASSERT_NE(change, std::string::npos) << run->output;
  EXPECT_NE(run->output.find("\"interval_seconds\":2", change), std::string::npos) << run->output;
}

}  // namespace
}  // namespace shadowsync
