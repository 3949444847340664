// SPDX-License-Identifier: Apache-2.0
//
// PahoTransport (lib/src/mqtt/paho_transport.cc) against real mosquitto
// brokers started by tests/support/mosquitto_fixture.h: plain and mutual
// TLS (EC and RSA), QoS 1 round trips on $aws topics, Flush, the outgoing
// buffer limit, handler rules, and when the PUBACK of an incoming message
// goes out. The real cause of each kind of connect failure:
// connect_diagnosis_test.cc; reconnect, resubscription and re-sending after
// a broker restart: paho_supervisor_test.cc; the shared helpers:
// paho_transport_fixture.h.
//
// Paho C 1.3.11 makes a second client of one process wait ~2 s for its
// connect while another is connected (see paho_transport.h), so a test that
// needs two transports connects them at the same time; most tests use one
// transport as both publisher and subscriber. Waits poll with deadlines;
// per-operation deadlines are >= 3 s (Paho's occasional 1.1 s stall). There
// is no fixed wait: where something must NOT happen, the test waits for an
// event after which it would have happened (a control transport's
// attempts, a barrier packet, a thread asleep in the call).

#include "shadowsync/paho_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "paho_transport_fixture.h"
#include "shadowsync/transport.h"
#include "support/child_process.h"
#include "support/client_options.h"
#include "support/eventually.h"
#include "support/mosquitto_clients.h"
#include "support/mosquitto_fixture.h"
#include "support/process_output.h"
#include "support/run_together.h"
#include "support/temp_dir.h"
#include "support/thread_asleep.h"
#include "support/tls_certificates.h"

namespace shadowsync {
namespace {

using namespace std::chrono_literals;
using paho_test::ConnectTogether;
using paho_test::FakeMqttServer;
using paho_test::kQuickTeardown;
using paho_test::kWait;
using paho_test::ListenOnLoopback;
using paho_test::MakeOrDie;
using paho_test::PausedBroker;
using paho_test::PlainOptions;
using paho_test::Recorder;
using paho_test::SendPacket;
using paho_test::Shared;
using paho_test::TlsOptions;
using paho_test::UniqueId;
using paho_test::WaitReadable;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing_support::BrokerOptions;
using testing_support::Eventually;
using testing_support::MosquittoBroker;
using testing_support::TestCertificates;
using Clock = std::chrono::steady_clock;

// Publishes at QoS 1 to a fresh $aws topic it subscribed to and checks the
// message comes back intact.
void ExpectRoundTrip(Transport& transport, Recorder& recorder, const std::string& thing) {
  const std::string topic = "$aws/things/" + thing + "/shadow/update";
  ASSERT_TRUE(transport.Subscribe(topic, 1).ok());
  const size_t before = recorder.messages().size();
  const std::string payload = std::string(R"({"state":{"reported":{"on":true}}})") + '\0' + "\xff";
  Status published = transport.Publish(topic, payload, 1);
  ASSERT_TRUE(published.ok()) << published.ToString();
  ASSERT_TRUE(recorder.WaitForMessages(before + 1)) << "no message on " << topic;
  const MqttMessage got = recorder.messages().back();
  EXPECT_EQ(got.topic, topic);
  EXPECT_EQ(got.payload, payload);
  EXPECT_EQ(got.qos, 1);
  EXPECT_FALSE(got.retained);
  EXPECT_TRUE(transport.Flush(5s).ok());
}

// ===========================================================================
// Connecting, publishing, subscribing

// This process's IPv4 TCP sockets (file descriptors) to `port`.
std::vector<int> SocketsToPort(int port) {
  std::vector<int> fds;
  for (int fd = 0; fd < 1024; ++fd) {
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) continue;
    if (peer.ss_family != AF_INET) continue;
    if (ntohs(reinterpret_cast<const sockaddr_in*>(&peer)->sin_port) != port) continue;
    fds.push_back(fd);
  }
  return fds;
}

// Counts this process's TCP sockets to `port`, and how many have TCP_NODELAY.
std::pair<int, int> NodelaySocketsToPort(int port) {
  const std::vector<int> fds = SocketsToPort(port);
  int nodelay = 0;
  for (const int fd : fds) {
    int on = 0;
    socklen_t on_length = sizeof(on);
    if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &on_length) == 0 && on) ++nodelay;
  }
  return {static_cast<int>(fds.size()), nodelay};
}

// The socket of the MQTT client `client_id` to `broker`: the one whose local
// port the broker logged when the client connected ("New client connected
// from 127.0.0.1:PORT as ID (..."); -1 if there is none.
int ClientSocket(const MosquittoBroker& broker, const std::string& client_id) {
  const std::string log = broker.ReadLog();
  const std::string::size_type as = log.rfind(" as " + client_id + " (");
  const std::string from = "New client connected from 127.0.0.1:";
  const std::string::size_type line = as == std::string::npos ? as : log.rfind(from, as);
  if (line == std::string::npos) return -1;
  const int local_port = std::atoi(log.c_str() + line + from.size());
  for (const int fd : SocketsToPort(broker.plain_port())) {
    sockaddr_in self{};
    socklen_t length = sizeof(self);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&self), &length) == 0 &&
        ntohs(self.sin_port) == local_port) {
      return fd;
    }
  }
  return -1;
}

