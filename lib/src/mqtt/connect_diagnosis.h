// SPDX-License-Identifier: Apache-2.0
//
// Finding the real cause of a failed Paho connect.
//
// Paho reports almost every transport failure as "TCP/TLS connect failure"
// or "TCP connect completion failure" (rc -1), whatever went wrong: refused,
// wrong CA, expired or wrong-host server certificate, client certificate
// rejected. OpenSSL knows the cause, but Paho C++ 1.2 offers no safe way to
// hear it: ssl_options' error_handler keeps a pointer into the
// connect_options copy that async_client::connect() destroys when it returns,
// so OpenSSL's later callback reads freed memory (eclipse-paho/paho.mqtt.cpp
// #325, fixed in 1.3.0), and the host-name check is only traced, never
// reported. So after a failure the adapter re-runs the first steps itself,
// outside Paho, with the same settings: a TCP connect (refused, unreachable,
// timeout, DNS), then for ssl:// an OpenSSL handshake with the same CA file,
// client certificate and key, SNI, ALPN, peer verification and host-name
// check, reading OpenSSL's verdict. This costs nothing on the happy path and
// at most `budget` on a failure.
//
// Thread safety: plain function; blocking, with its own sockets.

#ifndef SHADOWSYNC_MQTT_CONNECT_DIAGNOSIS_H_
#define SHADOWSYNC_MQTT_CONNECT_DIAGNOSIS_H_

#include <chrono>
#include <string>
#include <vector>

#include "mqtt/broker_uri.h"

namespace shadowsync {
namespace mqtt_internal {

struct TlsSettings {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::vector<std::string> alpn_protocols;
};

/// What went wrong reaching `uri`, as one sentence without the "connect to X
/// failed" prefix, e.g. "connection refused by 127.0.0.1:1883 (is the broker
/// running?)" or "TLS: server certificate verification failed: certificate
/// has expired (...)". Empty when the probe succeeds as far as it goes (TCP,
/// and for TLS the handshake plus a short wait for a late alert), i.e. the
/// failure lies beyond what the probe can see.
std::string DiagnoseConnectFailure(const BrokerUri& uri, const TlsSettings& tls,
                                   std::chrono::milliseconds budget);

}  // namespace mqtt_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_MQTT_CONNECT_DIAGNOSIS_H_
