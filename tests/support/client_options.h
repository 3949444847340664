// SPDX-License-Identifier: Apache-2.0
//
// MqttOptions for test clients of a fixture broker: unique client ids (one
// per call, so tests never take over each other's sessions) and short
// connect and reconnect timings that suit loopback.

#ifndef SHADOWSYNC_TESTS_SUPPORT_CLIENT_OPTIONS_H_
#define SHADOWSYNC_TESTS_SUPPORT_CLIENT_OPTIONS_H_

#include <string>

#include "shadowsync/paho_transport.h"
#include "support/tls_certificates.h"

namespace shadowsync::testing_support {

/// "<label>-<pid>-<n>": unique within this machine for the test run.
std::string UniqueClientId(const std::string& label);

/// Mutual TLS to `uri` with `certs`' CA and the client pair `client`.
MqttOptions TlsClientOptions(const std::string& uri, const TestCertificates& certs,
                             const CertKeyPair& client, const std::string& label);

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_CLIENT_OPTIONS_H_