TEST(PahoTransportTest, SocketToTheBrokerHasNagleOff) {
  // Paho never sets TCP_NODELAY; without it each PUBACK-then-response
  // exchange waits ~40 ms for a delayed ACK.
  // Only on the transport's own socket: the embedding application's socket
  // to the same port, opened before, keeps its setting (tcp_nodelay.h).
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  const int application = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(broker->plain_port()));
  ASSERT_EQ(connect(application, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  std::unique_ptr<Transport> transport = MakeOrDie(PlainOptions(*broker, "nodelay"));
  ASSERT_NE(transport, nullptr);
  ASSERT_TRUE(transport->Connect().ok());
  const auto [sockets, nodelay] = NodelaySocketsToPort(broker->plain_port());
  EXPECT_GE(sockets, 2);
  EXPECT_EQ(nodelay, sockets - 1);
  int on = 0;
  socklen_t length = sizeof(on);
  ASSERT_EQ(getsockopt(application, IPPROTO_TCP, TCP_NODELAY, &on, &length), 0);
  EXPECT_EQ(on, 0) << "TCP_NODELAY was set on a socket the transport does not own";
  EXPECT_TRUE(transport->Disconnect().ok());
  close(application);
}

TEST(PahoTransportTest, PlainRoundTripOnShadowTopicsAtQos1) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  const MqttOptions options = PlainOptions(*broker, "plain");
  std::unique_ptr<Transport> transport = MakeOrDie(options);
  ASSERT_NE(transport, nullptr);
  Recorder recorder;
  recorder.Attach(*transport);
  EXPECT_FALSE(transport->IsConnected());

  const Status connected = transport->Connect();
  ASSERT_TRUE(connected.ok()) << connected.ToString();
  EXPECT_TRUE(transport->IsConnected());
  EXPECT_THAT(recorder.events(), ::testing::ElementsAre(ConnectionEvent::kConnected));
  EXPECT_TRUE(transport->Connect().ok()) << "Connect() while connected is a no-op";

  ExpectRoundTrip(*transport, recorder, "T");
  // The named-shadow and wildcard forms work too.
  ASSERT_TRUE(transport->Subscribe("$aws/things/T/shadow/name/+/update/#", 1).ok());
  ASSERT_TRUE(transport->Publish("$aws/things/T/shadow/name/cfg/update/accepted", "{}", 1).ok());
  ASSERT_TRUE(recorder.WaitForMessages(2));
  EXPECT_EQ(recorder.messages().back().topic, "$aws/things/T/shadow/name/cfg/update/accepted");

  // What went over the wire, from the broker's side: MQTT 3.1.1 (protocol
  // level 4, no fallback), QoS 1, never retained.
  const std::string log = broker->ReadLog();
  EXPECT_THAT(log, HasSubstr("New client connected from 127.0.0.1"));
  EXPECT_THAT(log, HasSubstr("as " + options.client_id + " (p2, c1, k30)"));
  EXPECT_THAT(log, HasSubstr("Received PUBLISH from " + options.client_id + " (d0, q1, r0"));
  EXPECT_THAT(log, ::testing::Not(
                       HasSubstr("Received PUBLISH from " + options.client_id + " (d0, q1, r1")));

  EXPECT_TRUE(transport->Disconnect().ok());
  EXPECT_FALSE(transport->IsConnected());
  EXPECT_TRUE(transport->Disconnect().ok()) << "Disconnect() is idempotent";
  EXPECT_EQ(transport->Publish("$aws/things/T/shadow/update", "{}", 1).code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(transport->Subscribe("$aws/things/T/shadow/get", 1).code(), StatusCode::kUnavailable);

  // Connect() again: the subscriptions of the first connection are renewed.
  ASSERT_TRUE(transport->Connect().ok());
  const size_t before = recorder.messages().size();
  ASSERT_TRUE(transport->Publish("$aws/things/T/shadow/update", "again", 1).ok());
  ASSERT_TRUE(recorder.WaitForMessages(before + 1));
  EXPECT_EQ(recorder.messages().back().payload, "again");
  EXPECT_THAT(recorder.events(),
              ::testing::ElementsAre(ConnectionEvent::kConnected, ConnectionEvent::kConnected));
}

TEST(PahoTransportTest, TlsWithEcAndRsaServerAndClientCertificates) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  const TestCertificates& certs = broker->certificates();
  // EC client on the EC listener, RSA client on the RSA listener, connected
  // at the same time (pitfall 1).
  std::unique_ptr<Transport> ec =
      MakeOrDie(TlsOptions(broker->tls_ec_uri(), certs, certs.default_client().ec, "tls-ec"));
  std::unique_ptr<Transport> rsa =
      MakeOrDie(TlsOptions(broker->tls_rsa_uri(), certs, certs.default_client().rsa, "tls-rsa"));
  ASSERT_TRUE(ec && rsa);
  Recorder ec_recorder;
  Recorder rsa_recorder;
  ec_recorder.Attach(*ec);
  rsa_recorder.Attach(*rsa);
  const std::vector<Status> connected = ConnectTogether({ec.get(), rsa.get()});
  ASSERT_TRUE(connected[0].ok()) << connected[0].ToString();
  ASSERT_TRUE(connected[1].ok()) << connected[1].ToString();
  ExpectRoundTrip(*ec, ec_recorder, "tls-ec-thing");
  ExpectRoundTrip(*rsa, rsa_recorder, "tls-rsa-thing");
  // The broker saw certificate identities (use_identity_as_username).
  EXPECT_THAT(broker->ReadLog(), HasSubstr("u'" + certs.client_names.front() + "'"));
}

