// SPDX-License-Identifier: Apache-2.0

#include "sensors/command_sensor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "agent/sensor_test_util.h"
#include "support/eventually.h"
#include "support/json_expect.h"

namespace shadowsync::agent {
namespace {

using testing::FakeClock;
using testing::MakeTempDir;
using testing::SampleOnce;
using namespace std::chrono_literals;

class CommandSensorTest : public ::testing::Test {
 protected:
  std::unique_ptr<CommandSensor> Make(const std::string& command,
                                      std::chrono::duration<double> timeout = 5s) {
    CommandSensorOptions options;
    options.name = "cmd";
    options.command = command;
    options.interval = 10s;
    options.timeout = timeout;
    SensorEnvironment env;
    env.clock = clock_.AsFunction();
    return std::make_unique<CommandSensor>(options, env);
  }
  FakeClock clock_;
};

// True once /proc/<pid> is gone or a zombie (killed, waiting for a reaper
// that may not exist in a container).
bool ProcessIsDead(const std::string& pid) {
  return testing_support::Eventually(
      [&] {
        auto stat = testing_support::ReadFileToString("/proc/" + pid + "/stat");
        if (!stat.ok()) return true;
        const std::size_t paren = stat->rfind(')');
        return paren != std::string::npos && paren + 2 < stat->size() && (*stat)[paren + 2] == 'Z';
      },
      1000ms, 5ms);
}

TEST_F(CommandSensorTest, NumberOnStdout) {
  auto sensor = Make("echo 42");
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"value":42})");
}

TEST_F(CommandSensorTest, NumberUnderTheConfiguredParameter) {
  CommandSensorOptions options;
  options.name = "cmd";
  options.command = "printf '  -3.5\\n\\n'";
  options.parameter = "signal_dbm";
  auto sensor = std::make_unique<CommandSensor>(options, SensorEnvironment{});
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"signal_dbm":-3.5})");
}

TEST_F(CommandSensorTest, JsonObjectOnStdout) {
  auto sensor = Make(R"(echo '{"a":1,"b":{"c":"x"},"ok":true}')");
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"a":1,"b":{"c":"x"},"ok":true})");
}

TEST_F(CommandSensorTest, RunsOnItsIntervalAndCachesInBetween) {
  auto dir = MakeTempDir("command-sensor");
  ASSERT_NE(dir, nullptr);
  // Prints how many times it has run.
  auto sensor =
      Make("echo run >> '" + dir->File("runs") + "'; wc -l < '" + dir->File("runs") + "'");
  EXPECT_JSON_EQ(SampleOnce(*sensor).json(), R"({"value":1})");
  clock_.Advance(9.9s);
  EXPECT_JSON_EQ(SampleOnce(*sensor).json(), R"({"value":1})");
  EXPECT_EQ(sensor->run_count(), 1);
  clock_.Advance(0.1s);
  EXPECT_JSON_EQ(SampleOnce(*sensor).json(), R"({"value":2})");
  EXPECT_EQ(sensor->run_count(), 2);
}

TEST_F(CommandSensorTest, TimeoutKillsTheProcessGroupAndIsReported) {
  auto dir = MakeTempDir("command-sensor");
  ASSERT_NE(dir, nullptr);
  // A grandchild in the background: only a kill of the whole group gets it.
  auto sensor = Make("sleep 10 & echo $! > '" + dir->File("pid") + "'; wait", 200ms);
  const auto start = std::chrono::steady_clock::now();
  const auto sampled = SampleOnce(*sensor);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(sampled.status.code(), StatusCode::kTimeout) << sampled.status.ToString();
  EXPECT_NE(sampled.status.message().find("timed out after 0.2 s"), std::string::npos)
      << sampled.status.message();
  EXPECT_NE(sampled.status.message().find("sleep 10"), std::string::npos);
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 2s);
  auto pid = testing_support::ReadFileToString(dir->File("pid"));
  ASSERT_TRUE(pid.ok());
  std::string pid_text = *pid;
  while (!pid_text.empty() && pid_text.back() == '\n') pid_text.pop_back();
  ASSERT_FALSE(pid_text.empty());
  EXPECT_TRUE(ProcessIsDead(pid_text)) << "sleep " << pid_text << " survived";
}

