// SPDX-License-Identifier: Apache-2.0
#include "support/client_options.h"

#include <unistd.h>

#include <atomic>
#include <chrono>

namespace shadowsync::testing_support {

std::string UniqueClientId(const std::string& label) {
  static std::atomic<int> counter{0};
  return label + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

MqttOptions TlsClientOptions(const std::string& uri, const TestCertificates& certs,
                             const CertKeyPair& client, const std::string& label) {
  using namespace std::chrono_literals;
  MqttOptions options;
  options.server_uri = uri;
  options.client_id = UniqueClientId(label);
  options.ca_file = certs.ca_cert;
  options.cert_file = client.cert;
  options.key_file = client.key;
  options.connect_timeout = 5s;
  options.reconnect_min = 100ms;
  options.reconnect_max = 1s;
  return options;
}

}  // namespace shadowsync::testing_support
