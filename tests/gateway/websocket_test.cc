// SPDX-License-Identifier: Apache-2.0
//
// MQTT over WebSocket with SigV4 through shadowsync-gateway (issue 11): a
// real mosquitto with the shadowsync plugin (ShadowServiceTest), the
// gateway in-process relaying wss:// clients to the broker's loopback TCP
// listener, PahoTransport/ShadowClient and the lamp example as clients.
// Devices and apps on plain mutual TLS talk to the same service; and
// shadowctl over all four protocols at once (ShadowctlProtocolsTest).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/pointer.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <csignal>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway.h"
#include "shadowsync/client.h"
#include "shadowsync/json.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/sigv4.h"
#include "support/child_process.h"
#include "support/client_options.h"
#include "support/eventually.h"
#include "support/json_expect.h"
#include "support/mosquitto_clients.h"
#include "support/process_output.h"
#include "support/shadow_service_fixture.h"
#include "support/temp_dir.h"

namespace shadowsync::testing_support {
namespace {

using namespace std::chrono_literals;
using gateway::Gateway;
using gateway::GatewayOptions;
using ::testing::HasSubstr;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr char kRegion[] = "eu-west-1";
constexpr char kAliceKey[] = "AKIDALICEWSS0001";
constexpr char kAliceSecret[] = "alice-secret/0123456789abcdefghijklmn";
constexpr char kBobKey[] = "AKIDBOBWSS00001";
constexpr char kBobSecret[] = "bob-secret/0123456789abcdefghijklmnopq";
constexpr char kRelaySecret[] = "relay-secret-0123456789abcdef";
constexpr auto kLong = 30s;

AwsCredentials Keys(const char* id, const char* secret) {
  AwsCredentials credentials;
  credentials.access_key_id = id;
  credentials.secret_access_key = secret;
  return credentials;
}

// Messages a transport received, waited for with Eventually().
class Inbox {
 public:
  void Add(const MqttMessage& message) {
    std::lock_guard<std::mutex> lock(mu_);
    messages_.push_back(message);
  }
  bool Has(const std::string& topic, const std::string& part = "") {
    std::lock_guard<std::mutex> lock(mu_);
    for (const MqttMessage& m : messages_) {
      if (m.topic == topic && m.payload.find(part) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::mutex mu_;
  std::vector<MqttMessage> messages_;
};

// An HTTP CONNECT proxy on loopback, as a corporate proxy: it tunnels to
// whatever the client names and records the CONNECT targets.
class ConnectProxy {
 public:
  ConnectProxy() : acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~ConnectProxy() {
    stop_ = true;
    boost::system::error_code ignored;
    // Wake the accept with a connection of our own.
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
    {
      // End the tunnels still open: their clients may outlive the proxy.
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& socket : sockets_) socket->shutdown(tcp::socket::shutdown_both, ignored);
    }
    for (std::thread& t : tunnels_) t.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  std::vector<std::string> targets() {
    std::lock_guard<std::mutex> lock(mu_);
    return targets_;
  }

 private:
  void AcceptLoop() {
    while (!stop_) {
      auto client = std::make_shared<tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*client, ec);
      if (ec || stop_) return;
      {
        std::lock_guard<std::mutex> lock(mu_);
        sockets_.push_back(client);
      }
      tunnels_.emplace_back([this, client] { Tunnel(client); });
    }
  }
  void Tunnel(const std::shared_ptr<tcp::socket>& client) {
    boost::system::error_code ec;
    net::streambuf request;
    net::read_until(*client, request, "\r\n\r\n", ec);
    if (ec) return;
    std::string head(net::buffers_begin(request.data()), net::buffers_end(request.data()));
    const std::string line = head.substr(0, head.find("\r\n"));
    if (line.rfind("CONNECT ", 0) != 0) return;
    const std::string target = line.substr(8, line.find(' ', 8) - 8);
    {
      std::lock_guard<std::mutex> lock(mu_);
      targets_.push_back(target);
    }
    const std::size_t colon = target.rfind(':');
    auto upstream = std::make_shared<tcp::socket>(io_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      sockets_.push_back(upstream);
    }
    upstream->connect(
        tcp::endpoint(net::ip::make_address(target.substr(0, colon)),
                      static_cast<unsigned short>(std::stoi(target.substr(colon + 1)))),
        ec);
    if (ec) {
      net::write(*client, net::buffer(std::string("HTTP/1.1 502 Bad Gateway\r\n\r\n")), ec);
      return;
    }
    net::write(*client, net::buffer(std::string("HTTP/1.1 200 Connection established\r\n\r\n")),
               ec);
    std::thread back([upstream, client] { Pump(*upstream, *client); });
    Pump(*client, *upstream);
    back.join();
  }
  static void Pump(tcp::socket& from, tcp::socket& to) {
    std::array<char, 16384> buffer;
    boost::system::error_code ec;
    while (true) {
      const std::size_t n = from.read_some(net::buffer(buffer), ec);
      if (ec) break;
      net::write(to, net::buffer(buffer.data(), n), ec);
      if (ec) break;
    }
    to.shutdown(tcp::socket::shutdown_both, ec);
  }

  net::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::vector<std::thread> tunnels_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> targets_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
};

class WebSocketTest : public ShadowServiceTest {
 protected:
  WebSocketTest() : ShadowServiceTest({"test-client", "gateway"}) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ShadowServiceTest::SetUp());
    auto dir = TempDir::Create("websocket-test");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
    secret_file_ = dir_->File("relay-secret");
    ASSERT_TRUE(WriteStringToFile(secret_file_, std::string(kRelaySecret) + "\n", 0600).ok());
    credentials_file_ = dir_->File("credentials");
    ASSERT_TRUE(WriteStringToFile(credentials_file_,
                                  std::string("[alice]\naws_access_key_id = ") + kAliceKey +
                                      "\naws_secret_access_key = " + kAliceSecret +
                                      "\n[bob]\naws_access_key_id = " + kBobKey +
                                      "\naws_secret_access_key = " + kBobSecret + "\n",
                                  0600)
                    .ok());
    Result<std::vector<int>> ports = PickFreeLoopbackPorts(1);
    ASSERT_TRUE(ports.ok()) << ports.status().ToString();
    wss_port_ = ports->at(0);
  }

