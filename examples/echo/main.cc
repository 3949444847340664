// SPDX-License-Identifier: Apache-2.0
//
// echo: the classic first shadow program (subscribe to the delta, echo the
// desired values into reported), done with ShadowClient: deltas missed while
// offline arrive after the reconnect, each arrives once and in order, and the
// device reports its whole merged state, of which only changes are sent.
// Flags as for lamp and every shadowsync program (`echo --help`, cli/);
// SIGINT or SIGTERM stops it.

#include <signal.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/command_line.h"
#include "cli/connection_flags.h"
#include "shadowsync/client.h"
#include "shadowsync/diff.h"
#include "shadowsync/paho_transport.h"

#ifndef SHADOWSYNC_VERSION
#define SHADOWSYNC_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  using namespace shadowsync;
  cli::CommandLine command_line(
      "echo",
      "Copies each delta of a shadow into its reported state, with ShadowClient: deltas missed "
      "while offline arrive after the reconnect, each once and in order. SIGINT or SIGTERM "
      "stops it.\n",
      SHADOWSYNC_VERSION);
  cli::ConnectionFlags flags;
  cli::ConnectionFlagsSpec spec;
  spec.broker_help = "Required.";
  spec.shadow_flags = true;
  spec.client_id_default = "echo-<pid>-<random>";
  cli::AddConnectionFlags(command_line.app(), &flags, spec);
  // Required; checked after the parse, so that a mistyped flag gets "did
  // you mean" first.
  command_line.app().get_option("--thing")->description("thing name (required)");
  command_line.app().footer("Exit codes: 0 stopped, 2 usage, 3 connection.");
  if (std::optional<int> exit = command_line.ParseOrExit(argc, argv, std::cout, std::cerr)) {
    return *exit;
  }
  auto mqtt = flags.thing ? cli::ToMqttOptions(flags, "", cli::UniqueClientId("echo"))
                          : Result<MqttOptions>(InvalidArgumentError("--thing is required"));
  if (!mqtt.ok()) {
    std::cerr << "error: " << mqtt.status().message() << "\nsee 'echo --help'\n";
    return cli::kExitUsage;
  }
  ClientOptions options;
  options.shadow.thing = *flags.thing;
  options.shadow.shadow = flags.shadow.value_or("");

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
