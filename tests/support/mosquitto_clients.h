// SPDX-License-Identifier: Apache-2.0
//
// Test helper: drive the mosquitto_pub / mosquitto_sub command-line clients
// against a MosquittoBroker. Independent of our own MQTT code, so a fixture
// or transport test can use them as the reference client.

#ifndef SHADOWSYNC_TESTS_SUPPORT_MOSQUITTO_CLIENTS_H_
#define SHADOWSYNC_TESTS_SUPPORT_MOSQUITTO_CLIENTS_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "shadowsync/status.h"
#include "support/child_process.h"
#include "support/mosquitto_fixture.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"

namespace shadowsync::testing_support {

/// Where and how a CLI client connects. MQTT 3.1.1.
struct CliEndpoint {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string ca_file;  ///< TLS when not empty (then use host "localhost")
  std::string cert_file;
  std::string key_file;
  std::string client_id;  ///< empty: the client's generated id
  bool insecure = false;  ///< --insecure: skip the server host name check

  /// "-h HOST -p PORT [--cafile ...] [-i ID]".
  std::vector<std::string> Args() const;
};

/// The broker's plain listener.
CliEndpoint PlainEndpoint(const MosquittoBroker& broker);
/// The EC / RSA TLS listener with the given client certificate.
CliEndpoint TlsEcEndpoint(const MosquittoBroker& broker, const CertKeyPair& client);
CliEndpoint TlsRsaEndpoint(const MosquittoBroker& broker, const CertKeyPair& client);

/// Runs `mosquitto_pub -d` once. status.success() means it connected and
/// published (at QoS 1: got the PUBACK). A broker that silently drops a
/// publish (ACL) still gives success, as with AWS IoT over MQTT 3.1.1.
/// Errors as RunProcess().
Result<ProcessOutput> MosquittoPub(const CliEndpoint& endpoint, const std::string& topic,
                                   const std::string& message, int qos = 1,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// One message as mosquitto_sub printed it.
struct ReceivedMessage {
  std::string topic;
  std::string payload;
  friend bool operator==(const ReceivedMessage& a, const ReceivedMessage& b) {
    return a.topic == b.topic && a.payload == b.payload;
  }
};

/// A running `mosquitto_sub -C count` (line-buffered via stdbuf, so its
/// output can be watched). Payloads must not contain newlines.
///
/// Thread safety: not thread-safe; confine to one thread.
class MosquittoSub {
 public:
  MosquittoSub() = default;
  MosquittoSub(const MosquittoSub&) = delete;
  MosquittoSub& operator=(const MosquittoSub&) = delete;

  /// Starts a subscriber that exits after `count` messages. Errors as
  /// ChildProcess::Start().
  Status Start(const CliEndpoint& endpoint, const std::vector<std::string>& filters, int count,
               int qos = 1);

  /// Waits for the SUBACK. OK once every filter was granted; kRejected if
  /// the broker refused one (granted QoS 128), kUnavailable if the client
  /// exited, kTimeout after `timeout`. Messages the broker routes after an
  /// OK return reach this subscriber.
  Status WaitSubscribed(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Waits until the client got its `count` messages and exited; returns
  /// them. kTimeout (with what arrived) if that takes longer than `timeout`,
  /// kUnavailable if it exited with an error.
  Result<std::vector<ReceivedMessage>> WaitForMessages(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Messages received so far, in order.
  std::vector<ReceivedMessage> Messages() const;
  /// Everything the client printed (debug lines included).
  std::string Output() const { return process_.ReadLog(); }
  ChildProcess& process() { return process_; }

 private:
  std::unique_ptr<TempDir> dir_;
  ChildProcess process_;
};

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_MOSQUITTO_CLIENTS_H_