  void TearDown() override {
    clients_.clear();
    if (gateway_) gateway_->Stop();
    if (HasFailure()) {
      std::lock_guard<std::mutex> lock(log_mu_);
      std::cerr << "gateway log:\n" << log_ << "service log:\n" << ServiceLogTail() << "\n";
    }
  }

  // The broker with the plugin, told the relay's secret (and `registry`).
  // `rest_listeners`: the gateway's mutual-TLS and SigV4 listeners too
  // (ports picked by the gateway), for clients of every protocol at once.
  ::testing::AssertionResult StartStack(const std::string& registry = "",
                                        bool rest_listeners = false) {
    BrokerOptions options;
    options.plugin_options.emplace_back("gateway_secret_file", secret_file_);
    if (!registry.empty()) {
      const std::string path = dir_->File("registry.json");
      if (!WriteStringToFile(path, registry).ok()) return ::testing::AssertionFailure();
      options.plugin_options.emplace_back("registry", path);
    }
    if (auto started = StartBroker(std::move(options)); !started) return started;
    return StartGateway(rest_listeners);
  }

  ::testing::AssertionResult StartGateway(bool rest_listeners = false) {
    GatewayOptions options;
    options.mqtt = TlsOptions(certs_->client("gateway").ec, "gateway");
    options.mtls_port = std::nullopt;
    if (rest_listeners) {
      options.mtls_port = 0;
      options.sigv4_port = 0;
      options.client_ca_file = certs_->ca_cert;
    }
    options.wss_port = wss_port_;
    options.server_cert_file = certs_->server_ec.cert;
    options.server_key_file = certs_->server_ec.key;
    options.credentials_file = credentials_file_;
    options.region = kRegion;
    options.relay_broker = "127.0.0.1:" + std::to_string(broker_.plain_port());
    options.relay_secret_file = secret_file_;
    gateway_ = std::make_unique<Gateway>(std::move(options), [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_ += line + "\n";
    });
    Status started = gateway_->Start();
    if (!started.ok()) return ::testing::AssertionFailure() << started.ToString();
    return ::testing::AssertionSuccess();
  }

  std::string Log() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return log_;
  }
  std::size_t LogCount(const std::string& text) { return CountOccurrences(Log(), text); }

  std::string WssUri() const { return "wss://127.0.0.1:" + std::to_string(wss_port_) + "/mqtt"; }

