// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-gateway in-process (gateway.h) in front of a real mosquitto
// with the shadowsync plugin (ShadowServiceTest), spoken to over HTTPS with
// libcurl: client certificates generated at test time on the mutual-TLS
// listener, SigV4 headers from our signer and from botocore on the other.
// Devices are Paho clients of the same broker.

#include <gtest/gtest.h>
#include <rapidjson/pointer.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway_fixture.h"
#include "https_client.h"
#include "shadowsync/json.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/sigv4.h"
#include "support/child_process.h"
#include "support/client_options.h"
#include "support/shadow_service_fixture.h"
#include "support/temp_dir.h"

namespace shadowsync::testing_support {
namespace {

TEST_F(GatewayTest, GetIs404ThenUpdateAnswersTheAcceptedDocumentThenGetShowsTheDelta) {
  ASSERT_TRUE(StartGateway());
  ExpectError(Mtls("GET", "/things/gw-lamp/shadow"), 404, "ResourceNotFoundException",
              "No shadow exists with name: 'gw-lamp'");

  HttpsResult updated =
      Mtls("POST", "/things/gw-lamp/shadow", R"({"state":{"desired":{"power":"on"}}})");
  ASSERT_EQ(updated.status, 200) << updated.error << updated.body;
  EXPECT_EQ(At(updated.body, "/state/desired/power"), "\"on\"");
  EXPECT_EQ(At(updated.body, "/version"), "1");
  EXPECT_NE(At(updated.body, "/metadata/desired/power/timestamp"), "<absent>");
  EXPECT_EQ(At(updated.body, "/clientToken"), "<absent>") << "the gateway's token leaked";

  HttpsResult got = Mtls("GET", "/things/gw-lamp/shadow");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(At(got.body, "/state/delta/power"), "\"on\"");
  EXPECT_EQ(At(got.body, "/state/desired/power"), "\"on\"");
  EXPECT_EQ(At(got.body, "/version"), "1");
  EXPECT_EQ(At(got.body, "/clientToken"), "<absent>");
  EXPECT_EQ(got.Header("content-type"), "application/json");
  // One log line per request: method, path, status, principal, ms.
  EXPECT_NE(Log().find("GET /things/gw-lamp/shadow 200 cert CN=test-client "), std::string::npos)
      << Log();
}

TEST_F(GatewayTest, DeviceOnMqttGetsTheDeltaAndDocumentsOfARestUpdate) {
  ASSERT_TRUE(StartGateway());
  MqttDevice device;
  ASSERT_TRUE(device.Connect(
      TlsOptions(certs_->client("lamp").ec, "device"),
      {"$aws/things/gw-dev/shadow/update/delta", "$aws/things/gw-dev/shadow/update/documents"}));
  HttpsResult updated = Mtls("POST", "/things/gw-dev/shadow",
                             R"({"state":{"desired":{"color":"red"}},"clientToken":"mine"})");
  ASSERT_EQ(updated.status, 200) << updated.error << updated.body;
  EXPECT_EQ(At(updated.body, "/clientToken"), "\"mine\"") << "the caller's token comes back";

  std::optional<MqttMessage> delta = device.WaitFor("$aws/things/gw-dev/shadow/update/delta");
  ASSERT_TRUE(delta.has_value()) << "no delta on MQTT";
  EXPECT_EQ(At(delta->payload, "/state/color"), "\"red\"");
  EXPECT_EQ(At(delta->payload, "/version"), "1");
  std::optional<MqttMessage> documents =
      device.WaitFor("$aws/things/gw-dev/shadow/update/documents");
  ASSERT_TRUE(documents.has_value()) << "no documents on MQTT";
  EXPECT_EQ(At(documents->payload, "/current/state/desired/color"), "\"red\"");
}

TEST_F(GatewayTest, VersionConflictIs409) {
  ASSERT_TRUE(StartGateway());
  ASSERT_EQ(Mtls("POST", "/things/gw-v/shadow", R"({"state":{"reported":{"a":1}}})").status, 200);
  ASSERT_EQ(Mtls("POST", "/things/gw-v/shadow", R"({"state":{"reported":{"a":2}}})").status, 200);
  ExpectError(Mtls("POST", "/things/gw-v/shadow", R"({"state":{"reported":{"a":3}},"version":1})"),
              409, "ConflictException", "Version conflict");
  HttpsResult ok =
      Mtls("POST", "/things/gw-v/shadow", R"({"state":{"reported":{"a":3}},"version":2})");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(At(ok.body, "/version"), "3");
}

TEST_F(GatewayTest, BadRequestsAre400WithTheServiceMessage) {
  ASSERT_TRUE(StartGateway());
  // Checked by the service, through MQTT.
  ExpectError(Mtls("POST", "/things/gw-bad/shadow", R"({"state":"on"})"), 400,
              "InvalidRequestException", "State node must be an object");
  ExpectError(Mtls("POST", "/things/gw-bad/shadow", R"({"desired":{}})"), 400,
              "InvalidRequestException", "Missing required node: state");
  // The caller's token is echoed in errors too.
  HttpsResult with_token =
      Mtls("POST", "/things/gw-bad/shadow", R"({"state":"on","clientToken":"t-1"})");
  EXPECT_EQ(with_token.status, 400);
  EXPECT_EQ(At(with_token.body, "/clientToken"), "\"t-1\"");
  // Checked by the gateway before it replaces the token (same messages).
  ExpectError(Mtls("POST", "/things/gw-bad/shadow", "not json"), 400, "InvalidRequestException",
              "Invalid JSON");
  ExpectError(Mtls("POST", "/things/gw-bad/shadow",
                   R"({"state":{},"clientToken":")" + std::string(65, 'x') + "\"}"),
              400, "InvalidRequestException", "Invalid clientToken");
  ExpectError(Mtls("POST", "/things/gw-bad/shadow", "{\"state\":\"\xff\"}"), 415,
              "UnsupportedDocumentEncodingException", "UTF-8");
  // Routing.
  ExpectError(Mtls("GET", "/things/bad%20name/shadow"), 400, "InvalidRequestException", "");
  ExpectError(Mtls("PUT", "/things/gw-bad/shadow"), 405, "MethodNotAllowedException", "PUT");
  ExpectError(Mtls("GET", "/nothing/here"), 404, "ResourceNotFoundException", "No route");
  ExpectError(Mtls("POST", "/topics/a?qos=2", "x"), 400, "InvalidRequestException", "qos");
  ExpectError(Mtls("POST", "/things/gw-bad/shadow", std::string(200 * 1024, ' ')), 413,
              "RequestEntityTooLargeException", "maximum size");
  ExpectError(Mtls("GET", "/api/things/shadow/ListNamedShadowsForThing/gw-bad?pageSize=0"), 400,
              "InvalidRequestException", "pageSize");
  // The gateway keeps serving.
  EXPECT_EQ(Mtls("GET", "/things/gw-bad/shadow").status, 404);
}

TEST_F(GatewayTest, ConcurrentRequestsEachGetTheirOwnAnswer) {
  ASSERT_TRUE(StartGateway());
  constexpr int kClients = 12;
  std::vector<HttpsResult> results(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([this, i, &results] {
      // Half of them on the SigV4 listener, all on one shadow each.
      const std::string body = R"({"state":{"reported":{"n":)" + std::to_string(i) +
                               R"(}},"clientToken":"c)" + std::to_string(i) + "\"}";
      const std::string path = "/things/gw-par-" + std::to_string(i) + "/shadow";
      results[i] = i % 2 ? SigV4("POST", path, {}, body) : Mtls("POST", path, body);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kClients; ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(results[i].status, 200) << results[i].error << results[i].body;
    EXPECT_EQ(At(results[i].body, "/state/reported/n"), std::to_string(i));
    EXPECT_EQ(At(results[i].body, "/clientToken"), "\"c" + std::to_string(i) + "\"");
  }
}

TEST_F(GatewayTest, NamedShadowIsSeparateFromTheClassicOne) {
  ASSERT_TRUE(StartGateway());
  HttpsResult updated =
      Mtls("POST", "/things/gw-named/shadow?name=config", R"({"state":{"desired":{"rate":5}}})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  HttpsResult named = Mtls("GET", "/things/gw-named/shadow?name=config");
  ASSERT_EQ(named.status, 200) << named.body;
  EXPECT_EQ(At(named.body, "/state/delta/rate"), "5");
  ExpectError(Mtls("GET", "/things/gw-named/shadow"), 404, "ResourceNotFoundException",
              "No shadow exists with name: 'gw-named'");
  ExpectError(Mtls("GET", "/things/gw-named/shadow?name=other"), 404, "ResourceNotFoundException",
              "No shadow exists with name: 'other'");
}

TEST_F(GatewayTest, DeleteAnswersTheVersionAndTheShadowIsGone) {
  ASSERT_TRUE(StartGateway());
  ASSERT_EQ(Mtls("POST", "/things/gw-del/shadow", R"({"state":{"reported":{"x":1}}})").status, 200);
  HttpsResult deleted = Mtls("DELETE", "/things/gw-del/shadow");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(At(deleted.body, "/version"), "1");
  EXPECT_NE(At(deleted.body, "/timestamp"), "<absent>");
  EXPECT_EQ(At(deleted.body, "/clientToken"), "<absent>");
  ExpectError(Mtls("GET", "/things/gw-del/shadow"), 404, "ResourceNotFoundException", "");
  ExpectError(Mtls("DELETE", "/things/gw-del/shadow"), 404, "ResourceNotFoundException", "");
}

TEST_F(GatewayTest, PublishReachesAnMqttSubscriber) {
  ASSERT_TRUE(StartGateway());
  MqttDevice device;
  ASSERT_TRUE(
      device.Connect(TlsOptions(certs_->client("lamp").ec, "subscriber"), {"gw/test/topic"}));
  HttpsResult published = Mtls("POST", "/topics/gw%2Ftest%2Ftopic?qos=1", "hello world");
  ASSERT_EQ(published.status, 200) << published.error << published.body;
  EXPECT_EQ(At(published.body, "/message"), "\"OK\"");
  std::optional<MqttMessage> message = device.WaitFor("gw/test/topic");
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->payload, "hello world");
  EXPECT_EQ(message->qos, 1);
  // Unencoded slashes work too (curl users write them).
  ASSERT_EQ(Mtls("POST", "/topics/gw/test/topic", "raw").status, 200);
  message = device.WaitFor("gw/test/topic");
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->payload, "raw");
}

TEST_F(GatewayTest, MutualTlsRefusesAClientWithoutACertificate) {
  ASSERT_TRUE(StartGateway());
  HttpsResult anonymous = Mtls("GET", "/things/gw-lamp/shadow", "", /*client=*/"");
  EXPECT_NE(anonymous.error, "") << "answered " << anonymous.status << " " << anonymous.body;
  EXPECT_EQ(anonymous.status, 0);
  // A certificate from another CA neither.
  HttpsCall wrong_ca;
  wrong_ca.url =
      "https://127.0.0.1:" + std::to_string(gateway_->mtls_port()) + "/things/gw-lamp/shadow";
  wrong_ca.ca_file = certs_->ca_cert;
  wrong_ca.cert_file = certs_->client_wrong_ca.cert;
  wrong_ca.key_file = certs_->client_wrong_ca.key;
  EXPECT_NE(CallHttps(wrong_ca).error, "");
  // And the listener still serves a good client.
  EXPECT_EQ(Mtls("GET", "/things/gw-lamp/shadow").status, 404);
}

TEST_F(GatewayTest, ASlowClientIsDisconnectedAfterTheReadTimeout) {
  namespace net = boost::asio;
  GatewayOptions options = Options();
  options.read_timeout = std::chrono::milliseconds(500);
  ASSERT_TRUE(StartGateway(options));
  net::io_context io;
  net::ssl::context context(net::ssl::context::tls_client);
  context.load_verify_file(certs_->ca_cert);
  context.use_certificate_file(certs_->default_client().ec.cert, net::ssl::context::pem);
  context.use_private_key_file(certs_->default_client().ec.key, net::ssl::context::pem);
  net::ssl::stream<net::ip::tcp::socket> stream(io, context);
  stream.next_layer().connect(
      {net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(gateway_->mtls_port())});
  // A blocking read that the server never ends fails the test after 10 s.
  timeval limit{10, 0};
  setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  stream.handshake(net::ssl::stream_base::client);
  const std::string partial = "GET /things/gw-slow/shadow HTTP/1.1\r\nHost: x\r\n";
  net::write(stream, net::buffer(partial));
  const auto start = std::chrono::steady_clock::now();
  char buffer[256];
  boost::system::error_code ec;
  const std::size_t n = stream.read_some(net::buffer(buffer), ec);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(ec) << "the server answered an incomplete request: " << std::string(buffer, n);
  EXPECT_NE(ec, net::error::would_block) << "not disconnected within 10 s";
  EXPECT_LT(waited, std::chrono::seconds(5));
  // And it keeps serving.
  EXPECT_EQ(Mtls("GET", "/things/gw-slow/shadow").status, 404);
}

TEST_F(GatewayTest, SigV4SignedRequestsWorkAndBadOnesAre403WithAReason) {
  ASSERT_TRUE(StartGateway());
  ExpectError(SigV4("GET", "/things/gw-sig/shadow"), 404, "ResourceNotFoundException",
              "No shadow exists");
  HttpsResult updated = SigV4("POST", "/things/gw-sig/shadow", {{"name", "cfg"}},
                              R"({"state":{"reported":{"on":true}}})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(At(updated.body, "/state/reported/on"), "true");
  EXPECT_NE(Log().find("POST /things/gw-sig/shadow?name=cfg 200 key " + std::string(kAccessKeyId)),
            std::string::npos)
      << Log();

  HttpsResult bad = SigV4("GET", "/things/gw-sig/shadow", {}, "", "not-the-secret");
  ExpectError(bad, 403, "InvalidSignatureException", "does not match");
  // The reason names what the server computed, never the secret.
  JsonDocument bad_doc = Json(bad.body);
  ASSERT_TRUE(bad_doc.IsObject() && bad_doc.HasMember("message"));
  EXPECT_NE(std::string(bad_doc["message"].GetString()).find("GET\n/things/gw-sig/shadow\n"),
            std::string::npos)
      << bad.body;
  EXPECT_EQ(bad.body.find(kSecretKey), std::string::npos);
  EXPECT_EQ(Log().find(kSecretKey), std::string::npos);

  HttpsCall unsigned_call;
  unsigned_call.url =
      "https://127.0.0.1:" + std::to_string(gateway_->sigv4_port()) + "/things/gw-sig/shadow";
  unsigned_call.ca_file = certs_->ca_cert;
  ExpectError(CallHttps(unsigned_call), 403, "MissingAuthenticationTokenException",
              "Missing Authentication Token");

  // A presigned-style query: its session token never reaches the log.
  unsigned_call.url += "?X-Amz-Signature=00&X-Amz-Security-Token=token-that-is-secret";
  EXPECT_EQ(CallHttps(unsigned_call).status, 403);
  EXPECT_EQ(Log().find("token-that-is-secret"), std::string::npos) << Log();
  EXPECT_NE(Log().find("?<SigV4 query not logged> 403"), std::string::npos) << Log();

  // A body changed after signing.
  const std::string host = "127.0.0.1:" + std::to_string(gateway_->sigv4_port());
  SigV4Request request;
  request.method = "POST";
  request.host = host;
  request.path = "/things/gw-sig/shadow";
  request.payload_sha256 = Sha256Hex(R"({"state":{"reported":{"on":true}}})");
  Result<SigV4HeaderSignature> signature =
      SignSigV4Headers(request, AwsCredentials{kAccessKeyId, kSecretKey, "", std::nullopt, "test"},
                       SigV4Scope{kRegion, "iotdata", std::chrono::system_clock::now()});
  ASSERT_TRUE(signature.ok());
  HttpsCall tampered;
  tampered.method = "POST";
  tampered.url = "https://" + host + "/things/gw-sig/shadow";
  tampered.body = R"({"state":{"reported":{"on":false}}})";
  tampered.ca_file = certs_->ca_cert;
  tampered.headers = signature->headers;
  ExpectError(CallHttps(tampered), 403, "InvalidSignatureException", "does not match");
}

TEST_F(GatewayTest, BotocoreSignedRequestIsAccepted) {
  ASSERT_TRUE(StartGateway());
  const std::string url =
      "https://127.0.0.1:" + std::to_string(gateway_->sigv4_port()) + "/things/gw-boto/shadow";
  const std::string body = R"({"state":{"desired":{"mode":"eco"}}})";
  ChildProcessOptions sign;
  sign.argv = {SHADOWSYNC_BOTOCORE_PYTHON,
               SHADOWSYNC_BOTOCORE_SIGN,
               "--method",
               "POST",
               "--url",
               url,
               "--body",
               body,
               "--region",
               kRegion};
  sign.env = {{"GW_ACCESS_KEY_ID", kAccessKeyId}, {"GW_SECRET_ACCESS_KEY", kSecretKey}};
  Result<ProcessOutput> signed_headers = RunProcess(sign);
  ASSERT_TRUE(signed_headers.ok()) << signed_headers.status().ToString();
  if (signed_headers->status.exited() && signed_headers->status.exit_code() == 77) {
    GTEST_SKIP() << "botocore is not installed (scripts/install-deps.sh)";
  }
  ASSERT_TRUE(signed_headers->status.success()) << signed_headers->output;
  HttpsCall call;
  call.method = "POST";
  call.url = url;
  call.body = body;
  call.ca_file = certs_->ca_cert;
  std::string lines = signed_headers->output;
  for (std::size_t start = 0; start < lines.size();) {
    std::size_t end = lines.find('\n', start);
    if (end == std::string::npos) end = lines.size();
    const std::string line = lines.substr(start, end - start);
    const std::size_t colon = line.find(": ");
    if (colon != std::string::npos)
      call.headers.push_back({line.substr(0, colon), line.substr(colon + 2)});
    start = end + 1;
  }
  ASSERT_EQ(call.headers.size(), 2u) << lines;
  HttpsResult result = CallHttps(call);
  ASSERT_EQ(result.status, 200) << result.error << result.body;
  EXPECT_EQ(At(result.body, "/state/desired/mode"), "\"eco\"");
  // Tampered: one more byte in the body.
  call.body += " ";
  ExpectError(CallHttps(call), 403, "InvalidSignatureException", "does not match");
}

TEST_F(GatewayTest, AwsCliGetThingShadowWorksAgainstTheSigV4Listener) {
  const char* path = std::getenv("PATH");
  Result<std::string> aws = FindExecutable("aws", path ? path : "");
  if (!aws.ok()) GTEST_SKIP() << "no aws CLI on PATH";
  ASSERT_TRUE(StartGateway());
  ASSERT_EQ(Mtls("POST", "/things/gw-cli/shadow", R"({"state":{"reported":{"temp":21}}})").status,
            200);
  const std::string out = dir_->File("shadow.json");
  ChildProcessOptions options;
  options.argv = {*aws,
                  "iot-data",
                  "get-thing-shadow",
                  "--endpoint-url",
                  "https://127.0.0.1:" + std::to_string(gateway_->sigv4_port()),
                  "--thing-name",
                  "gw-cli",
                  out};
  options.env = {{"AWS_ACCESS_KEY_ID", kAccessKeyId},
                 {"AWS_SECRET_ACCESS_KEY", kSecretKey},
                 {"AWS_DEFAULT_REGION", kRegion},
                 {"AWS_CA_BUNDLE", certs_->ca_cert},
                 {"AWS_CONFIG_FILE", dir_->File("no-config")},
                 {"AWS_SHARED_CREDENTIALS_FILE", dir_->File("no-credentials")}};
  Result<ProcessOutput> ran = RunProcess(options, std::chrono::seconds(60));
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  ASSERT_TRUE(ran->status.success()) << ran->output << "\n" << Log();
  Result<std::string> shadow = ReadFileToString(out);
  ASSERT_TRUE(shadow.ok());
  EXPECT_EQ(At(*shadow, "/state/reported/temp"), "21") << *shadow;

  // A not-found comes back as the SDK's ResourceNotFoundException.
  options.argv[6] = "gw-cli-missing";
  ran = RunProcess(options, std::chrono::seconds(60));
  ASSERT_TRUE(ran.ok());
  EXPECT_FALSE(ran->status.success());
  EXPECT_NE(ran->output.find("ResourceNotFoundException"), std::string::npos) << ran->output;
}

TEST_F(GatewayTest, RegistryDeniesWhatTheCertificatesPoliciesDoNotAllow) {
  const std::string registry = dir_->File("registry.json");
  ASSERT_TRUE(WriteStringToFile(registry, R"({
  "certificates": [ { "commonName": "lamp", "thing": "lamp", "policies": ["own-shadow"] } ],
  "things": { "lamp": {} },
  "policies": {
    "own-shadow": {
      "Version": "2012-10-17",
      "Statement": [
        { "Effect": "Allow", "Action": ["iot:GetThingShadow", "iot:UpdateThingShadow"],
          "Resource": "arn:aws:iot:*:*:thing/lamp" },
        { "Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:iot:*:*:topic/lamp/*" }
      ]
    }
  }
})")
                  .ok());
  GatewayOptions options = Options();
  options.registry_file = registry;
  ASSERT_TRUE(StartGateway(options));

  EXPECT_EQ(Mtls("GET", "/things/lamp/shadow", "", "lamp").status, 404) << "allowed: own shadow";
  EXPECT_EQ(
      Mtls("POST", "/things/lamp/shadow", R"({"state":{"reported":{"on":1}}})", "lamp").status,
      200);
  ExpectError(Mtls("DELETE", "/things/lamp/shadow", "", "lamp"), 403, "ForbiddenException",
              "Forbidden");
  ExpectError(Mtls("GET", "/things/other/shadow", "", "lamp"), 403, "ForbiddenException",
              "Forbidden");
  ExpectError(Mtls("GET", "/things/lamp/shadow?name=x", "", "lamp"), 403, "ForbiddenException",
              "Forbidden");
  EXPECT_EQ(Mtls("POST", "/topics/lamp%2Fstatus", "x", "lamp").status, 200);
  ExpectError(Mtls("POST", "/topics/other%2Fstatus", "x", "lamp"), 403, "ForbiddenException",
              "Forbidden");
  // A certificate the registry does not know.
  ExpectError(Mtls("GET", "/things/lamp/shadow", "", "intruder"), 403, "ForbiddenException",
              "Forbidden");
  // SigV4 keys are not in the registry (no IAM policies): a verified key may.
  EXPECT_EQ(SigV4("GET", "/things/other/shadow").status, 404);
  // The reason is in the log, not in the answer.
  EXPECT_NE(Log().find("GET /things/other/shadow 403 cert CN=lamp"), std::string::npos) << Log();
  EXPECT_NE(Log().find("iot:GetThingShadow on thing/other"), std::string::npos) << Log();
}

TEST_F(GatewayTest, NoAnswerFromTheServiceIs504) {
  // A broker without the shadow service: requests are never answered.
  MosquittoBroker bare;
  BrokerOptions broker_options;
  broker_options.certificates = certs_;
  broker_options.client_names = {"test-client", "gateway", "lamp", "intruder"};
  ASSERT_TRUE(bare.Start(broker_options).ok());
  GatewayOptions options = Options();
  options.mqtt = TlsClientOptions(bare.tls_ec_uri(), *certs_, certs_->client("gateway").ec, "gw");
  options.request_timeout = std::chrono::milliseconds(300);
  ASSERT_TRUE(StartGateway(options));
  ExpectError(Mtls("GET", "/things/gw-none/shadow"), 504, "GatewayTimeoutException",
              "no answer from the shadow service on $shadowsync/rest/things/gw-none/shadow/get");
}

TEST_F(GatewayTest, BrokerOutageIs5xxAndTheGatewayRecoversAfterIt) {
  GatewayOptions options = Options();
  options.request_timeout = std::chrono::milliseconds(1500);
  options.mqtt.reconnect_max = std::chrono::milliseconds(1000);
  ASSERT_TRUE(StartGateway(options));
  ASSERT_EQ(Mtls("POST", "/things/gw-out/shadow", R"({"state":{"reported":{"up":1}}})").status,
            200);
  ASSERT_TRUE(broker_.Stop().ok());
  // 503 once the transport knows it is offline, 504 if the request left
  // before it noticed; never a hang.
  HttpsResult down = Mtls("GET", "/things/gw-out/shadow");
  EXPECT_TRUE(down.status == 503 || down.status == 504) << down.status << " " << down.body;
  EXPECT_NE(down.Header("x-amzn-errortype"), "");

  ASSERT_TRUE(broker_.Restart().ok());
  ASSERT_TRUE(WaitForLog(": reconnected", std::chrono::seconds(30))) << Log();
  HttpsResult up = Mtls("GET", "/things/gw-out/shadow");
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(At(up.body, "/state/reported/up"), "1");
}

TEST_F(GatewayTest, StartErrorsNameTheFlag) {
  GatewayOptions options = Options();
  options.registry_file = dir_->File("missing.json");
  Gateway missing_registry(options, [](const std::string&) {});
  Status status = missing_registry.Start();
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.message().rfind("--registry: ", 0), 0u) << status.message();

  options = Options();
  options.server_key_file = dir_->File("missing.key");
  Gateway missing_key(options, [](const std::string&) {});
  status = missing_key.Start();
  EXPECT_EQ(status.message().rfind("--tls-key: ", 0), 0u) << status.message();
  EXPECT_NE(status.message().find("missing.key"), std::string::npos) << status.message();

  options = Options();
  ASSERT_TRUE(
      WriteStringToFile(dir_->File("bad-credentials"), "[x]\naws_access_key_id = A\n").ok());
  options.credentials_file = dir_->File("bad-credentials");
  Gateway bad_keys(options, [](const std::string&) {});
  status = bad_keys.Start();
  EXPECT_EQ(status.message().rfind("--sigv4-credentials: ", 0), 0u) << status.message();
  EXPECT_NE(status.message().find("aws_secret_access_key"), std::string::npos);
}

}  // namespace
}  // namespace shadowsync::testing_support
