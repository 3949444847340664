// SPDX-License-Identifier: Apache-2.0
//
// The real cause of a failed connect (lib/src/mqtt/connect_diagnosis.cc):
// after Paho's "TCP/TLS connect failure" the transport probes the broker
// itself, and each kind of failure against real brokers is named: an
// unknown CA, a certificate for another host or expired, a client
// certificate refused or missing, a refused connection, an unknown host,
// the wrong scheme for the port, a CONNACK refusal, a silent server; and
// the probe on its own. (The message's assembly without a broker:
// tests/unit/connect_failure_test.cc.)

#include "mqtt/connect_diagnosis.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "mqtt/broker_uri.h"
#include "paho_transport_fixture.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/transport.h"
#include "support/eventually.h"
#include "support/mosquitto_fixture.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"

namespace shadowsync {
namespace {

using namespace std::chrono_literals;
using paho_test::MakeOrDie;
using paho_test::PlainOptions;
using paho_test::Recorder;
using paho_test::Shared;
using paho_test::TlsOptions;
using paho_test::UniqueId;
using paho_test::UnusedPort;
using ::testing::HasSubstr;
using testing_support::BrokerOptions;
using testing_support::MosquittoBroker;
using testing_support::ServerCertificate;
using testing_support::TestCertificates;
using Clock = std::chrono::steady_clock;

struct ConnectFailure {
  Status status;
  bool connected_after = false;
};

ConnectFailure ConnectAndFail(const MqttOptions& options) {
  ConnectFailure out;
  std::unique_ptr<Transport> transport = MakeOrDie(options);
  if (transport == nullptr) return out;
  Recorder recorder;
  recorder.Attach(*transport);
  out.status = transport->Connect();
  out.connected_after = transport->IsConnected();
  ::testing::Test::RecordProperty("connect_error", out.status.ToString());  // in --gtest_output=xml
  EXPECT_TRUE(recorder.events().empty()) << "no connection event for a failed Connect()";
  return out;
}

TEST(PahoTransportConnectErrorTest, ServerCertificateFromAnUnknownCa) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  const TestCertificates& certs = broker->certificates();
  MqttOptions options = TlsOptions(broker->tls_ec_uri(), certs, certs.default_client().ec, "ca");
  options.ca_file = certs.wrong_ca_cert;  // does not hold the broker's CA
  const ConnectFailure failure = ConnectAndFail(options);
  EXPECT_EQ(failure.status.code(), StatusCode::kUnavailable) << failure.status.ToString();
  EXPECT_THAT(failure.status.message(), HasSubstr("server certificate verification failed"));
  EXPECT_THAT(failure.status.message(), HasSubstr(certs.wrong_ca_cert));
  EXPECT_FALSE(failure.connected_after);
}

TEST(PahoTransportConnectErrorTest, ServerCertificateForAnotherHost) {
  MosquittoBroker* shared = Shared();
  ASSERT_NE(shared, nullptr);
  MosquittoBroker broker;
  BrokerOptions broker_options;
  broker_options.certificates = shared->shared_certificates();
  broker_options.ec_server_certificate = ServerCertificate::kWrongHost;
  const Status started = broker.Start(broker_options);
  ASSERT_TRUE(started.ok()) << started.ToString();
  const TestCertificates& certs = broker.certificates();
  const ConnectFailure failure =
      ConnectAndFail(TlsOptions(broker.tls_ec_uri(), certs, certs.default_client().ec, "host"));
  EXPECT_EQ(failure.status.code(), StatusCode::kUnavailable) << failure.status.ToString();
  EXPECT_THAT(failure.status.message(), HasSubstr("does not match the host name \"localhost\""));
  EXPECT_THAT(failure.status.message(), HasSubstr("not-localhost.invalid"));
  EXPECT_FALSE(failure.connected_after);
}

TEST(PahoTransportConnectErrorTest, ExpiredServerCertificate) {
  MosquittoBroker* shared = Shared();
  ASSERT_NE(shared, nullptr);
  MosquittoBroker broker;
  BrokerOptions broker_options;
  broker_options.certificates = shared->shared_certificates();
  broker_options.ec_server_certificate = ServerCertificate::kExpired;
  const Status started = broker.Start(broker_options);
  ASSERT_TRUE(started.ok()) << started.ToString();
  const TestCertificates& certs = broker.certificates();
  const ConnectFailure failure =
      ConnectAndFail(TlsOptions(broker.tls_ec_uri(), certs, certs.default_client().ec, "expired"));
  EXPECT_EQ(failure.status.code(), StatusCode::kUnavailable) << failure.status.ToString();
  EXPECT_THAT(failure.status.message(), HasSubstr("certificate has expired"));
  EXPECT_THAT(failure.status.message(), HasSubstr("2020"));
  EXPECT_FALSE(failure.connected_after);
}

TEST(PahoTransportConnectErrorTest, ClientCertificateTheBrokerDoesNotTrust) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  const TestCertificates& certs = broker->certificates();
  const ConnectFailure failure =
      ConnectAndFail(TlsOptions(broker->tls_ec_uri(), certs, certs.client_wrong_ca, "client-ca"));
  EXPECT_EQ(failure.status.code(), StatusCode::kUnavailable) << failure.status.ToString();
  EXPECT_THAT(failure.status.message(), HasSubstr("the broker rejected the client certificate"));
  EXPECT_FALSE(failure.connected_after);
}