  // wss:// with SigV4 from `keys`; `calls` counts the credential look-ups.
  MqttOptions WssOptions(const AwsCredentials& keys, const std::string& label,
                         std::shared_ptr<std::atomic<int>> calls = nullptr) const {
    MqttOptions options;
    options.server_uri = WssUri();
    options.client_id = UniqueClientId(label);
    options.ca_file = certs_->ca_cert;
    options.connect_timeout = 5s;
    options.reconnect_min = 100ms;
    options.reconnect_max = 400ms;
    options.proxy_from_environment = false;
    MqttSigV4 sigv4;
    sigv4.region = kRegion;
    sigv4.credentials = [keys, calls]() -> Result<AwsCredentials> {
      if (calls) ++*calls;
      return keys;
    };
    options.sigv4 = std::move(sigv4);
    return options;
  }

  // A connected transport that records what it receives in `inbox`.
  Result<Transport*> Connect(const MqttOptions& options, Inbox* inbox) {
    Result<std::unique_ptr<Transport>> made = MakePahoTransport(options);
    if (!made.ok()) return made.status();
    Transport* transport = made->get();
    transport->SetHandlers(
        [inbox](const MqttMessage& m) {
          if (inbox) inbox->Add(m);
        },
        [](ConnectionEvent, const Status&) {});
    clients_.push_back(std::move(made).value());
    Status connected = transport->Connect();
    if (!connected.ok()) return connected;
    return transport;
  }

  // What the gateway answers to raw bytes over TLS (up to 4 KiB).
  std::string RawExchange(const std::string& bytes) {
    net::io_context io;
    net::ssl::context context(net::ssl::context::tls_client);
    context.load_verify_file(certs_->ca_cert);
    net::ssl::stream<tcp::socket> stream(io, context);
    boost::system::error_code ec;
    stream.next_layer().connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(wss_port_)),
        ec);
    if (ec) return "connect: " + ec.message();
    stream.handshake(net::ssl::stream_base::client, ec);
    if (ec) return "handshake: " + ec.message();
    net::write(stream, net::buffer(bytes), ec);
    std::string answer(4096, '\0');
    const std::size_t n = net::read(stream, net::buffer(answer), ec);
    answer.resize(n);
    return answer;
  }

  std::unique_ptr<TempDir> dir_;
  std::string secret_file_;
  std::string credentials_file_;
  int wss_port_ = 0;
  std::unique_ptr<Gateway> gateway_;
  std::mutex log_mu_;
  std::string log_;
  std::vector<std::unique_ptr<Transport>> clients_;
};

ClientOptions ShadowOf(const std::string& thing) {
  ClientOptions options;
  options.shadow.thing = thing;
  return options;
}

JsonDocument Json(const std::string& text) { return MustParse(text); }

// The app's UpdateDesired until answered.
::testing::AssertionResult Desire(ShadowClient& app, const std::string& patch) {
  std::optional<RequestResult> answer;
  const Status sent =
      app.UpdateDesired(Json(patch), [&](RequestResult result) { answer = std::move(result); });
  if (!sent.ok()) return ::testing::AssertionFailure() << sent.ToString();
  if (!app.RunUntil([&] { return answer.has_value(); }, kLong)) {
    return ::testing::AssertionFailure() << "no answer to " << patch;
  }
  if (!answer->ok()) return ::testing::AssertionFailure() << answer->status().ToString();
  return ::testing::AssertionSuccess();
}

