// SPDX-License-Identifier: Apache-2.0
//
// ShadowRestClient (shadowsync/rest_client.h) and shadowctl over HTTPS
// against the gateway in front of mosquitto with the plugin: a client
// certificate on the mutual-TLS listener, SigV4 on the other, the same
// results and exit codes as over MQTT. ShadowClient over the REST
// transport: rest_transport_test.cc.

#include "shadowsync/rest_client.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gateway_fixture.h"
#include "rest_client_fixture.h"
#include "support/child_process.h"

namespace shadowsync::testing_support {
namespace {

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_F(RestClientTest, CertificateGetUpdateDeleteWithTheMqttResultTypes) {
  ASSERT_TRUE(StartGateway());
  std::unique_ptr<ShadowRestClient> client = Client(CertificateOptions());
  ASSERT_NE(client, nullptr);
  const ShadowId lamp{"rc-lamp", std::nullopt};

  RequestResult missing = client->Get(lamp);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "404: No shadow exists with name: 'rc-lamp' (ResourceNotFoundException)");

  RequestResult updated = client->Update(lamp, R"({"state":{"desired":{"power":"on"}}})");
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->version, 1u);
  EXPECT_EQ(At(ToCompactJson(updated->payload), "/state/desired/power"), "\"on\"");

  RequestResult got = client->Get(lamp);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(At(ToCompactJson(got->payload), "/state/delta/power"), "\"on\"");

  RequestResult conflict =
      client->Update(lamp, R"({"state":{"desired":{"power":"off"}},"version":7})");
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), StatusCode::kConflict);
  EXPECT_EQ(conflict.status().message(), "409: Version conflict (ConflictException)");

  RequestResult bad = client->Update(lamp, R"({"state":{"desired":5}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kRejected);
  EXPECT_EQ(bad.status().message(),
            "400: Desired node must be an object (InvalidRequestException)");

  RequestResult deleted = client->Delete(lamp);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(deleted->version, 1u);
  EXPECT_EQ(client->Get(lamp).status().code(), StatusCode::kNotFound);
}

TEST_F(RestClientTest, SigV4NamedShadowAndPublish) {
  ASSERT_TRUE(StartGateway());
  MqttDevice device;
  ASSERT_TRUE(device.Connect(TlsOptions(certs_->client("lamp").ec, "lamp"),
                             {"$aws/things/rc-sig/shadow/name/cfg/update/delta", "rc/telemetry"}));
  std::unique_ptr<ShadowRestClient> client = Client(SigV4Options());
  ASSERT_NE(client, nullptr);
  RequestResult updated = client->Update(
      {"rc-sig", std::string("cfg")}, R"({"state":{"desired":{"rate":5}},"clientToken":"mine"})");
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(At(ToCompactJson(updated->payload), "/clientToken"), "\"mine\"");
  // The device on MQTT sees the delta of the REST update.
  std::optional<MqttMessage> delta =
      device.WaitFor("$aws/things/rc-sig/shadow/name/cfg/update/delta");
  ASSERT_TRUE(delta.has_value());
  EXPECT_EQ(At(delta->payload, "/state/rate"), "5");

  ASSERT_TRUE(client->Publish("rc/telemetry", R"({"t":21.5})", 1).ok());
  std::optional<MqttMessage> telemetry = device.WaitFor("rc/telemetry");
  ASSERT_TRUE(telemetry.has_value());
  EXPECT_EQ(telemetry->payload, R"({"t":21.5})");

  // A wrong secret: 403 with AWS's type, not retried (nothing to wait for).
  RestClientOptions wrong = SigV4Options();
  wrong.credentials.secret_access_key = "not-the-secret";
  int waits = 0;
  wrong.sleep = [&waits](std::chrono::milliseconds) { ++waits; };
  RequestResult refused = Client(wrong)->Get({"rc-sig", std::string("cfg")});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kRejected);
  EXPECT_NE(refused.status().message().find("403: "), std::string::npos);
  EXPECT_NE(refused.status().message().find("(InvalidSignatureException)"), std::string::npos);
  EXPECT_EQ(refused.status().message().find("not-the-secret"), std::string::npos);
  EXPECT_EQ(waits, 0);
}

