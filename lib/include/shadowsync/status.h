// SPDX-License-Identifier: Apache-2.0
//
// Status and Result<T>: errors as values. Every fallible call in shadowsync
// returns one of these; no exception crosses the public API.
//
// Thread safety: values; const methods may run concurrently, others need
// external synchronization.

#ifndef SHADOWSYNC_STATUS_H_
#define SHADOWSYNC_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace shadowsync {

/// What kind of failure a Status describes.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     ///< bad input: malformed JSON, bad name, limit exceeded
  kNotFound,            ///< no such shadow, file or key
  kConflict,            ///< version mismatch (409)
  kRejected,            ///< the service rejected a request (code in the message)
  kFailedPrecondition,  ///< the operation cannot be done in the current state
  kUnavailable,         ///< offline, broker unreachable
  kTimeout,             ///< no answer before the deadline
  kInternal,            ///< a bug or an unexpected environment failure
};

/// Returns a stable name such as "InvalidArgument".
const char* StatusCodeName(StatusCode code);

/// A code plus a human-readable message that names what was wrong and where.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  /// "InvalidArgument: <message>", or "OK".
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) {
  return Status(StatusCode::kInvalidArgument, std::move(m));
}
inline Status NotFoundError(std::string m) { return Status(StatusCode::kNotFound, std::move(m)); }
inline Status FailedPreconditionError(std::string m) {
  return Status(StatusCode::kFailedPrecondition, std::move(m));
}
inline Status InternalError(std::string m) { return Status(StatusCode::kInternal, std::move(m)); }

/// Either a T or a non-OK Status, shaped like std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(runtime/explicit)
  Result(Status status) : value_(std::move(status)) {  // NOLINT(runtime/explicit)
    assert(!std::get<Status>(value_).ok() && "a Result needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(value_); }
  explicit operator bool() const { return ok(); }

  /// The error; Status::Ok() when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(value_); }

  T& value() & {
    assert(ok());
    return std::get<T>(value_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(value_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(value_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace shadowsync

#endif  // SHADOWSYNC_STATUS_H_
