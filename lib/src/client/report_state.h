// SPDX-License-Identifier: Apache-2.0
//
// ReportState: the device's reported state on its way to the service.
//   acked_      the reported section as the service has it (GET, then every
//               accepted report applied with the service's merge rules)
//   target_     the device's whole reported state, in the service's form
//   in_flight_  the one report patch awaiting its answer
//   synced_     a GET since the last (re)connect has answered
// A report is always Diff(acked_, target_), so coalescing while offline and
// recovering from a report lost in a disconnect are the same computation:
// after a reconnect the GET says what the service has, and the difference
// is sent. Nothing is re-sent blindly. A transient rejection (429, 500, 503)
// holds the next report back with a doubling delay.
//
// Thread safety: not thread-safe; confine to one thread.

#ifndef SHADOWSYNC_CLIENT_REPORT_STATE_H_
#define SHADOWSYNC_CLIENT_REPORT_STATE_H_

#include <chrono>
#include <optional>
#include <string>

#include "pooled_json.h"
#include "shadowsync/json.h"

namespace shadowsync::internal {

/// The first and the longest delay before a retry (a report after a
/// transient rejection, a GET after a failed resync).
inline constexpr std::chrono::milliseconds kFirstRetryDelay{500};
inline constexpr std::chrono::milliseconds kMaxRetryDelay{30000};

/// The service's form of a section: what storing it would keep (nulls
/// dropped, objects made only of nulls not created), so that comparing it
/// with what the service acknowledged is exact.
PooledJson ServiceForm(const JsonValue& section);

class ReportState {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // ---- the device ----

  /// The device's whole reported state is now `reported` (any form).
  void SetTarget(const JsonValue& reported) { target_ = ServiceForm(reported); }
  /// The device has no reported state to send (until the next SetTarget).
  void ForgetTarget() { target_.reset(); }
  /// Resending the target would be rejected again: keep what the service
  /// has, and let the next SetTarget try anew.
  void Abandon() { target_.emplace(acked_.value()); }

  // ---- the service ----

  /// A GET answered: the service's reported section is `reported` (null or
  /// not an object: none). The state is synced until Unsync().
  void Adopt(const JsonValue* reported);
  /// The shadow was deleted: the service has nothing reported.
  void ForgetAcked() { acked_ = PooledJson(); }
  /// The connection went or is going: the next report waits for a GET.
  void Unsync() { synced_ = false; }

  // ---- reports ----

  /// The patch to send now: Diff(acked, target), possibly empty. Nothing
  /// while unsynced, while a report is in flight, without a target, or
  /// before the retry time after a transient rejection (`now`).
  std::optional<JsonDocument> NextPatch(TimePoint now);
  /// `patch` was published with `token` and awaits its answer.
  void Sent(std::string token, JsonDocument patch);
  /// The report sent with `token` is no longer awaited (timed out,
  /// rejected); the difference is computed anew for the next one.
  void Drop(const std::string& token);
  /// Forgets the report in flight, whatever its token, and returns that
  /// token (a connection lost: it may or may not have been applied).
  std::optional<std::string> DropInFlight();
  /// The service accepted the report sent with `token`: it is applied to
  /// acked with the service's merge rules, and the retry delay is reset.
  void Accepted(const std::string& token);
  /// The service rejected the report sent with `token` transiently: the
  /// next one waits for the retry delay from `now`, which doubles.
  void RetryLater(const std::string& token, TimePoint now);

  // ---- state ----

  /// A report is in flight, or the target differs from what the service
  /// last acknowledged. Offline too: acked() keeps what the service last
  /// acknowledged, so a state acknowledged before the connection dropped is
  /// not pending (and needs no journal).
  bool HasPendingReport() const {
    if (!target_) return false;
    return in_flight_.has_value() || !JsonEquals(acked_.value(), target_->value());
  }
  bool synced() const { return synced_; }
  const JsonValue& acked() const { return acked_.value(); }
  /// The device's reported state, or null when it has none.
  const JsonValue* target() const { return target_ ? &target_->value() : nullptr; }
  /// What the device has reported as far as it knows: the target, or what
  /// the service acknowledged when there is none.
  const JsonValue& device_state() const { return target_ ? target_->value() : acked_.value(); }
  /// When a report held back by a transient rejection may go.
  std::optional<TimePoint> retry_at() const { return report_retry_at_; }
  std::chrono::milliseconds retry_delay() const { return report_retry_delay_; }

 private:
  struct InFlightReport {
    std::string token;
    JsonDocument patch;
  };

  bool synced_ = false;
  PooledJson acked_;
  std::optional<PooledJson> target_;
  std::optional<InFlightReport> in_flight_;
  std::optional<TimePoint> report_retry_at_;
  std::chrono::milliseconds report_retry_delay_ = kFirstRetryDelay;
};

}  // namespace shadowsync::internal

#endif  // SHADOWSYNC_CLIENT_REPORT_STATE_H_
