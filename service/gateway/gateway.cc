// SPDX-License-Identifier: Apache-2.0
#include "gateway.h"

#include <utility>

#include "access_keys.h"
#include "gateway_identity.h"
#include "rest_auth.h"
#include "rest_gateway.h"
#include "shadow_requester.h"
#include "shadowsync/registry.h"
#include "websocket_relay.h"

namespace shadowsync::gateway {

// Declared in the order of construction; destroyed in reverse: the server
// first (no handler runs after), then the handlers, the requester (which
// answers what is pending), and the transport last.
struct Gateway::Parts {
  std::unique_ptr<Transport> transport;
  std::unique_ptr<ShadowRequester> requester;
  std::unique_ptr<RestAuth> auth;
  std::unique_ptr<RestGateway> handlers;
  std::unique_ptr<HttpsServer> server;
  std::unique_ptr<WebSocketRelay> relay;  // MQTT over WebSocket; null when off
};

Gateway::Gateway(GatewayOptions options, LogSink log)
    : options_(std::move(options)), log_(std::move(log)) {}

Gateway::~Gateway() { Stop(); }

Status Gateway::Start() {
  if (parts_) return Status(StatusCode::kFailedPrecondition, "the gateway is already started");
  if (!options_.mtls_port && !options_.sigv4_port && !options_.wss_port) {
    return Status(StatusCode::kInvalidArgument,
                  "no listener: give --sigv4-credentials, or leave out --no-mtls");
  }
  auto fail = [](const std::string& flag, const Status& status) {
    return Status(status.code(), flag + ": " + status.message());
  };

  RestAuth::Options auth;
  auth.sigv4.region = options_.region;
  if (!options_.registry_file.empty()) {
    Result<Registry> registry = Registry::Load(options_.registry_file);
    if (!registry.ok()) return fail("--registry", registry.status());
    auth.registry = std::make_shared<const Registry>(std::move(registry).value());
  }
  if (options_.sigv4_port) {
    if (options_.credentials_file.empty()) {
      return Status(StatusCode::kInvalidArgument,
                    "--sigv4-credentials: required for the SigV4 listener");
    }
    Result<AccessKeys> keys = AccessKeys::Load(options_.credentials_file);
    if (!keys.ok()) return fail("--sigv4-credentials", keys.status());
    auth.access_keys = std::make_shared<const AccessKeys>(std::move(keys).value());
  }

  std::optional<WebSocketRelayConfig> relay;
  if (options_.wss_port) {
    Result<WebSocketRelayConfig> config = MakeRelayConfig();
    if (!config.ok()) return config.status();
    relay = std::move(config).value();
  }
  ServerConfig server;
  server.max_body_bytes = options_.max_body_bytes;
  server.threads = options_.threads;
  server.read_timeout = options_.read_timeout;
  if (options_.mtls_port) {
    server.listeners.push_back({"mtls", options_.bind_address, *options_.mtls_port,
                                ListenerAuth::kMutualTls, options_.server_cert_file,
                                options_.server_key_file, options_.client_ca_file});
  }
  if (options_.sigv4_port) {
    server.listeners.push_back({"sigv4", options_.bind_address, *options_.sigv4_port,
                                ListenerAuth::kSigV4, options_.server_cert_file,
                                options_.server_key_file, ""});
  }

  auto parts = std::make_unique<Parts>();
  Result<std::unique_ptr<Transport>> transport = MakePahoTransport(options_.mqtt);
  if (!transport.ok()) return fail("broker", transport.status());
  parts->transport = std::move(transport).value();
  parts->requester = std::make_unique<ShadowRequester>(*parts->transport, options_.request_timeout);
  parts->auth = std::make_unique<RestAuth>(std::move(auth));
  parts->handlers =
      std::make_unique<RestGateway>(*parts->auth, *parts->requester, *parts->transport);
  RestGateway* handlers = parts->handlers.get();
  parts->server = std::make_unique<HttpsServer>(
      std::move(server),
      [handlers](RestRequest request, Responder respond) {
        handlers->Handle(std::move(request), std::move(respond));
      },
      log_);
  // The listeners are opened first, so that a bad file or address is
  // reported before the broker is tried; they serve only once the answer
  // subscriptions are in place (connections wait in the backlog).
  Status listening = parts->server->Open();
  if (!listening.ok()) {
    // The listener's message names the file or the address; say which flag.
    const std::string& message = listening.message();
    std::string flag = "--bind";
    if (message.find("key file") != std::string::npos) flag = "--tls-key";
    if (message.find("certificate file") != std::string::npos) flag = "--tls-cert";
    if (message.find("client CA file") != std::string::npos) flag = "--client-ca";
    return fail(flag, listening);
  }

  ShadowRequester* requester = parts->requester.get();
  LogSink log = log_;
  const std::string broker = options_.mqtt.server_uri;
  parts->transport->SetHandlers(
      [requester](const MqttMessage& message) { requester->OnMessage(message); },
      [log, broker](ConnectionEvent event, const Status& cause) {
        switch (event) {
          case ConnectionEvent::kConnected:
            log("broker " + broker + ": connected");
            break;
          case ConnectionEvent::kReconnected:
            log("broker " + broker + ": reconnected");
            break;
          case ConnectionEvent::kConnectionLost:
            log("broker " + broker + ": connection lost (" + cause.message() +
                "); requests get 503 until it is back");
            break;
        }
      });
  Status connected = parts->transport->Connect();
  if (!connected.ok()) return fail("broker", connected);
  for (const std::string& filter : ShadowRequester::AnswerFilters()) {
    Status subscribed = parts->transport->Subscribe(filter, 1);
    if (!subscribed.ok()) {
      (void)parts->transport->Disconnect();
      return fail("broker: subscribe to " + filter, subscribed);
    }
  }
  parts->requester->Start();
  Status serving = parts->server->Start();
  if (!serving.ok()) {
    parts->requester->Stop();
    (void)parts->transport->Disconnect();
    return serving;
  }
  if (relay) {
    parts->relay = std::make_unique<WebSocketRelay>(std::move(*relay), log_);
    Status relaying = parts->relay->Start();
    if (!relaying.ok()) {
      parts->server->Stop();
      parts->requester->Stop();
      (void)parts->transport->Disconnect();
      return fail("--wss-port", relaying);
    }
    wss_port_ = parts->relay->port();
    log_("listening: MQTT over WebSocket wss://" + options_.bind_address + ":" +
         std::to_string(wss_port_) + "/mqtt (SigV4 iotdevicegateway, region " + options_.region +
         "), relayed to " + options_.relay_broker);
  }
  std::size_t index = 0;
  if (options_.mtls_port) mtls_port_ = parts->server->port(index++);
  if (options_.sigv4_port) sigv4_port_ = parts->server->port(index++);
  parts_ = std::move(parts);
  log_("listening: " +
       (mtls_port_ ? "mTLS https://" + options_.bind_address + ":" + std::to_string(mtls_port_)
                   : std::string("mTLS off")) +
       ", " +
       (sigv4_port_ ? "SigV4 https://" + options_.bind_address + ":" + std::to_string(sigv4_port_) +
                          " (region " + options_.region + ")"
                    : std::string("SigV4 off")) +
       ", registry " +
       (options_.registry_file.empty() ? "none (every verified client allowed)"
                                       : options_.registry_file));
  return Status();
}

void Gateway::Stop() {
  if (!parts_) return;
  if (parts_->relay) parts_->relay->Stop();
  parts_->server->Stop();
  parts_->requester->Stop();
  (void)parts_->transport->Disconnect();
  parts_.reset();
}

Result<WebSocketRelayConfig> Gateway::MakeRelayConfig() const {
  WebSocketRelayConfig config;
  config.address = options_.bind_address;
  config.port = *options_.wss_port;
  config.cert_file = options_.server_cert_file;
  config.key_file = options_.server_key_file;
  config.sigv4.region = options_.region;
  config.sigv4.services = {"iotdevicegateway"};
  if (options_.credentials_file.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "--sigv4-credentials: required for MQTT over WebSocket (--wss-port)");
  }
  Result<AccessKeys> keys = AccessKeys::Load(options_.credentials_file);
  if (!keys.ok()) {
    return Status(keys.status().code(), "--sigv4-credentials: " + keys.status().message());
  }
  config.access_keys = std::make_shared<const AccessKeys>(std::move(keys).value());
  if (options_.relay_secret_file.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "--relay-secret-file: required with --relay-broker (the secret of "
                  "plugin_opt_gateway_secret_file)");
  }
  Result<std::string> secret = host::LoadGatewaySecret(options_.relay_secret_file);
  if (!secret.ok()) {
    return Status(secret.status().code(), "--relay-secret-file: " + secret.status().message());
  }
  config.secret = std::move(secret).value();
  const std::string& broker = options_.relay_broker;
  const std::size_t colon = broker.rfind(':');
  int port = 0;
  if (colon != std::string::npos && colon + 1 < broker.size() && colon + 6 >= broker.size()) {
    port = 0;
    for (char c : broker.substr(colon + 1)) {
      port = (c >= '0' && c <= '9') ? port * 10 + (c - '0') : -1;
      if (port < 0) break;
    }
  }
  if (port < 1 || port > 65535) {
    return Status(StatusCode::kInvalidArgument,
                  "--relay-broker: \"" + broker +
                      "\": expected IP:PORT of the broker's plain TCP listener, e.g. "
                      "127.0.0.1:1883");
  }
  config.broker_host = broker.substr(0, colon);
  if (config.broker_host == "localhost") config.broker_host = "127.0.0.1";
  if (config.broker_host.size() > 2 && config.broker_host.front() == '[') {
    config.broker_host = config.broker_host.substr(1, config.broker_host.size() - 2);
  }
  config.broker_port = port;
  return config;
}

}  // namespace shadowsync::gateway
