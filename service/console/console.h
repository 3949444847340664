// SPDX-License-Identifier: Apache-2.0
//
// The shadowsync console (docs/console.md): a web page served by
// shadowsync-gateway that shows every thing and shadow, edits desired
// through the shadow service, plots the history of the readings, and has an
// MQTT test client, with live updates over a WebSocket.
//
// The console is two MQTT clients of the broker, in the gateway's process:
// - "<id>-console" subscribes to `$aws/things/+/shadow/#` and `$aws/events/#`
//   (the index, the activity and the history) and sends the page's GET,
//   UPDATE and DELETE as the MQTT requests a device would send, matched to
//   their answers by the gateway's ShadowRequester;
// - "<id>-console-client" is the page's MQTT test client: the filters the
//   page subscribes to and what it publishes. It is its own principal, so
//   the broker's policies decide what the page may publish.
//
// Thread safety: Start() and Stop() need external synchronization.
#ifndef SHADOWSYNC_SERVICE_CONSOLE_CONSOLE_H_
#define SHADOWSYNC_SERVICE_CONSOLE_CONSOLE_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "history_store.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/status.h"

namespace shadowsync::console {

/// The console's settings; the comments name the gateway's flags.
struct ConsoleOptions {
  MqttOptions mqtt;                   ///< the gateway's connection flags; client ids get suffixes
  std::string address = "127.0.0.1";  ///< --console-bind
  int port = 8080;                    ///< --console-port (0: a free port)
  std::string token;                  ///< --console-token (required off loopback)
  std::string web_dir;                ///< --console-web-dir; "": the installed or the source copy
  std::string chart_dir = "/usr/share/javascript/dygraphs";  ///< Debian's libjs-dygraphs
  HistoryOptions history;     ///< --history, --history-max-age, --history-max-rows
  std::string registry_file;  ///< --registry: the registry page and the things it names
  std::chrono::milliseconds request_timeout{5000};  ///< --timeout
};

/// The console.
///
/// Thread safety: Start() and Stop() need external synchronization.
class Console {
 public:
  Console(ConsoleOptions options, std::function<void(const std::string&)> log);
  ~Console();  ///< Stop()s
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  /// Checks the bind (a non-loopback address needs a token), opens the
  /// history, connects both clients, subscribes and starts serving. Errors
  /// name the flag: "--console-token: ...", "--history: ...", "broker: ...".
  Status Start();
  /// Stops serving and disconnects. Idempotent.
  void Stop();
  /// The bound port (after Start()).
  int port() const;
  /// The URL to open (after Start()).
  std::string url() const;

 private:
  struct Parts;
  ConsoleOptions options_;
  std::function<void(const std::string&)> log_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace shadowsync::console

#endif  // SHADOWSYNC_SERVICE_CONSOLE_CONSOLE_H_
