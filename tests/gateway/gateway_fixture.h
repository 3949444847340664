// SPDX-License-Identifier: Apache-2.0
//
// The gateway test fixture, shared by the gateway's integration tests:
// mosquitto with the shadowsync plugin (ShadowServiceTest), the gateway
// in-process (gateway.h) on free ports with certificates made at test time,
// HTTPS calls with libcurl (client certificate or our SigV4 signer), and a
// device on MQTT.
//
// Thread safety: a gtest fixture; the gateway's log sink is locked.
#ifndef SHADOWSYNC_TESTS_GATEWAY_GATEWAY_FIXTURE_H_
#define SHADOWSYNC_TESTS_GATEWAY_GATEWAY_FIXTURE_H_

#include <gtest/gtest.h>
#include <rapidjson/pointer.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway.h"
#include "https_client.h"
#include "shadowsync/json.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/sigv4.h"
#include "support/client_options.h"
#include "support/shadow_service_fixture.h"
#include "support/temp_dir.h"

namespace shadowsync::testing_support {

using gateway::Gateway;
using gateway::GatewayOptions;

inline constexpr char kAccessKeyId[] = "AKIDGATEWAYTEST0001";
inline constexpr char kSecretKey[] = "gateway-test-secret/0123456789abcdefghij";
inline constexpr char kRegion[] = "us-east-1";

// A device on MQTT: every message of its subscriptions, waited for with a
// deadline (no sleeps).
class MqttDevice {
 public:
  ::testing::AssertionResult Connect(const MqttOptions& options,
                                     const std::vector<std::string>& filters) {
    auto made = MakePahoTransport(options);
    if (!made.ok()) return ::testing::AssertionFailure() << made.status().ToString();
    transport_ = std::move(made).value();
    transport_->SetHandlers(
        [this](const MqttMessage& message) {
          std::lock_guard<std::mutex> lock(mu_);
          messages_.push_back(message);
          cv_.notify_all();
        },
        [](ConnectionEvent, const Status&) {});
    Status connected = transport_->Connect();
    if (!connected.ok()) return ::testing::AssertionFailure() << connected.ToString();
    for (const std::string& filter : filters) {
      Status subscribed = transport_->Subscribe(filter, 1);
      if (!subscribed.ok()) return ::testing::AssertionFailure() << subscribed.ToString();
    }
    return ::testing::AssertionSuccess();
  }
  // The first message on `topic` within `timeout`, removed from the queue.
  std::optional<MqttMessage> WaitFor(const std::string& topic,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    std::optional<MqttMessage> found;
    cv_.wait_for(lock, timeout, [&] {
      for (auto it = messages_.begin(); it != messages_.end(); ++it) {
        if (it->topic == topic) {
          found = *it;
          messages_.erase(it);
          return true;
        }
      }
      return false;
    });
    return found;
  }
  ~MqttDevice() {
    if (transport_) (void)transport_->Disconnect();
  }

 private:
  std::unique_ptr<Transport> transport_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<MqttMessage> messages_;
};

inline JsonDocument Json(const std::string& text) {
  Result<JsonDocument> parsed = ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << "not JSON: " << text;
  if (!parsed.ok()) return JsonDocument();
  return std::move(parsed).value();
}

// The value at `pointer` ("/state/delta/power") as compact JSON, or "<absent>".
inline std::string At(const std::string& text, const std::string& pointer) {
  JsonDocument doc = Json(text);
  const JsonValue* value = rapidjson::Pointer(pointer.c_str()).Get(doc);
  return value ? ToCompactJson(*value) : "<absent>";
}

class GatewayTest : public ShadowServiceTest {
 protected:
  GatewayTest() : ShadowServiceTest({"test-client", "gateway", "lamp", "intruder"}) {}

  void SetUp() override {
    ShadowServiceTest::SetUp();
    ASSERT_TRUE(StartServices());
    auto dir = TempDir::Create("gateway-test");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
    credentials_file_ = dir_->File("credentials");
    ASSERT_TRUE(WriteStringToFile(credentials_file_,
                                  std::string("[tester]\naws_access_key_id = ") + kAccessKeyId +
                                      "\naws_secret_access_key = " + kSecretKey + "\n",
                                  0600)
                    .ok());
  }

