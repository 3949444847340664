// SPDX-License-Identifier: Apache-2.0

#include "sensors/socket_sensor.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "agent/sensor_test_util.h"
#include "support/json_expect.h"

namespace shadowsync::agent {
namespace {

using testing::MakeTempDir;
using testing::SampleOnce;

// A connected client; closes on destruction.
class Client {
 public:
  explicit Client(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Client() { Close(); }
  bool connected() const { return connected_; }
  bool Write(const std::string& text) {
    return ::write(fd_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class SocketSensorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("socket-sensor");
    ASSERT_NE(dir_, nullptr);
    path_ = dir_->File("push.sock");
  }
  std::unique_ptr<SocketSensor> Make(int max_clients = 16) {
    SocketSensorOptions options;
    options.name = "pushed";
    options.path = path_;
    options.max_clients = max_clients;
    auto sensor = SocketSensor::Create(options);
    EXPECT_TRUE(sensor.ok()) << sensor.status().ToString();
    return sensor.ok() ? std::move(sensor).value() : nullptr;
  }
  std::unique_ptr<testing_support::TempDir> dir_;
  std::string path_;
};

TEST_F(SocketSensorTest, BeforeAnyLineReportsEmptyObject) {
  auto sensor = Make();
  ASSERT_NE(sensor, nullptr);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_EQ(sampled.json(), "{}");
}

TEST_F(SocketSensorTest, ClientsLinesMergeAndTheLatestValueWins) {
  auto sensor = Make();
  ASSERT_NE(sensor, nullptr);
  Client a(path_);
  Client b(path_);
  ASSERT_TRUE(a.connected() && b.connected());
  ASSERT_TRUE(a.Write("{\"t\": 20.5, \"unit\": \"C\"}\n{\"t\": 21.0}\n"));
  ASSERT_TRUE(b.Write("{\"h\": 50}\r\n\n"));
  auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"t":21.0,"unit":"C","h":50})");
  EXPECT_EQ(sensor->client_count(), 2u);

  ASSERT_TRUE(b.Write("{\"t\": 19, \"nested\": {\"x\": [1, 2]}}\n"));
  sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_JSON_EQ(sampled.json(), R"({"t":19,"unit":"C","h":50,"nested":{"x":[1,2]}})");
}

TEST_F(SocketSensorTest, MalformedLineIsReportedAndGoodLinesKeepWorking) {
  auto sensor = Make();
  ASSERT_NE(sensor, nullptr);
  Client client(path_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Write("{\"a\": 1}\n{\"b\": oops}\n{\"c\": 3}\n"));
  auto sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sampled.status.message().find("malformed line 2 of client 1 on " + path_),
            std::string::npos)
      << sampled.status.message();
  EXPECT_NE(sampled.status.message().find("{\\\"b\\\": oops}"), std::string::npos)
      << sampled.status.message();

  // The good lines of that drain were kept, and new ones keep coming in.
  sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"a":1,"c":3})");
  ASSERT_TRUE(client.Write("{\"a\": 2}\n"));
  sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_JSON_EQ(sampled.json(), R"({"a":2,"c":3})");
}

TEST_F(SocketSensorTest, NonObjectLinesAreMalformedAndCounted) {
  auto sensor = Make();
  ASSERT_NE(sensor, nullptr);
  Client client(path_);
  ASSERT_TRUE(client.Write("[1]\n42\n\"x\"\n"));
  const auto sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sampled.status.message().find("malformed line 1"), std::string::npos);
  EXPECT_NE(sampled.status.message().find("expected a JSON object, found array"),
            std::string::npos);
  EXPECT_NE(sampled.status.message().find("and 2 more malformed lines"), std::string::npos)
      << sampled.status.message();
}

TEST_F(SocketSensorTest, PartialLineWaitsForItsNewline) {
  auto sensor = Make();
  ASSERT_NE(sensor, nullptr);
  Client client(path_);
  ASSERT_TRUE(client.Write("{\"level\": 4"));
  auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_EQ(sampled.json(), "{}");
  ASSERT_TRUE(client.Write("2}\n"));
  sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_JSON_EQ(sampled.json(), R"({"level":42})");
}