TEST_F(RestClientTest, ServiceUnavailableIsRetriedThenReported) {
  GatewayOptions options = Options();
  options.request_timeout = std::chrono::milliseconds(1500);
  ASSERT_TRUE(StartGateway(options));
  // The gateway answers 503 (or 504 for a request that left before it
  // noticed) while the broker is away.
  ASSERT_TRUE(broker_.Stop().ok());
  RestClientOptions rest = CertificateOptions();
  std::vector<std::chrono::milliseconds> waits;
  rest.sleep = [&waits](std::chrono::milliseconds wait) { waits.push_back(wait); };
  rest.max_attempts = 3;
  RequestResult got = Client(rest)->Get({"rc-down", std::nullopt});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message().rfind("50", 0), 0u) << got.status().ToString();
  EXPECT_EQ(waits.size(), 2u);
}

TEST_F(RestClientTest, ShadowctlGetsAndUpdatesWithACertificate) {
  ASSERT_TRUE(StartGateway());
  ProcessOutput updated = Shadowctl(
      Concat({"update", "--thing", "rc-ctl", "--desired", R"({"power":"on"})", "--compact"},
             CertificateFlags()));
  ASSERT_TRUE(updated.status.success()) << updated.status.ToString() << updated.output;
  EXPECT_EQ(At(updated.output, "/state/desired/power"), "\"on\"");

  ProcessOutput got =
      Shadowctl(Concat({"get", "--thing", "rc-ctl", "--compact"}, CertificateFlags()));
  ASSERT_TRUE(got.status.success()) << got.output;
  EXPECT_EQ(At(got.output, "/state/delta/power"), "\"on\"");

  // The exit codes of MQTT: 3 for a rejection, with the code and message.
  ProcessOutput conflict = Shadowctl(
      Concat({"update", "--thing", "rc-ctl", "--desired", R"({"power":"off"})", "--version", "9"},
             CertificateFlags()));
  EXPECT_EQ(conflict.status.exit_code(), 3) << conflict.output;
  EXPECT_NE(conflict.output.find("error: 409 Version conflict"), std::string::npos)
      << conflict.output;
  ProcessOutput missing = Shadowctl(Concat({"get", "--thing", "rc-none"}, CertificateFlags()));
  EXPECT_EQ(missing.status.exit_code(), 3) << missing.output;
  // watch polls over HTTPS: ShadowctlProtocolsTest in websocket_test.cc.
}

TEST_F(RestClientTest, ShadowctlGetsAndUpdatesWithSigV4FromTheEnvironmentAndAProfile) {
  ASSERT_TRUE(StartGateway());
  const std::vector<std::string> endpoint = {
      "--broker", "https://127.0.0.1:" + std::to_string(gateway_->sigv4_port()), "--ca",
      certs_->ca_cert};
  ProcessOutput updated = Shadowctl(
      Concat({"update", "--thing", "rc-sig4", "--desired", R"({"mode":"eco"})", "--compact"},
             endpoint),
      SigV4Environment());
  ASSERT_TRUE(updated.status.success()) << updated.output;
  EXPECT_EQ(At(updated.output, "/state/desired/mode"), "\"eco\"");

  // --profile reads the shared credentials file; --region the scope.
  const std::string credentials = dir_->File("aws-credentials");
  ASSERT_TRUE(WriteStringToFile(credentials,
                                std::string("[ops]\naws_access_key_id = ") + kAccessKeyId +
                                    "\naws_secret_access_key = " + kSecretKey + "\n",
                                0600)
                  .ok());
  ProcessOutput got = Shadowctl(
      Concat({"get", "--thing", "rc-sig4", "--compact", "--profile", "ops", "--region", kRegion},
             endpoint),
      {{"AWS_SHARED_CREDENTIALS_FILE", credentials}});
  ASSERT_TRUE(got.status.success()) << got.output;
  EXPECT_EQ(At(got.output, "/state/desired/mode"), "\"eco\"");

  // The wrong region: the gateway's 403, exit 3.
  ProcessOutput wrong_region = Shadowctl(
      Concat({"get", "--thing", "rc-sig4", "--profile", "ops", "--region", "eu-west-1"}, endpoint),
      {{"AWS_SHARED_CREDENTIALS_FILE", credentials}});
  EXPECT_EQ(wrong_region.status.exit_code(), 3) << wrong_region.output;
  EXPECT_NE(wrong_region.output.find("error: 403 "), std::string::npos) << wrong_region.output;

  // No credentials anywhere: a usage error naming the sources tried.
  ProcessOutput none = Shadowctl(Concat({"get", "--thing", "rc-sig4"}, endpoint));
  EXPECT_EQ(none.status.exit_code(), 2) << none.output;
  EXPECT_NE(none.output.find("SigV4 needs AWS credentials"), std::string::npos) << none.output;
  EXPECT_NE(none.output.find("environment"), std::string::npos) << none.output;
}

