// SPDX-License-Identifier: Apache-2.0
//
// The reporting loop (src/agent.h) end to end in one process: an Agent with
// deterministic sensors (`file` sensors on files the test rewrites, a
// `stdin` sensor on a pipe) and a ShadowClient on shadowsync::testing's
// LoopbackBroker, which hosts the shadow service. Agent::Tick() samples on
// demand; the client's answers are handled by polling until nothing is left.
// - The shadow's reported state follows the sensors, and only what changed
//   is published.
// - A sensor whose file disappears reports {"error": ...}, the others go on.
// - A sensor removed by Reload() is deleted from the shadow (null).
// - desired.agent.interval_seconds is applied and acknowledged in
//   reported.agent; a rejected value is acknowledged with a reason.
// - desired.agent.sensors.<name>.enabled = false removes the sensor.
// - Reports made offline coalesce into one update after the reconnect.

#include "src/agent.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "shadowsync/testing/loopback_broker.h"
#include "support/json_expect.h"
#include "support/json_path.h"
#include "support/temp_dir.h"

namespace shadowsync::agent {
namespace {

using namespace std::chrono_literals;
using ::shadowsync::testing_support::At;
using ::shadowsync::testing_support::MustParse;
using ::shadowsync::testing_support::TempDir;
using ::shadowsync::testing_support::WriteStringToFile;
using ::testing::HasSubstr;

constexpr char kThing[] = "agent-unit";
constexpr char kAgentId[] = "agent-unit-device";
constexpr char kUpdateTopic[] = "$aws/things/agent-unit/shadow/update";

std::string Compact(const JsonValue& value) { return ToCompactJson(value); }

// One agent on a loopback broker, with two file sensors ("tank": a number,
// "temp": a number) and a stdin sensor ("piped") reading a pipe.
class AgentLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<TempDir>> dir = TempDir::Create("agent-loop");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pipe_read_ = fds[0];
    pipe_write_ = fds[1];
    WriteSensor("tank", "10\n");
    WriteSensor("temp", "21.5\n");
  }

  void TearDown() override {
    agent_.reset();  // the client (and its transport) before the broker
    if (pipe_read_ >= 0) ::close(pipe_read_);
    if (pipe_write_ >= 0) ::close(pipe_write_);
  }

  void WriteSensor(const std::string& name, const std::string& contents) {
    const Status written = WriteStringToFile(dir_->File(name), contents);
    ASSERT_TRUE(written.ok()) << written.ToString();
  }