TEST_F(WebSocketTest, ShadowClientConvergesOverWssAndPresignsEveryReconnectAcrossAGatewayRestart) {
  ASSERT_TRUE(StartStack());
  auto calls = std::make_shared<std::atomic<int>>(0);
  Result<std::unique_ptr<ShadowClient>> device = MakePahoShadowClient(
      WssOptions(Keys(kAliceKey, kAliceSecret), "wss-device", calls), ShadowOf("wss-lamp"));
  ASSERT_TRUE(device.ok()) << device.status().ToString();
  Result<std::unique_ptr<ShadowClient>> app = MakePahoShadowClient(
      TlsOptions(certs_->client("test-client").ec, "app"), ShadowOf("wss-lamp"));
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  JsonDocument applied(rapidjson::kObjectType);
  (*device)->OnDelta([&](const Delta& delta) {
    for (const auto& m : delta.state.GetObject()) {
      JsonValue key(m.name, applied.GetAllocator());
      JsonValue value(m.value, applied.GetAllocator());
      applied.RemoveMember(m.name);
      applied.AddMember(key, value, applied.GetAllocator());
    }
    (void)(*device)->Report(applied);
  });
  ASSERT_TRUE(StartTogether({device->get(), app->get()}));
  EXPECT_EQ(calls->load(), 1);
  EXPECT_EQ(LogCount("101, relaying"), 1u) << Log();

  ASSERT_TRUE(Desire(**app, R"({"power":"on"})"));
  auto reported = [&](const std::string& key, const std::string& value) {
    return (*device)->RunUntil(
        [&] {
          const JsonValue& ack = (*device)->acknowledged_reported();
          return ack.IsObject() && ack.HasMember(key.c_str()) &&
                 ToCompactJson(ack[key.c_str()]) == value;
        },
        kLong);
  };
  EXPECT_TRUE(reported("power", "\"on\""));

  // The gateway goes away and comes back on the same port: the transport
  // reconnects with a freshly presigned URL each attempt.
  gateway_->Stop();
  ASSERT_TRUE((*device)->RunUntil([&] { return !(*device)->IsOnline(); }, kLong));
  ASSERT_TRUE(StartGateway());
  ASSERT_TRUE((*device)->RunUntil([&] { return (*device)->IsOnline(); }, kLong)) << Log();
  EXPECT_GE(calls->load(), 2);
  EXPECT_GE(LogCount("101, relaying"), 1u) << Log();
  ASSERT_TRUE(Desire(**app, R"({"brightness":40})"));
  EXPECT_TRUE(reported("brightness", "40"));
  EXPECT_THAT(Log(), HasSubstr("key " + std::string(kAliceKey)));
  EXPECT_THAT(Log(), ::testing::Not(HasSubstr(kAliceSecret)));
  EXPECT_THAT(Log(), ::testing::Not(HasSubstr(kRelaySecret)));
}

TEST_F(WebSocketTest, LampExampleConvergesOverWssAcrossAGatewayRestart) {
#ifndef SHADOWSYNC_HAVE_EXAMPLES
  GTEST_SKIP() << "the examples are not built";
#endif
  ASSERT_TRUE(StartStack());
  Result<std::unique_ptr<ShadowClient>> app = MakePahoShadowClient(
      TlsOptions(certs_->client("test-client").ec, "app"), ShadowOf("wss-lamp-example"));
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  ASSERT_TRUE((*app)->Start().ok());

  ChildProcess lamp;
  ChildProcessOptions options;
  options.argv = {SHADOWSYNC_BINARY_DIR "/examples/lamp/lamp",
                  "--broker",
                  WssUri(),
                  "--ca",
                  certs_->ca_cert,
                  "--thing",
                  "wss-lamp-example",
                  "--client-id",
                  UniqueClientId("lamp"),
                  "--journal",
                  dir_->File("lamp.journal")};
  // The AWS CLI's variables: the lamp signs with them (cli/connection_flags.h).
  options.env = {{"AWS_ACCESS_KEY_ID", kBobKey},
                 {"AWS_SECRET_ACCESS_KEY", kBobSecret},
                 {"AWS_REGION", kRegion},
                 {"AWS_CONFIG_FILE", dir_->File("none")},
                 {"AWS_SHARED_CREDENTIALS_FILE", dir_->File("none")}};
  options.log_path = dir_->File("lamp.log");
  ASSERT_TRUE(lamp.Start(options).ok());
  auto printed = [&](const std::string& line, std::size_t count = 1) {
    return WaitForOutput(lamp, line, kLong, count, [&] { (*app)->RunFor(20ms); });
  };
  ASSERT_TRUE(printed("lamp: ready\n")) << lamp.ReadLog() << Log();
  ASSERT_TRUE(Desire(**app, R"({"power":"on","brightness":30})"));
  ASSERT_TRUE(printed("lamp: brightness 30 -> applied")) << lamp.ReadLog();

  gateway_->Stop();
  ASSERT_TRUE(StartGateway());
  ASSERT_TRUE(Eventually([&] { return LogCount("101, relaying") >= 1; }, kLong))
      << lamp.ReadLog() << Log();
  ASSERT_TRUE(Desire(**app, R"({"brightness":70})"));
  ASSERT_TRUE(printed("lamp: brightness 70 -> applied")) << lamp.ReadLog() << Log();
  // Converged: reported equals desired, no delta left.
  bool converged = false;
  std::string last;
  for (auto deadline = std::chrono::steady_clock::now() + kLong;
       !converged && std::chrono::steady_clock::now() < deadline;) {
    std::optional<RequestResult> answer;
    ASSERT_TRUE((*app)->Get([&](RequestResult r) { answer = std::move(r); }).ok());
    ASSERT_TRUE((*app)->RunUntil([&] { return answer.has_value(); }, kLong));
    if (answer->ok()) {
      const JsonValue& state = answer->value().payload["state"];
      last = ToCompactJson(state);
      converged = state.HasMember("reported") && !state.HasMember("delta") &&
                  JsonEquals(state["reported"], Json(R"({"power":"on","brightness":70})"));
    }
    if (!converged) (*app)->RunFor(100ms);
  }
  EXPECT_TRUE(converged) << last;
  ASSERT_TRUE(lamp.Signal(SIGTERM).ok());
  ASSERT_TRUE(lamp.WaitForExit(15s).ok());
}

