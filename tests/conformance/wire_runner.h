// SPDX-License-Identifier: Apache-2.0
//
// The conformance runner's wire mode (issue 3, "Conformance over the
// wire"): each request/response vector of spec section 13 runs against a
// real shadowsync-emulator on a real MQTT broker instead of an in-process
// ShadowService.
//
// Per vector:
//  1. The vector's `initial` document (or its `initial_deleted_version`
//     tombstone, deleted now) goes into a seed file, and a fresh emulator
//     starts with `--seed-file FILE --broker URI` (+ TLS files, `--workers
//     0`, then the user's extra arguments); the runner waits for its
//     "ready on" line.
//  2. One MQTT client, connected and subscribed once for the whole run (to
//     every response topic: `$aws/things/+/shadow/+/+` and
//     `$aws/things/+/shadow/name/+/+/+`), publishes the request at QoS 1 and,
//     right after it, a sentinel GET with a unique clientToken to the same
//     shadow.
//  3. The emulator handles one shadow's requests in arrival order and
//     publishes their answers in order on one connection, so when the
//     sentinel's get/accepted or get/rejected (matched by its token)
//     arrives, every message the request caused has arrived: the messages
//     before it are exactly the request's. That makes `expect_not_published`
//     an exact check with no fixed sleep. The sentinel's answer also gives
//     `state_after`: get/accepted minus state.delta, metadata.delta,
//     timestamp and clientToken is the stored document (spec 4.3, 4.7);
//     get/rejected 404 means no live shadow.
//  4. The emulator is killed (SIGKILL; it keeps nothing) and its log lines
//     become the vector's notes.
// The messages are checked with the in-process mode's code (CheckPublished,
// CheckStateAfterDocument, one JsonComparator per vector), plus one check
// only the wire can make: the "<ts>" the request created lies within the
// wall-clock time of the exchange (±1 s).
//
// A request topic with an invalid thing or shadow name gets no answer at all
// (12a.10), and neither would a sentinel GET there. The sentinel then goes
// to a valid probe shadow (`shadowsync-conformance-probe`): with `--workers
// 0` the emulator handles every request on its one MQTT thread in arrival
// order, so the probe's answer is still a barrier. When the user's
// arguments set `--workers` to anything else, ordering holds per shadow
// only, and such vectors fall back to a bounded wait (`silence`) after the
// probe's answer. `state_after` cannot be read for an invalid name; it must
// be null (nothing can exist under an invalid name) and is noted as not
// checked.
//
// Plugin mode (`plugin` set): the service is shadowsync_mosquitto.so inside
// a fresh mosquitto per vector instead of an emulator on a shared broker.
// The runner picks a free loopback port once, writes mosquitto.conf (plain
// listener, max_qos 1, the plugin with `plugin_opt_seed_file` and the
// user's `plugin_options`), waits for mosquitto's " running" line, then
// connects its client, subscribes, runs the exchange and disconnects before
// the SIGKILL. The plugin answers one loop pass at a time, in arrival
// order, so the sentinel is an exact barrier as with `--workers 0`.
//
// HTTPS mode (`gateway` set, with plugin mode): issue 11, "The gateway
// passes the REST conformance vectors". Per vector, after the plugin's
// mosquitto, a fresh shadowsync-gateway process starts too (its mutual-TLS
// listener only, connected to that broker, on a loopback port picked once;
// ready at its "listening: mTLS" line), and the request goes over HTTPS
// with a client certificate instead of MQTT: get -> GET, update -> POST
// (the vector's payload as the body), delete -> DELETE, on
// /things/<thing>/shadow[?name=<shadow>]. Checked, exactly:
//  - the HTTP status: `rejected`'s code (400, 404, 409, 413, 415, ...) or
//    200 for `accepted`;
//  - the body: the `accepted` document (200), or the error document with
//    the `timestamp` AWS's REST errors carry (an integer within the
//    exchange's wall-clock time) and the x-amzn-ErrorType of platform notes
//    §2 (InvalidRequestException, ResourceNotFoundException,
//    ConflictException, RequestEntityTooLargeException,
//    UnsupportedDocumentEncodingException, ...);
//  - on MQTT, what devices see: the vector's accepted, delta and documents
//    on the $aws topics (their clientToken is the gateway's own, so it is
//    not compared), and never `/rejected` (a REST error is HTTP-only);
//  - state_after, through the sentinel GET on MQTT as above.
// Skipped, with the reason in the output (RestSkipReason()), because REST
// cannot express them:
//  - a request topic that is not get/update/delete of valid names (MQTT
//    gives no answer, 12a.10; over REST the gateway answers 400 itself
//    before any service, tests/gateway covers that);
//  - a get or delete whose answer echoes a clientToken from the request
//    body (P5): REST GET and DELETE have no body.
//
// Thread safety: not thread-safe; confine to one thread.

#ifndef SHADOWSYNC_TESTS_CONFORMANCE_WIRE_RUNNER_H_
#define SHADOWSYNC_TESTS_CONFORMANCE_WIRE_RUNNER_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "conformance/emulator_child.h"
#include "conformance/json_compare.h"
#include "conformance/shadow_vector.h"
#include "conformance/vector_result.h"
#include "shadowsync/json.h"
#include "shadowsync/status.h"
#include "shadowsync/transport.h"