TEST(PahoTransportTest, AlpnProtocolsAreAccepted) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  const TestCertificates& certs = broker->certificates();
  MqttOptions options = TlsOptions(broker->tls_ec_uri(), certs, certs.default_client().ec, "alpn");
  options.alpn_protocols = {"x-amzn-mqtt-ca", "mqtt"};  // mosquitto ignores ALPN
  std::unique_ptr<Transport> transport = MakeOrDie(options);
  ASSERT_NE(transport, nullptr);
  Recorder recorder;
  recorder.Attach(*transport);
  const Status connected = transport->Connect();
  ASSERT_TRUE(connected.ok()) << connected.ToString();
  ExpectRoundTrip(*transport, recorder, "alpn-thing");
}

TEST(PahoTransportTest, RetainedFlagComesFromTheBroker) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  const std::string topic = "$aws/things/" + UniqueId("retained") + "/shadow/update/documents";
  // A retained message published by the reference client.
  testing_support::ChildProcessOptions pub;
  pub.argv = {"mosquitto_pub"};
  for (const std::string& arg : testing_support::PlainEndpoint(*broker).Args()) {
    pub.argv.push_back(arg);
  }
  std::vector<std::string> retain = {"-t", topic, "-m", "kept", "-q", "1", "-r"};
  pub.argv.insert(pub.argv.end(), retain.begin(), retain.end());
  Result<testing_support::ProcessOutput> published = testing_support::RunProcess(pub, 10s);
  ASSERT_TRUE(published.ok() && published->status.success())
      << (published.ok() ? published->output : published.status().ToString());

  std::unique_ptr<Transport> transport = MakeOrDie(PlainOptions(*broker, "retained"));
  ASSERT_NE(transport, nullptr);
  Recorder recorder;
  recorder.Attach(*transport);
  ASSERT_TRUE(transport->Connect().ok());
  ASSERT_TRUE(transport->Subscribe(topic, 1).ok());
  ASSERT_TRUE(recorder.WaitForMessages(1));
  EXPECT_EQ(recorder.messages()[0].payload, "kept");
  EXPECT_TRUE(recorder.messages()[0].retained);
  ASSERT_TRUE(transport->Publish(topic, "live", 1).ok());
  ASSERT_TRUE(recorder.WaitForMessages(2));
  EXPECT_EQ(recorder.messages()[1].payload, "live");
  EXPECT_FALSE(recorder.messages()[1].retained);

  // Clear the retained message (an empty retained payload).
  testing_support::ChildProcessOptions clear = pub;
  clear.argv.resize(clear.argv.size() - retain.size());
  for (const char* arg : {"-t", topic.c_str(), "-n", "-q", "1", "-r"}) clear.argv.push_back(arg);
  (void)testing_support::RunProcess(clear, 10s);
}