TEST_F(CommandSensorTest, PlainSleepTimesOutWithoutHanging) {
  auto sensor = Make("sleep 10", 200ms);
  const auto start = std::chrono::steady_clock::now();
  const auto sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  // The error is cached like a value until the interval elapses.
  EXPECT_EQ(SampleOnce(*sensor).status.code(), StatusCode::kTimeout);
  EXPECT_EQ(sensor->run_count(), 1);
}

TEST_F(CommandSensorTest, ClosingStdoutDoesNotEscapeTheTimeout) {
  auto sensor = Make("exec >&- 2>&-; sleep 10", 300ms);
  const auto start = std::chrono::steady_clock::now();
  const auto sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kTimeout) << sampled.status.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(CommandSensorTest, NonZeroExitReportsCodeAndStderr) {
  auto sensor = Make("echo 'no such device' >&2; exit 3");
  const auto sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(sampled.status.message().find("exited with code 3"), std::string::npos)
      << sampled.status.message();
  EXPECT_NE(sampled.status.message().find("no such device"), std::string::npos);
}

TEST_F(CommandSensorTest, OutputThatIsNeitherNumberNorObjectIsAnError) {
  for (const char* command : {"echo hello", "echo '[1,2]'", "true"}) {
    auto sensor = Make(command);
    const auto sampled = SampleOnce(*sensor);
    EXPECT_EQ(sampled.status.code(), StatusCode::kInvalidArgument) << command;
    EXPECT_NE(sampled.status.message().find("expected a number or a JSON object"),
              std::string::npos)
        << sampled.status.message();
  }
}

TEST_F(CommandSensorTest, RecoversOnTheNextRun) {
  auto dir = MakeTempDir("command-sensor");
  ASSERT_NE(dir, nullptr);
  const std::string flag = dir->File("flag");
  auto sensor = Make("if [ -e '" + flag + "' ]; then echo 7; else exit 1; fi");
  EXPECT_FALSE(SampleOnce(*sensor).status.ok());
  ASSERT_TRUE(testing_support::WriteStringToFile(flag, "").ok());
  clock_.Advance(10s);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"value":7})");
}

TEST_F(CommandSensorTest, StdinIsDevNull) {
  // With the test's own stdin, cat could wait for ever (the timeout would
  // then fire and the test fail).
  auto sensor = Make("cat; echo 5", 3s);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"value":5})");
}

TEST_F(CommandSensorTest, ChildInheritsNoDescriptorOfTheAgent) {
  // A descriptor of the daemon without O_CLOEXEC (a socket, the journal)
  // must not reach the command: only 0, 1 and 2 are open in it.
  const int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 3);
  auto sensor = Make("test -e /proc/self/fd/" + std::to_string(leaked) + " && echo 1 || echo 0");
  const auto sampled = SampleOnce(*sensor);
  ::close(leaked);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"value":0})");
}

TEST_F(CommandSensorTest, ChildDoesNotInheritABlockedSigterm) {
  // The agent blocks SIGTERM for its signal thread; a command that inherited
  // the mask could not be stopped by it. Here the shell signals itself.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigset_t old;
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &term, &old), 0);
  auto sensor = Make("kill -TERM $$; sleep 5; echo survived", 3s);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, &old, nullptr), 0);
  EXPECT_EQ(sampled.status.code(), StatusCode::kUnavailable) << sampled.status.ToString();
  EXPECT_NE(sampled.status.message().find("killed by signal 15"), std::string::npos)
      << sampled.status.message();
}

}  // namespace
}  // namespace shadowsync::agent
