// SPDX-License-Identifier: Apache-2.0
//
// The Eclipse Paho MQTT C++ implementation of Transport, with OpenSSL mutual
// TLS. No Paho or OpenSSL type appears here; the adapter lives in
// lib/src/mqtt/. Built against Paho MQTT C++ 1.2 on Paho C 1.3.11 (Debian
// 12); the facts below are about those versions.
//
// Connection. MQTT 3.1.1 always (no silent fallback to 3.1). Paho's own
// automatic reconnect is off: after a successful Connect() a supervisor
// thread of the transport turns a lost connection into kConnectionLost,
// reconnects with jittered exponential backoff (MqttOptions::reconnect_*),
// renews every subscription made so far (Paho does not; the broker forgets
// them with a clean session), re-sends the QoS 1 messages whose delivery
// failed and sends those a message handler published meanwhile, and only
// then reports kReconnected. Disconnect() stops all of it.
//
// Delivery. Publish() is at-least-once for QoS 1: a message stays with the
// transport until the broker's PUBACK, and one whose delivery failed with a
// lost connection is sent again after the reconnect (so a receiver may see it
// twice). Order is kept on one connection; across a reconnect the re-sent
// messages go out before kReconnected, in their original order, but after any
// message Paho still had queued unsent. QoS 0 is at-most-once. Nothing is
// ever published retained.
//
// Publishing from a message handler while (re)connecting. With
// clean_session = false the broker delivers the messages it queued for the
// session right after the CONNACK, while the transport still renews its
// subscriptions and does not yet count itself connected (IsConnected() is
// false). A Publish() from this transport's message handler in that state
// (Connect() in progress, or reconnecting) is not refused: the message is
// held, and once the subscriptions are renewed it goes out with the re-sent
// ones, in publish order, before the transport counts itself connected and
// reports kConnected/kReconnected, so nothing published later overtakes it.
// A handler may so hold up to max_buffered_messages messages per
// (re)connect; beyond that, and from any other thread while not connected,
// Publish() returns kUnavailable as before. Held messages that a failed
// Connect() or a Disconnect() finds unsent are dropped, like other
// unacknowledged ones.
//
// When an incoming QoS 1 message is acknowledged: after the message handler
// has returned (Paho C 1.3.11; how, and the one corner where Paho acks
// first, is in lib/src/mqtt/paho_transport.cc). Consequences: (1) a handler
// that makes a request durable before it returns gets "acknowledged implies
// handled"; one that only enqueues gets "acknowledged implies enqueued"; (2)
// if the process dies inside the handler the broker never saw a PUBACK, but
// it redelivers only with clean_session = false; (3) a slow handler delays
// the PUBACK and every other message, PUBACK and ping of every Paho client in
// the process (one receive thread).
//
// Errors. Connect() reports the real cause instead of Paho's "TCP/TLS connect
// failure": after a failed first Connect() the transport probes the endpoint
// itself (TCP connect, then for ssl:// an OpenSSL handshake with the same CA,
// client certificate, SNI, ALPN and host-name check), because Paho C++ 1.2
// gives no safe way to hear OpenSSL's verdict (its ssl error_handler keeps a
// dangling pointer, paho.mqtt.cpp #325). Messages look like
//   connect to ssl://localhost:8883 failed: TLS: server certificate
//   verification failed: certificate has expired (notAfter Jan  2 00:00:00
//   2020 GMT; depth 0: subject CN=localhost, issuer CN=...) [Paho: TCP/TLS
//   connect failure, rc -1]
// and name the refused connection, the unresolvable host, the unknown CA, the
// host-name mismatch, the expired certificate, the client certificate the
// broker rejected or wants, the wrong scheme for the port, the CONNACK code,
// or the timeout. Key material never appears in a message.
//
// Threads. Message handlers run on Paho's receive thread. kConnected runs on
// the thread that called Connect(), before it returns; kConnectionLost and
// kReconnected run on the transport's supervisor thread, in that order,
// alternating; so a connection handler may run concurrently with a message
// handler. Handlers may call Publish() (from a message handler also while
// (re)connecting, see "Delivery") and IsConnected(). Connect() and
// Disconnect() from any handler, and Subscribe() and Flush() from a message
// handler (they wait for packets that only Paho's receive thread, which is
// running the handler, can process), return kFailedPrecondition at once.
// A handler must not destroy its transport. Exceptions thrown by handlers are
// caught and dropped (they must not unwind through Paho's C code).
//
// Paho C 1.3.11 quirks that show: (1) a client that connects while another
// client of the same process is already connected waits ~1-2 s for Paho's
// receive thread to notice its socket (every time; eclipse-paho/paho.mqtt.c
// #1430, fixed upstream after 1.3.11); start the Connect() calls of several
// transports at the same time (on several threads) and they all finish in
// milliseconds. The same wait makes each reconnect attempt take ~1.1 s
// (measured: kReconnected 1.1-1.3 s after the broker is back, with
// reconnect_max 400 ms). (2) The destructor or Disconnect() of the
// process's last Paho client stops Paho's two threads, polling every 100 ms:
// 0.1-1.1 s, longer on a loaded machine; the next Connect() then restarts
// them (~0.1 s). (3) Now and then a message is held ~1.1 s inside Paho (1 in
// 4,000-60,000); keep timeouts above 3 s.
//
// Thread safety: safe for concurrent use (as Transport), with the handler
// rules above.