TEST_F(RestClientTest, ListNamedShadowsPagesThroughTheThingsNamedShadows) {
  ASSERT_TRUE(StartGateway());
  std::unique_ptr<ShadowRestClient> client = Client(CertificateOptions());
  ASSERT_NE(client, nullptr);
  // An unknown thing lists nothing (platform notes section 2).
  Result<NamedShadowPage> empty = client->ListNamedShadows("rc-list");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->names.empty());
  EXPECT_FALSE(empty->next_token.has_value());
  EXPECT_GT(empty->timestamp, 0);

  for (const char* name : {"c", "a", "b", "gone"}) {
    ASSERT_TRUE(
        client->Update({"rc-list", std::string(name)}, R"({"state":{"reported":{"x":1}}})").ok());
  }
  ASSERT_TRUE(client->Update({"rc-list", std::nullopt}, R"({"state":{"reported":{"x":1}}})").ok());
  ASSERT_TRUE(client->Update({"rc-other", std::string("z")}, R"({"state":{"reported":{}}})").ok());
  ASSERT_TRUE(client->Delete({"rc-list", std::string("gone")}).ok());

  // Name order, two per page; the classic shadow, the deleted one and
  // another thing's are not listed.
  Result<NamedShadowPage> first = client->ListNamedShadows("rc-list", std::nullopt, 2);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->names, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(first->next_token.has_value());
  Result<NamedShadowPage> second = client->ListNamedShadows("rc-list", first->next_token, 2);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->names, (std::vector<std::string>{"c"}));
  EXPECT_FALSE(second->next_token.has_value());

  // shadowctl list follows the pages.
  ProcessOutput listed =
      Shadowctl(Concat({"list", "--thing", "rc-list", "--page-size", "1"}, CertificateFlags()));
  ASSERT_TRUE(listed.status.success()) << listed.output;
  EXPECT_EQ(listed.output, "a\nb\nc\n");
}

TEST_F(RestClientTest, IamUserAllowedOnlyGetThingShadowCannotUpdate) {
  constexpr char kViewerKey[] = "AKIDVIEWERONLY00001";
  constexpr char kViewerSecret[] = "viewer-secret/abcdefghijklmnopqrstuvw";
  const std::string keys = dir_->File("iam-keys");
  ASSERT_TRUE(WriteStringToFile(keys,
                                std::string("[admin]\naws_access_key_id = ") + kAccessKeyId +
                                    "\naws_secret_access_key = " + kSecretKey +
                                    "\n[viewer]\naws_access_key_id = " + kViewerKey +
                                    "\naws_secret_access_key = " + kViewerSecret + "\n",
                                0600)
                  .ok());
  const std::string registry = dir_->File("iam-registry.json");
  ASSERT_TRUE(WriteStringToFile(registry,
                                std::string(R"({
    "certificates": [],
    "policies": {
      "all-shadows": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["iot:GetThingShadow", "iot:UpdateThingShadow"],
        "Resource": "arn:aws:iot:*:*:thing/*"}]},
      "read-shadows": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "iot:GetThingShadow", "Resource": "arn:aws:iot:*:*:thing/*"}]}
    },
    "iamUsers": {
      "admin": {"accessKeyIds": [")") +
                                    kAccessKeyId + R"("], "policies": ["all-shadows"]},
      "viewer": {"accessKeyIds": [")" +
                                    kViewerKey + R"("], "policies": ["read-shadows"]}
    }})",
                                0600)
                  .ok());
  GatewayOptions options = Options();
  options.credentials_file = keys;
  options.registry_file = registry;
  ASSERT_TRUE(StartGateway(options));

  ASSERT_TRUE(Client(SigV4Options())
                  ->Update({"rc-iam", std::nullopt}, R"({"state":{"desired":{"on":true}}})")
                  .ok());
  RestClientOptions viewer = SigV4Options();
  viewer.credentials.access_key_id = kViewerKey;
  viewer.credentials.secret_access_key = kViewerSecret;
  std::unique_ptr<ShadowRestClient> client = Client(viewer);
  RequestResult got = client->Get({"rc-iam", std::nullopt});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  RequestResult updated = client->Update({"rc-iam", std::nullopt}, R"({"state":{"desired":{}}})");
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.status().message(), "403: Forbidden (ForbiddenException)");
  EXPECT_TRUE(WaitForLog("iot:UpdateThingShadow on thing/rc-iam", std::chrono::seconds(5)))
      << Log();
}