TEST(PahoTransportConnectErrorTest, NoClientCertificateWhereOneIsRequired) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  const TestCertificates& certs = broker->certificates();
  MqttOptions options =
      TlsOptions(broker->tls_ec_uri(), certs, certs.default_client().ec, "nocert");
  options.cert_file.clear();
  options.key_file.clear();
  const ConnectFailure failure = ConnectAndFail(options);
  EXPECT_EQ(failure.status.code(), StatusCode::kUnavailable) << failure.status.ToString();
  EXPECT_THAT(failure.status.message(), HasSubstr("client certificate"));
  EXPECT_FALSE(failure.connected_after);
}

TEST(PahoTransportConnectErrorTest, MismatchedKeyIsRefusedBeforeConnecting) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  const TestCertificates& certs = broker->certificates();
  const size_t log_before = broker->ReadLog().size();
  MqttOptions options =
      TlsOptions(broker->tls_ec_uri(), certs, certs.client_mismatched_key, "mismatch");
  Result<std::unique_ptr<Transport>> made = MakePahoTransport(options);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(made.status().message(), HasSubstr("key_file does not match cert_file"));
  EXPECT_THAT(broker->ReadLog().substr(log_before),
              ::testing::Not(HasSubstr("New connection from")));
}

TEST(PahoTransportConnectErrorTest, KeyReplacedAfterCreationIsCaughtByConnect) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  const TestCertificates& certs = broker->certificates();
  Result<std::unique_ptr<testing_support::TempDir>> dir =
      testing_support::TempDir::Create("ptx-key");
  ASSERT_TRUE(dir.ok());
  const std::string key = (*dir)->File("client.key");
  Result<std::string> good = testing_support::ReadFileToString(certs.default_client().ec.key);
  Result<std::string> wrong = testing_support::ReadFileToString(certs.client_mismatched_key.key);
  ASSERT_TRUE(good.ok() && wrong.ok());
  ASSERT_TRUE(testing_support::WriteStringToFile(key, *good, 0600).ok());
  MqttOptions options = TlsOptions(broker->tls_ec_uri(), certs, certs.default_client().ec, "swap");
  options.key_file = key;
  std::unique_ptr<Transport> transport = MakeOrDie(options);
  ASSERT_NE(transport, nullptr);
  ASSERT_TRUE(testing_support::WriteStringToFile(key, *wrong, 0600).ok());
  const Status status = transport->Connect();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_THAT(status.message(), HasSubstr("key_file does not match cert_file"));
}

