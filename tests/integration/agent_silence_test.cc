// SPDX-License-Identifier: Apache-2.0
//
// The agent binary says why nothing happens (issue 15, F2 and F3), against
// a plain mosquitto without a shadow service:
// - nobody answers its GET: a warning names the topic and the likely
//   causes (about 10 s after online: the client's request timeout);
// - two agents with the same client id throw each other off the broker
//   right after connecting: each drop is quick, and after the second one
//   the agent explains the pattern and backs off.
// The tests wait for log lines.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/eventually.h"
#include "support/mosquitto_fixture.h"
#include "support/temp_dir.h"

namespace shadowsync {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing_support::ChildProcess;
using testing_support::ChildProcessOptions;
using testing_support::MosquittoBroker;
using testing_support::TempDir;

constexpr char kAgentBinary[] = SHADOWSYNC_BINARY_DIR "/agent/shadowsync-agent";

class AgentSilenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<TempDir>> dir = TempDir::Create("agent-silence");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
    const Status started = broker_.Start();  // plain mosquitto: no shadow service
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  void TearDown() override {
    for (const auto& agent : agents_) {
      if (HasFailure() && agent->pid() > 0) {
        std::fprintf(stderr, "--- agent log ---\n%s\n", agent->ReadLog().c_str());
      }
      (void)agent->Stop(5s);
    }
  }

  // Starts an agent on the broker's plain listener for thing `thing`.
  ::testing::AssertionResult StartAgent(const std::string& thing, const std::string& client_id) {
    const std::string config =
        dir_->File(client_id + "-" + std::to_string(agents_.size()) + ".json");
    const Status written = testing_support::WriteStringToFile(
        config, R"({"connection": {"endpoint": ")" + broker_.plain_uri() + R"(", "thing_name": ")" +
                    thing + R"(", "client_id": ")" + client_id +
                    R"("}, "reporting": {"interval_seconds": 1},
                    "sensors": [{"type": "simulated", "name": "sim", "signals": {"x": {"waveform": "ramp"}}}]})");
    if (!written.ok()) return ::testing::AssertionFailure() << written.ToString();
    ChildProcessOptions options;
    options.argv = {kAgentBinary, "--config", config};
    options.log_path = config + ".log";
    agents_.push_back(std::make_unique<ChildProcess>());
    if (Status s = agents_.back()->Start(options); !s.ok()) {
      return ::testing::AssertionFailure() << s.ToString();
    }
    return ::testing::AssertionSuccess();
  }

  // Waits until the log of agent `index` holds `needle`.
  bool WaitForLog(std::size_t index, const std::string& needle,
                  std::chrono::milliseconds timeout = 40s) {
    return testing_support::Eventually(
        [&] { return agents_[index]->ReadLog().find(needle) != std::string::npos; }, timeout, 50ms);
  }

  std::unique_ptr<TempDir> dir_;
  MosquittoBroker broker_;
  std::vector<std::unique_ptr<ChildProcess>> agents_;  // last: stopped first
};

TEST_F(AgentSilenceTest, NoShadowServiceOnTheBrokerIsNamedInAWarning) {
  ASSERT_TRUE(StartAgent("agent-silent", "agent-silent"));
  ASSERT_TRUE(WaitForLog(0, "info: online"));
  ASSERT_TRUE(WaitForLog(0, "likely causes"));
  const std::string log = agents_[0]->ReadLog();
  EXPECT_THAT(log, HasSubstr("warning: $aws/things/agent-silent/shadow/get: no answer from the "
                             "shadow service within 10000 ms"));
  EXPECT_THAT(log, HasSubstr("likely causes: no shadow service on that broker (for mosquitto: "
                             "load shadowsync_mosquitto.so, docs/broker-plugin.md); a policy or "
                             "ACL that refuses the topic. Retrying; next warning in 20 s at the "
                             "earliest"));
}

TEST_F(AgentSilenceTest, TwoQuickDropsAreExplainedAndReconnectsBackOff) {
  // The same client id twice: mosquitto drops the older connection whenever
  // the other one connects, right after it connected.
  ASSERT_TRUE(StartAgent("agent-flap", "agent-flap"));
  ASSERT_TRUE(WaitForLog(0, "info: online"));
  ASSERT_TRUE(StartAgent("agent-flap", "agent-flap"));
  const std::string hint = "the broker dropped the connection twice within 5 s of accepting it";
  std::size_t flapping = agents_.size();
  testing_support::Eventually(
      [&] {
        for (std::size_t i = 0; i < agents_.size(); ++i) {
          if (agents_[i]->ReadLog().find(hint) != std::string::npos) flapping = i;
        }
        return flapping < agents_.size();
      },
      40s, 50ms);
  ASSERT_LT(flapping, agents_.size()) << "no agent explained the drops";
  ASSERT_TRUE(WaitForLog(flapping, "next attempt in 5 s"));
  const std::string log = agents_[flapping]->ReadLog();
  EXPECT_THAT(log, HasSubstr("another client connected with the same client id"));
  EXPECT_THAT(log, HasSubstr("connection dropped 2 times in a row within 5 s of connecting"));
}

}  // namespace
}  // namespace shadowsync