  void TearDown() override {
    if (gateway_) gateway_->Stop();
    if (HasFailure()) {
      std::lock_guard<std::mutex> lock(log_mu_);
      std::cerr << "gateway log:\n" << log_ << "service log:\n" << ServiceLogTail() << "\n";
    }
  }

  GatewayOptions Options() const {
    GatewayOptions options;
    options.mqtt = TlsOptions(certs_->client("gateway").ec, "gateway");
    options.mtls_port = 0;
    options.sigv4_port = 0;
    options.server_cert_file = certs_->server_ec.cert;
    options.server_key_file = certs_->server_ec.key;
    options.client_ca_file = certs_->ca_cert;
    options.credentials_file = credentials_file_;
    options.region = kRegion;
    return options;
  }

  ::testing::AssertionResult StartGateway(GatewayOptions options) {
    gateway_ = std::make_unique<Gateway>(std::move(options), [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_ += line + "\n";
      log_cv_.notify_all();
    });
    Status started = gateway_->Start();
    if (!started.ok()) return ::testing::AssertionFailure() << started.ToString();
    return ::testing::AssertionSuccess();
  }
  ::testing::AssertionResult StartGateway() { return StartGateway(Options()); }

  std::string Log() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return log_;
  }

  // Waits until the gateway has logged `text` (at most `timeout`).
  bool WaitForLog(const std::string& text, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(log_mu_);
    return log_cv_.wait_for(lock, timeout, [&] { return log_.find(text) != std::string::npos; });
  }

  // A request on the mutual-TLS listener with client certificate `client`.
  HttpsResult Mtls(const std::string& method, const std::string& path_and_query,
                   const std::string& body = "", const std::string& client = "test-client") {
    HttpsCall call;
    call.method = method;
    call.url = "https://127.0.0.1:" + std::to_string(gateway_->mtls_port()) + path_and_query;
    call.body = body;
    call.ca_file = certs_->ca_cert;
    if (!client.empty()) {
      call.cert_file = certs_->client(client).ec.cert;
      call.key_file = certs_->client(client).ec.key;
    }
    return CallHttps(call);
  }

  // A request on the SigV4 listener, signed by our signer with `secret`.
  HttpsResult SigV4(const std::string& method, const std::string& path,
                    std::vector<HttpField> query = {}, const std::string& body = "",
                    const std::string& secret = kSecretKey) {
    const std::string host = "127.0.0.1:" + std::to_string(gateway_->sigv4_port());
    SigV4Request request;
    request.method = method;
    request.host = host;
    request.path = path;
    request.query = query;
    if (!body.empty()) request.payload_sha256 = Sha256Hex(body);
    AwsCredentials credentials;
    credentials.access_key_id = kAccessKeyId;
    credentials.secret_access_key = secret;
    Result<SigV4HeaderSignature> signature = SignSigV4Headers(
        request, credentials, SigV4Scope{kRegion, "iotdata", std::chrono::system_clock::now()});
    EXPECT_TRUE(signature.ok()) << signature.status().ToString();
    HttpsCall call;
    call.method = method;
    call.url = "https://" + host + path;
    if (!query.empty()) call.url += "?" + SigV4EncodeQuery(query);
    call.body = body;
    call.ca_file = certs_->ca_cert;
    if (signature.ok()) call.headers = signature->headers;
    return CallHttps(call);
  }

  std::unique_ptr<TempDir> dir_;
  std::string credentials_file_;
  std::unique_ptr<Gateway> gateway_;
  std::mutex log_mu_;
  std::condition_variable log_cv_;
  std::string log_;
};

// The AWS error shape: status, body code and message, x-amzn-ErrorType.
inline void ExpectError(const HttpsResult& result, long status, const std::string& type,
                        const std::string& message_part) {
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.status, status) << result.body;
  EXPECT_EQ(result.Header("x-amzn-errortype"), type) << result.body;
  EXPECT_EQ(At(result.body, "/code"), std::to_string(status)) << result.body;
  EXPECT_NE(At(result.body, "/message").find(message_part), std::string::npos) << result.body;
  EXPECT_NE(At(result.body, "/timestamp"), "<absent>") << result.body;
}

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_GATEWAY_GATEWAY_FIXTURE_H_