TEST_F(WebSocketTest, BadSignatureSkewedClockAndBadHandshakesAreRefusedAndTheGatewayGoesOn) {
  ASSERT_TRUE(StartStack());
  // A wrong secret: the upgrade gets 403, so the connect fails.
  MqttOptions wrong = WssOptions(Keys(kAliceKey, "not-the-secret-0123456789"), "wrong");
  EXPECT_FALSE(Connect(wrong, nullptr).ok());
  EXPECT_TRUE(Eventually([&] { return LogCount("403 (SigV4 SignatureMismatch)") >= 1; })) << Log();
  // A clock 10 minutes ahead (over the 5 minutes AWS allows).
  MqttOptions skewed = WssOptions(Keys(kAliceKey, kAliceSecret), "skewed");
  skewed.sigv4->now = [] { return std::chrono::system_clock::now() + 10min; };
  EXPECT_FALSE(Connect(skewed, nullptr).ok());
  EXPECT_TRUE(Eventually([&] { return LogCount("403 (SigV4 ClockSkew)") >= 1; })) << Log();
  // Two hours behind: the presigned URL (X-Amz-Expires 3600) has expired.
  MqttOptions late = WssOptions(Keys(kAliceKey, kAliceSecret), "late");
  late.sigv4->now = [] { return std::chrono::system_clock::now() - 2h; };
  EXPECT_FALSE(Connect(late, nullptr).ok());
  EXPECT_TRUE(Eventually([&] { return LogCount("403 (SigV4 Expired)") >= 1; })) << Log();
  // An unknown key.
  EXPECT_FALSE(Connect(WssOptions(Keys("AKIDNOBODY000001", kAliceSecret), "nobody"), nullptr).ok());

  // The 403 as AWS shapes it, for a presigned upgrade with a bad signature.
  AwsCredentials bad = Keys(kAliceKey, "not-the-secret-0123456789");
  SigV4Request request;
  request.host = "127.0.0.1:" + std::to_string(wss_port_);
  request.path = "/mqtt";
  Result<SigV4Presigned> presigned = PresignSigV4(
      request, bad, SigV4Scope{kRegion, "iotdevicegateway", std::chrono::system_clock::now()});
  ASSERT_TRUE(presigned.ok());
  const std::string upgrade_headers =
      " HTTP/1.1\r\nHost: " + request.host +
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
  const std::string refused = RawExchange("GET /mqtt?" + presigned->query + upgrade_headers);
  EXPECT_THAT(refused, HasSubstr("HTTP/1.1 403"));
  EXPECT_THAT(refused, HasSubstr("x-amzn-ErrorType: InvalidSignatureException"));
  EXPECT_THAT(refused, HasSubstr("\"code\":403"));
  // Without a signature at all.
  EXPECT_THAT(RawExchange("GET /mqtt" + upgrade_headers),
              HasSubstr("MissingAuthenticationTokenException"));
  // Bad handshakes: no upgrade, no mqtt subprotocol, wrong path, not HTTP.
  EXPECT_THAT(RawExchange("GET /mqtt?" + presigned->query + " HTTP/1.1\r\nHost: " + request.host +
                          "\r\n\r\n"),
              HasSubstr("HTTP/1.1 400"));
  std::string no_mqtt = upgrade_headers;
  no_mqtt.replace(no_mqtt.find("mqtt"), 4, "chat");
  EXPECT_THAT(RawExchange("GET /mqtt" + no_mqtt), HasSubstr("the subprotocol must be mqtt"));
  EXPECT_THAT(RawExchange("GET /other" + upgrade_headers), HasSubstr("HTTP/1.1 404"));
  EXPECT_THAT(RawExchange("POST /mqtt" + upgrade_headers), HasSubstr("HTTP/1.1 405"));
  EXPECT_THAT(RawExchange("\x16\x03garbage\r\n\r\n"), HasSubstr("HTTP/1.1 400"));
  EXPECT_THAT(RawExchange("GET /mqtt HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n"),
              HasSubstr("HTTP/1.1 400"));

  // A good client still gets through.
  Inbox inbox;
  Result<Transport*> good = Connect(WssOptions(Keys(kAliceKey, kAliceSecret), "good"), &inbox);
  ASSERT_TRUE(good.ok()) << good.status().ToString() << "\n" << Log();
  ASSERT_TRUE((*good)->Subscribe("wss/echo", 1).ok());
  ASSERT_TRUE((*good)->Publish("wss/echo", "hello over wss", 1).ok());
  EXPECT_TRUE(Eventually([&] { return inbox.Has("wss/echo", "hello over wss"); })) << Log();
  EXPECT_THAT(Log(), ::testing::Not(HasSubstr("not-the-secret")));
}

