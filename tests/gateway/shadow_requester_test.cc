// SPDX-License-Identifier: Apache-2.0
// ShadowRequester (correlation by clientToken) and AccessKeys, without a
// broker: a recording Transport stands in for Paho.

#include "shadow_requester.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "access_keys.h"

namespace shadowsync::gateway {
namespace {

// Records publishes; fails them when `offline`.
class RecordingTransport : public Transport {
 public:
  void SetHandlers(MessageHandler, ConnectionHandler) override {}
  Status Connect() override { return Status(); }
  Status Disconnect() override { return Status(); }
  bool IsConnected() const override { return !offline; }
  Status Subscribe(std::string_view, int) override { return Status(); }
  Status Publish(std::string_view topic, std::string_view payload, int qos) override {
    if (offline) return Status(StatusCode::kUnavailable, "not connected");
    published.push_back({std::string(topic), std::string(payload), qos, false});
    return Status();
  }
  Status Flush(std::chrono::milliseconds) override { return Status(); }
  bool offline = false;
  std::vector<MqttMessage> published;
};

// Collects one callback's result; waits for it with a deadline.
struct Outcome {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<ShadowAnswer>> result;
  int calls = 0;
  AnswerCallback Callback() {
    return [this](Result<ShadowAnswer> answer) {
      std::lock_guard<std::mutex> lock(mu);
      result = std::move(answer);
      ++calls;
      cv.notify_all();
    };
  }
  bool Wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, timeout, [&] { return result.has_value(); });
  }
};

std::string Payload(const std::string& token) { return "{\"clientToken\":\"" + token + "\"}"; }

TEST(ShadowRequesterTest, TheAnswerWithTheTokenOnTheRightTopicCompletesTheRequest) {
  RecordingTransport transport;
  ShadowRequester requester(transport, std::chrono::seconds(30));
  requester.Start();
  const std::string token = requester.NewToken();
  Outcome outcome;
  ASSERT_TRUE(
      requester.Request("$aws/things/a/shadow/get", token, Payload(token), outcome.Callback())
          .ok());
  ASSERT_EQ(transport.published.size(), 1u);
  EXPECT_EQ(transport.published[0].topic, "$aws/things/a/shadow/get");
  EXPECT_EQ(transport.published[0].qos, 1);

  // Ignored: another client's token, our token on another shadow's topic,
  // a delta, and a payload that is not JSON.
  requester.OnMessage({"$aws/things/a/shadow/get/accepted", Payload("someone-else"), 1, false});
  requester.OnMessage({"$aws/things/b/shadow/get/accepted", Payload(token), 1, false});
  requester.OnMessage({"$aws/things/a/shadow/update/delta", Payload(token), 1, false});
  requester.OnMessage({"$aws/things/a/shadow/get/accepted", token + "{", 1, false});
  EXPECT_EQ(requester.pending(), 1u);
  EXPECT_FALSE(outcome.result.has_value());

  requester.OnMessage({"$aws/things/a/shadow/get/rejected",
                       "{\"code\":404,\"clientToken\":\"" + token + "\"}", 1, false});
  ASSERT_TRUE(outcome.result.has_value());
  ASSERT_TRUE(outcome.result->ok());
  EXPECT_FALSE((*outcome.result)->accepted);
  EXPECT_EQ(requester.pending(), 0u);
  // A duplicate (QoS 1 redelivery) is ignored.
  requester.OnMessage({"$aws/things/a/shadow/get/rejected", Payload(token), 1, false});
  EXPECT_EQ(outcome.calls, 1);
}

TEST(ShadowRequesterTest, TokensAreUniqueAndShort) {
  RecordingTransport transport;
  ShadowRequester requester(transport, std::chrono::seconds(1));
  const std::string a = requester.NewToken();
  const std::string b = requester.NewToken();
  EXPECT_NE(a, b);
  EXPECT_LE(a.size(), 40u);
}

TEST(ShadowRequesterTest, NoAnswerTimesOut) {
  RecordingTransport transport;
  ShadowRequester requester(transport, std::chrono::milliseconds(50));
  requester.Start();
  const std::string token = requester.NewToken();
  Outcome outcome;
  ASSERT_TRUE(
      requester
          .Request("$aws/things/a/shadow/name/s/delete", token, Payload(token), outcome.Callback())
          .ok());
  ASSERT_TRUE(outcome.Wait(std::chrono::seconds(10)));
  ASSERT_FALSE(outcome.result->ok());
  EXPECT_EQ(outcome.result->status().code(), StatusCode::kTimeout);
  EXPECT_NE(outcome.result->status().message().find("$aws/things/a/shadow/name/s/delete"),
            std::string::npos);
  EXPECT_EQ(requester.pending(), 0u);
}

TEST(ShadowRequesterTest, OfflinePublishFailsAtOnceAndStopAnswersWhatIsPending) {
  RecordingTransport transport;
  ShadowRequester requester(transport, std::chrono::seconds(30));
  requester.Start();
  transport.offline = true;
  Outcome never;
  const std::string token = requester.NewToken();
  Status sent =
      requester.Request("$aws/things/a/shadow/get", token, Payload(token), never.Callback());
  EXPECT_EQ(sent.code(), StatusCode::kUnavailable);
  EXPECT_EQ(requester.pending(), 0u);
  EXPECT_EQ(never.calls, 0);

  transport.offline = false;
  Outcome pending;
  const std::string second = requester.NewToken();
  ASSERT_TRUE(
      requester.Request("$aws/things/a/shadow/get", second, Payload(second), pending.Callback())
          .ok());
  requester.Stop();
  ASSERT_TRUE(pending.result.has_value());
  EXPECT_EQ(pending.result->status().code(), StatusCode::kUnavailable);
}

TEST(AccessKeysTest, ParsesSectionsAndNeverQuotesASecret) {
  Result<AccessKeys> keys = AccessKeys::Parse(
      "[a]\naws_access_key_id = AKIDA\naws_secret_access_key = secret-a\n"
      "[b]\naws_access_key_id=AKIDB\naws_secret_access_key=secret-b\naws_session_token=tok\n"
      "[profile other]\nregion = us-east-1\n",
      "keys");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->size(), 2u);
  ASSERT_TRUE(keys->Find("AKIDB").has_value());
  EXPECT_EQ(keys->Find("AKIDB")->secret_access_key, "secret-b");
  EXPECT_EQ(keys->Find("AKIDB")->session_token, "tok");
  EXPECT_FALSE(keys->Find("AKIDC").has_value());

  Result<AccessKeys> half = AccessKeys::Parse("[x]\naws_secret_access_key = very-secret\n", "keys");
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.status().message().find("keys: [x]"), std::string::npos);
  EXPECT_EQ(half.status().message().find("very-secret"), std::string::npos);

  Result<AccessKeys> twice = AccessKeys::Parse(
      "[a]\naws_access_key_id = K\naws_secret_access_key = s1\n"
      "[b]\naws_access_key_id = K\naws_secret_access_key = s2\n",
      "keys");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message().find("s2"), std::string::npos);

  EXPECT_FALSE(AccessKeys::Parse("[a]\nregion = x\n", "keys").ok());
  EXPECT_EQ(AccessKeys::Load("/nonexistent/keys").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace shadowsync::gateway
