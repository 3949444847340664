// SPDX-License-Identifier: Apache-2.0
//
// AWS IoT SQL, the language of topic rules, evaluated offline: parse a
// rule's `SELECT ... FROM '<topic filter>' [WHERE ...]` once, then evaluate
// it on each message (shared/notes/platform.md section 4, docs/rules.md).
//
// The subset: SELECT with `*`, dotted paths, AS, arithmetic (+ - * / %),
// literals (numbers, 'strings', true, false, null); FROM a quoted topic
// filter (+ and # allowed); WHERE with = <> < <= > >=, AND, OR, NOT and
// parentheses; the functions topic(), topic(n), timestamp(), clientid(),
// principal(), newuuid(), upper(), lower(), concat() and isUndefined().
// Keywords and function names are case-insensitive, as on AWS.
//
// Anything else is refused by Parse with its 1-based position and the
// construct named ("SQL position 8: nested SELECT is not supported"): a rule
// is never silently evaluated differently from AWS.
//
// AWS's Undefined (a missing key, a function given the wrong type) is kept
// apart from null: an Undefined item is left out of the result, and WHERE is
// true only when it evaluates to the boolean true.
//
// Both steps are pure: the clock (timestamp()) and the uuid source
// (newuuid()) are arguments of Evaluate. Action parameters with `${...}`
// use the same evaluator: see substitution_template.h.

#ifndef SHADOWSYNC_SQL_H_
#define SHADOWSYNC_SQL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync {

/// One message as the rules engine sees it. Borrowed views: what they point
/// to must outlive the Evaluate() call.
///
/// Thread safety: a value; `new_uuid` is called on the evaluating thread, so
/// share one message between threads only with a thread-safe source.
struct SqlMessage {
  std::string_view topic;  ///< the topic it was published to (no wildcards)
  /// The payload bytes as published.
  std::string_view payload;
  /// The payload parsed (ParseJson), or nullptr when it is not JSON. Parse
  /// once per message and share it between rules. Without JSON, every path
  /// is Undefined and `SELECT *` passes the bytes on unchanged. Copying
  /// and comparing values recurse on their depth (RapidJSON), so a host fed
  /// by untrusted clients bounds NestingDepth() first, as the shadow service
  /// does (60 000 levels still pass on an 8 MB stack).
  const JsonValue* payload_json = nullptr;
  std::string_view client_id = "n/a";  ///< clientid(); AWS gives "n/a" outside MQTT
  std::string_view principal;          ///< principal(): certificate id or IAM identity
  std::int64_t timestamp_ms = 0;       ///< timestamp(): the engine's clock, ms since epoch
  /// newuuid(): returns a fresh random UUID string on each call. Called only
  /// when the statement uses newuuid(); empty makes that an evaluation error.
  std::function<std::string()> new_uuid;
};

/// What a statement made of one message.
///
/// Thread safety: a value; const access may run concurrently.
struct SqlOutcome {
  /// True when the topic matches FROM and WHERE (if any) is true. When
  /// false, nothing else is set and no action runs.
  bool matched = false;
  /// The SELECT result when `matched` and the payload is JSON: an object in
  /// general; `SELECT *` alone passes a non-object JSON payload unchanged.
  JsonDocument result;
  /// True when `matched` and the result is the raw non-JSON payload (only
  /// `SELECT *` alone, as AWS passes binary payloads through); `result` is
  /// then null.
  bool raw_payload = false;
};

/// A parsed AWS IoT SQL statement.
///
/// Thread safety: immutable after Parse; const methods and Evaluate may run
/// concurrently.
class SqlStatement {
 public:
  /// Parses `sql`. kInvalidArgument with "SQL position P: <what>" (P counts
  /// bytes from 1) for a syntax error or a construct outside the subset.
  static Result<SqlStatement> Parse(std::string_view sql);

  SqlStatement(SqlStatement&&) noexcept;
  SqlStatement& operator=(SqlStatement&&) noexcept;
  SqlStatement(const SqlStatement&) = delete;
  SqlStatement& operator=(const SqlStatement&) = delete;
  ~SqlStatement();

  /// The statement as given to Parse.
  const std::string& text() const;
  /// The FROM topic filter, without its quotes.
  const std::string& topic_filter() const;

  /// Evaluates the statement on `message`: FROM first, then WHERE, then
  /// SELECT (so WHERE cannot see SELECT's aliases, as on AWS).
  /// Errors (kInvalidArgument; the rule's errorAction is AWS's answer):
  /// `SELECT *` next to other items on a payload that is not a JSON object,
  /// newuuid() without a uuid source.
  Result<SqlOutcome> Evaluate(const SqlMessage& message) const;

 private:
  struct Impl;
  explicit SqlStatement(std::unique_ptr<Impl> impl);
  friend struct SqlStatementAccess;  // the parser, in sql_statement.cc

  std::unique_ptr<Impl> impl_;
};

/// A random (version 4, RFC 4122) UUID in its 36-character text form,
/// drawn from `random`: a newuuid() source for hosts (SqlMessage::new_uuid).
///
/// Thread safety: uses `random`, which the caller must not share between
/// threads without a lock.
std::string NewUuidV4(std::mt19937_64& random);

}  // namespace shadowsync

#endif  // SHADOWSYNC_SQL_H_
