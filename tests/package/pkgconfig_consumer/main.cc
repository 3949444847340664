// SPDX-License-Identifier: Apache-2.0
//
// pkg-config consumer: built by tests/package/check_debs.sh against the
// unpacked libshadowsync-dev package with only
//   c++ main.cc $(pkg-config --cflags --libs shadowsync)
// It uses the engine (RapidJSON in the public API) and creates, without
// connecting, a ShadowClient on the Paho transport, so that the link needs
// every library shadowsync.pc names (Paho C++ and C, OpenSSL).

#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "shadowsync/client.h"
#include "shadowsync/document.h"
#include "shadowsync/json.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/status.h"

int main() {
  shadowsync::Result<shadowsync::ShadowDocument> document =
      shadowsync::ShadowDocument::FromJsonText(
          R"({"state":{"desired":{"color":"green"},"reported":{"color":"red"}},)"
          R"("metadata":{"desired":{"color":{"timestamp":1700000000}},)"
          R"("reported":{"color":{"timestamp":1700000000}}},"version":3})");
  if (!document.ok()) {
    std::fprintf(stderr, "FromJsonText: %s\n", document.status().ToString().c_str());
    return 1;
  }
  shadowsync::JsonDocument scratch;
  shadowsync::JsonValue delta;
  shadowsync::JsonValue delta_metadata;
  if (!document->ComputeDelta(&delta, &delta_metadata, scratch.GetAllocator()) ||
      shadowsync::ToCompactJson(delta) != R"({"color":"green"})") {
    std::fprintf(stderr, "unexpected delta\n");
    return 1;
  }

  shadowsync::MqttOptions mqtt;
  mqtt.server_uri = "tcp://127.0.0.1:1883";
  mqtt.client_id = "pkgconfig-consumer";
  shadowsync::Result<std::unique_ptr<shadowsync::Transport>> transport =
      shadowsync::MakePahoTransport(mqtt);
  if (!transport.ok()) {
    std::fprintf(stderr, "MakePahoTransport: %s\n", transport.status().ToString().c_str());
    return 1;
  }
  shadowsync::ClientOptions options;
  options.shadow.thing = "pkgconfig-consumer";
  auto client = shadowsync::ShadowClient::Create(std::move(options), std::move(*transport));
  if (!client.ok()) {
    std::fprintf(stderr, "ShadowClient::Create: %s\n", client.status().ToString().c_str());
    return 1;
  }
  std::printf("shadowsync pkg-config consumer: OK\n");
  return 0;
}
