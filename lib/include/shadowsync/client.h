// SPDX-License-Identifier: Apache-2.0
//
// ShadowClient: a device's or an app's view of one shadow (architecture
// layer 7), over any Transport (MakePahoTransport for a real broker,
// testkit::LoopbackBroker in tests).
//
//   device side   OnDelta(handler)      desired changes, once each, in order
//                 Report(state)         sends only what changed since the
//                                       service last acknowledged (Diff)
//                 ClearDesired(keys)    nulls stale desired keys
//   app side      UpdateDesired(patch)  optionally conditional on a version,
//                                       with GET-rebase-retry on 409
//                 Get(), Delete()
//
// The hard parts handled here, so apps do not have to:
// - Every request carries a clientToken (at most 64 bytes, unique per
//   client) and a deadline; its outcome comes back as a Result.
// - Requests are checked locally against the service's limits (size, depth,
//   token) and fail with a clear kInvalidArgument instead of a silent 413.
// - Deltas: duplicates and stale ones (version not above the last delivered)
//   are dropped; a delta is never compared with accepted messages, so one
//   that carries the same version as its update's accepted is delivered.
// - (Re)connect: the transport renews subscriptions; the client then GETs
//   the document, computes the delta locally against the device's reported
//   state (including reports not yet acknowledged) and delivers any desired
//   change missed while offline, then sends the pending report.
// - Offline: Report() only records the device's state; what the service
//   lacks is sent as one patch once online. With a journal file the pending
//   state survives a process restart.
//
// Threads: the client starts no thread. Transport handlers (Paho's thread)
// only enqueue. Everything else, and every callback, runs on the owner's
// thread inside Poll(), RunFor() or RunUntil(). Callbacks may call any
// method of the client except the Run*/Poll family.
//
// Thread safety: not thread-safe; confine to one thread (the owner's).

#ifndef SHADOWSYNC_CLIENT_H_
#define SHADOWSYNC_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shadowsync/json.h"
#include "shadowsync/status.h"
#include "shadowsync/topic.h"
#include "shadowsync/transport.h"
#include "shadowsync/update_request.h"

namespace shadowsync {

/// The clock the client reads deadlines from; injectable for tests.
using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;

struct ClientOptions {
  /// The shadow: a thing and, for a named shadow, its name.
  ShadowId shadow;
  /// Start of every clientToken ("<prefix>-<n>"). Empty: 8 random hex
  /// digits. At most 40 bytes, so tokens stay within L3's 64.
  std::string client_token_prefix;
  /// How long a request waits for its accepted or rejected answer.
  std::chrono::milliseconds request_timeout{10000};
  /// UpdateDesired with a version: how many GET-rebase-retry rounds on 409
  /// before giving up with kConflict.
  int max_conflict_retries = 3;
  /// The service's limits, checked locally before sending.
  DocumentLimits limits;
  /// When set, the device's reported state that the service has not yet
  /// acknowledged is kept in this file (written atomically, fsynced), and
  /// picked up again by a new client after a restart.
  std::string journal_path;
  /// Subscribe to `update/documents` and deliver them to OnDocuments.
  bool subscribe_documents = false;
  /// Deadlines are read from this clock (default: steady_clock::now).
  SteadyClock clock;
};

/// Desired changes for the device: the `state` of a delta message (D1 to
/// D6), or the delta computed locally after a (re)connect.
struct Delta {
  /// The shadow's version this delta belongs to.
  std::uint64_t version = 0;
  /// Desired values that differ from reported; objects nest.
  JsonDocument state;
  /// True when computed from a GET after a (re)connect rather than received.
  bool from_resync = false;
};

/// An accepted answer: the payload of the `accepted` message.
struct Accepted {
  std::uint64_t version = 0;
  /// For Get: the whole document (state, metadata, version, timestamp).
  /// For updates: the state sent, with metadata. For Delete: version only.
  JsonDocument payload;
};

/// Outcome of one request: the accepted answer, or
/// - kConflict (409), kNotFound (404), kRejected (any other code; the
///   message starts with the code, e.g. "413: The payload exceeds ...");
/// - kTimeout when no answer came within request_timeout;
/// - kInvalidArgument when the request failed the local checks.
using RequestResult = Result<Accepted>;
using ResultHandler = std::function<void(RequestResult result)>;
using DeltaHandler = std::function<void(const Delta& delta)>;
/// The `update/documents` payload: {"previous", "current", "timestamp", ...}.
using DocumentsHandler = std::function<void(const JsonValue& documents)>;
/// Online (true) after connect, reconnect; offline (false) with the cause.
using ConnectivityHandler = std::function<void(bool online, const Status& cause)>;
/// A request got no answer within request_timeout: the topic it was
/// published on ("$aws/things/<thing>/shadow/get") and the kTimeout status.
using RequestTimeoutHandler =
    std::function<void(const std::string& request_topic, const Status& timeout)>;
/// Given the current document (a Get payload), the patch to retry with; a
/// non-OK Status abandons the update with that error.
using RebaseFunction = std::function<Result<JsonDocument>(const JsonValue& current_document)>;

/// Options of one UpdateDesired call.
struct UpdateOptions {
  /// Conditional update: applied only if the shadow has this version (V3).
  std::optional<std::uint64_t> expected_version;
  /// On 409: called with the fresh document; default resends the same patch
  /// at the fresh version.
  RebaseFunction rebase;
};

class ShadowClient {
 public:
  /// Creates a client over `transport` (owned) and installs its handlers.
  /// kInvalidArgument for an invalid thing or shadow name, a token prefix
  /// over 40 bytes, or an unreadable or foreign journal file (the message
  /// names the file). Does not connect: call Start().
  static Result<std::unique_ptr<ShadowClient>> Create(ClientOptions options,
                                                      std::unique_ptr<Transport> transport);
  ~ShadowClient();
  ShadowClient(const ShadowClient&) = delete;
  ShadowClient& operator=(const ShadowClient&) = delete;