TEST_F(SocketSensorTest, NullRemovesAKeyAndValuesOutliveTheClient) {
  auto sensor = Make();
  ASSERT_NE(sensor, nullptr);
  {
    Client client(path_);
    ASSERT_TRUE(client.Write("{\"a\": 1, \"b\": 2}\n{\"a\": null}\n"));
    // An unterminated last line still counts at end of stream.
    ASSERT_TRUE(client.Write("{\"c\": 3}"));
  }
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"b":2,"c":3})");
  EXPECT_EQ(sensor->client_count(), 0u);
  EXPECT_JSON_EQ(SampleOnce(*sensor).json(), R"({"b":2,"c":3})");
}

TEST_F(SocketSensorTest, OverLongLineIsDroppedAndTheNextOneWorks) {
  auto sensor = Make();
  ASSERT_NE(sensor, nullptr);
  Client client(path_);
  const std::string huge = "{\"x\": \"" + std::string(kMaxJsonLineBytes, 'y') + "\"}\n";
  // Written in pieces, sampling in between, so the kernel buffer never fills.
  for (std::size_t i = 0; i < huge.size(); i += 16 * 1024) {
    ASSERT_TRUE(client.Write(huge.substr(i, 16 * 1024)));
    if (i + 16 * 1024 < huge.size()) {
      EXPECT_TRUE(SampleOnce(*sensor).status.ok());
    }
  }
  ASSERT_TRUE(client.Write("{\"ok\": true}\n"));
  auto sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sampled.status.message().find("longer than 65536 bytes"), std::string::npos)
      << sampled.status.message();
  sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_JSON_EQ(sampled.json(), R"({"ok":true})");
}

TEST_F(SocketSensorTest, ConnectionsBeyondTheLimitAreClosed) {
  auto sensor = Make(/*max_clients=*/1);
  ASSERT_NE(sensor, nullptr);
  Client first(path_);
  Client second(path_);
  ASSERT_TRUE(first.Write("{\"from\": 1}\n"));
  ASSERT_TRUE(second.Write("{\"from\": 2}\n"));
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_EQ(sensor->client_count(), 1u);
  EXPECT_JSON_EQ(sampled.json(), R"({"from":1})");
}

TEST_F(SocketSensorTest, StaleSocketIsReplacedAndRemovedOnDestruction) {
  {
    auto first = Make();
    ASSERT_NE(first, nullptr);
  }
  struct stat info {};
  EXPECT_NE(::lstat(path_.c_str(), &info), 0) << "socket file left behind";
  // A socket file whose listener died without cleaning up.
  const int stale = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(stale, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::close(stale);
  auto sensor = Make();
  ASSERT_NE(sensor, nullptr);
  Client client(path_);
  ASSERT_TRUE(client.Write("{\"v\": 1}\n"));
  EXPECT_JSON_EQ(SampleOnce(*sensor).json(), R"({"v":1})");
}

TEST_F(SocketSensorTest, RefusesToReplaceARegularFile) {
  ASSERT_TRUE(testing_support::WriteStringToFile(path_, "precious").ok());
  SocketSensorOptions options;
  options.name = "pushed";
  options.path = path_;
  auto sensor = SocketSensor::Create(options);
  ASSERT_FALSE(sensor.ok());
  EXPECT_EQ(sensor.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(sensor.status().message().find(path_), std::string::npos);
  EXPECT_EQ(*testing_support::ReadFileToString(path_), "precious");
}

TEST_F(SocketSensorTest, PathTooLongIsRefused) {
  SocketSensorOptions options;
  options.name = "pushed";
  options.path = "/tmp/" + std::string(200, 'p');
  auto sensor = SocketSensor::Create(options);
  ASSERT_FALSE(sensor.ok());
  EXPECT_EQ(sensor.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shadowsync::agent