  void WritePipe(const std::string& line) {
    ASSERT_EQ(::write(pipe_write_, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  }

  std::string ConfigText(bool with_temp = true) const {
    std::string sensors = R"({"type": "file", "name": "tank", "parameter": "level", "path": ")" +
                          dir_->File("tank") + R"("})";
    if (with_temp) {
      sensors += R"(, {"type": "file", "name": "temp", "path": ")" + dir_->File("temp") + R"("})";
    }
    sensors += R"(, {"type": "stdin", "name": "piped"})";
    return R"({"connection": {"endpoint": "tcp://loopback:1883", "thing_name": ")" +
           std::string(kThing) + R"("},
      "reporting": {"interval_seconds": 3600},
      "sensors": [)" +
           sensors + "]}";
  }

  AgentConfig Config(bool with_temp = true) const {
    Result<AgentConfig> config = ParseConfig(ConfigText(with_temp), dir_->File("agent.json"));
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    return config.ok() ? std::move(config).value() : AgentConfig();
  }

  // Creates the agent and lets it connect and take its first observation
  // (RunFor(0) starts the client and ticks once; the interval is an hour, so
  // no other tick happens unless a test asks for it).
  void StartAgent() {
    ClientOptions options;
    options.shadow.thing = kThing;
    Result<std::unique_ptr<ShadowClient>> client =
        ShadowClient::Create(options, broker_.NewTransport(kAgentId));
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    AgentEnvironment environment;
    environment.sensors.stdin_fd = pipe_read_;
    environment.host_root = dir_->path();
    environment.wall_clock = [this] { return wall_; };
    Result<std::unique_ptr<Agent>> agent =
        Agent::Create(Config(), std::move(client).value(), log_, environment);
    ASSERT_TRUE(agent.ok()) << agent.status().ToString();
    agent_ = std::move(agent).value();
    agent_->RunFor(0ms);
    Settle();
    ASSERT_TRUE(agent_->client()->IsOnline()) << Logged();
    ASSERT_EQ(agent_->ticks(), 1u);
    ASSERT_FALSE(agent_->client()->HasPendingReport()) << Logged();
  }

  // Handles every answer: on the loopback broker an answer is queued while
  // the Poll() that sent its request runs, so poll until nothing is left.
  void Settle() {
    for (int i = 0; i < 1000; ++i) {
      if (agent_->client()->Poll() == 0) return;
    }
    ADD_FAILURE() << "the client never settled";
  }

  // One observation a second later, and its answers.
  void TickAndSettle() {
    wall_ += 1s;
    agent_->Tick();
    Settle();
  }

  // state.reported of every update the agent published since ClearLog().
  std::vector<JsonDocument> AgentUpdates() const {
    std::vector<JsonDocument> updates;
    for (const auto& message : broker_.Published()) {
      if (message.publisher != kAgentId || message.topic != kUpdateTopic) continue;
      JsonDocument payload = MustParse(message.payload);
      JsonDocument reported;
      reported.CopyFrom(At(payload, {"state", "reported"}), reported.GetAllocator());
      updates.push_back(std::move(reported));
    }
    return updates;
  }

  // The stored document's state.reported and state.desired.
  JsonDocument Shadow() const {
    Result<std::string> document = broker_.GetDocumentJson({kThing, std::nullopt});
    EXPECT_TRUE(document.ok()) << document.status().ToString();
    return document.ok() ? MustParse(*document) : JsonDocument();
  }

  std::string Logged() const {
    std::string all;
    for (const std::string& line : lines_) all += line;
    return all;
  }

  shadowsync::testkit::LoopbackBroker broker_;
  std::unique_ptr<TempDir> dir_;
  int pipe_read_ = -1;
  int pipe_write_ = -1;
  std::chrono::system_clock::time_point wall_{std::chrono::seconds(1700000000)};
  std::vector<std::string> lines_;
  cli::Logger log_{LogLevel::kDebug,
                   [this](LogLevel, const std::string& line) { lines_.push_back(line + "\n"); }};
  std::unique_ptr<Agent> agent_;
};

std::vector<std::string> Keys(const JsonValue& object) {
  std::vector<std::string> keys;
  if (!object.IsObject()) return keys;
  for (const auto& member : object.GetObject()) keys.emplace_back(member.name.GetString());
  return keys;
}

TEST_F(AgentLoopTest, ReportedStateFollowsTheSensorsAndOnlyChangesAreSent) {
  WritePipe(R"({"door": "open"})"
            "\n");
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  {
    const JsonDocument shadow = Shadow();
    const JsonValue& reported = At(shadow, {"state", "reported"});
    EXPECT_JSON_EQ(Compact(At(reported, {"tank"})), R"({"level": 10})");
    EXPECT_JSON_EQ(Compact(At(reported, {"temp"})), R"({"value": 21.5})");
    EXPECT_JSON_EQ(Compact(At(reported, {"piped"})), R"({"door": "open"})");
    EXPECT_EQ(Compact(At(reported, {"General", "Entry"})), "1");
    EXPECT_EQ(Compact(At(reported, {"General", "Time (Epoch)"})), "1700000000");
  }

  // One sensor changes: only it (and General) travels.
  broker_.ClearLog();
  WriteSensor("tank", "11\n");
  TickAndSettle();
  std::vector<JsonDocument> updates = AgentUpdates();
  ASSERT_EQ(updates.size(), 1u) << Logged();
  EXPECT_THAT(Keys(updates[0]), ::testing::UnorderedElementsAre("General", "tank"));
  EXPECT_JSON_EQ(Compact(At(updates[0], {"tank"})), R"({"level": 11})");
  EXPECT_EQ(Compact(At(updates[0], {"General", "Entry"})), "2");

  // Nothing changes: nothing travels.
  broker_.ClearLog();
  TickAndSettle();
  EXPECT_TRUE(AgentUpdates().empty()) << Compact(AgentUpdates()[0]);

  // A pushed value through the pipe.
  broker_.ClearLog();
  WritePipe(R"({"door": "closed", "count": 3})"
            "\n");
  TickAndSettle();
  updates = AgentUpdates();
  ASSERT_EQ(updates.size(), 1u) << Logged();
  EXPECT_THAT(Keys(updates[0]), ::testing::UnorderedElementsAre("General", "piped"));
  EXPECT_JSON_EQ(Compact(At(updates[0], {"piped"})), R"({"door": "closed", "count": 3})");

  const JsonDocument shadow = Shadow();
  const JsonValue& reported = At(shadow, {"state", "reported"});
  EXPECT_JSON_EQ(Compact(At(reported, {"tank"})), R"({"level": 11})");
  EXPECT_JSON_EQ(Compact(At(reported, {"temp"})), R"({"value": 21.5})");
  EXPECT_JSON_EQ(Compact(At(reported, {"piped"})), R"({"door": "closed", "count": 3})");
  EXPECT_EQ(Compact(At(reported, {"General", "Entry"})), "4");
  EXPECT_EQ(Compact(At(reported, {"General", "Time (Epoch)"})), "1700000003");
}

