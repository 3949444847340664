// SPDX-License-Identifier: Apache-2.0
//
// echo: the classic first shadow program (subscribe to the delta, echo the
// desired values into reported), done with ShadowClient: deltas missed while
// offline arrive after the reconnect, each arrives once and in order, and the
// device reports its whole merged state, of which only changes are sent.
// Flags as for lamp (`echo --help`); SIGINT or SIGTERM stops it.

#include <signal.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "connection_flags.h"
#include "shadowsync/client.h"
#include "shadowsync/diff.h"
#include "shadowsync/paho_transport.h"

int main(int argc, char** argv) {
  using namespace shadowsync;
  examples::CommandLine flags;
  flags.AddValueFlag("--thing");
  flags.AddValueFlag("--shadow");
  if (Status parsed = flags.Parse(argc, argv); !parsed.ok()) {
    std::cerr << "echo: " << parsed.message() << " (echo --help shows the usage)\n";
    return 2;
  }
  if (flags.help()) {
    std::cout << "usage: echo --broker URI --thing T [--shadow S] [--ca F --cert F --key F]\n"
              << "            [--client-id ID] [--alpn [P]]\n"
              << examples::kConnectionFlagsHelp << "exit codes: 0 stopped, 2 usage, 3 connection\n";
    return 0;
  }
  auto mqtt = flags.ToMqttOptions(examples::UniqueClientId("echo"));
  ClientOptions options;
  if (const std::string* shadow = flags.Get("--shadow")) options.shadow.shadow = *shadow;
  if (const std::string* thing = flags.Get("--thing")) options.shadow.thing = *thing;
  if (!mqtt.ok() || options.shadow.thing.empty()) {
    std::cerr << "echo: " << (mqtt.ok() ? "--thing is required" : mqtt.status().message()) << "\n";
    return 2;
  }

  sigset_t stop_signals;  // blocked before Paho starts its threads
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto transport = MakePahoTransport(*mqtt);
  auto client = transport.ok() ? ShadowClient::Create(std::move(options), std::move(*transport))
                               : Result<std::unique_ptr<ShadowClient>>(transport.status());
  if (!client.ok()) {
    std::cerr << "echo: " << client.status().message() << "\n";
    return 2;
  }
  ShadowClient& shadow = **client;

  // The device's state starts as the service's reported section, which the
  // client has read by the time the first delta arrives.
  JsonDocument state;
  shadow.OnDelta([&](const Delta& delta) {
    if (!state.IsObject()) state.CopyFrom(shadow.acknowledged_reported(), state.GetAllocator());
    std::cout << "echo: delta " << ToCompactJson(delta.state) << " (version " << delta.version
              << ")" << std::endl;
    ApplyPatch(state, delta.state, state.GetAllocator());
    if (Status reported = shadow.Report(state); !reported.ok()) {
      std::cerr << "echo: " << reported.ToString() << std::endl;
    }
  });
  shadow.OnReportResult([&](RequestResult result) {
    if (result.ok()) {
      std::cout << "echo: reported " << ToCompactJson(shadow.acknowledged_reported()) << std::endl;
    } else {
      std::cerr << "echo: report: " << result.status().ToString() << std::endl;
    }
  });

  if (Status started = shadow.Start(); !started.ok()) {
    std::cerr << "echo: cannot connect: " << started.message() << "\n";
    return 3;
  }
  std::cout << "echo: started" << std::endl;
  const timespec no_wait{0, 0};
  while (sigtimedwait(&stop_signals, nullptr, &no_wait) < 0) {
    shadow.RunFor(std::chrono::milliseconds(100));
  }
  return shadow.Stop(std::chrono::seconds(2)).ok() ? 0 : 3;
}
