// SPDX-License-Identifier: Apache-2.0
#include "src/connection.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "shadowsync/rest_transport.h"

namespace shadowsync::agent {

InlinePemFiles::~InlinePemFiles() {
  if (dir_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

Result<std::string> InlinePemFiles::Write(const std::string& name, const std::string& pem) {
  if (dir_.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/shadowsync-agent-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {  // mode 0700
      return FailedPreconditionError("cannot create a private directory for inline PEM: " +
                                     std::string(std::strerror(errno)));
    }
    dir_ = pattern;
  }
  const std::string path = dir_ + "/" + name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return FailedPreconditionError(path + ": " + std::strerror(errno));
  const ssize_t written = ::write(fd, pem.data(), pem.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(pem.size())) {
    return FailedPreconditionError(path + ": short write");
  }
  return path;
}

Result<MqttOptions> MqttOptionsFor(const AgentConfig& config, InlinePemFiles& pem_files) {
  const ConnectionConfig& c = config.connection;
  MqttOptions options;
  // wss: MQTT over WebSocket, handed to the MQTT transport as a URI.
  options.server_uri =
      c.protocol == ConnectionProtocol::kWss
          ? "wss://" + c.host + ":" + std::to_string(c.port) + "/mqtt"
          : std::string(c.tls ? "ssl://" : "tcp://") + c.host + ":" + std::to_string(c.port);
  options.client_id = c.client_id.empty() ? c.thing_name : c.client_id;
  options.keep_alive = std::chrono::seconds(c.keep_alive_seconds);
  // A short first connect keeps the loop (and a stop request) responsive;
  // the agent retries with backoff.
  options.connect_timeout = std::chrono::seconds(5);
  if (c.alpn) options.alpn_protocols = {"x-amzn-mqtt-ca"};
  if (c.tls) {
    const auto file_or_inline = [&](const std::string& file, const std::string& pem,
                                    const char* name) -> Result<std::string> {
      if (!file.empty() || pem.empty()) return file;
      return pem_files.Write(name, pem);
    };
    Result<std::string> ca = file_or_inline(c.ca_file, c.ca_pem, "ca.pem");
    if (!ca.ok()) return ca.status();
    Result<std::string> cert = file_or_inline(c.cert_file, c.cert_pem, "cert.pem");
    if (!cert.ok()) return cert.status();
    Result<std::string> key = file_or_inline(c.key_file, c.key_pem, "key.pem");
    if (!key.ok()) return key.status();
    options.ca_file = *ca;
    options.cert_file = *cert;
    options.key_file = *key;
  }
  return options;
}

Result<std::unique_ptr<Transport>> TransportFor(const AgentConfig& config,
                                                InlinePemFiles& pem_files) {
  Result<MqttOptions> mqtt = MqttOptionsFor(config, pem_files);
  if (!mqtt.ok()) return mqtt.status();
  const ConnectionConfig& c = config.connection;
  if (c.protocol != ConnectionProtocol::kHttps) return MakePahoTransport(*mqtt);
  if (!c.tls) {
    return InvalidArgumentError(
        "connection: protocol \"https\" needs TLS, not the plain endpoint " + c.host + ":" +
        std::to_string(c.port));
  }
  // Report-only over HTTPS: the same files, the REST API's ALPN on 443.
  RestTransportOptions rest;
  rest.rest.endpoint = "https://" + c.host + ":" + std::to_string(c.port);
  rest.rest.ca_file = mqtt->ca_file;
  rest.rest.cert_file = mqtt->cert_file;
  rest.rest.key_file = mqtt->key_file;
  if (c.alpn) rest.rest.alpn = {"x-amzn-http-ca"};
  rest.poll_interval =
      std::chrono::milliseconds(static_cast<std::int64_t>(c.poll_seconds * 1000.0));
  Result<std::unique_ptr<Transport>> transport = MakeRestTransport(std::move(rest));
  if (!transport.ok()) {
    return Status(transport.status().code(), "connection (https): " + transport.status().message());
  }
  return transport;
}

ClientOptions ClientOptionsFor(const AgentConfig& config) {
  ClientOptions options;
  options.shadow.thing = config.connection.thing_name;
  if (!config.connection.shadow_name.empty()) options.shadow.shadow = config.connection.shadow_name;
  options.journal_path = config.journal_path;
  return options;
}

}  // namespace shadowsync::agent