TEST_F(AgentLoopTest, ASensorWhoseFileDisappearsReportsItsErrorAndTheAgentGoesOn) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_EQ(std::remove(dir_->File("temp").c_str()), 0);
  WriteSensor("tank", "12\n");
  TickAndSettle();
  {
    const JsonDocument shadow = Shadow();
    const JsonValue& reported = At(shadow, {"state", "reported"});
    EXPECT_JSON_EQ(Compact(At(reported, {"tank"})), R"({"level": 12})");
    ASSERT_TRUE(At(reported, {"temp"}).IsObject());
    EXPECT_THAT(Keys(At(reported, {"temp"})), ::testing::ElementsAre("error"))
        << "the last value is replaced by the error";
    ASSERT_TRUE(At(reported, {"temp", "error"}).IsString());
    EXPECT_THAT(At(reported, {"temp", "error"}).GetString(), HasSubstr(dir_->File("temp")));
  }

  // The loop goes on: other sensors still report, and the sensor comes back.
  WriteSensor("tank", "13\n");
  TickAndSettle();
  EXPECT_JSON_EQ(Compact(At(Shadow(), {"state", "reported", "tank"})), R"({"level": 13})");
  WriteSensor("temp", "22\n");
  TickAndSettle();
  EXPECT_JSON_EQ(Compact(At(Shadow(), {"state", "reported", "temp"})), R"({"value": 22})");
  EXPECT_FALSE(agent_->client()->HasPendingReport());
}

TEST_F(AgentLoopTest, ASensorRemovedByReloadIsDeletedFromTheShadow) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(At(Shadow(), {"state", "reported"}).HasMember("temp"));

  broker_.ClearLog();
  const Status reloaded = agent_->Reload(Config(/*with_temp=*/false));
  ASSERT_TRUE(reloaded.ok()) << reloaded.ToString();
  EXPECT_EQ(agent_->config().FindSensor("temp"), nullptr);
  TickAndSettle();

  const std::vector<JsonDocument> updates = AgentUpdates();
  ASSERT_EQ(updates.size(), 1u) << Logged();
  ASSERT_TRUE(updates[0].HasMember("temp"));
  EXPECT_TRUE(At(updates[0], {"temp"}).IsNull()) << Compact(updates[0]);
  const JsonDocument shadow = Shadow();
  EXPECT_FALSE(At(shadow, {"state", "reported"}).HasMember("temp")) << Compact(shadow);
  EXPECT_JSON_EQ(Compact(At(shadow, {"state", "reported", "tank"})), R"({"level": 10})");
}

TEST_F(AgentLoopTest, ADesiredIntervalIsAppliedAndAcknowledged) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(
      broker_.SetDesired({kThing, std::nullopt}, R"({"agent": {"interval_seconds": 0.1}})").ok());
  Settle();

  EXPECT_DOUBLE_EQ(agent_->config().reporting.interval_seconds, 0.1);
  const JsonDocument shadow = Shadow();
  const JsonValue& ack = At(shadow, {"state", "reported", "agent"});
  ASSERT_TRUE(ack.IsObject()) << Compact(shadow);
  ASSERT_TRUE(ack.HasMember("interval_seconds")) << Compact(ack);
  EXPECT_EQ(Compact(At(ack, {"interval_seconds"})), "0.1");
  ASSERT_TRUE(ack.HasMember("desired_version")) << Compact(ack);
  EXPECT_EQ(Compact(At(ack, {"desired_version"})),
            std::to_string(agent_->client()->last_delta_version()));
  EXPECT_THAT(Logged(), HasSubstr("remote configuration"));

  // It takes effect: at an hour's interval RunFor would not tick at all.
  const std::uint64_t before = agent_->ticks();
  agent_->RunFor(1000ms);
  EXPECT_GE(agent_->ticks() - before, 3u);
  EXPECT_LE(agent_->ticks() - before, 12u);
  // The acknowledgement stays in reported.agent while the loop reports.
  Settle();
  EXPECT_EQ(Compact(At(Shadow(), {"state", "reported", "agent", "interval_seconds"})), "0.1");
}

