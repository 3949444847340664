// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-client-probe: a device process for shadow_client_test.cc's
// restart-with-journal test, which must kill a real process.
//
//   report  Start() (may fail: offline is the point), Report(--state),
//           print "pending" once the journal holds it, then wait forever
//           (the test kills it with SIGKILL).
//   resume  Start() until connected, report nothing new, run until the
//           journal's state is acknowledged, print "flushed", exit 0.
//
// Flags: --mode report|resume --broker URI --ca F --cert F --key F
//        --thing T --journal F [--state JSON]. Exit 2 on usage errors, 3 when
// resume cannot finish within 30 s.

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include "shadowsync/client.h"
#include "shadowsync/paho_transport.h"

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  const std::string mode = flags["--mode"];
  if ((mode != "report" && mode != "resume") || flags["--broker"].empty() ||
      flags["--thing"].empty() || flags["--journal"].empty()) {
    std::fprintf(stderr, "usage: see the comment at the top of shadow_client_probe.cc\n");
    return 2;
  }
  shadowsync::MqttOptions mqtt;
  mqtt.server_uri = flags["--broker"];
  mqtt.client_id = "probe-" + flags["--thing"] + "-" + mode;
  mqtt.ca_file = flags["--ca"];
  mqtt.cert_file = flags["--cert"];
  mqtt.key_file = flags["--key"];
  mqtt.connect_timeout = 3s;
  mqtt.reconnect_min = 100ms;
  mqtt.reconnect_max = 1s;
  auto transport = shadowsync::MakePahoTransport(mqtt);
  if (!transport.ok()) {
    std::fprintf(stderr, "probe: %s\n", transport.status().ToString().c_str());
    return 2;
  }
  shadowsync::ClientOptions options;
  options.shadow.thing = flags["--thing"];
  options.journal_path = flags["--journal"];
  auto client = shadowsync::ShadowClient::Create(options, std::move(transport).value());
  if (!client.ok()) {
    std::fprintf(stderr, "probe: %s\n", client.status().ToString().c_str());
    return 2;
  }
  shadowsync::ShadowClient& shadow = **client;

  if (mode == "report") {
    const shadowsync::Status started = shadow.Start();
    std::fprintf(stderr, "probe: start: %s\n", started.ToString().c_str());
    auto state = shadowsync::ParseJson(flags["--state"]);
    if (!state.ok()) {
      std::fprintf(stderr, "probe: --state: %s\n", state.status().ToString().c_str());
      return 2;
    }
    const shadowsync::Status reported = shadow.Report(*state);
    if (!reported.ok()) {
      std::fprintf(stderr, "probe: report: %s\n", reported.ToString().c_str());
      return 2;
    }
    std::printf("pending\n");
    std::fflush(stdout);
    for (;;) shadow.RunFor(1s);
  }

  const auto deadline = std::chrono::steady_clock::now() + 30s;
  shadowsync::Status started = shadow.Start();
  while (!started.ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);  // retry pacing, not an ordering
    started = shadow.Start();
  }
  if (!started.ok()) {
    std::fprintf(stderr, "probe: start: %s\n", started.ToString().c_str());
    return 3;
  }
  shadow.RunFor(100ms);  // the first GET: only then is anything known
  const bool flushed = shadow.RunUntil([&] { return !shadow.HasPendingReport(); }, 25s);
  if (!flushed) {
    std::fprintf(stderr, "probe: the journal's state was not acknowledged\n");
    return 3;
  }
  std::printf("flushed\n");
  std::fflush(stdout);
  return shadow.Stop(2s).ok() ? 0 : 3;
}