TEST_F(WebSocketTest, ConnectsThroughAnHttpConnectProxy) {
  ASSERT_TRUE(StartStack());
  ConnectProxy proxy;
  MqttOptions options = WssOptions(Keys(kBobKey, kBobSecret), "proxied");
  options.proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
  Inbox inbox;
  Result<Transport*> client = Connect(options, &inbox);
  ASSERT_TRUE(client.ok()) << client.status().ToString() << "\n" << Log();
  ASSERT_TRUE((*client)->Subscribe("wss/proxied", 1).ok());
  ASSERT_TRUE((*client)->Publish("wss/proxied", "through the proxy", 1).ok());
  EXPECT_TRUE(Eventually([&] { return inbox.Has("wss/proxied", "through the proxy"); }));
  EXPECT_THAT(proxy.targets(), ::testing::ElementsAre("127.0.0.1:" + std::to_string(wss_port_)));
  EXPECT_TRUE((*client)->Disconnect().ok());
}

TEST_F(WebSocketTest, AnIamUserAllowedOnlyItsOwnThingCannotPublishToAnothersTopic) {
  // Alice may use thing alice-thing only; the certificates may do anything.
  ASSERT_TRUE(StartStack(std::string(R"({
  "things": {"alice-thing": {}, "bob-thing": {}},
  "certificates": [
    {"commonName": "gateway", "policies": ["everything"]},
    {"commonName": "test-client", "policies": ["everything"]}
  ],
  "iamUsers": {
    "alice": {"accessKeyIds": [")") +
                         kAliceKey + R"("], "policies": ["own-thing"]}
  },
  "policies": {
    "everything": {"Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}]},
    "own-thing": {"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:*:*:client/alice-*"},
      {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
       "Resource": "arn:aws:iot:*:*:topic/$aws/things/alice-thing/shadow/*"},
      {"Effect": "Allow", "Action": "iot:Subscribe",
       "Resource": "arn:aws:iot:*:*:topicfilter/$aws/things/alice-thing/shadow/*"}
    ]}
  }
})"));
  // An observer with a certificate sees what reaches the broker.
  Inbox seen;
  Result<Transport*> observer =
      Connect(TlsOptions(certs_->client("test-client").ec, "observer"), &seen);
  ASSERT_TRUE(observer.ok()) << observer.status().ToString();
  ASSERT_TRUE((*observer)->Subscribe("$aws/things/+/shadow/update/accepted", 1).ok());

  Inbox alice_inbox;
  MqttOptions alice_options = WssOptions(Keys(kAliceKey, kAliceSecret), "alice");
  alice_options.client_id = "alice-1";
  Result<Transport*> alice = Connect(alice_options, &alice_inbox);
  ASSERT_TRUE(alice.ok()) << alice.status().ToString() << "\n" << ServiceLogTail();
  ASSERT_TRUE((*alice)->Subscribe("$aws/things/alice-thing/shadow/update/accepted", 1).ok());
  EXPECT_EQ((*alice)->Subscribe("$aws/things/bob-thing/shadow/update/accepted", 1).code(),
            StatusCode::kRejected);
  // Another thing's topic: dropped by the broker (AWS's behaviour).
  ASSERT_TRUE((*alice)
                  ->Publish("$aws/things/bob-thing/shadow/update",
                            R"({"state":{"reported":{"by":"alice"}}})", 1)
                  .ok());
  // Its own thing: accepted; once that answer arrives, the other publish
  // (sent first, on the same connection) has been decided.
  ASSERT_TRUE((*alice)
                  ->Publish("$aws/things/alice-thing/shadow/update",
                            R"({"state":{"reported":{"by":"alice"}}})", 1)
                  .ok());
  EXPECT_TRUE(Eventually([&] {
    return alice_inbox.Has("$aws/things/alice-thing/shadow/update/accepted");
  })) << ServiceLogTail();
  EXPECT_TRUE(
      Eventually([&] { return seen.Has("$aws/things/alice-thing/shadow/update/accepted"); }));
  EXPECT_FALSE(seen.Has("$aws/things/bob-thing/shadow/update/accepted"));
  EXPECT_TRUE(Eventually([&] {
    return ServiceLogTail().find("iam_access_key=" + std::string(kAliceKey) +
                                 " action=iot:Publish resource=topic/$aws/things/bob-thing") !=
           std::string::npos;
  })) << ServiceLogTail();

  // Bob has keys but no IAM user in the registry: refused at connect.
  MqttOptions bob = WssOptions(Keys(kBobKey, kBobSecret), "bob");
  bob.client_id = "alice-2";
  EXPECT_FALSE(Connect(bob, nullptr).ok());
  // Nobody can claim an IAM identity on the broker without the secret.
  ChildProcessOptions forged;
  forged.argv = PlainEndpoint(broker_).Args();
  forged.argv.insert(forged.argv.begin(), "mosquitto_pub");
  for (const char* arg :
       {"-i", "alice-3", "-u", "iam:AKIDALICEWSS0001", "-P", "a-guess-0123456789abcdef", "-t",
        "$aws/things/alice-thing/shadow/get", "-m", "{}", "-q", "1"}) {
    forged.argv.push_back(arg);
  }
  Result<ProcessOutput> refused = RunProcess(forged);
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_FALSE(refused->status.success()) << refused->output;
  EXPECT_THAT(refused->output, HasSubstr("not authori")) << refused->output;
  EXPECT_THAT(ServiceLogTail(), HasSubstr("is reserved for shadowsync-gateway"));
  EXPECT_THAT(ServiceLogTail(), ::testing::Not(HasSubstr(kRelaySecret)));
}

