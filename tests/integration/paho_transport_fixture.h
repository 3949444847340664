// SPDX-License-Identifier: Apache-2.0
//
// What the tests of PahoTransport share (paho_transport_test.cc,
// paho_supervisor_test.cc, connect_diagnosis_test.cc): the shared broker and
// client options, a Recorder of what a transport reports, a frozen broker
// (PausedBroker), and FakeMqttServer, a minimal MQTT server for what
// mosquitto never does (refuse a subscription, count connection attempts).

#ifndef SHADOWSYNC_TESTS_INTEGRATION_PAHO_TRANSPORT_FIXTURE_H_
#define SHADOWSYNC_TESTS_INTEGRATION_PAHO_TRANSPORT_FIXTURE_H_

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "shadowsync/paho_transport.h"
#include "shadowsync/transport.h"
#include "support/client_options.h"
#include "support/mosquitto_fixture.h"
#include "support/run_together.h"
#include "support/tls_certificates.h"

namespace shadowsync::paho_test {

using namespace std::chrono_literals;
using testing_support::CertKeyPair;
using testing_support::MosquittoBroker;
using testing_support::TestCertificates;
using Clock = std::chrono::steady_clock;

inline constexpr auto kWait = 10s;  // generous deadline for things that must happen

// Disconnect() and the destructor end the Paho client. When it is the
// process's last one, Paho C 1.3.11 stops its two threads, polling every
// 100 ms until they notice, and a thread sitting in its 1 s wait delays
// that: measured 0.1-1.1 s, up to 2.6 s on a loaded 2-core machine. Longer
// means a wait that Disconnect() should have cut short: the backoffs and
// timeouts in these tests are longer than this.
inline constexpr auto kQuickTeardown = 4s;

inline std::string UniqueId(const std::string& what) {
  return testing_support::UniqueClientId("ptx-" + what);
}

// Everything a transport reports, with waits. A hook may run extra code in
// the message handler (on Paho's thread), outside the recorder's lock.
class Recorder {
 public:
  struct Event {
    ConnectionEvent event;
    Status cause;
  };

  void Attach(Transport& transport) {
    transport.SetHandlers(
        [this](const MqttMessage& message) {
          std::function<void(const MqttMessage&)> hook;
          {
            std::lock_guard<std::mutex> lock(mu_);
            messages_.push_back(message);
            hook = hook_;
          }
          cv_.notify_all();
          if (hook) hook(message);
        },
        [this](ConnectionEvent event, const Status& cause) {
          {
            std::lock_guard<std::mutex> lock(mu_);
            events_.push_back(Event{event, cause});
          }
          cv_.notify_all();
        });
  }

  void SetHook(std::function<void(const MqttMessage&)> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    hook_ = std::move(hook);
  }

  bool WaitForMessages(size_t count, std::chrono::milliseconds timeout = kWait) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
  }

  // Waits until `event` has been reported `count` times in total.
  bool WaitForEvent(ConnectionEvent event, size_t count = 1,
                    std::chrono::milliseconds timeout = kWait) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return CountLocked(event) >= count; });
  }

  std::vector<MqttMessage> messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }
  std::vector<ConnectionEvent> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<ConnectionEvent> out;
    for (const Event& e : events_) out.push_back(e.event);
    return out;
  }
  std::vector<Event> event_details() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  size_t CountLocked(ConnectionEvent event) const {
    return static_cast<size_t>(std::count_if(events_.begin(), events_.end(),
                                             [&](const Event& e) { return e.event == event; }));
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<MqttMessage> messages_;
  std::vector<Event> events_;
  std::function<void(const MqttMessage&)> hook_;
};

// The shared broker (plain + TLS EC + TLS RSA, valid certificates).
inline MosquittoBroker* Shared() { return testing_support::SharedBroker(); }

inline MqttOptions PlainOptions(const MosquittoBroker& broker, const std::string& id) {
  MqttOptions options;
  options.server_uri = broker.plain_uri();
  options.client_id = UniqueId(id);
  options.connect_timeout = 5s;
  options.reconnect_min = 100ms;
  options.reconnect_max = 1s;
  return options;
}

inline MqttOptions TlsOptions(const std::string& uri, const TestCertificates& certs,
                              const CertKeyPair& client, const std::string& id) {
  return testing_support::TlsClientOptions(uri, certs, client, "ptx-" + id);
}

