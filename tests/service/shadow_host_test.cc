// SPDX-License-Identifier: Apache-2.0
//
// Tests of service/core/shadow_host.cc: what both service hosts do with a
// request (T6, T9, L7, L8, P8, the log line and the counters).

#include "shadow_host.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shadowsync::host {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::int64_t kNow = 1700000000;

class ShadowHostTest : public ::testing::Test {
 protected:
  HostOptions Options() const {
    HostOptions options;
    options.clock = [] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(kNow));
    };
    return options;
  }
  cli::Logger Log(cli::LogLevel level = cli::LogLevel::kDebug) {
    return cli::Logger(
        level, [this](cli::LogLevel, const std::string& line) { lines_.push_back(line); }, "test");
  }
  std::vector<ServiceMessage> Handle(ShadowHost& host, const std::string& topic,
                                     const std::string& payload) {
    std::optional<ShadowTopic> request = host.ParseRequest(topic, false, payload);
    EXPECT_TRUE(request.has_value()) << topic;
    return request ? host.Handle(*request, topic, payload) : std::vector<ServiceMessage>{};
  }

  MemoryStore store_;
  std::vector<std::string> lines_;
};

TEST_F(ShadowHostTest, RetainedReplaysAndNonRequestsAreIgnoredAndCounted_T6_T9) {
  cli::Logger log = Log();
  ShadowHost host(store_, log, Options());
  EXPECT_FALSE(host.ParseRequest("$aws/things/lamp/shadow/update", true, "{}"));
  EXPECT_FALSE(host.ParseRequest("$aws/things/lamp/shadow/update/accepted", false, "{}"));
  EXPECT_FALSE(host.ParseRequest("$aws/things/la.mp/shadow/update", false, "{}"));
  EXPECT_FALSE(host.ParseRequest("sensors/lamp", false, "{}"));
  EXPECT_TRUE(host.ParseRequest("$aws/things/lamp/shadow/name/cfg/get", false, "{}"));
  EXPECT_EQ(host.stats().ignored, 4u);
  EXPECT_EQ(host.stats().handled, 0u);
}

TEST_F(ShadowHostTest, InflightSlotsPerKeyAndThe429Answer_L7) {
  cli::Logger log = Log();
  HostOptions options = Options();
  options.max_inflight = 2;
  ShadowHost host(store_, log, options);
  EXPECT_TRUE(host.BeginInflight("client-a"));
  EXPECT_TRUE(host.BeginInflight("client-a"));
  EXPECT_FALSE(host.BeginInflight("client-a"));
  EXPECT_TRUE(host.BeginInflight("client-b"));
  host.EndInflight("client-a");
  EXPECT_TRUE(host.BeginInflight("client-a"));
  std::optional<ShadowTopic> request =
      host.ParseRequest("$aws/things/lamp/shadow/update", false, R"({"clientToken":"t"})");
  ASSERT_TRUE(request);
  const ServiceMessage answer = host.Throttle(*request, R"({"clientToken":"t"})");
  EXPECT_EQ(answer.topic, "$aws/things/lamp/shadow/update/rejected");
  EXPECT_EQ(answer.payload, R"({"code":429,"message":"Too Many Requests","clientToken":"t"})");
  EXPECT_EQ(host.stats().throttled_inflight, 1u);
  EXPECT_EQ(host.stats().throttled_rate, 0u);
}

TEST_F(ShadowHostTest, ZeroMaxInflightNeverThrottles_L7) {
  cli::Logger log = Log();
  HostOptions options = Options();
  options.max_inflight = 0;
  ShadowHost host(store_, log, options);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(host.BeginInflight("c"));
}

TEST_F(ShadowHostTest, RateLimit429IsCountedApart_L8) {
  cli::Logger log = Log();
  HostOptions options = Options();
  options.service.max_requests_per_second_per_thing = 1;
  ShadowHost host(store_, log, options);
  Handle(host, "$aws/things/lamp/shadow/update", R"({"state":{"reported":{"a":1}}})");
  std::vector<ServiceMessage> out = Handle(host, "$aws/things/lamp/shadow/get", "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].code, 429);
  EXPECT_EQ(host.stats().handled, 2u);
  EXPECT_EQ(host.stats().throttled_rate, 1u);
  EXPECT_EQ(host.stats().throttled_inflight, 0u);
  EXPECT_EQ(StatsSummary(host.stats()),
            "handled=2 throttled_inflight=0 throttled_rate=1 dropped=0 ignored=0 "
            "publish_failures=0");
}

TEST_F(ShadowHostTest, OrdersAcceptedFirstDeltaFirstAndReproducibleRandom_P8) {
  cli::Logger log = Log(cli::LogLevel::kError);
  auto suffixes = [](const std::vector<ServiceMessage>& out) {
    std::vector<Suffix> s;
    for (const ServiceMessage& m : out) s.push_back(m.suffix);
    return s;
  };
  const std::string desired = R"({"state":{"desired":{"a":1}}})";
  {
    MemoryStore store;
    ShadowHost host(store, log, Options());
    EXPECT_THAT(suffixes(Handle(host, "$aws/things/t/shadow/update", desired)),
                ElementsAre(Suffix::kAccepted, Suffix::kDocuments, Suffix::kDelta));
  }
  {
    MemoryStore store;
    HostOptions options = Options();
    options.order = PublishOrder::kDeltaFirst;
    ShadowHost host(store, log, options);
    EXPECT_THAT(suffixes(Handle(host, "$aws/things/t/shadow/update", desired)),
                ElementsAre(Suffix::kDelta, Suffix::kDocuments, Suffix::kAccepted));
  }
  // Random: a function of (seed, shadow, version) only.
  auto run = [&](std::uint64_t seed) {
    MemoryStore store;
    HostOptions options = Options();
    options.order = PublishOrder::kRandom;
    options.order_seed = seed;
    options.service.max_requests_per_second_per_thing = 0;
    ShadowHost host(store, log, options);
    std::vector<std::vector<Suffix>> orders;
    for (int i = 0; i < 12; ++i) {
      orders.push_back(
          suffixes(Handle(host, "$aws/things/t/shadow/update",
                          R"({"state":{"desired":{"a":)" + std::to_string(i) + "}}}")));
    }
    return orders;
  };
  const auto first = run(7);
  EXPECT_EQ(first, run(7));
  std::set<std::vector<Suffix>> distinct(first.begin(), first.end());
  EXPECT_GT(distinct.size(), 1u) << "twelve updates, always the same order";
}

TEST_F(ShadowHostTest, OneLogLinePerAnsweredRequest) {
  cli::Logger log = Log(cli::LogLevel::kInfo);
  ShadowHost host(store_, log, Options());
  std::optional<ShadowTopic> request =
      host.ParseRequest("$aws/things/lamp/shadow/name/cfg/update", false, "{}");
  ASSERT_TRUE(request);
  std::vector<ServiceMessage> out = host.Handle(*request, "$aws/things/lamp/shadow/name/cfg/update",
                                                R"({"state":{"reported":{"a":1}}})");
  host.LogRequest(*request, out, std::chrono::steady_clock::now());
  out = host.Handle(*request, "$aws/things/lamp/shadow/name/cfg/update", "nonsense");
  host.LogRequest(*request, out, std::chrono::steady_clock::now());
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_THAT(lines_[0], HasSubstr("test: info: thing=lamp shadow=cfg op=update result=accepted "
                                   "code=200 version=1 us="));
  EXPECT_THAT(lines_[1], HasSubstr("test: info: thing=lamp shadow=cfg op=update result=rejected "
                                   "code=400 version=- us="));
}

}  // namespace
}  // namespace shadowsync::host