namespace shadowsync::conformance {

struct WireOptions {
  /// "tcp://host:port" or "ssl://host:port"; the same for the runner's client
  /// and the emulator.
  std::string broker;
  /// TLS files, used by both the runner and the emulator (ssl:// only).
  std::string ca_file;
  std::string cert_file;
  std::string key_file;

  /// The shadowsync-emulator executable and extra arguments, appended after
  /// the runner's own (so they may override `--workers 0`).
  std::string emulator;
  std::vector<std::string> emulator_args;

  /// Plugin mode: the shadowsync_mosquitto.so to load (see the file
  /// comment); `broker` and `emulator` are then not used.
  std::string plugin;
  /// Plugin mode: the mosquitto binary (execv: a path).
  std::string mosquitto = "/usr/sbin/mosquitto";
  /// Plugin mode: more `plugin_opt_` lines, as "name value".
  std::vector<std::string> plugin_options;

  /// HTTPS mode (plugin mode only): the shadowsync-gateway binary.
  std::string gateway;
  /// The CA of the gateway's server certificate and of the client
  /// certificate (the gateway's --client-ca).
  std::string https_ca_file;
  /// The client certificate the runner presents.
  std::string https_cert_file;
  std::string https_key_file;
  /// The gateway's server certificate (--tls-cert, --tls-key).
  std::string gateway_cert_file;
  std::string gateway_key_file;

  /// How long an emulator may take to print its ready line.
  std::chrono::milliseconds ready_timeout{20000};
  /// How long to wait for the sentinel's answer (well above Paho's
  /// occasional 1.1 s stall).
  std::chrono::milliseconds answer_timeout{10000};
  /// The bounded wait for vectors without an exact barrier (see above).
  std::chrono::milliseconds silence{1000};
};

/// Timing of the vectors run so far.
struct WireStats {
  std::size_t vectors = 0;
  /// From fork to the emulator's ready line.
  std::chrono::microseconds emulator_start_total{0};
  std::chrono::microseconds emulator_start_max{0};
  /// From the request's publish to the sentinel's answer.
  std::chrono::microseconds exchange_total{0};
  std::chrono::microseconds exchange_max{0};
  /// The whole vector: seed file, start, exchange, kill.
  std::chrono::microseconds vector_total{0};
  std::chrono::microseconds vector_max{0};
};

/// Why HTTPS mode cannot run `v` (see the file comment), or nullopt.
std::optional<std::string> RestSkipReason(const ShadowVector& v);

class WireRunner {
 public:
  explicit WireRunner(WireOptions options);
  ~WireRunner();
  WireRunner(const WireRunner&) = delete;
  WireRunner& operator=(const WireRunner&) = delete;

  /// Checks the options, makes the work directory (for seed files), connects
  /// the MQTT client and subscribes to the response topics. kInvalidArgument
  /// for bad options or a missing emulator; the transport's errors.
  Status Start();

  /// Runs one shadow vector (see the file comment).
  VectorResult Run(const JsonValue& vector);

  bool https_mode() const { return !options_.gateway.empty(); }

  /// Ends the emulator (if any), disconnects and removes the work directory.
  void Stop();

  const WireStats& stats() const { return stats_; }
  /// One line: vectors, average and maximum emulator start, exchange and
  /// total per vector.
  std::string StatsLine() const;

 private:
  struct Exchange;

  void OnMessage(const MqttMessage& message);
  // Waits up to `deadline` for the next message; nullopt on timeout.
  std::optional<MqttMessage> NextMessage(std::chrono::steady_clock::time_point deadline);
  std::vector<MqttMessage> DrainInbox();
  std::vector<std::string> EmulatorCommand(const std::string& seed_file) const;
  // Plugin mode: writes mosquitto.conf and returns mosquitto's command.
  Result<std::vector<std::string>> BrokerCommand(const std::string& seed_file) const;
  // Connects the runner's client and subscribes to the response topics.
  Status ConnectClient();
  void DisconnectClient();
  bool plugin_mode() const { return !options_.plugin.empty(); }
  bool WorkersZero() const;
  // HTTPS mode: starts the gateway for this vector's broker.
  Status StartGateway();
  // HTTPS mode: sends the vector's request and checks the HTTP answer.
  void ExchangeHttps(const ShadowVector& v, JsonComparator& comparator, VectorResult* result);

  WireOptions options_;
  std::string work_dir_;
  std::unique_ptr<Transport> transport_;
  EmulatorChild emulator_;
  EmulatorChild gateway_;  // HTTPS mode
  int gateway_port_ = 0;
  std::uint64_t sentinel_counter_ = 0;
  WireStats stats_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<MqttMessage> inbox_;      // guarded by mu_
  std::vector<std::string> replayed_;  // retained messages; guarded by mu_
};

}  // namespace shadowsync::conformance

#endif  // SHADOWSYNC_TESTS_CONFORMANCE_WIRE_RUNNER_H_
