// SPDX-License-Identifier: Apache-2.0
//
// shadowctl's logic, apart from main(): argument parsing, building and
// locally validating the request, and running one command over a Transport.
// main.cc adds only the Paho transport and the signal thread, so the whole
// behaviour can be tested with a fake Transport (tests/shadowctl).

#ifndef SHADOWSYNC_TOOLS_SHADOWCTL_COMMAND_H_
#define SHADOWSYNC_TOOLS_SHADOWCTL_COMMAND_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/client.h"
#include "shadowsync/json.h"
#include "shadowsync/mutex.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/status.h"
#include "shadowsync/topic.h"
#include "shadowsync/transport.h"
#include "shadowsync/update_request.h"

namespace shadowsync {
namespace shadowctl {

/// Process exit codes (also in --help and docs/shadowctl.md).
enum ExitCode : int {
  kExitOk = 0,            ///< accepted (get/update/delete), or watch ended normally
  kExitInternal = 1,      ///< unexpected failure (a bug, or stdout unwritable)
  kExitUsage = 2,         ///< bad arguments or a request that fails local validation
  kExitRejected = 3,      ///< the service answered on .../rejected
  kExitTimeout = 4,       ///< no answer in time (or watch --count not reached)
  kExitConnection = 5,    ///< cannot connect, subscribe or publish
  kExitInterrupted = 130  ///< SIGINT/SIGTERM while waiting for an answer
};

enum class Command { kGet, kUpdate, kDelete, kWatch, kList };

/// How shadowctl reaches the service (--protocol, or the --broker scheme).
enum class Protocol {
  kMqtt,              ///< tcp://, ssl://, mqtt://, mqtts://, ws://, wss://
  kHttpsCertificate,  ///< https:// with --cert/--key (AWS: 8443, or 443 with ALPN)
  kHttpsSigV4,        ///< https:// with AWS credentials (AWS: 443)
};

/// Where an update's state comes from (exactly one of them).
enum class UpdateSource { kNone, kDesired, kReported, kFile };

/// Everything the command line says.
struct Options {
  Command command = Command::kGet;
  ShadowId shadow;
  /// Broker, TLS files, ALPN, client id; connect_timeout follows --timeout.
  /// For HTTPS, server_uri is the https:// endpoint and the files are the
  /// same flags'.
  MqttOptions mqtt;
  Protocol protocol = Protocol::kMqtt;
  /// SigV4: --profile and --region (else the AWS CLI's environment and
  /// files, shadowsync/aws_credentials.h).
  std::optional<std::string> profile;
  std::optional<std::string> region;
  /// list only: --page-size (pages are followed to the end).
  std::optional<int> page_size;
  /// Wait for the answer (get/update/delete). watch: stop after it, only
  /// when given explicitly (timeout_given).
  std::chrono::milliseconds timeout{10000};
  bool timeout_given = false;
  /// Print the accepted document on one line instead of indented.
  bool compact = false;

  /// update only.
  UpdateSource source = UpdateSource::kNone;
  /// The JSON text of --desired / --reported, or the path of --file ("-"
  /// for stdin).
  std::string source_arg;
  std::optional<std::uint64_t> version;
  /// Local validation limits (match the emulator's if you changed them).
  DocumentLimits limits;

  /// watch only: stop after this many events.
  std::optional<std::uint64_t> count;
  /// watch over HTTPS only: the time between two GETs (--interval).
  std::chrono::milliseconds poll_interval{2000};