TEST_F(AgentLoopTest, ARejectedValueIsAcknowledgedWithAReason) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(
      broker_.SetDesired({kThing, std::nullopt}, R"({"agent": {"interval_seconds": 0.01}})").ok());
  Settle();

  EXPECT_DOUBLE_EQ(agent_->config().reporting.interval_seconds, 3600);
  const JsonDocument shadow = Shadow();
  const JsonValue& ack = At(shadow, {"state", "reported", "agent", "interval_seconds"});
  ASSERT_TRUE(ack.IsObject()) << Compact(shadow);
  EXPECT_EQ(Compact(At(ack, {"value"})), "0.01");
  EXPECT_EQ(Compact(At(ack, {"status"})), R"("rejected")");
  EXPECT_THAT(Compact(At(ack, {"reason"})), HasSubstr("/desired/agent/interval_seconds"));
  EXPECT_THAT(Compact(At(ack, {"reason"})), HasSubstr("0.1 to 86400"));
  // The operator has something to fix: a warning, not info (newcomer F18).
  EXPECT_THAT(Logged(), HasSubstr("warning: remote configuration v"));
  EXPECT_THAT(Logged(), HasSubstr("(1 key rejected)"));
}

TEST_F(AgentLoopTest, DisablingASensorRemotelyRemovesItFromTheShadow) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  const ShadowId id{kThing, std::nullopt};
  ASSERT_TRUE(
      broker_.SetDesired(id, R"({"agent": {"sensors": {"temp": {"enabled": false}}}})").ok());
  Settle();
  ASSERT_NE(agent_->config().FindSensor("temp"), nullptr);
  EXPECT_FALSE(agent_->config().FindSensor("temp")->enabled);
  TickAndSettle();
  {
    const JsonDocument shadow = Shadow();
    const JsonValue& reported = At(shadow, {"state", "reported"});
    EXPECT_FALSE(reported.HasMember("temp")) << Compact(shadow);
    EXPECT_JSON_EQ(Compact(At(reported, {"agent", "sensors"})), R"({"temp": {"enabled": false}})");
    EXPECT_JSON_EQ(Compact(At(reported, {"tank"})), R"({"level": 10})");
  }

  // Enabled again: it comes back.
  ASSERT_TRUE(
      broker_.SetDesired(id, R"({"agent": {"sensors": {"temp": {"enabled": true}}}})").ok());
  Settle();
  TickAndSettle();
  const JsonDocument shadow = Shadow();
  EXPECT_JSON_EQ(Compact(At(shadow, {"state", "reported", "temp"})), R"({"value": 21.5})");
  EXPECT_JSON_EQ(Compact(At(shadow, {"state", "reported", "agent", "sensors"})),
                 R"({"temp": {"enabled": true}})");
}

TEST_F(AgentLoopTest, OfflineReportsCoalesceAndArriveAfterTheReconnect) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_TRUE(broker_.DisconnectClient(kAgentId).ok());
  Settle();
  EXPECT_FALSE(agent_->client()->IsOnline());
  broker_.ClearLog();
  for (const char* level : {"20", "21", "22"}) {
    WriteSensor("tank", std::string(level) + "\n");
    TickAndSettle();
  }
  EXPECT_TRUE(AgentUpdates().empty()) << "nothing is published offline";
  EXPECT_TRUE(agent_->client()->HasPendingReport());
  EXPECT_JSON_EQ(Compact(At(Shadow(), {"state", "reported", "tank"})), R"({"level": 10})");

  ASSERT_TRUE(broker_.ReconnectClient(kAgentId).ok());
  Settle();
  EXPECT_TRUE(agent_->client()->IsOnline());
  EXPECT_FALSE(agent_->client()->HasPendingReport());
  const std::vector<JsonDocument> updates = AgentUpdates();
  ASSERT_EQ(updates.size(), 1u) << "one coalesced update";
  EXPECT_JSON_EQ(Compact(At(updates[0], {"tank"})), R"({"level": 22})");
  const JsonDocument shadow = Shadow();
  EXPECT_JSON_EQ(Compact(At(shadow, {"state", "reported", "tank"})), R"({"level": 22})");
  EXPECT_EQ(Compact(At(shadow, {"state", "reported", "General", "Entry"})), "4");
}

}  // namespace
}  // namespace shadowsync::agent