inline std::unique_ptr<Transport> MakeOrDie(const MqttOptions& options) {
  Result<std::unique_ptr<Transport>> made = MakePahoTransport(options);
  if (!made.ok()) {
    ADD_FAILURE() << "MakePahoTransport: " << made.status().ToString();
    return nullptr;
  }
  return std::move(made).value();
}

// Connects several transports at the same time (Paho's second-client delay,
// pitfall 1) and returns their statuses in order.
inline std::vector<Status> ConnectTogether(const std::vector<Transport*>& transports) {
  std::vector<std::function<Status()>> connects;
  for (Transport* transport : transports) {
    connects.push_back([transport] { return transport->Connect(); });
  }
  return testing_support::RunTogether(connects);
}

// Number of threads of this process.
inline int ThreadCount() {
  int count = 0;
  FILE* status = std::fopen("/proc/self/status", "r");
  if (status == nullptr) return -1;
  char line[256];
  while (std::fgets(line, sizeof(line), status) != nullptr) {
    if (std::sscanf(line, "Threads: %d", &count) == 1) break;
  }
  std::fclose(status);
  return count;
}

// SIGSTOPs a broker; SIGCONTs it when destroyed or on Resume(), so a failed
// assertion never leaves a frozen broker behind.
class PausedBroker {
 public:
  explicit PausedBroker(MosquittoBroker& broker) : pid_(broker.pid()) {
    EXPECT_GT(pid_, 0);
    if (pid_ > 0) {
      EXPECT_EQ(kill(pid_, SIGSTOP), 0);
    }
  }
  ~PausedBroker() { Resume(); }
  void Resume() {
    if (pid_ > 0) kill(pid_, SIGCONT);
    pid_ = -1;
  }
  PausedBroker(const PausedBroker&) = delete;
  PausedBroker& operator=(const PausedBroker&) = delete;

 private:
  pid_t pid_;
};

// A loopback port where nothing listens.
inline int UnusedPort() {
  Result<std::vector<int>> ports = testing_support::PickFreeLoopbackPorts(1);
  EXPECT_TRUE(ports.ok());
  return ports.ok() ? ports->front() : 1;
}

// A listening TCP socket on 127.0.0.1 for the fake brokers below, on port
// *port, or on one the kernel chose (stored in *port) when *port is 0; -1
// (port untouched) when that fails. SO_REUSEADDR, as mosquitto sets it, so a
// stopped broker's port can be taken over while its connections linger in
// TIME_WAIT.
inline int ListenOnLoopback(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(*port));
  socklen_t size = sizeof(address);
  const int on = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *port = ntohs(address.sin_port);
  return fd;
}