  /// --help was given: print help_text and exit 0.
  bool help = false;
  /// --version was given (before a command): print help_text and exit 0.
  bool version_requested = false;
  /// The --help of the program or the command, or the version line.
  std::string help_text;
};

/// The --help text.
std::string UsageText();

/// An answer document as shadowctl prints it: indented, or on one line.
std::string FormatDocument(const JsonValue& document, bool compact);

/// Parses argv[1..] (without the program name). kInvalidArgument with a
/// message meant to follow "error: " on a usage error. A --help anywhere
/// wins over every other error.
Result<Options> ParseArguments(const std::vector<std::string>& args);

/// A fresh clientToken, "shadowctl-<pid>-<16 random hex digits>" (at most
/// 64 bytes, V6).
std::string MakeClientToken();

/// One request ready to publish, and the clientToken its answer carries.
struct Request {
  std::string payload;
  std::string client_token;
  /// Things that are valid but probably not what the user meant, for
  /// stderr ("warning: ..."), e.g. --desired '{"state":{...}}'.
  std::vector<std::string> warnings;
};

/// The payload of the request for `options.command` (not watch):
/// get/delete: {"clientToken":"..."}; update: the state from --desired,
/// --reported or --file plus clientToken and --version, validated locally
/// with UpdateRequest::Parse and the size limits (L1 lower bound, L5).
/// `client_token` is used unless a --file payload carries its own.
/// kInvalidArgument explains what the service would reject and why.
Result<Request> BuildRequest(const Options& options, const std::string& client_token);

/// `message` (from MqttOptions checks or the transport) in shadowctl's
/// terms: the MqttOptions field names cert_file, key_file, ca_file and
/// alpn_protocols become --cert, --key, --ca and --alpn.
std::string InFlagTerms(std::string message);

/// "10s", "0.2s", "1.5s": a duration as shadowctl's messages show it.
std::string FormatSeconds(std::chrono::milliseconds ms);

/// `s` as a JSON string literal (quoted and escaped).
std::string JsonString(std::string_view s);

/// Lets another thread (main's signal thread) interrupt a running command.
/// Thread safety: safe for concurrent use.
class StopSignal {
 public:
  /// Records the first `signal` and wakes the command waiting on it.
  void Raise(int signal);
  /// 0 until Raise() was called.
  int raised() const;

 private:
  friend class ShadowCtl;
  // watch over HTTPS (rest_watch.h) wakes its wait between polls.
  friend int RunRestWatch(const Options& options, const std::function<Result<Accepted>()>& get,
                          const std::function<int(const Status&)>& exit_for, std::ostream& out,
                          std::ostream& err, StopSignal& stop);
  void SetWaker(std::function<void()> waker);

  Mutex mu_;
  std::atomic<int> signal_{0};  // read without mu_ by the waiting thread
  std::function<void()> waker_ SHADOWSYNC_GUARDED_BY(mu_);
};

/// Runs one parsed command over a connected-on-demand Transport: connects,
/// subscribes to the answer topics (waiting for SUBACK), publishes the
/// request at QoS 1 and waits for the answer carrying its clientToken
/// (P11), or, for watch, prints delta and documents events. Writes the
/// result to `out` and diagnostics to `err`; returns an ExitCode.
///
/// `transport`, `out`, `err` and `stop` are borrowed and must outlive the
/// ShadowCtl. Thread safety: Run() once, from one thread; the transport's
/// handlers only enqueue.
class ShadowCtl {
 public:
  /// `request` is ignored for watch.
  ShadowCtl(const Options& options, Request request, Transport& transport, std::ostream& out,
            std::ostream& err, StopSignal& stop);
  ~ShadowCtl();
  ShadowCtl(const ShadowCtl&) = delete;
  ShadowCtl& operator=(const ShadowCtl&) = delete;

  int Run();

 private:
  struct Event {
    std::optional<MqttMessage> message;
    std::optional<ConnectionEvent> connection;
    Status cause;
  };

  int Connect();
  int RunRequest();
  int RunWatch();
  int Subscribe(const std::string& topic);
  // Waits for the next event until `deadline` (nullopt: forever) or a stop.
  // Returns false on timeout or stop.
  bool NextEvent(const std::optional<std::chrono::steady_clock::time_point>& deadline,
                 Event* event);
  void Wake();
  void NoteConnection(const Event& event);

  const Options& options_;
  const Request request_;
  Transport& transport_;
  std::ostream& out_;
  std::ostream& err_;
  StopSignal& stop_;

  Mutex mu_;
  std::condition_variable_any cv_;
  std::deque<Event> events_ SHADOWSYNC_GUARDED_BY(mu_);
  // After a stop: how many of the events queued before it are still to be
  // handed out.
  std::optional<std::size_t> drain_after_stop_ SHADOWSYNC_GUARDED_BY(mu_);
  bool connection_lost_ = false;
};

/// Makes the transport; MakePahoTransport in main.cc, a fake in tests.
using TransportFactory = std::function<Result<std::unique_ptr<Transport>>(const MqttOptions&)>;

/// The whole program after signal setup: parse `args`, build the request,
/// make the transport, run, disconnect. Returns the exit code.
int RunMain(const std::vector<std::string>& args, const TransportFactory& factory,
            std::ostream& out, std::ostream& err, StopSignal& stop);

}  // namespace shadowctl
}  // namespace shadowsync

#endif  // SHADOWSYNC_TOOLS_SHADOWCTL_COMMAND_H_