#ifndef SHADOWSYNC_PAHO_TRANSPORT_H_
#define SHADOWSYNC_PAHO_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shadowsync/aws_credentials.h"
#include "shadowsync/status.h"
#include "shadowsync/transport.h"

namespace shadowsync {

/// SigV4 for MQTT over WebSocket, as AWS IoT authenticates IAM credentials
/// on port 443: the transport presigns a fresh `GET <path>` URL at every
/// connect and reconnect (a presigned URL expires, and temporary
/// credentials rotate). The signed host is what Paho sends in the Host
/// header, `host:port`; for service iotdevicegateway a session token is
/// appended after the signature, unsigned (platform notes §3).
struct MqttSigV4 {
  /// Called at every (re)connect, on the connecting thread (e.g. a
  /// LoadAwsCredentials() closure); an error fails that attempt with its
  /// message (which must hold no secret), and a reconnect tries again.
  std::function<Result<AwsCredentials>()> credentials;
  std::string region;                        ///< e.g. "us-east-1"; required
  std::string service = "iotdevicegateway";  ///< AWS IoT's WebSocket service
  /// The signing clock; unset means system_clock::now().
  std::function<std::chrono::system_clock::time_point()> now;
};

/// Everything needed to reach a broker. MQTT 3.1.1 always.
struct MqttOptions {
  /// "tcp://host:port" for plain MQTT, "ssl://host:port" for TLS;
  /// "mqtt://" and "mqtts://" are accepted as aliases. Without a port: 1883
  /// (plain) or 8883 (TLS). IPv6 literals in brackets: "ssl://[::1]:8883".
  /// MQTT over WebSocket: "wss://host[:port][/path]" (TLS, port 443, path
  /// /mqtt by default: AWS IoT's `wss://<endpoint>/mqtt`), or "ws://" (plain,
  /// port 80) for local tests; no query (SigV4 adds it).
  std::string server_uri;
  /// Must not be empty.
  std::string client_id;

  /// TLS (ssl:// only). The server certificate and host name are always
  /// verified against `ca_file` (required for ssl://); there is no switch to
  /// turn that off. TLS 1.2 or later.
  std::string ca_file;
  /// Client certificate and private key (PEM; EC or RSA; the key
  /// unencrypted) for mutual TLS: both or neither.
  std::string cert_file;
  std::string key_file;
  /// ALPN protocols, e.g. {"x-amzn-mqtt-ca"} for AWS IoT on port 443.
  std::vector<std::string> alpn_protocols;