TEST(PahoTransportConnectErrorTest, ConnectionRefused) {
  MqttOptions options;
  options.server_uri = "tcp://127.0.0.1:" + std::to_string(UnusedPort());
  options.client_id = UniqueId("refused");
  const ConnectFailure failure = ConnectAndFail(options);
  EXPECT_EQ(failure.status.code(), StatusCode::kUnavailable) << failure.status.ToString();
  EXPECT_THAT(failure.status.message(), HasSubstr("connection refused by 127.0.0.1:"));
  // Over TLS too, and with a host name that resolves to several addresses.
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  const TestCertificates& certs = broker->certificates();
  const ConnectFailure tls =
      ConnectAndFail(TlsOptions("ssl://localhost:" + std::to_string(UnusedPort()), certs,
                                certs.default_client().ec, "refused-tls"));
  EXPECT_EQ(tls.status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(tls.status.message(), HasSubstr("connection refused by localhost:"));
}

TEST(PahoTransportConnectErrorTest, UnknownHost) {
  MqttOptions options;
  options.server_uri = "tcp://no-such-host.invalid:1883";
  options.client_id = UniqueId("dns");
  const ConnectFailure failure = ConnectAndFail(options);
  EXPECT_EQ(failure.status.code(), StatusCode::kUnavailable) << failure.status.ToString();
  EXPECT_THAT(failure.status.message(), HasSubstr("cannot resolve host \"no-such-host.invalid\""));
}

TEST(PahoTransportConnectErrorTest, WrongSchemeForThePort) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  const TestCertificates& certs = broker->certificates();
  // ssl:// to the plain listener.
  const ConnectFailure tls_to_plain =
      ConnectAndFail(TlsOptions("ssl://localhost:" + std::to_string(broker->plain_port()), certs,
                                certs.default_client().ec, "tls-to-plain"));
  EXPECT_EQ(tls_to_plain.status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(tls_to_plain.status.message(), HasSubstr("does not speak TLS"));
  EXPECT_THAT(tls_to_plain.status.message(), HasSubstr("use tcp://"));
  // tcp:// to a TLS listener.
  MqttOptions plain_to_tls;
  plain_to_tls.server_uri = "tcp://127.0.0.1:" + std::to_string(broker->tls_ec_port());
  plain_to_tls.client_id = UniqueId("plain-to-tls");
  const ConnectFailure failure = ConnectAndFail(plain_to_tls);
  EXPECT_EQ(failure.status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(failure.status.message(), HasSubstr("it is a TLS port, so use ssl://"));
}

TEST(PahoTransportConnectErrorTest, BrokerRefusesTheConnection) {
  MosquittoBroker* shared = Shared();
  ASSERT_NE(shared, nullptr);
  MosquittoBroker broker;
  BrokerOptions broker_options;
  broker_options.certificates = shared->shared_certificates();
  broker_options.extra_config = {"allow_anonymous false"};  // plain clients have no identity
  const Status started = broker.Start(broker_options);
  ASSERT_TRUE(started.ok()) << started.ToString();
  const ConnectFailure failure = ConnectAndFail(PlainOptions(broker, "anonymous"));
  EXPECT_EQ(failure.status.code(), StatusCode::kUnavailable) << failure.status.ToString();
  EXPECT_THAT(failure.status.message(),
              HasSubstr("the broker refused the connection: CONNACK return code 5 (not "
                        "authorized)"));
}

TEST(PahoTransportConnectErrorTest, SilentServerTimesOut) {
  // A listening socket that is never accept()ed: TCP connects (the kernel
  // completes the handshake), then nothing answers.
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(listener, 16), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size), 0);
  MqttOptions options;
  options.server_uri = "tcp://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  options.client_id = UniqueId("silent");
  options.connect_timeout = 2s;  // nothing will ever answer, so no stall can matter
  const auto start = Clock::now();
  const ConnectFailure failure = ConnectAndFail(options);
  const auto took = Clock::now() - start;
  close(listener);
  EXPECT_EQ(failure.status.code(), StatusCode::kUnavailable) << failure.status.ToString();
  EXPECT_THAT(failure.status.message(), HasSubstr("no answer to the MQTT CONNECT"));
  EXPECT_GE(took, 2s);
  EXPECT_LT(took, 10s);
}

// The probe on its own, without Paho.

mqtt_internal::BrokerUri Uri(const std::string& text) {
  Result<mqtt_internal::BrokerUri> uri = mqtt_internal::ParseBrokerUri(text);
  EXPECT_TRUE(uri.ok()) << uri.status().ToString();
  return uri.ok() ? *uri : mqtt_internal::BrokerUri{};
}

TEST(ConnectDiagnosisTest, ARefusedPortIsNamed) {
  const int port = UnusedPort();
  EXPECT_EQ(mqtt_internal::DiagnoseConnectFailure(Uri("tcp://127.0.0.1:" + std::to_string(port)),
                                                  mqtt_internal::TlsSettings{}, 5s),
            "connection refused by 127.0.0.1:" + std::to_string(port) +
                " (is the broker running there?)");
}

TEST(ConnectDiagnosisTest, TlsFilesAreCheckedAgainBeforeConnecting) {
  // The CA file is gone since the transport was made: said before any
  // connection is tried (nothing listens on the port).
  mqtt_internal::TlsSettings tls;
  tls.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(mqtt_internal::DiagnoseConnectFailure(
                Uri("ssl://127.0.0.1:" + std::to_string(UnusedPort())), tls, 5s),
            "ca_file: /nonexistent/ca.pem: No such file or directory");
}

TEST(ConnectDiagnosisTest, APlainPortThatAcceptsIsBeyondWhatTheProbeSees) {
  // A listening socket never accept()ed: TCP connects, no TLS answers, so
  // the failure lies further on (the CONNECT): no diagnosis.
  int port = 0;
  const int listener = paho_test::ListenOnLoopback(&port);
  ASSERT_GE(listener, 0);
  EXPECT_EQ(mqtt_internal::DiagnoseConnectFailure(Uri("tcp://127.0.0.1:" + std::to_string(port)),
                                                  mqtt_internal::TlsSettings{}, 5s),
            "");
  close(listener);
}

}  // namespace
}  // namespace shadowsync