// shadowctl gets, updates and watches a shadow over each of AWS IoT's four
// data-plane protocols against the local stack (issue 11, "Done when"):
// the plugin's broker and the gateway with its mutual-TLS, SigV4 and
// WebSocket listeners at once.
//
//   mqtt         mqtts:// to the broker, client certificate
//   https-cert   https:// to the gateway's mutual-TLS listener
//   https-sigv4  https:// to its SigV4 listener, keys from the AWS profile "bob"
//   wss          wss://.../mqtt, presigned with the same profile, relayed
//
// Each runs the real shadowctl binary: update, get, a version conflict
// (exit 3, "error: 409 ..."), and watch --count 2 (MQTT watch is pushed,
// HTTPS watch polls with --interval): one update gives a documents and a
// delta line either way.
class ShadowctlProtocolsTest : public WebSocketTest,
                               public ::testing::WithParamInterface<std::string> {
 protected:
  // The connection flags of the protocol under test.
  std::vector<std::string> ConnectionFlags() const {
    const std::string& protocol = GetParam();
    const std::string host = "127.0.0.1:";
    const std::vector<std::string> certificate = {"--ca",   certs_->ca_cert,
                                                  "--cert", certs_->client("test-client").ec.cert,
                                                  "--key",  certs_->client("test-client").ec.key};
    const std::vector<std::string> profile = {"--ca", certs_->ca_cert, "--profile",
                                              "bob",  "--region",      kRegion};
    std::vector<std::string> flags;
    if (protocol == "mqtt") {
      flags = {"--broker", broker_.tls_ec_uri()};  // the name the broker's certificate has
      flags.insert(flags.end(), certificate.begin(), certificate.end());
    } else if (protocol == "https-cert") {
      flags = {"--protocol", "https-cert", "--broker",
               "https://" + host + std::to_string(gateway_->mtls_port())};
      flags.insert(flags.end(), certificate.begin(), certificate.end());
    } else if (protocol == "https-sigv4") {
      flags = {"--protocol", "https-sigv4", "--broker",
               "https://" + host + std::to_string(gateway_->sigv4_port())};
      flags.insert(flags.end(), profile.begin(), profile.end());
    } else {
      flags = {"--broker", WssUri()};
      flags.insert(flags.end(), profile.begin(), profile.end());
    }
    return flags;
  }

  ChildProcessOptions Shadowctl(const std::vector<std::string>& args) const {
    ChildProcessOptions run;
    run.argv = {SHADOWSYNC_SHADOWCTL_BINARY};
    run.argv.insert(run.argv.end(), args.begin(), args.end());
    run.argv.insert(run.argv.end(), {"--thing", "ctl-" + GetParam()});
    const std::vector<std::string> flags = ConnectionFlags();
    run.argv.insert(run.argv.end(), flags.begin(), flags.end());
    // The profile comes from this file only; the user's set-up stays out.
    run.env = {{"AWS_SHARED_CREDENTIALS_FILE", credentials_file_},
               {"AWS_CONFIG_FILE", dir_->File("no-config")},
               {"AWS_ACCESS_KEY_ID", ""},
               {"AWS_SECRET_ACCESS_KEY", ""},
               {"AWS_PROFILE", ""},
               {"HOME", dir_->path()}};
    return run;
  }

  ProcessOutput Run(const std::vector<std::string>& args) {
    Result<ProcessOutput> output = RunProcess(Shadowctl(args));
    EXPECT_TRUE(output.ok()) << output.status().ToString();
    return output.ok() ? *output : ProcessOutput{ExitStatus(255 << 8), ""};
  }
};