// A client certificate on AWS's port 443 needs ALPN x-amzn-http-ca, which
// libcurl 7.88 cannot set by an option: the client sets it on OpenSSL's
// context. A TLS server of the test records what the client offered.
TEST_F(RestClientTest, OffersTheConfiguredAlpnProtocol) {
  namespace net = boost::asio;
  net::io_context io;
  net::ssl::context context(net::ssl::context::tls_server);
  context.use_certificate_chain_file(certs_->server_ec.cert);
  context.use_private_key_file(certs_->server_ec.key, net::ssl::context::pem);
  std::string offered;  // written by the server thread before it answers
  SSL_CTX_set_alpn_select_cb(
      context.native_handle(),
      [](SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
         unsigned int in_length, void* arg) {
        *static_cast<std::string*>(arg) = std::string(reinterpret_cast<const char*>(in), in_length);
        if (in_length < 1) return SSL_TLSEXT_ERR_NOACK;
        *out = in + 1;
        *out_length = in[0];
        return SSL_TLSEXT_ERR_OK;
      },
      &offered);
  net::ip::tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
  const int port = acceptor.local_endpoint().port();
  std::thread server([&] {
    boost::system::error_code ec;
    net::ssl::stream<net::ip::tcp::socket> stream(io, context);
    acceptor.accept(stream.next_layer(), ec);
    if (ec) return;
    stream.handshake(net::ssl::stream_base::server, ec);
    if (ec) return;
    std::string request;
    char buffer[1024];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const std::size_t n = stream.read_some(net::buffer(buffer), ec);
      if (ec) return;
      request.append(buffer, n);
    }
    const std::string body = R"({"state":{},"version":4})";
    const std::string answer =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    net::write(stream, net::buffer(answer), ec);
    stream.shutdown(ec);
  });
  RestClientOptions options;
  options.endpoint = "https://127.0.0.1:" + std::to_string(port);
  options.ca_file = certs_->ca_cert;
  options.cert_file = certs_->client("test-client").ec.cert;
  options.key_file = certs_->client("test-client").ec.key;
  options.alpn = {"x-amzn-http-ca"};
  options.max_attempts = 1;
  RequestResult got = Client(options)->Get({"rc-alpn", std::nullopt});
  server.join();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->version, 4u);
  EXPECT_EQ(offered, std::string("\x0e") + "x-amzn-http-ca");  // only ours, not h2/http1.1
}

// As AWS: a REST error is returned only in HTTP, never on the devices'
// /rejected; a REST update publishes accepted, delta and documents.
TEST_F(RestClientTest, RestErrorsAreNotPublishedOnRejected) {
  ASSERT_TRUE(StartGateway());
  MqttDevice device;
  ASSERT_TRUE(device.Connect(
      TlsOptions(certs_->client("lamp").ec, "lamp"),
      {"$aws/things/rc-rej/shadow/+/rejected", "$aws/things/rc-rej/shadow/update/accepted",
       "$aws/things/rc-rej/shadow/update/delta"}));
  std::unique_ptr<ShadowRestClient> client = Client(CertificateOptions());
  const ShadowId shadow{"rc-rej", std::nullopt};
  EXPECT_EQ(client->Get(shadow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(client->Update(shadow, R"({"state":{"desired":5}})").status().code(),
            StatusCode::kRejected);
  ASSERT_TRUE(client->Update(shadow, R"({"state":{"desired":{"on":true}}})").ok());
  // The answers of one shadow are published in order: once the accepted
  // and the delta of the last update are here, a /rejected of the two
  // errors before it would be too.
  ASSERT_TRUE(device.WaitFor("$aws/things/rc-rej/shadow/update/accepted").has_value());
  ASSERT_TRUE(device.WaitFor("$aws/things/rc-rej/shadow/update/delta").has_value());
  EXPECT_FALSE(
      device.WaitFor("$aws/things/rc-rej/shadow/get/rejected", std::chrono::milliseconds(0)));
  EXPECT_FALSE(
      device.WaitFor("$aws/things/rc-rej/shadow/update/rejected", std::chrono::milliseconds(0)));
}

}  // namespace
}  // namespace shadowsync::testing_support
