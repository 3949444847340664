// SPDX-License-Identifier: Apache-2.0
//
// RequestTable: ShadowClient's requests awaiting an answer, by clientToken.
// Every request the client publishes carries a fresh token
// ("<prefix>-<counter>"); the answer on .../accepted or .../rejected carries
// it back, and Take() finds the request it answers. A request nobody
// answers expires at its deadline (ExpiredTokens, NextDeadline).
//
// Thread safety: not thread-safe; confine to one thread.

#ifndef SHADOWSYNC_CLIENT_REQUEST_TABLE_H_
#define SHADOWSYNC_CLIENT_REQUEST_TABLE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "shadowsync/client.h"
#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync::internal {

/// What a pending request is for; it decides how its answer is handled.
enum class RequestKind {
  kGet,            ///< the app's Get()
  kDelete,         ///< the app's Delete()
  kUpdateDesired,  ///< the app's UpdateDesired() or ClearDesired()
  kReport,         ///< the device's reported state
  kResyncGet,      ///< the GET after a (re)connect
  kConflictGet,    ///< the GET after a 409, to rebase a conditional update
};

/// One request awaiting its answer.
struct PendingRequest {
  RequestKind kind = RequestKind::kGet;
  std::chrono::steady_clock::time_point deadline;
  ResultHandler done;
  // A conditional kUpdateDesired and its kConflictGet: what to resend.
  JsonDocument patch;
  std::optional<std::uint64_t> expected_version;
  RebaseFunction rebase;
  int conflict_rounds = 0;
};

/// At most this many bytes of client_token_prefix keep a clientToken within
/// the service's 64 (L3).
inline constexpr std::size_t kMaxTokenPrefixBytes = 40;

/// OK when `prefix` may start clientTokens: at most kMaxTokenPrefixBytes of
/// letters, digits, '-' and '_' (the error names the byte count or the
/// character).
Status CheckClientTokenPrefix(const std::string& prefix);

class RequestTable {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  /// Tokens start with `token_prefix`, or with 8 random hex digits when it
  /// is empty (so two clients of one thing do not take each other's
  /// answers).
  explicit RequestTable(const std::string& token_prefix);

  /// A token no earlier call returned.
  std::string NextToken();

  /// Records `request`, sent with `token`; it expires at request.deadline.
  void Add(std::string token, PendingRequest request);

  /// Removes and returns the request sent with `token`, or nothing when
  /// none is pending (another client's answer, or one that timed out).
  std::optional<PendingRequest> Take(const std::string& token);

  /// Forgets the request sent with `token`, if any.
  void Erase(const std::string& token);

  /// Forgets every pending request of `kind`.
  void EraseKind(RequestKind kind);

  /// The tokens of the requests whose deadline is not after `now`, in token
  /// order. They stay pending until Take()n.
  std::vector<std::string> ExpiredTokens(TimePoint now) const;

  /// The earliest deadline of a pending request.
  std::optional<TimePoint> NextDeadline() const;

  bool empty() const { return pending_.empty(); }
  std::size_t size() const { return pending_.size(); }
  const std::string& token_prefix() const { return token_prefix_; }

 private:
  std::string token_prefix_;
  std::uint64_t token_counter_ = 0;
  std::map<std::string, PendingRequest> pending_;  // by clientToken
};

}  // namespace shadowsync::internal

#endif  // SHADOWSYNC_CLIENT_REQUEST_TABLE_H_