  /// ws:// and wss:// only: presign every connect with SigV4. Without it
  /// the WebSocket upgrade carries no authentication.
  std::optional<MqttSigV4> sigv4;
  /// ws:// and wss:// only: an HTTP proxy, "http://[user:password@]host:port",
  /// through which the transport tunnels with CONNECT. Empty: with
  /// proxy_from_environment, `https_proxy` (wss://) or `http_proxy` (ws://),
  /// lower case first, unless `no_proxy` names the host; else direct.
  std::string proxy;
  bool proxy_from_environment = true;

  /// 0 to 65535 s; 0 turns keep-alive off.
  std::chrono::seconds keep_alive{30};
  bool clean_session = true;
  /// Time for TCP, TLS and CONNACK together; positive.
  std::chrono::seconds connect_timeout{10};
  /// Reconnect backoff bounds; each wait is drawn with jitter between half
  /// and all of the current bound, which doubles from min to max.
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30000};
  /// Messages Paho may hold queued before they are written to the socket
  /// (at least 1); beyond that Publish() returns kUnavailable "outgoing
  /// buffer full". Also the bound on what a message handler may publish
  /// while the transport (re)connects (see "Delivery" above).
  int max_buffered_messages = 10000;
};

/// Checks the options without connecting: the URI scheme, host and port;
/// the other fields' ranges; that TLS fields are given only for ssl:// and
/// wss://, that these have a ca_file and cert_file and key_file come
/// together; that sigv4 and proxy come only with ws:// or wss://, sigv4 with
/// credentials and a region, proxy as a valid http:// URL; that the
/// TLS files exist, are readable and hold PEM (a certificate in ca_file and
/// cert_file, an unencrypted key in key_file), and that the key belongs to
/// the certificate. kInvalidArgument names the field, and the path for a
/// file: "key_file: /x/y.key: No such file or directory", "ca_file is set
/// but server_uri is not ssl://", "key_file does not match cert_file
/// (...)".
Status ValidateMqttOptions(const MqttOptions& options);

/// The one rule for a private key file: a regular file that group and others
/// cannot read. kNotFound when it cannot be stat()ed; kFailedPrecondition
/// otherwise, e.g. "/x/y.key has mode 0644: the private key must not be
/// readable by group or others; fix: chmod 600 /x/y.key".
/// ValidateMqttOptions() applies it to key_file; shadowsync-agent to its key
/// before it starts.
Status CheckPrivateKeyFile(const std::string& path);

/// Creates the Paho transport (not connected). kInvalidArgument for invalid
/// options (ValidateMqttOptions()).
///
/// What its methods return, beyond transport.h:
/// - Connect(): OK if already connected; kUnavailable with the cause (see
///   above) if the connect fails, or while the transport is reconnecting
///   (with the last attempt's error); kInvalidArgument if the TLS files
///   became unusable since creation (e.g. a key that no longer matches).
///   Also renews the subscriptions of an earlier connection (kRejected if
///   the broker now refuses one).
/// - Disconnect(): stops the supervisor, sends DISCONNECT at once, ends the
///   Paho client; messages not yet acknowledged are dropped (call Flush()
///   first to wait for them) and a waiting Flush() returns kUnavailable.
///   Subscriptions are remembered for the next Connect().
/// - Subscribe(): QoS 0 or 1; kInvalidArgument for a malformed filter,
///   kRejected for SUBACK 0x80, kTimeout without a SUBACK within 10 s,
///   kUnavailable when not connected or when the connection drops first.
/// - Publish(): QoS 0 or 1; kInvalidArgument for an empty or wildcard topic.
/// - Flush(): waits for the messages published before the call; kTimeout
///   says how many are still unacknowledged.
Result<std::unique_ptr<Transport>> MakePahoTransport(const MqttOptions& options);

}  // namespace shadowsync

#endif  // SHADOWSYNC_PAHO_TRANSPORT_H_
