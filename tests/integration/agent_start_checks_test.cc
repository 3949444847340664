// SPDX-License-Identifier: Apache-2.0
//
// `shadowsync-agent --check-config` fails on everything a real start fails
// on before connecting (issue 15, F1). For every bad configuration file
// below, the agent binary runs twice: in check mode, and as a real start
// whose endpoint is a closed local port. Both must fail with the same exit
// code and the same error lines, and the real start must fail before it
// tries to connect. The table holds the bad files of the other agent tests
// (agent_test.cc), the four of issue 15 (an unknown key in a sensor, a
// "command" sensor written with "cmd", a key that does not match its
// certificate, certificate and key swapped) and one for each thing a start
// builds: sensors, TLS material, the journal's and the output's directories.
// A good file is the control: check mode says OK and the real start gets as
// far as connecting.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/shadow_service_fixture.h"
#include "support/temp_dir.h"

namespace shadowsync {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::ChildProcessOptions;
using testing_support::ProcessOutput;
using testing_support::TempDir;

constexpr char kAgentBinary[] = SHADOWSYNC_BINARY_DIR "/agent/shadowsync-agent";
// Nothing listens there: a start that got as far as connecting logs
// "cannot connect" and keeps retrying until --run-seconds.
constexpr char kClosedEndpoint[] = "ssl://127.0.0.1:1";

Result<ProcessOutput> RunAgent(const std::vector<std::string>& args) {
  ChildProcessOptions options;
  options.argv = {kAgentBinary};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  return testing_support::RunProcess(options, 20s);
}

// The "error: " lines of an agent's output.
std::string ErrorLines(const std::string& output) {
  std::istringstream in(output);
  std::string line;
  std::string errors;
  while (std::getline(in, line)) {
    if (line.rfind("error: ", 0) == 0) errors += line + "\n";
  }
  return errors;
}

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }

class AgentStartChecksTest : public testing_support::ShadowServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ShadowServiceTest::SetUp());
    Result<std::unique_ptr<TempDir>> dir = TempDir::Create("agent-checks");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
    // Copies of the certificates in the test's directory, with the modes a
    // user would give them.
    Copy(certs_->ca_cert, "ca.crt", 0644);
    Copy(Pair().cert, "device.crt", 0644);
    Copy(Pair().key, "device.key", 0600);
    Copy(Pair().key, "open.key", 0644);
    Copy(certs_->client_mismatched_key.key, "other.key", 0600);
    // Swapped, after following the mode hint: the certificate chmod 600.
    Copy(Pair().cert, "device-600.crt", 0600);
    Write("not-pem.crt", "this is not PEM\n", 0644);
    Write("a-file", "x\n", 0644);
  }

  const testing_support::CertKeyPair& Pair() const { return certs_->client(kDefaultClient).ec; }

  void Write(const std::string& name, const std::string& text, int mode) {
    ASSERT_TRUE(testing_support::WriteStringToFile(dir_->File(name), text, mode).ok());
    ASSERT_EQ(::chmod(dir_->File(name).c_str(), static_cast<mode_t>(mode)), 0);
  }

  void Copy(const std::string& from, const std::string& to, int mode) {
    Result<std::string> text = testing_support::ReadFileToString(from);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    Write(to, *text, mode);
  }

  // A configuration file: TLS to the closed endpoint with the given files,
  // `rest` appended to the top-level object (sensors and the like).
  std::string Config(const std::string& cert, const std::string& key, const std::string& rest,
                     const std::string& ca = "ca.crt") const {
    return R"({"connection": {"endpoint": ")" + std::string(kClosedEndpoint) +
           R"(", "thing_name": "agent-checks", "ca_file": )" + Quoted(ca) + R"(, "cert_file": )" +
           Quoted(cert) + R"(, "key_file": )" + Quoted(key) + "}, " + rest + "}";
  }

  std::string Sensors(const std::string& entries) const {
    return R"("sensors": [)" + entries + "]";
  }

  std::unique_ptr<TempDir> dir_;
};