std::string At(const std::string& json, const char* pointer) {
  Result<JsonDocument> doc = ParseJson(json);
  if (!doc.ok()) return "<not JSON: " + json + ">";
  const JsonValue* value = rapidjson::Pointer(pointer).Get(*doc);
  return value ? ToCompactJson(*value) : "<absent>";
}

TEST_P(ShadowctlProtocolsTest, GetsUpdatesAndWatches) {
  ASSERT_TRUE(StartStack("", /*rest_listeners=*/true));
  ProcessOutput updated = Run({"update", "--desired", R"({"power":"on"})", "--compact"});
  ASSERT_TRUE(updated.status.success()) << updated.output << Log();
  EXPECT_EQ(At(updated.output, "/state/desired/power"), "\"on\"") << updated.output;
  const std::string version = At(updated.output, "/version");

  ProcessOutput got = Run({"get", "--compact"});
  ASSERT_TRUE(got.status.success()) << got.output;
  EXPECT_EQ(At(got.output, "/state/delta/power"), "\"on\"") << got.output;
  EXPECT_EQ(At(got.output, "/version"), version) << got.output;

  // The same exit code and message for a rejection over every protocol.
  ProcessOutput conflict = Run({"update", "--desired", R"({"power":"off"})", "--version", "999"});
  EXPECT_EQ(conflict.status.exit_code(), 3) << conflict.output;
  EXPECT_THAT(conflict.output, HasSubstr("error: 409 Version conflict"));

  // watch: its first two events (documents and delta of one update). MQTT
  // watch sees only what comes after it subscribed, HTTPS watch only what
  // comes after its first GET: updates are sent until one reaches it.
  std::vector<std::string> watch_args = {"watch", "--count", "2", "--timeout", "60"};
  if (GetParam().rfind("https", 0) == 0) watch_args.insert(watch_args.end(), {"--interval", "0.2"});
  ChildProcessOptions watching = Shadowctl(watch_args);
  watching.log_path = dir_->File("watch.log");
  ChildProcess watch;
  ASSERT_TRUE(watch.Start(watching).ok());
  int level = 0;
  ASSERT_TRUE(Eventually(
      [&] {
        ProcessOutput sent =
            Run({"update", "--desired", R"({"level":)" + std::to_string(++level) + "}"});
        return sent.status.success() && watch.WaitForExit(500ms).ok();
      },
      kLong))
      << watch.ReadLog() << Log();
  ASSERT_TRUE(watch.exit_status().has_value());
  EXPECT_TRUE(watch.exit_status()->success()) << watch.ReadLog();
  const std::string topic = "$aws/things/ctl-" + GetParam() + "/shadow/update/";
  EXPECT_THAT(watch.ReadLog(),
              HasSubstr(R"({"type":"documents","topic":")" + topic + R"(documents","payload":{)"));
  EXPECT_THAT(watch.ReadLog(),
              HasSubstr(R"({"type":"delta","topic":")" + topic + R"(delta","payload":{)"));
  EXPECT_THAT(watch.ReadLog(), HasSubstr(R"("level":)"));
}

INSTANTIATE_TEST_SUITE_P(FourProtocols, ShadowctlProtocolsTest,
                         ::testing::Values("mqtt", "https-cert", "https-sigv4", "wss"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace shadowsync::testing_support