  /// Handlers; set them before Start(). Each runs on the owner's thread.
  /// Without an OnDelta handler the client does not subscribe to deltas
  /// (an app that only updates desired needs none).
  void OnDelta(DeltaHandler handler);
  void OnDocuments(DocumentsHandler handler);
  void OnConnectivity(ConnectivityHandler handler);
  /// Outcome of each report the client sent on the device's behalf.
  void OnReportResult(ResultHandler handler);
  /// Every request that times out, also those the client sends on its own:
  /// the GET after each (re)connect, which it repeats silently while
  /// nothing answers, and reports. Runs before the request's own outcome.
  /// For diagnostics: without it a broker with no shadow service (or a
  /// policy that drops the requests) looks like a quiet shadow.
  void OnRequestTimeout(RequestTimeoutHandler handler);

  /// Connects (blocking), subscribes to the response topics, then GETs the
  /// document to deliver missed desired changes. kUnavailable (with the
  /// transport's cause) when the broker cannot be reached; Start() may be
  /// called again later. Reports made meanwhile are kept.
  Status Start();

  /// Waits up to `timeout` (running Poll) for the pending report to be
  /// acknowledged and queued messages to be sent, then disconnects.
  /// Offline it waits for nothing. kTimeout when a report was still pending
  /// (HasPendingReport()); the message names the journal when its file
  /// holds the state.
  Status Stop(std::chrono::milliseconds timeout);

  // ---- device side ----

  /// Records `reported` (an object: the device's whole reported state) and,
  /// when online, sends the difference from what the service last
  /// acknowledged, with null for keys that disappeared. Offline, or while
  /// another report is in flight, the changes wait and coalesce.
  /// kInvalidArgument, with nothing recorded, when `reported` is not an
  /// object or the result would break a limit (depth, L1 size).
  Status Report(const JsonValue& reported);

  /// Sets the given desired keys (JSON pointers such as "/power" or
  /// "/light/color") to null, e.g. after the device changed locally and the
  /// stale desired value would keep producing deltas.
  Status ClearDesired(const std::vector<std::string>& pointers, ResultHandler done = {});

  // ---- app side ----
  //
  // Two outcomes, never both: the returned Status says whether the request
  // was sent; `done` gets the service's answer (or kTimeout) later, in
  // Poll(), only for a request that was sent. Offline the request is not
  // queued: the call returns kUnavailable at once and `done` is never
  // called (unlike Report(), which waits and coalesces). kInvalidArgument,
  // also without calling `done`, when the request fails the local checks.
  // ClearDesired() follows the same rules.

  /// Sends `patch` (an object) as state.desired; nulls delete keys.
  Status UpdateDesired(const JsonValue& patch, ResultHandler done = {}, UpdateOptions options = {});
  /// Requests the whole document.
  Status Get(ResultHandler done);
  /// Deletes the shadow.
  Status Delete(ResultHandler done);

  // ---- running ----

  /// Handles everything received so far, fires due timeouts and retries,
  /// and runs the callbacks. Returns the number of events handled.
  std::size_t Poll();
  /// Polls, sleeping while idle, for `duration`.
  void RunFor(std::chrono::milliseconds duration);
  /// Polls until `done()` is true (checked after each Poll) or `timeout`
  /// passes; returns done().
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

  // ---- state ----

  bool IsOnline() const;
  /// True while the service has not acknowledged some of the device's
  /// reported state: a report is in flight, or the state differs from what
  /// the service last acknowledged (offline too: a state acknowledged before
  /// the connection dropped is not pending). A journal file exists exactly
  /// while this is true.
  bool HasPendingReport() const;
  /// The reported section as the service last acknowledged it ({} if none).
  const JsonValue& acknowledged_reported() const;
  /// The version of the last delta delivered (0 before any).
  std::uint64_t last_delta_version() const;
  const ShadowId& shadow() const;

 private:
  class Impl;
  explicit ShadowClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shadowsync

#endif  // SHADOWSYNC_CLIENT_H_