// The socket side of this file's hand-made MQTT servers. Each waits in 20 ms
// polls while `go_on()` holds, so that a server's thread ends soon after it
// is told to stop.
inline bool WaitReadable(int fd, const std::function<bool()>& go_on) {
  while (go_on()) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) > 0) return true;
  }
  return false;
}
// Reads exactly `size` bytes; false when the peer closes or `go_on()` ends.
inline bool ReadFull(int fd, unsigned char* data, size_t size, const std::function<bool()>& go_on) {
  while (size > 0) {
    if (!WaitReadable(fd, go_on)) return false;
    const ssize_t n = recv(fd, data, size, 0);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}
inline void SendPacket(int fd, const std::vector<unsigned char>& packet) {
  (void)send(fd, packet.data(), packet.size(), MSG_NOSIGNAL);
}

// A minimal MQTT 3.1.1 server for what mosquitto 2.0.11 never does: refuse
// a subscription, or count the connection attempts of each client. It
// serves one client at a time: CONNACK 0 for CONNECT, SUBACK granting QoS 1
// except 0x80 for filters starting with "refused/", PUBACK for QoS 1
// PUBLISH, PINGRESP for PINGREQ. Built with a port and a non-zero CONNACK
// code, it stands in for a broker that is down on that port: it answers
// every CONNECT with that code and closes the connection.
class FakeMqttServer {
 public:
  FakeMqttServer() : FakeMqttServer(0, 0) {}
  FakeMqttServer(int port, unsigned char connack_code) : port_(port), connack_code_(connack_code) {
    listener_ = ListenOnLoopback(&port_);
    if (listener_ < 0) {
      ADD_FAILURE() << "FakeMqttServer: cannot listen on port " << port;
      return;
    }
    thread_ = std::thread([this] { Run(); });
  }
  ~FakeMqttServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listener_ >= 0) close(listener_);
  }
  FakeMqttServer(const FakeMqttServer&) = delete;
  FakeMqttServer& operator=(const FakeMqttServer&) = delete;

  int port() const { return port_; }

  // How many CONNECTs came from `client_id` so far.
  size_t Connects(const std::string& client_id) const {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<size_t>(std::count(connects_.begin(), connects_.end(), client_id));
  }

 private:
  // Until the server stops.
  bool Readable(int fd) {
    return WaitReadable(fd, [this] { return !stop_; });
  }
  bool ReadFull(int fd, unsigned char* data, size_t size) {
    return paho_test::ReadFull(fd, data, size, [this] { return !stop_; });
  }
  static void Send(int fd, const std::vector<unsigned char>& packet) { SendPacket(fd, packet); }
  void Run() {
    while (!stop_) {
      if (!Readable(listener_)) return;
      const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      Serve(client);
      close(client);
    }
  }
  void Serve(int fd) {
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
        case 1: {  // CONNECT: protocol name, level, flags, keepalive, client id
          const size_t name_length =
              body.size() >= 2 ? static_cast<size_t>(body[0] << 8 | body[1]) : body.size();
          const size_t id_at = 2 + name_length + 4;
          if (id_at + 2 <= body.size()) {
            const size_t id_length = static_cast<size_t>(body[id_at] << 8 | body[id_at + 1]);
            std::lock_guard<std::mutex> lock(mu_);
            connects_.emplace_back(reinterpret_cast<const char*>(body.data()) + id_at + 2,
                                   std::min(id_length, body.size() - id_at - 2));
          }
          Send(fd, {0x20, 0x02, 0x00, connack_code_});
          if (connack_code_ != 0) return;
          break;
        }
        case 3: {  // PUBLISH
          const int qos = (header >> 1) & 3;
          const size_t topic_length = static_cast<size_t>(body[0] << 8 | body[1]);
          if (qos == 1) Send(fd, {0x40, 0x02, body[2 + topic_length], body[3 + topic_length]});
          break;
        }
        case 8: {  // SUBSCRIBE
          std::vector<unsigned char> codes;
          for (size_t pos = 2; pos + 2 < body.size();) {
            const size_t n = static_cast<size_t>(body[pos] << 8 | body[pos + 1]);
            const std::string filter(reinterpret_cast<const char*>(&body[pos + 2]), n);
            codes.push_back(filter.rfind("refused/", 0) == 0 ? 0x80 : 0x01);
            pos += 3 + n;
          }
          std::vector<unsigned char> suback = {0x90, static_cast<unsigned char>(2 + codes.size()),
                                               body[0], body[1]};
          suback.insert(suback.end(), codes.begin(), codes.end());
          Send(fd, suback);
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
  const unsigned char connack_code_ = 0;
  mutable std::mutex mu_;
  std::vector<std::string> connects_;  // client ids, in order; guarded by mu_
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Sends an MQTT 3.1.1 CONNECT for `client_id` to 127.0.0.1:`port`, and waits
// (up to kWait) until the server closes the connection, as FakeMqttServer does
// after a refusing CONNACK. False if that does not happen.
inline bool ConnectAndBeRefused(int port, const std::string& client_id) {
  // CONNECT, remaining length (set below), protocol "MQTT" level 4, flags
  // (clean session), keepalive 60 s, then the client id.
  std::string packet("\x10\x00\x00\x04MQTT\x04\x02\x00\x3c", 12);
  packet += static_cast<char>(client_id.size() >> 8);
  packet += static_cast<char>(client_id.size() & 0xFF);
  packet += client_id;
  if (packet.size() - 2 > 127) return false;  // a one-byte remaining length only
  packet[1] = static_cast<char>(packet.size() - 2);
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  bool closed = false;
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      send(fd, packet.data(), packet.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(packet.size())) {
    const auto deadline = Clock::now() + kWait;
    while (!closed && Clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      unsigned char buffer[16];
      closed = recv(fd, buffer, sizeof(buffer), 0) <= 0;
    }
  }
  if (fd >= 0) close(fd);
  return closed;
}

}  // namespace shadowsync::paho_test

#endif  // SHADOWSYNC_TESTS_INTEGRATION_PAHO_TRANSPORT_FIXTURE_H_