struct BadFile {
  const char* name;
  std::string text;
  int exit_code;
  std::string message;  // a part of the error line
};

TEST_F(AgentStartChecksTest, CheckModeAndARealStartAgreeOnEveryBadFile) {
  const std::string sim =
      R"({"type": "simulated", "name": "sim", "signals": {"x": {"waveform": "ramp"}}})";
  const std::string good_tls = Config("device.crt", "device.key", Sensors(sim));
  const std::vector<BadFile> bad = {
      // The bad files of agent_test.cc.
      {"interval.json", R"({"reporting": {"interval_seconds": "fast"}, "sensors": []})", 2,
       "/reporting/interval_seconds: expected a number from 0.1 to 86400, found \"fast\""},
      {"sensor-type.json",
       R"({"sensors": [{"type": "file", "name": "a", "path": "x"}, {"type": "thermometer", "name": "b"}]})",
       2, "/sensors/1/type"},
      {"topic.json", R"({"AWS IoT": {"MQTT Topic": "sensors/lab1"}, "sensors": []})", 2,
       "/AWS IoT/MQTT Topic"},
      {"threshold.json",
       R"({"reporting": {"thresholds": {"tnak/level": {"min_change": 1}}}, "sensors": [{"type": "file", "name": "tank", "path": "x"}]})",
       2, "/reporting/thresholds/tnak~1level"},
      {"open-key.json", Config("device.crt", "open.key", Sensors(sim)), 2,
       "has mode 0644: the private key must not be readable by group or others; fix: chmod 600"},
      // Issue 15's four.
      {"sensor-key.json",
       Config("device.crt", "device.key",
              Sensors(R"({"type": "system", "name": "system", "temperature": true})")),
       2, "/sensors/0/temperature: unknown key for a \"system\" sensor"},
      {"command-cmd.json",
       Config("device.crt", "device.key",
              Sensors(R"({"type": "command", "name": "uptime", "cmd": "cat /proc/uptime"})")),
       2, "/sensors/0/command: expected a string"},
      {"key-mismatch.json", Config("device.crt", "other.key", Sensors(sim)), 3,
       "key_file does not match cert_file"},
      {"swapped.json", Config("device.key", "device.crt", Sensors(sim)), 2,
       "holds a certificate, not a private key (are cert_file and key_file swapped?)"},
      {"swapped-after-chmod.json", Config("device.key", "device-600.crt", Sensors(sim)), 2,
       "holds a certificate, not a private key"},
      // Every other thing a start builds before connecting.
      {"file-regex.json",
       Config("device.crt", "device.key",
              Sensors(R"({"type": "file", "name": "f", "path": "x", "regex": "("})")),
       2, "/sensors/0/regex"},
      {"socket-dir.json",
       Config("device.crt", "device.key",
              Sensors(R"({"type": "socket", "name": "push", "path": ")" +
                      dir_->File("no-such-dir/push.sock") + "\"}")),
       2, "/sensors/0/path: cannot listen on"},
      {"socket-in-the-way.json",
       Config("device.crt", "device.key",
              Sensors(R"({"type": "socket", "name": "push", "path": ")" + dir_->File("a-file") +
                      "\"}")),
       2, "exists and is not a socket"},
      {"cert-not-pem.json", Config("not-pem.crt", "device.key", Sensors(sim)), 3, "cert_file"},
      {"ca-missing.json", Config("device.crt", "device.key", Sensors(sim), "no-such-ca.crt"), 2,
       "cannot read the CA certificate"},
      {"ca-not-pem.json", Config("device.crt", "device.key", Sensors(sim), "not-pem.crt"), 3,
       "ca_file"},
      {"journal-dir.json",
       Config("device.crt", "device.key", R"("journal_path": "a-file/journal", )" + Sensors(sim)),
       2, "a-file/journal: cannot open: Not a directory"},
      {"output-dir.json",
       Config("device.crt", "device.key",
              R"("output": {"path": "a-file/observations.jsonl"}, )" + Sensors(sim)),
       2, "output.path"},
      {"output-is-a-dir.json",
       Config("device.crt", "device.key", R"("output": {"path": "."}, )" + Sensors(sim)), 2,
       "output.path"},
      {"disabled-connection-bad-sensor.json",
       R"({"AWS IoT": {"Enabled": false, "MQTT Topic": "$aws/things/t/shadow/update"},
           "sensors": [{"type": "hwmon", "name": "hw", "chips": 5}]})",
       2, "/sensors/0/chips"},
  };

  for (const BadFile& b : bad) {
    SCOPED_TRACE(b.name);
    Write(b.name, b.text, 0644);
    const std::string path = dir_->File(b.name);
    Result<ProcessOutput> check = RunAgent({"--check-config", "--config", path});
    ASSERT_TRUE(check.ok()) << check.status().ToString();
    Result<ProcessOutput> start = RunAgent({"--config", path, "--run-seconds", "2"});
    ASSERT_TRUE(start.ok()) << start.status().ToString();

    ASSERT_TRUE(check->status.exited()) << check->status.ToString();
    ASSERT_TRUE(start->status.exited()) << start->status.ToString();
    EXPECT_EQ(check->status.exit_code(), b.exit_code) << check->output;
    EXPECT_EQ(start->status.exit_code(), check->status.exit_code()) << "check:\n"
                                                                    << check->output << "start:\n"
                                                                    << start->output;
    EXPECT_EQ(ErrorLines(start->output), ErrorLines(check->output));
    EXPECT_THAT(ErrorLines(check->output), HasSubstr(b.message)) << check->output;
    EXPECT_THAT(check->output, Not(HasSubstr(": OK (")));
    // The start failed before connecting.
    EXPECT_THAT(start->output, Not(HasSubstr("cannot connect"))) << start->output;
    EXPECT_THAT(start->output, Not(HasSubstr("started:"))) << start->output;
  }

  // The control: a good file passes the check, and the same file gets a
  // real start as far as connecting.
  Write("good.json", good_tls, 0644);
  Result<ProcessOutput> check = RunAgent({"--check-config", "--config", dir_->File("good.json")});
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->status.success()) << check->output;
  EXPECT_THAT(check->output, HasSubstr("good.json: OK (1 sensor, thing \"agent-checks\")"));
  Result<ProcessOutput> start =
      RunAgent({"--config", dir_->File("good.json"), "--run-seconds", "1"});
  ASSERT_TRUE(start.ok()) << start.status().ToString();
  EXPECT_THAT(start->output, HasSubstr("cannot connect")) << start->output;
}

TEST_F(AgentStartChecksTest, CheckModeBindsNoSocketAndCreatesNoDirectory) {
  // While the agent runs (under systemd), a check must not replace its
  // socket or create what a start would create.
  const std::string config =
      Config("device.crt", "device.key",
             R"("journal_path": "state/journal", "output": {"path": "logs/o.jsonl"}, )" +
                 Sensors(R"({"type": "socket", "name": "push", "path": ")" +
                         dir_->File("push.sock") + "\"}"));
  Write("agent.json", config, 0644);
  Result<ProcessOutput> check = RunAgent({"--check-config", "--config", dir_->File("agent.json")});
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->status.success()) << check->output;
  struct stat info {};
  EXPECT_NE(::stat(dir_->File("push.sock").c_str(), &info), 0) << "check mode bound the socket";
  EXPECT_NE(::stat(dir_->File("state").c_str(), &info), 0) << "check mode created a directory";
  EXPECT_NE(::stat(dir_->File("logs").c_str(), &info), 0) << "check mode created a directory";
}

}  // namespace
}  // namespace shadowsync