TEST(PahoTransportTest, ArgumentErrors) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Transport> transport = MakeOrDie(PlainOptions(*broker, "args"));
  ASSERT_NE(transport, nullptr);
  EXPECT_EQ(transport->Publish("a/b", "x", 1).code(), StatusCode::kUnavailable)
      << "not connected yet";
  ASSERT_TRUE(transport->Connect().ok());
  EXPECT_EQ(transport->Publish("a/+/b", "x", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport->Publish("a/#", "x", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport->Publish("", "x", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport->Publish("a/b", "x", 2).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport->Publish("a/\xff\xfe", "x", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport->Subscribe("a/#/b", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport->Subscribe("a/b#", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport->Subscribe("a/+b", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport->Subscribe("", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport->Subscribe("a/b", -1).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(transport->IsConnected()) << "argument errors do not touch the connection";
  EXPECT_TRUE(transport->Flush(3s).ok()) << "nothing was queued";
}

TEST(PahoTransportTest, WorksUnderAnAwsLikeThingPolicy) {
  MosquittoBroker* shared = Shared();
  ASSERT_NE(shared, nullptr);
  MosquittoBroker acl_broker;
  BrokerOptions broker_options;
  broker_options.acl = true;  // $aws/things/<certificate CN>/shadow/# only
  broker_options.certificates = shared->shared_certificates();
  const Status started = acl_broker.Start(broker_options);
  ASSERT_TRUE(started.ok()) << started.ToString();
  const TestCertificates& certs = acl_broker.certificates();
  std::unique_ptr<Transport> transport =
      MakeOrDie(TlsOptions(acl_broker.tls_ec_uri(), certs, certs.default_client().ec, "acl"));
  ASSERT_NE(transport, nullptr);
  Recorder recorder;
  recorder.Attach(*transport);
  const Status connected = transport->Connect();
  ASSERT_TRUE(connected.ok()) << connected.ToString();
  ExpectRoundTrip(*transport, recorder, certs.client_names.front());
  // (mosquitto 2.0.11 grants a subscription its ACL denies and then drops
  // the messages, so a refused SUBACK is tested with FakeMqttServer below.)
}

TEST(PahoTransportTest, SubscriptionRefusedByTheBrokerIsRejected) {
  FakeMqttServer server;
  MqttOptions options;
  options.server_uri = "tcp://127.0.0.1:" + std::to_string(server.port());
  options.client_id = UniqueId("suback");
  std::unique_ptr<Transport> transport = MakeOrDie(options);
  ASSERT_NE(transport, nullptr);
  const Status connected = transport->Connect();
  ASSERT_TRUE(connected.ok()) << connected.ToString();
  EXPECT_TRUE(transport->Subscribe("granted/topic", 1).ok());
  const Status refused = transport->Subscribe("refused/topic", 1);
  EXPECT_EQ(refused.code(), StatusCode::kRejected) << refused.ToString();
  EXPECT_THAT(refused.message(), HasSubstr("refused the subscription to \"refused/topic\""));
  EXPECT_THAT(refused.message(), HasSubstr("SUBACK 0x80"));
  EXPECT_TRUE(transport->IsConnected()) << "a refused subscription leaves the connection up";
  ASSERT_TRUE(transport->Publish("granted/topic", "x", 1).ok());
  EXPECT_TRUE(transport->Flush(5s).ok());
}

// ===========================================================================
// Flush and the outgoing buffer

TEST(PahoTransportFlushTest, FlushWaitsForTheAcknowledgements) {
  MosquittoBroker* shared = Shared();
  ASSERT_NE(shared, nullptr);
  MosquittoBroker broker;
  BrokerOptions broker_options;
  broker_options.certificates = shared->shared_certificates();
  ASSERT_TRUE(broker.Start(broker_options).ok());
  std::unique_ptr<Transport> transport = MakeOrDie(PlainOptions(broker, "flush"));
  ASSERT_NE(transport, nullptr);
  ASSERT_TRUE(transport->Connect().ok());
  EXPECT_TRUE(transport->Flush(0ms).ok()) << "nothing pending";

  PausedBroker paused(broker);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(transport->Publish("flush/test", "x", 1).ok());
  const Status waiting = transport->Flush(500ms);
  EXPECT_EQ(waiting.code(), StatusCode::kTimeout) << waiting.ToString();
  EXPECT_THAT(waiting.message(), HasSubstr("5 message(s) not yet acknowledged after 500 ms"));

  // The flusher says who it is, then blocks in Flush(). With the broker
  // frozen nothing takes the transport's mutex for long (no PUBACK comes in),
  // so once the flusher is asleep it is in Flush()'s wait for the
  // acknowledgements (a Flush() that returned at once would end the thread
  // instead).
  std::atomic<pid_t> flusher_tid{0};
  std::atomic<bool> flushed{false};
  std::thread flusher([&] {
    flusher_tid = testing_support::ThisThreadId();
    const Status s = transport->Flush(10s);
    EXPECT_TRUE(s.ok()) << s.ToString();
    flushed = true;
  });
  EXPECT_TRUE(Eventually([&] { return flusher_tid != 0; }, 5s));
  EXPECT_TRUE(testing_support::WaitUntilThreadAsleep(flusher_tid, 5s))
      << "Flush() did not wait for the acknowledgements";
  EXPECT_FALSE(flushed) << "Flush() returned while the broker could not acknowledge";
  paused.Resume();
  flusher.join();
  EXPECT_TRUE(flushed);
  // QoS 0 is done once written.
  ASSERT_TRUE(transport->Publish("flush/test", "q0", 0).ok());
  EXPECT_TRUE(transport->Flush(5s).ok());

  // Disconnect() drops what is unacknowledged; a waiting Flush() says so.
  PausedBroker paused_again(broker);
  ASSERT_TRUE(transport->Publish("flush/test", "dropped", 1).ok());
  Status interrupted;
  std::atomic<pid_t> waiter_tid{0};
  std::thread waiter([&] {
    waiter_tid = testing_support::ThisThreadId();
    interrupted = transport->Flush(10s);
  });
  // Disconnect() only once the waiter waits inside Flush() (see above).
  EXPECT_TRUE(Eventually([&] { return waiter_tid != 0; }, 5s));
  EXPECT_TRUE(testing_support::WaitUntilThreadAsleep(waiter_tid, 5s))
      << "Flush() did not wait for the acknowledgement";
  const auto start = Clock::now();
  EXPECT_TRUE(transport->Disconnect().ok());
  waiter.join();
  EXPECT_LT(Clock::now() - start, kQuickTeardown);
  EXPECT_EQ(interrupted.code(), StatusCode::kUnavailable) << interrupted.ToString();
  EXPECT_THAT(interrupted.message(), HasSubstr("Disconnect() was called"));
}

TEST(PahoTransportFlushTest, FullOutgoingBufferIsUnavailable) {
  MosquittoBroker* shared = Shared();
  ASSERT_NE(shared, nullptr);
  MosquittoBroker broker;
  BrokerOptions broker_options;
  broker_options.certificates = shared->shared_certificates();
  ASSERT_TRUE(broker.Start(broker_options).ok());
  MqttOptions options = PlainOptions(broker, "buffer");
  options.max_buffered_messages = 4;
  std::unique_ptr<Transport> transport = MakeOrDie(options);
  ASSERT_NE(transport, nullptr);
  ASSERT_TRUE(transport->Connect().ok());

  PausedBroker paused(broker);
  // Big messages fill the socket buffers of a frozen broker; after that
  // Paho keeps them queued, and the fifth queued one does not fit.
  const std::string payload(256 * 1024, 'p');
  Status full;
  int accepted = 0;
  for (int i = 0; i < 400 && full.ok(); ++i) {
    full = transport->Publish("buffer/test", payload, 1);
    if (full.ok()) ++accepted;
  }
  EXPECT_EQ(full.code(), StatusCode::kUnavailable) << "accepted " << accepted;
  EXPECT_THAT(full.message(), HasSubstr("outgoing buffer full"));
  EXPECT_TRUE(transport->IsConnected()) << "a full buffer is not a lost connection";
  paused.Resume();
  const Status flushed = transport->Flush(20s);
  EXPECT_TRUE(flushed.ok()) << flushed.ToString();
  EXPECT_TRUE(transport->Publish("buffer/test", "fits again", 1).ok());
}

// ===========================================================================
// Handlers

TEST(PahoTransportHandlerTest, ThrowingHandlerDoesNotStopDelivery) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Transport> transport = MakeOrDie(PlainOptions(*broker, "throw"));
  ASSERT_NE(transport, nullptr);
  Recorder recorder;
  recorder.Attach(*transport);
  recorder.SetHook([](const MqttMessage& m) {
    if (m.payload == "boom") throw std::runtime_error("handler failure");
  });
  ASSERT_TRUE(transport->Connect().ok());
  ASSERT_TRUE(transport->Subscribe("handler/throw", 1).ok());
  ASSERT_TRUE(transport->Publish("handler/throw", "boom", 1).ok());
  ASSERT_TRUE(transport->Publish("handler/throw", "fine", 1).ok());
  ASSERT_TRUE(recorder.WaitForMessages(2));
  EXPECT_EQ(recorder.messages()[1].payload, "fine");
  EXPECT_TRUE(transport->IsConnected());
}

TEST(PahoTransportHandlerTest, BlockingCallsFromPahosThreadFailFast) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Transport> transport = MakeOrDie(PlainOptions(*broker, "reentrant"));
  ASSERT_NE(transport, nullptr);
  Transport* raw = transport.get();
  Recorder recorder;
  recorder.Attach(*transport);
  std::mutex mu;
  std::vector<Status> from_handler;
  recorder.SetHook([&](const MqttMessage&) {
    std::vector<Status> got = {raw->Subscribe("x/y", 1), raw->Flush(1s), raw->Connect(),
                               raw->Disconnect(), raw->Publish("handler/echo", "echo", 1)};
    std::lock_guard<std::mutex> lock(mu);
    from_handler = got;
  });
  ASSERT_TRUE(transport->Connect().ok());
  ASSERT_TRUE(transport->Subscribe("handler/reentrant", 1).ok());
  ASSERT_TRUE(transport->Publish("handler/reentrant", "go", 1).ok());
  ASSERT_TRUE(recorder.WaitForMessages(1));
  ASSERT_TRUE(Eventually(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return !from_handler.empty();
      },
      5s));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(from_handler[0].code(), StatusCode::kFailedPrecondition) << from_handler[0].ToString();
  EXPECT_EQ(from_handler[1].code(), StatusCode::kFailedPrecondition) << from_handler[1].ToString();
  EXPECT_EQ(from_handler[2].code(), StatusCode::kFailedPrecondition) << from_handler[2].ToString();
  EXPECT_EQ(from_handler[3].code(), StatusCode::kFailedPrecondition) << from_handler[3].ToString();
  EXPECT_TRUE(from_handler[4].ok())
      << "Publish() from a handler is fine: " << from_handler[4].ToString();
  EXPECT_TRUE(transport->IsConnected());
}

// The fact the emulator's "never drop an acknowledged request" rests on (see
// paho_transport.h): the PUBACK of an incoming QoS 1 message leaves only
// after the message handler has returned.
TEST(PahoTransportHandlerTest, PubackIsSentOnlyAfterTheHandlerReturns) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  const MqttOptions options = PlainOptions(*broker, "puback");
  std::unique_ptr<Transport> transport = MakeOrDie(options);
  ASSERT_NE(transport, nullptr);
  Recorder recorder;
  recorder.Attach(*transport);
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  recorder.SetHook([&](const MqttMessage&) {
    std::unique_lock<std::mutex> lock(gate_mu);
    gate_cv.wait_for(lock, 20s, [&] { return open; });
  });
  const auto open_gate = [&] {
    {
      std::lock_guard<std::mutex> lock(gate_mu);
      open = true;
    }
    gate_cv.notify_all();
  };
  // However the test ends: a failed assertion must not leave Paho's thread
  // blocked in the handler.
  struct OnExit {
    std::function<void()> run;
    ~OnExit() { run(); }
  } open_on_exit{open_gate};
  ASSERT_TRUE(transport->Connect().ok());
  ASSERT_TRUE(transport->Subscribe("handler/puback", 1).ok());
  const size_t log_start = broker->ReadLog().size();
  ASSERT_TRUE(transport->Publish("handler/puback", "hold", 1).ok());
  ASSERT_TRUE(recorder.WaitForMessages(1));  // the handler is now running, and blocked
  const std::string received_puback = "Received PUBACK from " + options.client_id;
  ASSERT_TRUE(Eventually(
      [&] {
        return broker->ReadLog().substr(log_start).find("Sending PUBLISH to " +
                                                        options.client_id) != std::string::npos;
      },
      5s));
  // A barrier instead of a pause: while the handler is blocked, a PINGREQ
  // written straight onto the transport's socket. Paho writes a QoS 1
  // message's PUBACK on its receive thread, the thread that runs the
  // handler (MQTTProtocol_handlePublishes(): the handler, then the PUBACK;
  // older releases wrote the PUBACK first, see paho_transport_impl.h). So a
  // premature PUBACK was written before the handler began, and so before this
  // PINGREQ; one TCP stream keeps that order and mosquitto handles a
  // connection's packets in order, so by the time it logs "Received PINGREQ"
  // it would have logged the PUBACK. (A marker published through the
  // transport would not do: Paho's send thread needs the mutex that its
  // receive thread holds while the handler runs, so nothing the transport
  // publishes leaves before the handler returns.) The broker's PINGRESP
  // reaches Paho after the handler, which takes it as a keepalive answer.
  // (Counted, in case Paho's own keepalive PINGREQ went out just before.)
  const int fd = ClientSocket(*broker, options.client_id);
  ASSERT_GE(fd, 0) << "no socket of " << options.client_id << "\n" << broker->LogTail();
  const auto pingreqs = [&] {
    return testing_support::CountOccurrences(broker->ReadLog().substr(log_start),
                                             "Received PINGREQ from " + options.client_id);
  };
  const size_t pingreqs_before = pingreqs();
  const unsigned char pingreq[] = {0xC0, 0x00};
  ASSERT_EQ(send(fd, pingreq, sizeof(pingreq), MSG_NOSIGNAL), 2);
  ASSERT_TRUE(Eventually([&] { return pingreqs() > pingreqs_before; }, 5s)) << broker->LogTail();
  EXPECT_THAT(broker->ReadLog().substr(log_start), ::testing::Not(HasSubstr(received_puback)))
      << "PUBACK sent while the handler was still running";
  open_gate();
  EXPECT_TRUE(Eventually(
      [&] {
        return broker->ReadLog().substr(log_start).find(received_puback) != std::string::npos;
      },
      5s))
      << broker->LogTail();
}

TEST(PahoTransportHandlerTest, HandlersMayBeReplacedWhileConnected) {
  MosquittoBroker* broker = Shared();
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Transport> transport = MakeOrDie(PlainOptions(*broker, "swap-handlers"));
  ASSERT_NE(transport, nullptr);
  Recorder first;
  first.Attach(*transport);
  ASSERT_TRUE(transport->Connect().ok());
  ASSERT_TRUE(transport->Subscribe("handler/swap", 1).ok());
  ASSERT_TRUE(transport->Publish("handler/swap", "1", 1).ok());
  ASSERT_TRUE(first.WaitForMessages(1));
  Recorder second;
  second.Attach(*transport);
  ASSERT_TRUE(transport->Publish("handler/swap", "2", 1).ok());
  ASSERT_TRUE(second.WaitForMessages(1));
  EXPECT_EQ(second.messages()[0].payload, "2");
  EXPECT_EQ(first.messages().size(), 1u);
}

// ===========================================================================
// Publishing from a message handler while the transport (re)connects
// (issue 14: the emulator with --workers 0 --persistent-session lost every
// response to a request the broker had queued during an outage)

// A fake MQTT 3.1.1 broker that makes the window deterministic. A broker
// with a persistent session sends the messages it queued at once after the
// CONNACK, while the client is still renewing its subscriptions; this one
// sends the PUBLISHes (QoS 1) of QueueForNextConnection() right after the
// next CONNACK and withholds the SUBACK of that connection's first
// SUBSCRIBE until all of them are PUBACKed, which Paho does only after the
// message handler has returned (PubackIsSentOnlyAfterTheHandlerReturns). So
// the handler runs, and publishes, before the transport counts itself
// connected (in practice Paho's receive thread has handled them all before
// the supervisor even sends the SUBSCRIBE). It records the PUBLISHes the client sends, in order,
// and PUBACKs them. One connection at a time; DropConnection() closes it.
class SessionBroker {
 public:
  struct Publication {
    std::string topic;
    std::string payload;
  };

  SessionBroker() {
    listener_ = ListenOnLoopback(&port_);
    if (listener_ < 0) {
      ADD_FAILURE() << "SessionBroker: cannot listen";
      return;
    }
    thread_ = std::thread([this] { Run(); });
  }
  ~SessionBroker() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listener_ >= 0) close(listener_);
  }
  SessionBroker(const SessionBroker&) = delete;
  SessionBroker& operator=(const SessionBroker&) = delete;

  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

  void QueueForNextConnection(std::vector<Publication> messages) {
    std::lock_guard<std::mutex> lock(mu_);
    queued_ = std::move(messages);
  }
  void DropConnection() { drop_ = true; }

  // The PUBLISHes the client sent, once `count` have arrived; what arrived
  // when `timeout` passes first.
  std::vector<Publication> WaitForPublications(size_t count,
                                               std::chrono::milliseconds timeout = kWait) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return received_.size() >= count; });
    return received_;
  }

 private:
  // Until the server stops or drops its client.
  bool Readable(int fd) {
    return WaitReadable(fd, [this] { return !stop_ && !drop_; });
  }
  bool ReadFull(int fd, unsigned char* data, size_t size) {
    return paho_test::ReadFull(fd, data, size, [this] { return !stop_ && !drop_; });
  }
  static void Send(int fd, const std::vector<unsigned char>& packet) { SendPacket(fd, packet); }
  static std::vector<unsigned char> PublishPacket(const Publication& m, unsigned id) {
    std::vector<unsigned char> body = {static_cast<unsigned char>(m.topic.size() >> 8),
                                       static_cast<unsigned char>(m.topic.size() & 0xff)};
    body.insert(body.end(), m.topic.begin(), m.topic.end());
    body.push_back(static_cast<unsigned char>(id >> 8));
    body.push_back(static_cast<unsigned char>(id & 0xff));
    body.insert(body.end(), m.payload.begin(), m.payload.end());
    std::vector<unsigned char> packet = {0x32};  // PUBLISH, QoS 1
    size_t length = body.size();
    do {
      unsigned char byte = static_cast<unsigned char>(length % 128);
      length /= 128;
      if (length > 0) byte |= 128u;
      packet.push_back(byte);
    } while (length > 0);
    packet.insert(packet.end(), body.begin(), body.end());
    return packet;
  }
  void Run() {
    while (!stop_) {
      drop_ = false;
      if (!Readable(listener_)) continue;
      const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      Serve(client);
      close(client);
    }
  }
  void Serve(int fd) {
    size_t unacknowledged = 0;  // queued PUBLISHes sent, not yet PUBACKed
    std::vector<unsigned char> withheld;
    for (;;) {
      unsigned char header = 0;
      if (!ReadFull(fd, &header, 1)) return;
      size_t length = 0;
      size_t multiplier = 1;
      unsigned char byte = 0;
      do {
        if (!ReadFull(fd, &byte, 1)) return;
        length += (byte & 127u) * multiplier;
        multiplier *= 128;
      } while ((byte & 128u) != 0);
      std::vector<unsigned char> body(length);
      if (length > 0 && !ReadFull(fd, body.data(), length)) return;
      switch (header >> 4) {
        case 1: {  // CONNECT: CONNACK, then at once what was queued
          std::vector<Publication> queued;
          {
            std::lock_guard<std::mutex> lock(mu_);
            queued.swap(queued_);
          }
          std::vector<unsigned char> out = {0x20, 0x02, 0x00, 0x00};
          for (size_t i = 0; i < queued.size(); ++i) {
            const std::vector<unsigned char> p =
                PublishPacket(queued[i], static_cast<unsigned>(i + 1));
            out.insert(out.end(), p.begin(), p.end());
          }
          unacknowledged = queued.size();
          Send(fd, out);
          break;
        }
        case 3: {  // PUBLISH from the client
          const int qos = (header >> 1) & 3;
          const size_t topic_length = static_cast<size_t>(body[0] << 8 | body[1]);
          const size_t payload_at = 2 + topic_length + (qos > 0 ? 2 : 0);
          Publication m{
              std::string(reinterpret_cast<const char*>(&body[2]), topic_length),
              std::string(body.begin() + static_cast<std::ptrdiff_t>(payload_at), body.end())};
          if (qos == 1) Send(fd, {0x40, 0x02, body[2 + topic_length], body[3 + topic_length]});
          {
            std::lock_guard<std::mutex> lock(mu_);
            received_.push_back(std::move(m));
          }
          cv_.notify_all();
          break;
        }
        case 4:  // PUBACK of a queued message
          if (unacknowledged > 0 && --unacknowledged == 0 && !withheld.empty()) {
            Send(fd, withheld);
            withheld.clear();
          }
          break;
        case 8: {  // SUBSCRIBE: grant QoS 1 for each filter
          std::vector<unsigned char> suback = {0x90, 0x00, body[0], body[1]};
          for (size_t pos = 2; pos + 2 < body.size();) {
            const size_t n = static_cast<size_t>(body[pos] << 8 | body[pos + 1]);
            suback.push_back(0x01);
            pos += 3 + n;
          }
          suback[1] = static_cast<unsigned char>(suback.size() - 2);
          if (unacknowledged > 0 && withheld.empty()) {
            withheld = suback;
          } else {
            Send(fd, suback);
          }
          break;
        }
        case 12:  // PINGREQ
          Send(fd, {0xD0, 0x00});
          break;
        case 14:  // DISCONNECT
          return;
        default:
          break;
      }
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> drop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Publication> queued_;    // GUARDED_BY(mu_)
  std::vector<Publication> received_;  // GUARDED_BY(mu_)
};

// What an answering handler saw: the status of each Publish() it made, and
// whether the transport counted itself connected at the time.
struct Answers {
  std::mutex mu;
  std::vector<Status> statuses;
  std::vector<bool> connected;

  // Answers "req/X" with "resp/X" (QoS 1) from inside the message handler.
  void Install(Recorder& recorder, Transport& transport) {
    recorder.SetHook([this, &transport](const MqttMessage& m) {
      if (m.topic.rfind("req/", 0) != 0) return;
      const bool was_connected = transport.IsConnected();
      const Status status = transport.Publish("resp/" + m.topic.substr(4), m.payload, 1);
      std::lock_guard<std::mutex> lock(mu);
      statuses.push_back(status);
      connected.push_back(was_connected);
    });
  }
};

std::vector<SessionBroker::Publication> Requests(int count) {
  std::vector<SessionBroker::Publication> out;
  for (int i = 1; i <= count; ++i) {
    out.push_back({"req/" + std::to_string(i), "payload " + std::to_string(i)});
  }
  return out;
}

std::vector<std::string> Topics(const std::vector<SessionBroker::Publication>& publications) {
  std::vector<std::string> out;
  for (const SessionBroker::Publication& p : publications) out.push_back(p.topic);
  return out;
}

MqttOptions SessionOptions(const SessionBroker& server, const std::string& id) {
  MqttOptions options;
  options.server_uri = server.uri();
  options.client_id = UniqueId(id);
  options.clean_session = false;
  options.connect_timeout = 5s;
  options.reconnect_min = 100ms;
  options.reconnect_max = 400ms;
  return options;
}

TEST(PahoTransportHandlerTest, PublishFromHandlerRightAfterReconnectIsSentNotRefused) {
  SessionBroker server;
  std::unique_ptr<Transport> transport = MakeOrDie(SessionOptions(server, "held-reconnect"));
  ASSERT_NE(transport, nullptr);
  Recorder recorder;
  recorder.Attach(*transport);
  Answers answers;
  answers.Install(recorder, *transport);
  ASSERT_TRUE(transport->Connect().ok());
  ASSERT_TRUE(transport->Subscribe("req/#", 1).ok());

  constexpr int kQueued = 5;
  server.QueueForNextConnection(Requests(kQueued));
  server.DropConnection();
  ASSERT_TRUE(recorder.WaitForEvent(ConnectionEvent::kReconnected));
  // After kReconnected, from the application: goes out after the answers.
  ASSERT_TRUE(transport->Publish("app/after", "x", 1).ok());

  const std::vector<SessionBroker::Publication> got = server.WaitForPublications(kQueued + 1);
  EXPECT_THAT(Topics(got), ::testing::ElementsAre("resp/1", "resp/2", "resp/3", "resp/4", "resp/5",
                                                  "app/after"));
  ASSERT_EQ(got.size(), static_cast<size_t>(kQueued + 1));
  EXPECT_EQ(got[0].payload, "payload 1");
  {
    std::lock_guard<std::mutex> lock(answers.mu);
    ASSERT_EQ(answers.statuses.size(), static_cast<size_t>(kQueued));
    for (int i = 0; i < kQueued; ++i) {
      EXPECT_TRUE(answers.statuses[i].ok()) << i << ": " << answers.statuses[i].ToString();
      EXPECT_FALSE(answers.connected[i]) << i << ": delivered after the transport was connected";
    }
  }
  EXPECT_THAT(recorder.events(),
              ::testing::ElementsAre(ConnectionEvent::kConnected, ConnectionEvent::kConnectionLost,
                                     ConnectionEvent::kReconnected));
  const Status flushed = transport->Flush(5s);
  EXPECT_TRUE(flushed.ok()) << flushed.ToString();
}

// The same in Connect(): a persistent session resumed by a second Connect()
// (the emulator restarted after kill -9 with --persistent-session).
TEST(PahoTransportHandlerTest, PublishFromHandlerDuringConnectIsSentOnceConnected) {
  SessionBroker server;
  std::unique_ptr<Transport> transport = MakeOrDie(SessionOptions(server, "held-connect"));
  ASSERT_NE(transport, nullptr);
  Recorder recorder;
  recorder.Attach(*transport);
  Answers answers;
  answers.Install(recorder, *transport);
  ASSERT_TRUE(transport->Connect().ok());
  ASSERT_TRUE(transport->Subscribe("req/#", 1).ok());
  ASSERT_TRUE(transport->Disconnect().ok());

  constexpr int kQueued = 3;
  server.QueueForNextConnection(Requests(kQueued));
  const Status connected = transport->Connect();  // renews req/#: the window
  ASSERT_TRUE(connected.ok()) << connected.ToString();
  ASSERT_TRUE(transport->Publish("app/after", "x", 1).ok());

  const std::vector<SessionBroker::Publication> got = server.WaitForPublications(kQueued + 1);
  EXPECT_THAT(Topics(got), ::testing::ElementsAre("resp/1", "resp/2", "resp/3", "app/after"));
  std::lock_guard<std::mutex> lock(answers.mu);
  ASSERT_EQ(answers.statuses.size(), static_cast<size_t>(kQueued));
  for (int i = 0; i < kQueued; ++i) {
    EXPECT_TRUE(answers.statuses[i].ok()) << i << ": " << answers.statuses[i].ToString();
    EXPECT_FALSE(answers.connected[i]);
  }
}

// What a handler may hold while (re)connecting is bounded by
// max_buffered_messages; beyond it Publish() says so. Other threads are
// still refused while not connected.
TEST(PahoTransportHandlerTest, HeldPublishesAreBoundedAndOnlyForTheMessageHandler) {
  SessionBroker server;
  MqttOptions options = SessionOptions(server, "held-bound");
  options.max_buffered_messages = 2;
  // The first attempt comes 0.5-1 s after the loss: time to publish while
  // reconnecting.
  options.reconnect_min = 1s;
  options.reconnect_max = 1s;
  std::unique_ptr<Transport> transport = MakeOrDie(options);
  ASSERT_NE(transport, nullptr);
  Recorder recorder;
  recorder.Attach(*transport);
  Answers answers;
  answers.Install(recorder, *transport);
  ASSERT_TRUE(transport->Connect().ok());
  ASSERT_TRUE(transport->Subscribe("req/#", 1).ok());

  server.QueueForNextConnection(Requests(3));
  server.DropConnection();
  ASSERT_TRUE(recorder.WaitForEvent(ConnectionEvent::kConnectionLost));
  const Status offline = transport->Publish("app/offline", "x", 1);
  EXPECT_EQ(offline.code(), StatusCode::kUnavailable) << offline.ToString();
  EXPECT_THAT(offline.message(), HasSubstr("not connected"));
  ASSERT_TRUE(recorder.WaitForEvent(ConnectionEvent::kReconnected));

  const std::vector<SessionBroker::Publication> got = server.WaitForPublications(2);
  EXPECT_THAT(Topics(got), ::testing::ElementsAre("resp/1", "resp/2"));
  {
    std::lock_guard<std::mutex> lock(answers.mu);
    ASSERT_EQ(answers.statuses.size(), 3u);
    EXPECT_TRUE(answers.statuses[0].ok()) << answers.statuses[0].ToString();
    EXPECT_TRUE(answers.statuses[1].ok()) << answers.statuses[1].ToString();
    EXPECT_EQ(answers.statuses[2].code(), StatusCode::kUnavailable);
    EXPECT_THAT(answers.statuses[2].message(), HasSubstr("outgoing buffer full"));
  }
  // The count starts again once connected: the next reconnect holds two more.
  server.QueueForNextConnection(Requests(2));
  server.DropConnection();
  ASSERT_TRUE(recorder.WaitForEvent(ConnectionEvent::kReconnected, 2));
  EXPECT_THAT(Topics(server.WaitForPublications(4)),
              ::testing::ElementsAre("resp/1", "resp/2", "resp/1", "resp/2"));
  std::lock_guard<std::mutex> lock(answers.mu);
  ASSERT_EQ(answers.statuses.size(), 5u);
  EXPECT_TRUE(answers.statuses[3].ok()) << answers.statuses[3].ToString();
  EXPECT_TRUE(answers.statuses[4].ok()) << answers.statuses[4].ToString();
}
}  // namespace
}  // namespace shadowsync
